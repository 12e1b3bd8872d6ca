"""Learning paths from gaps: which courses, in which order, and why.

A *gap* is something the person lacks for their post:

- a competency dimension whose latest score is below the position's pass bar ("专业知识 6.1 < 7.0");
- CME credits of the year below the required amount;
- a licence that has expired or expires soon (its renewal needs CME credits);
- a probation finding (review extended or a weak dimension named by the reviewer).

For each gap the catalogue is searched for courses that build the dimension (or, for credits and
licences, CME courses); the largest gaps are served first. Prerequisites of a chosen course are
added (transitively) unless the person has completed them, and the whole list is ordered so that
every prerequisite comes before the course that needs it (a topological order; among courses that
are free to go next, the one serving the largest gap goes first). A prerequisite cycle in the
catalogue is a data error and is reported with the courses in the cycle.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.errors import InvalidInput
from app.i18n import _
from app.training.progress import CreditStatus

LEVEL_ORDER = {"basic": 0, "intermediate": 1, "advanced": 2}
GAP_KINDS = ("dimension", "cme", "licence", "probation")


@dataclass(frozen=True)
class Gap:
    kind: str  # dimension / cme / licence / probation
    reason: str  # shown to HR, e.g. "专业知识 6.1 < 7.0"
    dimension: str = ""  # the competency to build ("" for credits and licences)
    shortfall: float = 0.0  # how far below the bar (score points, or credits)
    cme_classes: tuple[str, ...] = ()  # for a CME gap: the classes ("I"/"II") whose yearly minimum is short


@dataclass(frozen=True)
class CatalogueCourse:
    id: int
    code: str
    title: str
    dimensions: tuple[str, ...]
    prerequisites: tuple[str, ...] = ()
    format: str = "course"
    level: str = "basic"
    hours: float = 0.0
    credits: float = 0.0
    cme_class: str = ""  # "I" / "II" / "" (继续医学教育 credit class)


@dataclass(frozen=True)
class PathStep:
    course_id: int
    code: str
    title: str
    reasons: tuple[str, ...]
    prerequisite_for: tuple[str, ...] = ()  # codes of the chosen courses that need this one
    already_enrolled: bool = False
    hours: float = 0.0
    credits: float = 0.0

    @property
    def reason_text(self) -> str:
        parts = list(self.reasons)
        if self.prerequisite_for:
            parts.append(_("prerequisite of {courses}").format(courses="、".join(self.prerequisite_for)))
        return "；".join(parts)


@dataclass(frozen=True)
class PathProposal:
    gaps: tuple[Gap, ...]
    steps: tuple[PathStep, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)  # gaps no course serves, dimensions without evidence


# --------------------------------------------------------------------------------------------
# Gaps


def dimension_gaps(latest: Mapping[str, float], bars: Mapping[str, float]) -> tuple[list[Gap], list[str]]:
    """Gaps where the latest score is below the bar; also the dimensions with no score at all."""
    gaps: list[Gap] = []
    unknown: list[str] = []
    for dim, bar in bars.items():
        score = latest.get(dim)
        if score is None:
            unknown.append(dim)
        elif score < bar:
            gaps.append(Gap("dimension", f"{dim} {score:.1f} < {bar:.1f}", dim, round(bar - score, 2)))
    gaps.sort(key=lambda g: -g.shortfall)
    return gaps, unknown


def cme_gap(earned: float, required: float, year: int) -> Gap | None:
    if required <= 0 or earned >= required:
        return None
    return Gap("cme", _("CME credits {year}: {earned:g} < {required:g}").format(
        year=year, earned=earned, required=required), "", round(required - earned, 2))


def cme_status_gap(status: CreditStatus) -> Gap | None:
    """The year's CME gap with every short part named ("Ⅰ类学分 3.0 < 5.0"), None when met."""
    if status.met:
        return None
    return Gap("cme", "；".join(status.reasons()), "", status.shortfall, status.short_classes)


def licence_gap(kind: str, expiry: date | None, today: date, warn_days: int) -> Gap | None:
    if expiry is None:
        return None
    if expiry < today:
        return Gap("licence", _("{licence} expired on {date}").format(licence=kind, date=expiry.isoformat()), "", 1.0)
    if expiry <= today + timedelta(days=warn_days):
        return Gap("licence", _("{licence} expires on {date}").format(licence=kind, date=expiry.isoformat()), "", 0.5)
    return None


def probation_gap(outcome: str, notes: str, weakest: str | None) -> Gap | None:
    """A probation review that was extended points at the weakest dimension of the post."""
    if outcome != "extend" or not weakest:
        return None
    note = notes.strip().splitlines()[0][:40] if notes.strip() else ""
    reason = _("probation extended: {dimension}").format(dimension=weakest)
    return Gap("probation", f"{reason}（{note}）" if note else reason, weakest, 1.0)


# --------------------------------------------------------------------------------------------
# Ordering


