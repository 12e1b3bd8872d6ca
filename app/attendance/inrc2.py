"""INRC-II (Second International Nurse Rostering Competition) instances: parser, CP-SAT model, score.

Used by ``benchmarks/bench_roster.py`` to measure the CP-SAT approach on public instances.
Hard constraints modelled (all of INRC-II's): one assignment per nurse per day, skill
qualification, minimum coverage per shift × skill × day, forbidden shift successions (including
the history's last shift). Soft constraints, modelled and scored with the INRC-II weights:
S1 optimal coverage (30 per missing nurse), S2 consecutive working days outside the contract's
(min, max) (30 per day) and consecutive assignments to the same shift outside the shift's (min, max)
(15 per day), S3 consecutive days off outside the contract's (min, max) (30 per day), S4 shift-off
requests (10), S5 complete weekends (30), S6 total assignments outside the contract range (20 per
assignment), S7 working weekends above the contract maximum (30 per weekend).

Runs (S2/S3) follow the competition's border rules: a run continuing from the history counts the
history's days, but only the days of this horizon above the maximum are penalised; a run still open
on the last day is not penalised for being short (it may continue), only for being long. Instances
are solved as one 4-week block (the static variant), not week by week as in the competition, so the
figure is comparable with static results in the literature, not with the multi-stage ranking.
"""

from __future__ import annotations

import re
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ortools.sat.python import cp_model

from app.attendance.roster import Roster
from app.domain.org import Month
from app.errors import InvalidInput
from app.i18n import _

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
W_OPT_COVER, W_REQUEST, W_COMPLETE_WEEKEND, W_TOTAL, W_WEEKENDS = 30, 10, 30, 20, 30
W_CONS_WORK, W_CONS_SHIFT, W_CONS_OFF = 30, 15, 30


@dataclass(frozen=True)
class Contract:
    name: str
    min_assign: int
    max_assign: int
    min_cons_work: int
    max_cons_work: int
    min_cons_off: int
    max_cons_off: int
    max_weekends: int
    complete_weekends: bool


@dataclass(frozen=True)
class Nurse:
    name: str
    contract: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class NurseHistory:
    assignments: int
    weekends: int
    last_shift: str  # "None" if off
    cons_shift: int = 0  # consecutive assignments to ``last_shift`` at the end of the history
    cons_work: int = 0  # consecutive working days at the end of the history
    cons_off: int = 0  # consecutive days off at the end of the history


@dataclass(frozen=True)
class Instance:
    name: str
    skills: tuple[str, ...]
    shifts: tuple[str, ...]
    forbidden: dict[str, frozenset[str]]
    contracts: dict[str, Contract]
    nurses: tuple[Nurse, ...]
    history: dict[str, NurseHistory]
    # per day index 0..7w-1: (shift, skill) → (min, optimal)
    demand: tuple[dict[tuple[str, str], tuple[int, int]], ...]
    off_requests: tuple[tuple[str, str, int], ...]  # (nurse, shift or "Any", day index)
    shift_runs: dict[str, tuple[int, int]] | None = None  # shift → (min, max) consecutive assignments

    @property
    def n_days(self) -> int:
        return len(self.demand)


def _lines(path: Path) -> list[str]:
    if not path.exists():
        raise InvalidInput(_("File not found: {path}.").format(path=path))
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _pair(text: str) -> tuple[int, int]:
    a, b = re.findall(r"-?\d+", text)
    return int(a), int(b)


