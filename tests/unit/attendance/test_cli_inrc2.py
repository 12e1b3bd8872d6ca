from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.attendance import inrc2
from app.cli import main
from tests.support import shared_data


def _problem(tmp_path: Path, max_nights: int) -> Path:
    staff = [{"staff_no": f"N{i}", "skills": ["主管护师"] if i < 3 else [],
              "licences": [{"kind": "护士执业证书", "from": "2020-01-01", "to": None}]} for i in range(8)]
    data = {"ward": "W", "month": "2026-02", "shift_set": "三班倒", "staff": staff,
            "cover": [{"name": "每晚至少2名护士", "shifts": ["大夜"], "min": 2}],
            "settings": {"max_nights_per_month": max_nights}}
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def test_cli_shifts_and_infeasible_solve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roster", "shifts", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "大夜" in [s["code"] for s in out["三班倒"]]
    rc = main(["roster", "solve", str(_problem(tmp_path, 6)), "--json", "--time-limit", "3"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 1 and res["status"] == "infeasible"
    assert "56" in res["reasons"][0] and "48" in res["reasons"][0]  # 28 nights × 2 vs 8 × 6


def test_cli_check_reports_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _problem(tmp_path, 8)
    data = json.loads(p.read_text(encoding="utf-8"))
    data["rows"] = {s["staff_no"]: ["休"] * 28 for s in data["staff"]}
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["roster", "check", str(p), "--json"]) == 1
    v = json.loads(capsys.readouterr().out)
    assert len(v) == 28 and {x["rule"] for x in v} == {"coverage"}
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["roster", "check", str(bad)]) == 2
    assert "hrdesk roster" in capsys.readouterr().err


def test_inrc2_parse_and_score() -> None:
    base = shared_data("rostering/INRC2_n030w4")
    inst = inrc2.parse(base / "Sc-n030w4.txt", base / "H0-n030w4-1.txt",
                       [base / f"WD-n030w4-{w}.txt" for w in (6, 2, 9, 1)])
    assert (len(inst.nurses), inst.n_days, inst.shifts) == (30, 28, ("Early", "Day", "Late", "Night"))
    assert inst.forbidden["Night"] == frozenset({"Early", "Day", "Late"})
    assert inst.contracts["HalfTime"].max_weekends == 1
    assert inst.demand[0][("Early", "HeadNurse")] == (1, 1)  # week 6, Monday
    assert ("NU_10", "Any", 2) in inst.off_requests
    # empty roster: every minimum unmet, and the score counts optimal shortfall and contract minimums
    assert inrc2.hard_violations(inst, {}) == sum(mn for d in inst.demand for mn, _o in d.values())
    base = inrc2.score_parts(inst, {})
    one = {("NU_10", 2): ("Early", "Nurse")}  # NU_10 asked for Wednesday off (week 1)
    parts = inrc2.score_parts(inst, one)
    s1457 = ("S1", "S4", "S5", "S6", "S7")
    assert sum(parts[k] for k in s1457) == sum(base[k] for k in s1457) + 10 - 30 * (
        inst.demand[2][("Early", "Nurse")][1] > 0) - 20
    assert inrc2.score(inst, one) == sum(parts.values())
    assert inst.shift_runs == {"Early": (2, 5), "Day": (2, 28), "Late": (2, 5), "Night": (3, 5)}
    assert inst.history["HN_0"] == inrc2.NurseHistory(0, 0, "Night", 2, 5, 0)


def test_inrc2_run_lengths_follow_the_competition_rules() -> None:
    pen = inrc2._run_penalty
    assert pen([True] * 3 + [False], 0, 2, 5) == 0
    assert pen([True, False, False], 0, 2, 5) == 1  # a 1-day run, minimum 2
    assert pen([True] * 7 + [False], 0, 2, 5) == 2  # two days above the maximum
    assert pen([True, True, False], 4, 2, 5) == 1  # continues a 4-day history run: day 6 is above 5
    assert pen([False, True], 1, 3, 5) == 2  # the history's 1-day run ends on day 0, minimum 3
    assert pen([False, True, True], 0, 3, 5) == 0  # a run still open at the end is not short yet
    assert pen([True] * 4, 6, 2, 5) == 4  # history already above: only this horizon's days count


@pytest.mark.slow
def test_inrc2_model_objective_equals_the_independent_score() -> None:
    """On a pinned roster the CP-SAT optimum is that roster's penalty, S1–S7 as ``score`` counts it."""
    base = shared_data("rostering/INRC2_n030w4")
    inst = inrc2.parse(base / "Sc-n030w4.txt", base / "H0-n030w4-1.txt", [base / "WD-n030w4-6.txt"])
    first = inrc2.solve(inst, time_limit_s=4, workers=1, runs=False)  # any roster meeting the hard rules
    assert first.assignment and first.hard_violations == 0
    pinned = first.assignment
    res = inrc2.solve(inst, time_limit_s=20, workers=1, fixed=pinned)
    assert res.status == "optimal"
    assert res.objective == inrc2.score(inst, pinned)