def topological_order(codes: Iterable[str], prerequisites: Mapping[str, Sequence[str]],
                      priority: Mapping[str, float] | None = None) -> list[str]:
    """``codes`` ordered so that each course's prerequisites (those in ``codes``) come first.

    Among courses ready at the same time, a higher ``priority`` goes first, then the code.
    Raises ``InvalidInput`` naming the courses of a prerequisite cycle.
    """
    nodes = list(dict.fromkeys(codes))
    wanted = set(nodes)
    priority = priority or {}
    needs = {c: [p for p in prerequisites.get(c, ()) if p in wanted and p != c] for c in nodes}
    for c in nodes:
        if c in prerequisites.get(c, ()):
            raise InvalidInput(_("Course {code} lists itself as a prerequisite. Correct the catalogue.").format(code=c))
    indegree = {c: len(set(needs[c])) for c in nodes}
    dependants: dict[str, list[str]] = {c: [] for c in nodes}
    for c in nodes:
        for p in set(needs[c]):
            dependants[p].append(c)
    ready = [(-priority.get(c, 0.0), c) for c in nodes if indegree[c] == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _prio, c = heapq.heappop(ready)
        out.append(c)
        for d in dependants[c]:
            indegree[d] -= 1
            if indegree[d] == 0:
                heapq.heappush(ready, (-priority.get(d, 0.0), d))
    if len(out) < len(nodes):
        cycle = _find_cycle([c for c in nodes if c not in set(out)], needs)
        raise InvalidInput(_("The prerequisites of the catalogue form a cycle: {cycle}. Remove one of these "
                             "prerequisites in the course catalogue and try again.").format(cycle=" → ".join(cycle)))
    return out


def _find_cycle(left: Sequence[str], needs: Mapping[str, Sequence[str]]) -> list[str]:
    remaining = set(left)
    for start in left:
        path: list[str] = []
        seen: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in seen:
            seen[node] = len(path)
            path.append(node)
            node = next((p for p in needs.get(node, ()) if p in remaining), None)
        if node is not None:
            cyc = path[seen[node]:]
            return [*cyc, node]
    return sorted(remaining)


def check_catalogue(courses: Sequence[CatalogueCourse]) -> None:
    """Unknown prerequisite codes and cycles are errors of the catalogue."""
    codes = {c.code for c in courses}
    for c in courses:
        unknown = [p for p in c.prerequisites if p not in codes]
        if unknown:
            raise InvalidInput(_("Course {code} needs {missing}, which is not in the catalogue. Add that course or "
                                 "remove the prerequisite.").format(code=c.code, missing="、".join(unknown)))
    topological_order(codes, {c.code: c.prerequisites for c in courses})


# --------------------------------------------------------------------------------------------
# Recommendation


def _candidates_for(gap: Gap, courses: Sequence[CatalogueCourse]) -> list[CatalogueCourse]:
    if gap.kind in ("cme", "licence"):
        if gap.cme_classes:
            # a short class is filled only by courses of that class (of any format; CME courses first)
            pool = [c for c in courses if c.credits > 0 and c.cme_class in gap.cme_classes]
            return sorted(pool, key=lambda c: (c.format != "cme", -c.credits / max(c.hours, 1.0), c.code))
        pool = [c for c in courses if c.format == "cme" and c.credits > 0]
        return sorted(pool, key=lambda c: (-c.credits / max(c.hours, 1.0), c.code))
    pool = [c for c in courses if gap.dimension in c.dimensions]
    # a course built mainly for the dimension first, then easier levels, then shorter
    return sorted(pool, key=lambda c: (c.dimensions.index(gap.dimension), LEVEL_ORDER.get(c.level, 1), c.hours, c.code))


def recommend(
    gaps: Sequence[Gap],
    courses: Sequence[CatalogueCourse],
    *,
    done: Iterable[str] = (),
    enrolled: Iterable[str] = (),
    per_gap: int = 2,
) -> PathProposal:
    """Courses for the gaps, prerequisites included, in a valid order, each with its reasons.

    ``done``: codes the person completed (never proposed again, and they satisfy prerequisites);
    ``enrolled``: codes the person is already enrolled in (kept in the path, flagged).
    """
    by_code = {c.code: c for c in courses}
    done_set, enrolled_set = set(done), set(enrolled)
    reasons: dict[str, list[str]] = {}
    priority: dict[str, float] = {}
    notes: list[str] = []
    for gap in sorted(gaps, key=lambda g: -g.shortfall):
        chosen = 0
        credits_left = gap.shortfall if gap.kind == "cme" else math.inf
        for c in _candidates_for(gap, courses):
            if chosen >= per_gap or credits_left <= 0:
                break
            if c.code in done_set:
                continue
            reasons.setdefault(c.code, [])
            if gap.reason not in reasons[c.code]:
                reasons[c.code].append(gap.reason)
            priority[c.code] = max(priority.get(c.code, 0.0), gap.shortfall)
            chosen += 1
            credits_left -= c.credits
        if chosen == 0:
            notes.append(_("No course in the catalogue serves: {gap}").format(gap=gap.reason))
    # prerequisites, transitively
    needed_by: dict[str, list[str]] = {}
    stack = list(reasons)
    seen = set(stack)
    while stack:
        code = stack.pop()
        course = by_code[code]
        for p in course.prerequisites:
            if p in done_set:
                continue
            if p not in by_code:
                raise InvalidInput(_("Course {code} needs {missing}, which is not in the catalogue. Add that course or "
                                     "remove the prerequisite.").format(code=code, missing=p))
            needed_by.setdefault(p, []).append(code)
            priority[p] = max(priority.get(p, 0.0), priority.get(code, 0.0))
            if p not in seen:
                seen.add(p)
                stack.append(p)
    order = topological_order(seen, {c: by_code[c].prerequisites for c in seen}, priority)
    steps = tuple(
        PathStep(
            by_code[c].id, c, by_code[c].title, tuple(reasons.get(c, ())),
            tuple(sorted(set(needed_by.get(c, ())))), c in enrolled_set, by_code[c].hours, by_code[c].credits,
        )
        for c in order
    )
    return PathProposal(tuple(gaps), steps, tuple(notes))


def default_due_dates(steps: Sequence[PathStep], start: date, *, hours_per_week: float, min_days: int) -> list[date]:
    """Consecutive due dates: each course gets max(min_days, ceil(hours / hours_per_week) weeks)."""
    out: list[date] = []
    day = start
    for s in steps:
        days = max(min_days, math.ceil(s.hours / max(hours_per_week, 0.5)) * 7)
        day = day + timedelta(days=days)
        out.append(day)
    return out