def parse(scenario: Path, history: Path, weeks: Sequence[Path]) -> Instance:
    L = _lines(scenario)
    i = 0

    def seek(prefix: str) -> int:
        for k in range(len(L)):
            if L[k].startswith(prefix):
                return k
        raise InvalidInput(_("File not found: {path}.").format(path=f"{scenario}:{prefix}"))

    name = L[seek("SCENARIO")].split("=")[1].strip()
    i = seek("SKILLS")
    n = int(L[i].split("=")[1])
    skills = tuple(L[i + 1 : i + 1 + n])
    i = seek("SHIFT_TYPES")
    n = int(L[i].split("=")[1])
    shifts = tuple(L[k].split()[0] for k in range(i + 1, i + 1 + n))
    shift_runs = {L[k].split()[0]: _pair(L[k].split(maxsplit=1)[1]) for k in range(i + 1, i + 1 + n)}
    i = seek("FORBIDDEN_SHIFT_TYPES_SUCCESSIONS")
    forbidden: dict[str, frozenset[str]] = {}
    for k in range(i + 1, i + 1 + len(shifts)):
        parts = L[k].split()
        forbidden[parts[0]] = frozenset(parts[2 : 2 + int(parts[1])])
    i = seek("CONTRACTS")
    n = int(L[i].split("=")[1])
    contracts: dict[str, Contract] = {}
    for k in range(i + 1, i + 1 + n):
        m = re.match(r"(\S+)\s+(\(\S+\))\s+(\(\S+\))\s+(\(\S+\))\s+(\d+)\s+(\d+)", L[k])
        if m is None:
            raise InvalidInput(_("Cannot read the time {value}. Use a form like 2025-03-01 08:00.").format(value=L[k]))
        a, w, o = _pair(m.group(2)), _pair(m.group(3)), _pair(m.group(4))
        contracts[m.group(1)] = Contract(m.group(1), *a, *w, *o, int(m.group(5)), m.group(6) == "1")
    i = seek("NURSES")
    n = int(L[i].split("=")[1])
    nurses = []
    for k in range(i + 1, i + 1 + n):
        p = L[k].split()
        nurses.append(Nurse(p[0], p[1], tuple(p[3 : 3 + int(p[2])])))
    H = _lines(history)
    h0 = next(k for k, ln in enumerate(H) if ln.startswith("NURSE_HISTORY"))
    hist = {}
    for ln in H[h0 + 1 :]:
        p = ln.split()
        runs = [int(v) for v in p[4:7]] + [0] * (7 - max(4, len(p)))
        hist[p[0]] = NurseHistory(int(p[1]), int(p[2]), p[3], *runs[:3])
    demand: list[dict[tuple[str, str], tuple[int, int]]] = []
    offs: list[tuple[str, str, int]] = []
    for w, wp in enumerate(weeks):
        W = _lines(wp)
        r0 = W.index("REQUIREMENTS")
        days: list[dict[tuple[str, str], tuple[int, int]]] = [{} for _d in range(7)]
        k = r0 + 1
        while k < len(W) and not W[k].startswith("SHIFT_OFF_REQUESTS"):
            p = W[k].split(maxsplit=2)
            pairs = re.findall(r"\((\d+),(\d+)\)", p[2])
            for d, (mn, op) in enumerate(pairs):
                if int(mn) or int(op):
                    days[d][(p[0], p[1])] = (int(mn), int(op))
            k += 1
        demand.extend(days)
        for ln in W[k + 1 :]:
            p = ln.split()
            offs.append((p[0], p[1], w * 7 + DAYS.index(p[2])))
    return Instance(name, skills, shifts, forbidden, contracts, tuple(nurses), hist, tuple(demand), tuple(offs),
                    shift_runs)


def _run_penalty(seq: Sequence[bool], hist_len: int, lo: int, hi: int) -> int:
    """Days outside (lo, hi) over the runs of True in ``seq`` (INRC-II border rules, see the module
    docstring); ``hist_len``: length of the run of True that ends the history (0 if it ended False)."""
    pen = 0
    run = hist_len
    for d, v in enumerate(seq):
        if v:
            run += 1
            if run > hi:
                pen += 1  # each day above the maximum; history days above it were counted before
        else:
            if 0 < run < lo:
                pen += lo - run
            run = 0
    return pen


