"""The rule checker on hand-made rosters: each rule fires exactly where it should."""

from __future__ import annotations

from datetime import date

from app.attendance import rules as R
from app.attendance.roster import STANDARD_CYCLE, Roster
from app.attendance.rules import ApprovedLeave, CoverRule, Licence, RosterProblem, RuleSettings, check_roster
from app.domain.org import Month

from .conftest import member

DEC = Month(2025, 12)  # 1 Dec 2025 is a Monday


def rest_roster(staff: list[str]) -> Roster:
    r = Roster.empty("W", DEC, staff)
    for s in staff:
        r = r.with_cycle(s, ["休"])
    return r


def fired(violations: list[R.Violation], rule: str) -> list[tuple[str | None, int]]:
    return [(v.staff_no, v.day.day) for v in violations if v.rule == rule]


def problem(cat, staff, **kw) -> RosterProblem:  # type: ignore[no-untyped-def]
    settings = kw.pop("settings", RuleSettings())
    return RosterProblem(cat, {s: member(s) for s in staff}, settings=settings, **kw)


def test_clean_cycle_roster_has_no_violation(cat) -> None:  # type: ignore[no-untyped-def]
    staff = [f"N{i}" for i in range(6)]
    r = Roster.empty("W", DEC, staff).with_cycles({s: i for i, s in enumerate(staff)})
    assert r.row("N0")[:6] == STANDARD_CYCLE
    assert r.row("N1")[:2] == ("小夜", "大夜")
    assert check_roster(r, problem(cat, staff)) == []


def test_rest_after_night_and_no_early_after_night(cat) -> None:  # type: ignore[no-untyped-def]
    r = rest_roster(["A"]).with_cell("A", date(2025, 12, 3), "大夜").with_cell("A", date(2025, 12, 4), "白")
    v = check_roster(r, problem(cat, ["A"]))
    assert fired(v, R.REST_AFTER_NIGHT) == [("A", 4)]
    assert fired(v, R.NO_EARLY_AFTER_NIGHT) == [("A", 4)]
    assert fired(v, R.MIN_REST) == [("A", 4)]  # 大夜 ends 08:00 on the 4th, 白 starts then
    # 小夜 the day after a night: not early, but only 8 h after the night ends
    r2 = rest_roster(["A"]).with_cell("A", date(2025, 12, 3), "大夜").with_cell("A", date(2025, 12, 4), "小夜")
    v2 = check_roster(r2, problem(cat, ["A"]))
    assert fired(v2, R.REST_AFTER_NIGHT) == [("A", 4)]
    assert fired(v2, R.NO_EARLY_AFTER_NIGHT) == []
    assert fired(v2, R.MIN_REST) == [("A", 4)]
    assert fired(check_roster(r2, problem(cat, ["A"], settings=RuleSettings(min_rest_hours=8))), R.MIN_REST) == []
    # two rest days required: work on the second day after fires too
    r3 = rest_roster(["A"]).with_cell("A", date(2025, 12, 3), "大夜").with_cell("A", date(2025, 12, 5), "白")
    v3 = check_roster(r3, problem(cat, ["A"], settings=RuleSettings(rest_days_after_night=2)))
    assert fired(v3, R.REST_AFTER_NIGHT) == [("A", 5)]
    assert check_roster(r3, problem(cat, ["A"])) == []


def test_min_rest_small_night_to_day(cat) -> None:  # type: ignore[no-untyped-def]
    r = rest_roster(["A"]).with_cell("A", date(2025, 12, 10), "小夜").with_cell("A", date(2025, 12, 11), "白")
    v = check_roster(r, problem(cat, ["A"]))
    assert [(x.rule, x.day.day) for x in v] == [(R.MIN_REST, 11)]  # 8 h < 10 h
    assert check_roster(r, problem(cat, ["A"], settings=RuleSettings(min_rest_hours=8))) == []


def test_consecutive_nights_and_monthly_nights(cat) -> None:  # type: ignore[no-untyped-def]
    r = rest_roster(["A"])
    for d in (1, 2, 3, 4):
        r = r.with_cell("A", date(2025, 12, d), "大夜")
    v = check_roster(r, problem(cat, ["A"]))
    assert fired(v, R.MAX_CONSECUTIVE_NIGHTS) == [("A", 4)]
    for d in (10, 11, 12, 20, 21):
        r = r.with_cell("A", date(2025, 12, d), "大夜")
    v = check_roster(r, problem(cat, ["A"], settings=RuleSettings(max_consecutive_nights=4, max_nights_per_month=8)))
    assert fired(v, R.MAX_CONSECUTIVE_NIGHTS) == []
    assert fired(v, R.MAX_NIGHTS_MONTH) == [("A", 21)]  # the 9th night


def test_history_from_previous_month_counts(cat) -> None:  # type: ignore[no-untyped-def]
    r = rest_roster(["A"]).with_cell("A", date(2025, 12, 1), "白")
    v = check_roster(r, problem(cat, ["A"], history={"A": ["大夜", "大夜"]}))
    assert fired(v, R.REST_AFTER_NIGHT) == [("A", 1)]
    assert fired(v, R.NO_EARLY_AFTER_NIGHT) == [("A", 1)]
    r2 = rest_roster(["A"]).with_cell("A", date(2025, 12, 1), "大夜")
    v2 = check_roster(r2, problem(cat, ["A"], history={"A": ["大夜", "大夜", "大夜"]}))
    assert fired(v2, R.MAX_CONSECUTIVE_NIGHTS) == [("A", 1)]


