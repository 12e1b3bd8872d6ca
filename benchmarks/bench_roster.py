"""Roster solver on public instances: INRC-II n030w4 (history 1, weeks 6-2-9-1) and a generated ward month.

Run: ``nice python -m benchmarks roster`` (HRDESK_SHARED_DIR or ../shared for the data).
Scored soft constraints: S1–S7 with the INRC-II weights (see ``app.attendance.inrc2``), solved as one
4-week block (static variant) in two stages: without S2/S3 in the objective for the first seconds,
then the full objective from that roster.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from app.attendance import inrc2
from app.attendance.roster import Roster
from app.attendance.rules import CoverRule, Licence, RosterProblem, RuleSettings, StaffMember, check_roster
from app.attendance.shifts import default_catalog
from app.attendance.solver import SolverOptions, solve_roster
from app.domain.org import Month

TIME_LIMIT = float(os.environ.get("HRDESK_BENCH_ROSTER_SECONDS", "60"))


def _shared() -> Path:
    env = os.environ.get("HRDESK_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared"


def run() -> Iterable[dict]:  # type: ignore[type-arg]
    base = _shared() / "data" / "rostering" / "INRC2_n030w4"
    weeks = (6, 2, 9, 1)
    inst = inrc2.parse(base / "Sc-n030w4.txt", base / "H0-n030w4-1.txt", [base / f"WD-n030w4-{w}.txt" for w in weeks])
    res = inrc2.solve_staged(inst, time_limit_s=TIME_LIMIT, first_stage_s=min(10.0, TIME_LIMIT / 4), seed=1, workers=2)
    parts = inrc2.score_parts(inst, res.assignment) if res.assignment else {}
    yield {
        "benchmark": "roster",
        "instance": "INRC-II n030w4 H1 weeks 6-2-9-1",
        "nurses": len(inst.nurses),
        "days": inst.n_days,
        "status": res.status,
        "first_feasible_s": round(res.first_solution_s or -1, 2),
        "wall_s": round(res.wall_time_s, 2),
        "time_limit_s": TIME_LIMIT,
        "hard_violations": res.hard_violations,
        "penalty_S1_S7": res.penalty,
        "penalty_parts": parts,
        "workers": 2,
    }
    # a generated ward month with the HR Desk rule set (三班倒, skill mix, nights cap)
    staff = [f"N{i:02d}" for i in range(14)]
    lic = (Licence("护士执业证书", date(2015, 1, 1), None),)
    members = {s: StaffMember(s, frozenset({"主管护师"} if i < 5 else {"护师"}), lic) for i, s in enumerate(staff)}
    cover = (
        CoverRule("白班至少3人", frozenset({"白"}), 3),
        CoverRule("小夜至少2人", frozenset({"小夜"}), 2),
        CoverRule("每晚至少2名护士", frozenset({"大夜"}), 2),
        CoverRule("每晚至少1名主管护师", frozenset({"大夜"}), 1, frozenset({"主管护师"})),
    )
    prob = RosterProblem(default_catalog("三班倒"), members, cover, RuleSettings())
    r = solve_roster(Roster.empty("W", Month(2026, 3), staff), prob, options=SolverOptions(time_limit_s=min(30, TIME_LIMIT)))
    nights = [sum(c == "大夜" for c in r.roster.row(s)) for s in staff] if r.roster else []
    yield {
        "benchmark": "roster",
        "instance": "generated ward 14 nurses × 31 days 三班倒",
        "status": r.status,
        "first_feasible_s": round(r.first_solution_s or -1, 2),
        "wall_s": round(r.wall_time_s, 2),
        "checker_violations": len(check_roster(r.roster, prob)) if r.roster else None,
        "nights_min_max": [min(nights), max(nights)] if nights else None,
        "objective": r.objective,
    }