def _soft_runs(m: cp_model.CpModel, x: Sequence[cp_model.IntVar], hist_len: int, lo: int, hi: int,
               weight: int, negate: bool = False) -> list[cp_model.LinearExpr]:
    """CP-SAT terms equal to ``weight × _run_penalty`` of the literals ``x`` (or of their negations)."""
    D = len(x)
    lit = [v.Not() if negate else v for v in x]
    val = [(1 - v) if negate else v for v in x]
    terms: list[cp_model.LinearExpr] = []
    # above the maximum: day d is a day too many when it and the hi days before it are all True
    for d in range(D):
        window = [val[k] for k in range(max(0, d - hi), d + 1)]
        before = hi + 1 - len(window)  # days of the window that lie in the history
        if before > 0 and hist_len < before:
            continue  # the history run is too short for the window: never above hi here
        b = m.NewBoolVar("")
        m.Add(b >= sum(window) + before - hi)
        terms.append(weight * b)
    # below the minimum: a run of L < lo days closed by a False day inside the horizon
    if hist_len and hist_len < lo:
        # the history run ends on day 0
        terms.append(weight * (lo - hist_len) * (1 - val[0]))
    for start in range(D):
        for length in range(1, lo):
            end = start + length  # the closing False day
            if end >= D:
                break
            carried = hist_len if start == 0 else 0
            short = lo - length - carried
            if short <= 0:
                continue
            pattern = [lit[k].Not() for k in range(start, end)] + [lit[end]]
            if start > 0:
                pattern.append(lit[start - 1])
            p = m.NewBoolVar("")
            m.AddBoolOr([*pattern, p])  # p must be 1 when the run start..end-1 is exactly True, closed by False
            terms.append(weight * short * p)
    return terms


@dataclass(frozen=True)
class Inrc2Result:
    status: str
    assignment: dict[tuple[str, int], tuple[str, str]]  # (nurse, day) → (shift, skill)
    penalty: int | None  # recomputed independently by ``score``
    objective: float | None
    first_solution_s: float | None
    wall_time_s: float
    hard_violations: int


