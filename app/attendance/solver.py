"""Automatic roster generation with OR-Tools CP-SAT.

Hard rules are added in named groups. When the month is impossible the solver says which group
makes it so: first a plain capacity argument checked before any search (e.g. nights needed vs
nights the ward can give under the monthly cap), then, if the search proves the month infeasible,
by relaxing the groups one at a time and naming each group whose removal makes the month
possible. (Enforcement literals with assumptions were tried first: they weaken CP-SAT's linear
relaxation so much that even a plain counting contradiction was not proved in 10 s.)
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ortools.sat.python import cp_model

from app.attendance.roster import Roster
from app.attendance.rules import RosterProblem, StaffMember, Violation, check_roster
from app.errors import InvalidInput
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """A wish for one cell: ``code`` wanted (``want``) or not wanted; ``code=""`` means a day off."""

    staff_no: str
    day: date
    code: str = ""
    want: bool = True
    weight: int = 10


@dataclass(frozen=True)
class SolverOptions:
    time_limit_s: float = 20.0
    seed: int = 1
    workers: int = 2  # the office PCs have 2 cores
    deterministic: bool = True  # interleaved search: same seed + limits → same roster
    codes: tuple[str, ...] | None = None  # work codes the solver may assign; None: codes in cover rules
    night_fairness_weight: int = 20
    weekend_fairness_weight: int = 10
    total_fairness_weight: int = 5
    off_code_after_night: str = "下夜"


@dataclass(frozen=True)
class SolveResult:
    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    roster: Roster | None
    objective: float | None
    unmet_requests: tuple[Request, ...] = ()
    reasons: tuple[str, ...] = ()  # why the month is impossible (translated)
    blocking_groups: tuple[str, ...] = ()  # rule-group keys behind the reasons
    violations: tuple[Violation, ...] = ()  # independent check of the result (should be empty)
    wall_time_s: float = 0.0
    first_solution_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.roster is not None


@dataclass
class _Model:
    model: cp_model.CpModel
    x: dict[tuple[int, int, str], cp_model.IntVar]  # (person, sequence index, code)
    labels: dict[str, str]  # rule-group key → translated label (groups with constraints)
    offset: int  # sequence index of day 1
    request_terms: list[tuple[Request, cp_model.IntVar]] = field(default_factory=list)


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, t0: float, cancel: CancelToken) -> None:
        super().__init__()
        self.t0 = t0
        self.first: float | None = None
        self.cancel = cancel

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = _time.perf_counter() - self.t0
        if self.cancel.cancelled:
            self.StopSearch()


def _build(
    roster: Roster,
    problem: RosterProblem,
    codes: Sequence[str],
    requests: Sequence[Request],
    relaxed: frozenset[str] = frozenset(),
) -> _Model:
    """The CP-SAT model; rule groups in ``relaxed`` are left out (used to explain infeasibility)."""
    cat, cfg = problem.catalog, problem.settings
    days = roster.days
    n = len(days)
    staff = list(roster.staff)
    H = min(max((len(problem.history.get(s, ())) for s in staff), default=0), 14)
    m = cp_model.CpModel()
    labels: dict[str, str] = {}

    def on(key: str, label: str) -> bool:
        """Register a group that has constraints; True when it is to be enforced."""
        labels[key] = label
        return key not in relaxed

    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    work: dict[tuple[int, int], Any] = {}
    night: dict[tuple[int, int], Any] = {}
    early: dict[tuple[int, int], Any] = {}
    night_codes = [c for c in codes if cat.is_night(c)]
    lo_of: dict[int, int] = {}
    for p, sid in enumerate(staff):
        hist = list(problem.history.get(sid, ()))[-H:] if H else []
        lo_of[p] = H - len(hist)
        for k, hcode in enumerate(hist):  # history: constants
            idx = lo_of[p] + k
            work[p, idx] = 1 if cat.is_work(hcode) else 0
            night[p, idx] = 1 if cat.is_night(hcode) else 0
            st = cat.get(hcode)
            early[p, idx] = 1 if (st is not None and st.early and st.is_work) else 0
            for c in codes:
                x[p, idx, c] = m.NewConstant(1 if c == hcode else 0)
        for t in range(n):
            idx = t + H
            for c in codes:
                x[p, idx, c] = m.NewBoolVar(f"x{p}_{t}_{c}")
            m.AddAtMostOne(x[p, idx, c] for c in codes)
            work[p, idx] = sum(x[p, idx, c] for c in codes)
            night[p, idx] = sum(x[p, idx, c] for c in night_codes)
            early[p, idx] = sum(x[p, idx, c] for c in codes if cat.shifts[c].early)

    # fixed cells and leave ------------------------------------------------------------
    leave_cells: set[tuple[int, int]] = set()
    for p, sid in enumerate(staff):
        for t, d in enumerate(days):
            if cat.is_leave(roster.cells[p][t]) or any(
                lv.staff_no == sid and lv.covers(d) for lv in problem.leave
            ):
                leave_cells.add((p, t))
    if leave_cells and on("leave", _("approved leave")):
        for p, t in leave_cells:
            m.Add(work[p, t + H] == 0)
    fixed = [
        (staff.index(sid), d.day - 1)
        for sid, d in roster.fixed
        if sid in staff and (d.year, d.month) == (roster.month.year, roster.month.month)
    ]
    if fixed and on("fixed", _("fixed cells")):
        for p, t in fixed:
            code = roster.cells[p][t]
            if code in codes:
                m.Add(x[p, t + H, code] == 1)
            elif not cat.is_work(code):
                m.Add(work[p, t + H] == 0)
            else:
                raise InvalidInput(
                    _("Fixed cell {code} for {staff} on {day} is not a shift the solver may assign.").format(
                        code=code, staff=staff[p], day=days[t]
                    )
                )

    # licence --------------------------------------------------------------------------
    no_licence = [
        (p, t)
        for p, sid in enumerate(staff)
        if problem.staff.get(sid, StaffMember(sid)).licence_required
        for t, d in enumerate(days)
        if any(not problem.staff.get(sid, StaffMember(sid)).has_licence(k, d) for k in cfg.required_licence_kinds)
    ]
    if no_licence and on("licence", _("valid licence on the day")):
        for p, t in no_licence:
            m.Add(work[p, t + H] == 0)

    # coverage ---------------------------------------------------------------------------
    for ri, rule in enumerate(problem.cover):
        if not on(f"cover:{ri}", rule.name):
            continue
        rule_codes = [c for c in rule.shift_codes if c in codes]
        for t, d in enumerate(days):
            if not rule.applies(d):
                continue
            terms = [
                x[p, t + H, c]
                for p, sid in enumerate(staff)
                if problem.staff.get(sid, StaffMember(sid)).qualifies(rule.skills_any, d)
                for c in rule_codes
            ]
            m.Add(sum(terms) >= rule.min_staff)

    # sequence rules ---------------------------------------------------------------------
    R = cfg.rest_days_after_night
    g_rest = R > 0 and on("rest_after_night", _("{n} rest day(s) after a night shift").format(n=R))
    g_early = cfg.no_early_after_night and on("no_early_after_night", _("no early shift after a night"))
    g_minrest = on("min_rest", _("at least {h} h rest between shifts").format(h=f"{cfg.min_rest_hours:g}"))
    g_cn = on("max_consecutive_nights", _("at most {n} nights in a row").format(n=cfg.max_consecutive_nights))
    g_cd = on(
        "max_consecutive_days", _("at most {n} working days in a row").format(n=cfg.max_consecutive_work_days)
    )
    g_nm = on(
        "max_nights_month", _("at most {n} night shifts per person per month").format(n=cfg.max_nights_per_month)
    )
    g_wh = on("weekly_hours", _("at most {h} h per week").format(h=f"{cfg.max_weekly_hours:g}"))
    has_contract = any(
        problem.staff.get(s, StaffMember(s)).min_shifts is not None
        or problem.staff.get(s, StaffMember(s)).max_shifts is not None
        for s in staff
    )
    g_contract = has_contract and on("contract", _("contract minimum and maximum shifts per person"))
    forbidden: list[tuple[str, str]] = []
    ref = date(2001, 1, 1)
    for a in codes:
        for b in codes:
            _s, end_a = cat.shifts[a].span(ref)
            start_b, _e = cat.shifts[b].span(ref + timedelta(days=1))
            if (start_b - end_a).total_seconds() / 3600 < cfg.min_rest_hours:
                forbidden.append((a, b))
    weeks: dict[tuple[int, int], list[int]] = {}
    for t, d in enumerate(days):
        weeks.setdefault(d.isocalendar()[:2], []).append(t)
    limit = int(cfg.max_weekly_hours * 60)
    for p, sid in enumerate(staff):
        member = problem.staff.get(sid, StaffMember(sid))
        lo = lo_of[p]
        for i in range(max(lo + 1, H), H + n):
            if g_rest:
                for k in range(1, R + 1):
                    j = i - k
                    if j < lo:
                        break
                    between = sum((night[p, mm] for mm in range(j + 1, i)), start=0)
                    m.Add(night[p, j] + work[p, i] - night[p, i] - between <= 1)
            if g_early:
                m.Add(night[p, i - 1] + early[p, i] <= 1)
            if g_minrest:
                for a, b in forbidden:
                    m.AddBoolOr([x[p, i - 1, a].Not(), x[p, i, b].Not()])
        N = cfg.max_consecutive_nights
        D = cfg.max_consecutive_work_days
        for i in range(H, H + n):
            if g_cn and i - N >= lo:
                m.Add(sum(night[p, k] for k in range(i - N, i + 1)) <= N)
            if g_cd and i - D >= lo:
                m.Add(sum(work[p, k] for k in range(i - D, i + 1)) <= D)
        if g_nm:
            cap = member.max_nights if member.max_nights is not None else cfg.max_nights_per_month
            m.Add(sum(night[p, H + t] for t in range(n)) <= cap)
        if g_wh:
            for ts in weeks.values():
                m.Add(sum(x[p, H + t, c] * cat.shifts[c].paid_minutes for t in ts for c in codes) <= limit)
        if g_contract:
            total = sum(work[p, H + t] for t in range(n))
            if member.min_shifts is not None:
                m.Add(total >= member.min_shifts)
            if member.max_shifts is not None:
                m.Add(total <= member.max_shifts)

    built = _Model(m, x, labels, H)
    # requests (soft) ----------------------------------------------------------------------
    for rq in requests:
        if rq.staff_no not in staff or (rq.day.year, rq.day.month) != (roster.month.year, roster.month.month):
            continue
        p, i = staff.index(rq.staff_no), rq.day.day - 1 + H
        lit = work[p, i] if rq.code == "" else x.get((p, i, rq.code))
        if lit is None:
            continue
        viol = m.NewBoolVar(f"rq{p}_{i}")
        # a day off wanted: working violates it; a shift wanted: not having it violates it
        wants_lit = (rq.code == "") != rq.want
        if wants_lit:
            m.Add(1 - lit <= viol)
        else:
            m.Add(lit <= viol)
        built.request_terms.append((rq, viol))
    return built


def _leave_code_for(cat, leave_type: str) -> str:  # type: ignore[no-untyped-def]
    for code, lt in cat.leave_codes.items():
        if lt == leave_type:
            return code
    return next(iter(cat.leave_codes), "休")


def _fairness(b: _Model, roster: Roster, problem: RosterProblem, codes: Sequence[str], opt: SolverOptions) -> list:  # type: ignore[type-arg]
    m, H, cat = b.model, b.offset, problem.catalog
    days = roster.days
    n = len(days)
    terms = []
    night_codes = [c for c in codes if cat.is_night(c)]
    weekend = [t for t, d in enumerate(days) if d.weekday() >= 5]

    def spread(counts: list, weight: int, name: str) -> None:  # type: ignore[type-arg]
        if not counts or weight <= 0:
            return
        hi = m.NewIntVar(0, n, f"{name}_hi")
        lo = m.NewIntVar(0, n, f"{name}_lo")
        m.AddMaxEquality(hi, counts)
        m.AddMinEquality(lo, counts)
        terms.append(weight * (hi - lo))

    night_counts, weekend_counts, totals = [], [], []
    for p in range(len(roster.staff)):
        nv = m.NewIntVar(0, n, f"n{p}")
        m.Add(nv == sum(b.x[p, H + t, c] for t in range(n) for c in night_codes))
        wv = m.NewIntVar(0, n, f"w{p}")
        m.Add(wv == sum(b.x[p, H + t, c] for t in weekend for c in codes))
        tv = m.NewIntVar(0, n, f"t{p}")
        m.Add(tv == sum(b.x[p, H + t, c] for t in range(n) for c in codes))
        night_counts.append(nv)
        weekend_counts.append(wv)
        totals.append(tv)
    spread(night_counts, opt.night_fairness_weight, "nights")
    spread(weekend_counts, opt.weekend_fairness_weight, "weekends")
    spread(totals, opt.total_fairness_weight, "totals")
    return terms


def _params(opt: SolverOptions, *, workers: int | None = None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.random_seed = opt.seed
    p.num_workers = max(1, min(2, workers if workers is not None else opt.workers))
    p.max_time_in_seconds = opt.time_limit_s
    if opt.deterministic and p.num_workers > 1:
        p.interleave_search = True
    return solver


def solve_roster(
    roster: Roster,
    problem: RosterProblem,
    *,
    requests: Sequence[Request] = (),
    options: SolverOptions | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SolveResult:
    """Fill the month's empty cells meeting every hard rule; fixed cells and leave stay."""
    opt = options or SolverOptions()
    cat = problem.catalog
    codes = list(opt.codes) if opt.codes else sorted({c for r in problem.cover for c in r.shift_codes})
    retired = [c for c in codes if cat.get(c) is not None and not cat.is_offered(c)]
    if retired:
        raise InvalidInput(_("Shift {code} is retired (停用) and is not assigned to new cells. Remove it from the "
                             "ward's cover rules or enable it again in the shift types.").format(code=retired[0]))
    if not codes:
        raise InvalidInput(_("No shift to assign: add coverage rules or choose the shifts the solver may use."))
    for c in codes:
        if not cat.is_work(c):
            raise InvalidInput(_("{code} is not a work shift of this ward.").format(code=c))
    t0 = _time.perf_counter()
    progress(0, 3, _("Checking that the ward can staff the month"))
    capacity = _capacity_reasons(roster, problem, codes)
    if capacity:
        reasons, keys = zip(*capacity, strict=True)
        return SolveResult(
            "infeasible",
            None,
            None,
            reasons=tuple(reasons),
            blocking_groups=tuple(dict.fromkeys(k for ks in keys for k in ks)),
            wall_time_s=_time.perf_counter() - t0,
        )
    cancel.raise_if_cancelled()
    progress(1, 3, _("Searching for a roster"))
    b = _build(roster, problem, codes, requests)
    objective: list[Any] = [rq.weight * v for rq, v in b.request_terms]
    objective += _fairness(b, roster, problem, codes, opt)
    if objective:
        b.model.Minimize(sum(objective))
    solver = _params(opt)
    cb = _FirstSolution(t0, cancel)
    status = solver.Solve(b.model, cb)
    cancel.raise_if_cancelled()
    wall = _time.perf_counter() - t0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out = _extract(solver, b, roster, problem, codes, opt)
        unmet = tuple(rq for rq, v in b.request_terms if solver.Value(v))
        violations = tuple(check_roster(out, problem))
        if violations:  # should never happen: the model and the checker disagree
            log.error("solver result breaks %d rules (model/checker mismatch)", len(violations))
        progress(3, 3, _("Roster ready"))
        return SolveResult(
            "optimal" if status == cp_model.OPTIMAL else "feasible",
            out,
            solver.ObjectiveValue(),
            unmet,
            violations=violations,
            wall_time_s=wall,
            first_solution_s=cb.first,
        )
    if status == cp_model.INFEASIBLE:
        progress(2, 3, _("Finding which rule makes the month impossible"))
        keys = _culprits(roster, problem, codes, b.labels, opt, cancel)
        if keys:
            reasons = [
                _("The month is impossible because of the rule: {rule}. Relaxing it alone makes a roster possible.").format(
                    rule=b.labels[k]
                )
                for k in keys
            ]
        else:
            reasons = [_("No single rule makes the month impossible; several rules conflict together. Add staff or relax limits.")]
        return SolveResult(
            "infeasible",
            None,
            None,
            reasons=tuple(reasons),
            blocking_groups=tuple(keys),
            wall_time_s=_time.perf_counter() - t0,
        )
    return SolveResult(
        "unknown",
        None,
        None,
        reasons=(_("No roster found within {s} s. Allow more time or relax a rule.").format(s=f"{opt.time_limit_s:g}"),),
        wall_time_s=wall,
    )


