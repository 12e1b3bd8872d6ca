"""CP-SAT roster generation: hard rules met (checked independently), infeasibility explained."""

from __future__ import annotations

from datetime import date

import pytest

from app.attendance.roster import Roster
from app.attendance.rules import ApprovedLeave, CoverRule, RosterProblem, RuleSettings, check_roster
from app.attendance.solver import Request, SolverOptions, solve_roster
from app.domain.org import Month

from .conftest import member

FEB = Month(2026, 2)
STAFF = [f"N{i:02d}" for i in range(9)]
COVER = (
    CoverRule("白班至少2人", frozenset({"白"}), 2),
    CoverRule("小夜至少1人", frozenset({"小夜"}), 1),
    CoverRule("每晚至少1名护士", frozenset({"大夜"}), 1),
    CoverRule("每晚至少1名主管护师", frozenset({"大夜"}), 1, frozenset({"主管护师"})),
)
OPT = SolverOptions(time_limit_s=4, seed=7)


def ward(**kw) -> RosterProblem:  # type: ignore[no-untyped-def]
    from app.attendance.shifts import default_catalog

    members = {s: member(s, "主管护师" if i < 4 else "护师") for i, s in enumerate(STAFF)}
    return RosterProblem(default_catalog("三班倒"), members, COVER, kw.pop("settings", RuleSettings()), **kw)


@pytest.mark.slow
def test_small_ward_meets_every_hard_rule_fixed_cells_and_leave() -> None:
    leave = (ApprovedLeave("N05", date(2026, 2, 9), date(2026, 2, 13), "年假"),)
    prob = ward(leave=leave, history={"N00": ["大夜", "大夜"]})
    base = Roster.empty("心内科", FEB, STAFF).with_cell("N01", date(2026, 2, 14), "大夜", fixed=True)
    base = base.with_leave("N02", date(2026, 2, 20), date(2026, 2, 21), "事", prob.catalog)
    requests = [Request("N03", date(2026, 2, 17), ""), Request("N04", date(2026, 2, 18), "白")]
    res = solve_roster(base, prob, requests=requests, options=OPT)
    assert res.ok, res.reasons
    r = res.roster
    assert r is not None
    assert check_roster(r, prob) == []  # the independent checker agrees
    assert r.cell("N01", date(2026, 2, 14)) == "大夜"
    assert r.row("N02")[19:21] == ("事", "事")
    assert all(r.cell("N05", date(2026, 2, d)) == "年" for d in range(9, 14))
    assert r.cell("N00", date(2026, 2, 1)) in ("下夜", "休", "大夜") and r.cell("N00", date(2026, 2, 1)) != "白"
    assert res.unmet_requests == ()
    nights = [sum(c == "大夜" for c in r.row(s)) for s in STAFF]
    assert max(nights) <= RuleSettings().max_nights_per_month
    # deterministic with the same seed
    again = solve_roster(base, prob, requests=requests, options=OPT)
    assert again.roster == r


def test_impossible_month_counting_argument() -> None:
    prob = ward(settings=RuleSettings(max_nights_per_month=2))
    res = solve_roster(Roster.empty("W", FEB, STAFF), prob, options=OPT)
    assert res.status == "infeasible" and res.roster is None
    assert "max_nights_month" in res.blocking_groups
    text = "\n".join(res.reasons)
    assert "每晚至少1名主管护师" in text and "28" in text and "8" in text  # needs 28, 4 seniors × 2 = 8


@pytest.mark.slow
def test_impossible_month_found_by_relaxing_rule_groups() -> None:
    # enough nights in total, but 2 rest days after every single night leave no one for the day shift
    staff = STAFF[:6]
    from app.attendance.shifts import default_catalog

    members = {s: member(s, "主管护师") for s in staff}
    cover = (CoverRule("每晚至少2名护士", frozenset({"大夜"}), 2), CoverRule("白班至少2人", frozenset({"白"}), 2))
    prob = RosterProblem(default_catalog("三班倒"), members, cover,
                         RuleSettings(max_nights_per_month=31, max_consecutive_nights=1, rest_days_after_night=2))
    res = solve_roster(Roster.empty("W", FEB, staff), prob, options=SolverOptions(time_limit_s=4))
    assert res.status == "infeasible"
    assert "rest_after_night" in res.blocking_groups and "max_consecutive_nights" in res.blocking_groups
    assert any("下夜" in r or "夜班" in r or "连续" in r for r in res.reasons)