def solve(inst: Instance, *, time_limit_s: float = 60.0, seed: int = 1, workers: int = 2,
          fixed: dict[tuple[str, int], tuple[str, str]] | None = None,
          hint: dict[tuple[str, int], tuple[str, str]] | None = None, runs: bool = True) -> Inrc2Result:
    """Minimise the S1–S7 penalty under the hard constraints (``runs=False`` leaves S2/S3 out of the
    objective: a smaller model that finds a first roster sooner; the result's penalty still scores
    them). ``fixed`` pins every assignment (days not in it are off): the optimum is then that
    roster's penalty, which checks the model against ``score``. ``hint`` seeds the search."""
    m = cp_model.CpModel()
    D = inst.n_days
    y: dict[tuple[str, int, str, str], cp_model.IntVar] = {}
    for nu in inst.nurses:
        for d in range(D):
            for s in inst.shifts:
                for k in nu.skills:
                    y[nu.name, d, s, k] = m.NewBoolVar("")
            m.AddAtMostOne(y[nu.name, d, s, k] for s in inst.shifts for k in nu.skills)

    def on(nurse: Nurse, d: int, s: str) -> cp_model.LinearExpr:
        return sum(y[nurse.name, d, s, k] for k in nurse.skills)

    def works(nurse: Nurse, d: int) -> cp_model.LinearExpr:
        return sum(on(nurse, d, s) for s in inst.shifts)

    if fixed is not None:
        for (nurse, d, s_, k), var in y.items():
            m.Add(var == int(fixed.get((nurse, d)) == (s_, k)))
    if hint is not None:
        for (nurse, d, s_, k), var in y.items():
            m.AddHint(var, int(hint.get((nurse, d)) == (s_, k)))
    obj: list[cp_model.LinearExpr] = []
    for d, dem in enumerate(inst.demand):
        for (s, k), (mn, op) in dem.items():
            cover = sum(y[nu.name, d, s, k] for nu in inst.nurses if k in nu.skills)
            m.Add(cover >= mn)
            if op > mn:
                short = m.NewIntVar(0, op, "")
                m.Add(short >= op - cover)
                obj.append(W_OPT_COVER * short)
    for nu in inst.nurses:
        last = inst.history[nu.name].last_shift
        for d in range(D):
            for s in inst.shifts:
                for t in inst.forbidden[s]:
                    if d == 0:
                        if last == s:
                            m.Add(on(nu, 0, t) == 0)
                    else:
                        m.Add(on(nu, d - 1, s) + on(nu, d, t) <= 1)
        c = inst.contracts[nu.contract]
        h = inst.history[nu.name]
        total = sum(works(nu, d) for d in range(D)) + h.assignments
        bound = D + h.assignments + c.min_assign + c.max_assign  # slack domains wide enough for any horizon
        under = m.NewIntVar(0, bound, "")
        over = m.NewIntVar(0, bound, "")
        m.Add(under >= c.min_assign - total)
        m.Add(over >= total - c.max_assign)
        obj += [W_TOTAL * under, W_TOTAL * over]
        wk = []
        for w in range(D // 7):
            sat, sun = works(nu, 7 * w + 5), works(nu, 7 * w + 6)
            ww = m.NewBoolVar("")
            m.AddMaxEquality(ww, [sat, sun])
            wk.append(ww)
            if c.complete_weekends:
                diff = m.NewBoolVar("")
                m.Add(diff >= sat - sun)
                m.Add(diff >= sun - sat)
                obj.append(W_COMPLETE_WEEKEND * diff)
        extra = m.NewIntVar(0, D + h.weekends, "")
        m.Add(extra >= sum(wk) + h.weekends - c.max_weekends)
        obj.append(W_WEEKENDS * extra)
        if not runs:
            continue
        # S2/S3: run lengths of working days, days off and same-shift assignments
        work = []
        for d in range(D):
            wv = m.NewBoolVar("")
            m.Add(wv == works(nu, d))
            work.append(wv)
        worked_last = h.last_shift != "None"
        obj += _soft_runs(m, work, h.cons_work if worked_last else 0, c.min_cons_work, c.max_cons_work, W_CONS_WORK)
        obj += _soft_runs(m, work, 0 if worked_last else h.cons_off, c.min_cons_off, c.max_cons_off, W_CONS_OFF,
                          negate=True)
        for s, (lo, hi) in (inst.shift_runs or {}).items():
            zs = []
            for d in range(D):
                zv = m.NewBoolVar("")
                m.Add(zv == on(nu, d, s))
                zs.append(zv)
            obj += _soft_runs(m, zs, h.cons_shift if h.last_shift == s else 0, lo, hi, W_CONS_SHIFT)
    by_name = {nu.name: nu for nu in inst.nurses}
    for name, s, d in inst.off_requests:
        nu = by_name[name]
        obj.append(W_REQUEST * (works(nu, d) if s == "Any" else on(nu, d, s)))
    m.Minimize(sum(obj))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, min(2, workers))
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.random_seed = seed
    t0 = _time.perf_counter()

    class First(cp_model.CpSolverSolutionCallback):
        first: float | None = None

        def on_solution_callback(self) -> None:
            if self.first is None:
                self.first = _time.perf_counter() - t0

    cb = First()
    st = solver.Solve(m, cb)
    wall = _time.perf_counter() - t0
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Inrc2Result(solver.StatusName(st).lower(), {}, None, None, cb.first, wall, -1)
    assignment = {
        (nu, d): (s, k) for (nu, d, s, k), v in y.items() if solver.Value(v)
    }
    return Inrc2Result(
        "optimal" if st == cp_model.OPTIMAL else "feasible",
        assignment,
        score(inst, assignment),
        solver.ObjectiveValue(),
        cb.first,
        wall,
        hard_violations(inst, assignment),
    )


def solve_staged(inst: Instance, *, time_limit_s: float = 60.0, first_stage_s: float = 10.0, seed: int = 1,
                 workers: int = 2) -> Inrc2Result:
    """Two stages in one time budget: without S2/S3 in the objective (a roster meeting every hard
    constraint quickly), then the full objective from that roster as a hint."""
    t0 = _time.perf_counter()
    first = solve(inst, time_limit_s=min(first_stage_s, time_limit_s), seed=seed, workers=workers, runs=False)
    if not first.assignment:
        return first
    rest = max(1.0, time_limit_s - (_time.perf_counter() - t0))
    second = solve(inst, time_limit_s=rest, seed=seed, workers=workers, hint=first.assignment)
    wall = _time.perf_counter() - t0
    best = second if second.assignment and (second.penalty or 0) <= (first.penalty or 0) else first
    return Inrc2Result(best.status, best.assignment, best.penalty, best.objective, first.first_solution_s, wall,
                       best.hard_violations)