def _culprits(
    roster: Roster,
    problem: RosterProblem,
    codes: Sequence[str],
    labels: Mapping[str, str],
    opt: SolverOptions,
    cancel: CancelToken,
) -> list[str]:
    """Rule groups whose relaxation alone makes the month feasible."""
    found: list[str] = []
    per_try = max(1.0, min(5.0, opt.time_limit_s / 4))
    for key in labels:
        cancel.raise_if_cancelled()
        b = _build(roster, problem, codes, (), relaxed=frozenset({key}))
        s = _params(opt)
        s.parameters.max_time_in_seconds = per_try
        if s.Solve(b.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found.append(key)
    return found


def _capacity_reasons(
    roster: Roster, problem: RosterProblem, codes: Sequence[str]
) -> list[tuple[str, tuple[str, ...]]]:
    """Plain counting arguments that prove a coverage rule cannot be staffed (before any search)."""
    cat, cfg = problem.catalog, problem.settings
    days = roster.days
    out: list[tuple[str, tuple[str, ...]]] = []
    for ri, rule in enumerate(problem.cover):
        need = sum(rule.min_staff for d in days if rule.applies(d))
        rule_codes = [c for c in rule.shift_codes if c in codes]
        if not rule_codes:
            out.append(
                (
                    _("{rule} names no shift the solver may assign.").format(rule=rule.name),
                    (f"cover:{ri}",),
                )
            )
            continue
        all_night = all(cat.is_night(c) for c in rule_codes)
        supply_days = supply_nights = 0
        for p, sid in enumerate(roster.staff):
            member = problem.staff.get(sid, StaffMember(sid))
            avail = 0
            for t, d in enumerate(days):
                if not rule.applies(d) or not member.qualifies(rule.skills_any, d):
                    continue
                if cat.is_leave(roster.cells[p][t]) or any(lv.staff_no == sid and lv.covers(d) for lv in problem.leave):
                    continue
                if member.licence_required and any(not member.has_licence(k, d) for k in cfg.required_licence_kinds):
                    continue
                if (sid, d) in roster.fixed and roster.cells[p][t] not in rule_codes:
                    continue
                avail += 1
            supply_days += avail
            cap = member.max_nights if member.max_nights is not None else cfg.max_nights_per_month
            supply_nights += min(avail, cap)
        if supply_days < need:
            out.append(
                (
                    _("{rule} needs {need} shifts but qualified staff are available for only {supply}.").format(
                        rule=rule.name, need=need, supply=supply_days
                    ),
                    (f"cover:{ri}", "leave", "licence"),
                )
            )
        elif all_night and supply_nights < need:
            out.append(
                (
                    _(
                        "{rule} needs {need} night shifts but the ward can give at most {supply} under "
                        "at most {cap} night shifts per person per month."
                    ).format(rule=rule.name, need=need, supply=supply_nights, cap=cfg.max_nights_per_month),
                    (f"cover:{ri}", "max_nights_month"),
                )
            )
    return out


def _extract(solver: cp_model.CpSolver, b: _Model, roster: Roster, problem: RosterProblem, codes: Sequence[str], opt: SolverOptions) -> Roster:
    cat = problem.catalog
    H = b.offset
    rest = cat.rest_code()
    after_night = opt.off_code_after_night if cat.is_offered(opt.off_code_after_night) else rest
    rows: dict[str, list[str]] = {}
    for p, sid in enumerate(roster.staff):
        row = list(roster.cells[p])
        prev_code = (list(problem.history.get(sid, ())) or [""])[-1]
        for t, d in enumerate(roster.days):
            chosen = next((c for c in codes if solver.Value(b.x[p, H + t, c])), "")
            existing = row[t]
            if chosen:
                row[t] = chosen
            elif cat.is_leave(existing) or (sid, d) in roster.fixed:
                pass
            else:
                leave = next((lv for lv in problem.leave if lv.staff_no == sid and lv.covers(d)), None)
                if leave is not None:
                    row[t] = _leave_code_for(cat, leave.leave_type)
                elif cat.is_night(prev_code):
                    row[t] = after_night
                else:
                    row[t] = rest
            prev_code = row[t]
        rows[sid] = row
    out = Roster.from_rows(roster.ward, roster.month, rows)
    return Roster(out.ward, out.month, out.staff, out.cells, roster.fixed)


def explain(result: SolveResult) -> str:
    if result.ok:
        return _("Roster found ({status}) in {s} s.").format(status=result.status, s=f"{result.wall_time_s:.1f}")
    return "\n".join(result.reasons)