def test_weekly_hours_and_consecutive_days(cat) -> None:  # type: ignore[no-untyped-def]
    r = rest_roster(["A"])
    for d in range(1, 8):  # Mon 1 – Sun 7 December: seven 白 shifts
        r = r.with_cell("A", date(2025, 12, d), "白")
    v = check_roster(r, problem(cat, ["A"]))
    assert fired(v, R.WEEKLY_HOURS) == [("A", 6)]  # 48 h on Saturday > 44 h
    assert fired(v, R.MAX_CONSECUTIVE_DAYS) == [("A", 7)]


def test_coverage_and_skill_mix(cat) -> None:  # type: ignore[no-untyped-def]
    staff = ["S1", "S2", "S3"]
    members = {"S1": member("S1", "主管护师"), "S2": member("S2", "护师"), "S3": member("S3", "护师")}
    cover = (
        CoverRule("每晚至少2名护士", frozenset({"大夜"}), 2),
        CoverRule("每晚至少1名主管护师", frozenset({"大夜"}), 1, frozenset({"主管护师"})),
    )
    r = rest_roster(staff)
    # Dec 1: S1 + S2 (ok); Dec 2: S2 + S3 (no senior); Dec 3: S1 only (too few) ...
    nights = {1: ["S1", "S2"], 2: ["S3", "S2"]}
    for d, who in nights.items():
        for s in who:
            r = r.with_cell(s, date(2025, 12, d), "大夜")
    p = RosterProblem(cat, members, cover, RuleSettings(max_consecutive_nights=5))
    v = check_roster(r, p)
    cov = [(x.day.day, x.message.split(":")[0].split("：")[0]) for x in v if x.rule == R.COVERAGE]
    assert (1, "每晚至少2名护士") not in cov and (1, "每晚至少1名主管护师") not in cov
    assert (2, "每晚至少1名主管护师") in cov and (2, "每晚至少2名护士") not in cov
    assert (3, "每晚至少2名护士") in cov and (3, "每晚至少1名主管护师") in cov
    assert sum(1 for x in v if x.rule == R.COVERAGE) == 1 + 2 * 29
    assert all(x.staff_no is None for x in v if x.rule == R.COVERAGE)


def test_licence_counts_as_skill_and_expiry(cat) -> None:  # type: ignore[no-untyped-def]
    lic = (Licence("护士执业证书", date(2019, 1, 1), date(2025, 12, 15)),)
    p = RosterProblem(cat, {"A": member("A", licences=lic)})
    r = rest_roster(["A"]).with_cell("A", date(2025, 12, 15), "白").with_cell("A", date(2025, 12, 16), "白")
    v = check_roster(r, p)
    assert fired(v, R.LICENCE) == [("A", 16)]
    # licence-holder coverage: the licence kind counts as the skill only while valid
    cover = (CoverRule("每晚至少1名持证护士", frozenset({"白"}), 1, frozenset({"护士执业证书"}), frozenset({0, 1})),)
    p2 = RosterProblem(cat, {"A": member("A", licences=lic)}, cover)
    v2 = check_roster(r, p2)
    assert [x.day.day for x in v2 if x.rule == R.COVERAGE] == [1, 2, 8, 9, 16, 22, 23, 29, 30]
    # staff without licence requirement (e.g. 护理员) never fire the licence rule
    p3 = RosterProblem(cat, {"A": member("A", licences=(), licence_required=False)})
    assert fired(check_roster(r, p3), R.LICENCE) == []


def test_leave_clash_and_cap_and_unknown_code(cat) -> None:  # type: ignore[no-untyped-def]
    leave = (ApprovedLeave("A", date(2025, 12, 8), date(2025, 12, 12), "年假"),)
    r = rest_roster(["A", "B"]).with_cell("A", date(2025, 12, 10), "白")
    r = r.with_leave("A", date(2025, 12, 20), date(2025, 12, 20), "年", cat)
    r = r.with_leave("B", date(2025, 12, 20), date(2025, 12, 21), "病", cat)
    r = r.with_cell("B", date(2025, 12, 25), "XX")
    p = problem(cat, ["A", "B"], leave=leave, settings=RuleSettings(max_on_leave_per_day=1))
    v = check_roster(r, p)
    assert fired(v, R.LEAVE_CLASH) == [("A", 10)]
    assert fired(v, R.LEAVE_CAP) == [(None, 20)]
    assert fired(v, R.UNKNOWN_CODE) == [("B", 25)]
    assert len(v) == 3


def test_messages_are_chinese_by_default(cat) -> None:  # type: ignore[no-untyped-def]
    r = rest_roster(["A"]).with_cell("A", date(2025, 12, 10), "小夜").with_cell("A", date(2025, 12, 11), "白")
    (v,) = check_roster(r, problem(cat, ["A"]))
    assert "休息" in v.message and "A" in v.message


def test_copy_week_keeps_fixed_and_leave(cat) -> None:  # type: ignore[no-untyped-def]
    r = Roster.empty("W", DEC, ["A", "B"]).with_cycles({"A": 0, "B": 3})
    r = r.with_leave("B", date(2025, 12, 9), date(2025, 12, 9), "年", cat)
    c = r.copy_week(date(2025, 12, 1), date(2025, 12, 8))
    assert c.row("A")[7:14] == r.row("A")[0:7]
    assert c.cell("B", date(2025, 12, 9)) == "年"
    assert c.cell("B", date(2025, 12, 10)) == r.cell("B", date(2025, 12, 3))
    clipped = r.copy_week(date(2025, 12, 22), date(2025, 12, 29))  # only 29–31 exist
    assert clipped.row("A")[28:31] == r.row("A")[21:24]