def hard_violations(inst: Instance, a: dict[tuple[str, int], tuple[str, str]]) -> int:
    bad = 0
    by_name = {nu.name: nu for nu in inst.nurses}
    for (nu, _d), (_s, k) in a.items():
        bad += k not in by_name[nu].skills
    for d, dem in enumerate(inst.demand):
        for (s, k), (mn, _op) in dem.items():
            got = sum(1 for (nu, dd), sk in a.items() if dd == d and sk == (s, k))
            bad += max(0, mn - got)
    for nu in inst.nurses:
        prev = inst.history[nu.name].last_shift
        for d in range(inst.n_days):
            cur = a.get((nu.name, d), ("None", ""))[0]
            if prev in inst.forbidden and cur in inst.forbidden[prev]:
                bad += 1
            prev = cur
    return bad


def score_parts(inst: Instance, a: dict[tuple[str, int], tuple[str, str]]) -> dict[str, int]:
    """Penalty per soft constraint S1–S7 (see the module docstring), computed from the assignment
    alone (independently of the CP-SAT model)."""
    parts = dict.fromkeys(("S1", "S2", "S3", "S4", "S5", "S6", "S7"), 0)
    for d, dem in enumerate(inst.demand):
        for (s, k), (_mn, op) in dem.items():
            got = sum(1 for (nu, dd), sk in a.items() if dd == d and sk == (s, k))
            parts["S1"] += W_OPT_COVER * max(0, op - got)
    for name, s, d in inst.off_requests:
        cur = a.get((name, d))
        if cur is not None and (s == "Any" or cur[0] == s):
            parts["S4"] += W_REQUEST
    for nu in inst.nurses:
        c, h = inst.contracts[nu.contract], inst.history[nu.name]
        days = [a.get((nu.name, d), ("None", ""))[0] for d in range(inst.n_days)]
        total = h.assignments + sum(1 for v in days if v != "None")
        parts["S6"] += W_TOTAL * (max(0, c.min_assign - total) + max(0, total - c.max_assign))
        weekends = h.weekends
        for w in range(inst.n_days // 7):
            sat, sun = days[7 * w + 5] != "None", days[7 * w + 6] != "None"
            weekends += sat or sun
            if c.complete_weekends and sat != sun:
                parts["S5"] += W_COMPLETE_WEEKEND
        parts["S7"] += W_WEEKENDS * max(0, weekends - c.max_weekends)
        worked_last = h.last_shift != "None"
        work = [v != "None" for v in days]
        parts["S2"] += W_CONS_WORK * _run_penalty(work, h.cons_work if worked_last else 0,
                                                  c.min_cons_work, c.max_cons_work)
        for s, (lo, hi) in (inst.shift_runs or {}).items():
            parts["S2"] += W_CONS_SHIFT * _run_penalty([v == s for v in days],
                                                       h.cons_shift if h.last_shift == s else 0, lo, hi)
        parts["S3"] += W_CONS_OFF * _run_penalty([not v for v in work], 0 if worked_last else h.cons_off,
                                                 c.min_cons_off, c.max_cons_off)
    return parts


def score(inst: Instance, a: dict[tuple[str, int], tuple[str, str]]) -> int:
    """Total soft-constraint penalty S1–S7."""
    return sum(score_parts(inst, a).values())


def to_roster(inst: Instance, a: dict[tuple[str, int], tuple[str, str]], month: Month) -> Roster:
    """The solution as an HR Desk roster grid (shift names as codes, "休" when off)."""
    days = month.days()
    if len(days) < inst.n_days:
        raise InvalidInput(_("Roster row of {staff} has {got} days; {month} has {n}.").format(
            staff=inst.name, got=inst.n_days, month=str(month), n=len(days)))
    rows = {
        nu.name: [a.get((nu.name, d), ("休", ""))[0] if d < inst.n_days else "" for d in range(len(days))]
        for nu in inst.nurses
    }
    return Roster.from_rows(inst.name, month, rows)
