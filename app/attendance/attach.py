"""Punch → rostered shift attachment.

A punch belongs to the rostered shift whose window (start − ``before_start`` … end + ``after_end``)
contains it, never to its calendar date: a 大夜 rostered on the 31st checks out on the 1st of the
next month (or the next year) and is still the 31st's shift. When windows overlap, the punch goes
to the shift whose boundary is nearest. Within a shift the first punch is the check-in and the
last the check-out; a single punch is whichever boundary it is nearer to.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.attendance.roster import Roster
from app.attendance.shifts import ShiftCatalog, ShiftType
from app.tasks import NEVER_CANCELLED, CancelToken


@dataclass(frozen=True)
class AttachSettings:
    before_start_minutes: int = 120  # earliest check-in before the start
    after_end_minutes: int = 240  # latest check-out after the end (overtime stays attached)


@dataclass(frozen=True)
class RosteredShift:
    staff_no: str
    day: date  # the rostered day: the shift belongs to it
    shift: ShiftType
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ShiftPunches:
    shift: RosteredShift
    check_in: datetime | None
    check_out: datetime | None
    punches: tuple[datetime, ...]


@dataclass(frozen=True)
class AttachResult:
    shifts: tuple[ShiftPunches, ...]
    unattached: tuple[tuple[str, datetime], ...]  # (staff number, time): no rostered shift near

    def by_key(self) -> dict[tuple[str, date], ShiftPunches]:
        return {(s.shift.staff_no, s.shift.day): s for s in self.shifts}


def rostered_shifts(rosters: Iterable[Roster], catalog: ShiftCatalog) -> list[RosteredShift]:
    """Work shifts of one or more months (pass the previous month too for cross-month nights)."""
    out: list[RosteredShift] = []
    for roster in rosters:
        for sid, day, code in roster.entries():
            st = catalog.get(code)
            if st is None or not st.is_work:
                continue
            s, e = st.span(day)
            out.append(RosteredShift(sid, day, st, s, e))
    return out


def attach_punches(
    punches: Iterable[tuple[str, datetime]],
    shifts: Sequence[RosteredShift],
    settings: AttachSettings | None = None,
    *,
    cancel: CancelToken = NEVER_CANCELLED,
) -> AttachResult:
    cfg = settings or AttachSettings()
    before = timedelta(minutes=cfg.before_start_minutes)
    after = timedelta(minutes=cfg.after_end_minutes)
    by_staff: dict[str, list[RosteredShift]] = defaultdict(list)
    for s in shifts:
        by_staff[s.staff_no].append(s)
    starts: dict[str, list[datetime]] = {}
    for sid, lst in by_staff.items():
        lst.sort(key=lambda s: s.start)
        starts[sid] = [s.start for s in lst]
    got: dict[int, list[datetime]] = defaultdict(list)  # id(shift) → punches
    index: dict[int, RosteredShift] = {}
    unattached: list[tuple[str, datetime]] = []
    for n, (sid, at) in enumerate(punches):
        if n % 20000 == 0:
            cancel.raise_if_cancelled()
        lst = by_staff.get(sid)
        if not lst:
            unattached.append((sid, at))
            continue
        i = bisect_right(starts[sid], at + before)  # shifts starting no later than at + before
        best: RosteredShift | None = None
        best_dist: timedelta | None = None
        for j in range(i - 1, max(-1, i - 4), -1):
            s = lst[j]
            if not (s.start - before <= at <= s.end + after):
                continue
            if s.start <= at <= s.end:
                dist = timedelta(0)
            else:
                dist = s.start - at if at < s.start else at - s.end
            # ties go to the later shift (a punch at a hand-over is the next shift's check-in)
            if best_dist is None or dist < best_dist:
                best, best_dist = s, dist
        if best is None:
            unattached.append((sid, at))
            continue
        index[id(best)] = best
        got[id(best)].append(at)
    out: list[ShiftPunches] = []
    for s in shifts:
        ps = sorted(got.get(id(s), ()))
        if not ps:
            out.append(ShiftPunches(s, None, None, ()))
        elif len(ps) == 1:
            p = ps[0]
            if abs(p - s.start) <= abs(s.end - p):
                out.append(ShiftPunches(s, p, None, (p,)))
            else:
                out.append(ShiftPunches(s, None, p, (p,)))
        else:
            out.append(ShiftPunches(s, ps[0], ps[-1], tuple(ps)))
    return AttachResult(tuple(out), tuple(unattached))
