"""Roster rule checker: lists every violation with its cell (person, day, rule, message).

All limits are settings (``RuleSettings``); coverage and skill mix are ``CoverRule`` rows. The
checker is independent of the solver: tests use it to verify generated rosters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.attendance.roster import Roster
from app.attendance.shifts import ShiftCatalog
from app.i18n import _

log = logging.getLogger(__name__)

# Rule ids (stable keys for the UI and tests).
COVERAGE = "coverage"
REST_AFTER_NIGHT = "rest_after_night"
NO_EARLY_AFTER_NIGHT = "no_early_after_night"
MIN_REST = "min_rest"
MAX_CONSECUTIVE_NIGHTS = "max_consecutive_nights"
MAX_NIGHTS_MONTH = "max_nights_month"
MAX_CONSECUTIVE_DAYS = "max_consecutive_days"
WEEKLY_HOURS = "weekly_hours"
LEAVE_CLASH = "leave_clash"
LEAVE_CAP = "leave_cap"
LICENCE = "licence"
UNKNOWN_CODE = "unknown_code"


@dataclass(frozen=True)
class Licence:
    kind: str  # e.g. 护士执业证书, 医师执业证书
    valid_from: date
    valid_to: date | None = None  # None: open-ended

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class StaffMember:
    staff_no: str
    skills: frozenset[str] = frozenset()  # titles and qualifications: 主管护师, N3, 护士长 ...
    licences: tuple[Licence, ...] = ()
    licence_required: bool = True  # False for e.g. nursing assistants without a licence
    max_nights: int | None = None  # personal override of RuleSettings.max_nights_per_month
    min_shifts: int | None = None  # solver: contract minimum work shifts in the month
    max_shifts: int | None = None

    def qualifies(self, skills_any: frozenset[str], day: date) -> bool:
        if not skills_any:
            return True
        if self.skills & skills_any:
            return True
        return any(lic.kind in skills_any and lic.valid_on(day) for lic in self.licences)

    def has_licence(self, kind: str, day: date) -> bool:
        return any(lic.kind == kind and lic.valid_on(day) for lic in self.licences)


@dataclass(frozen=True)
class CoverRule:
    """At least ``min_staff`` people on one of ``shift_codes`` who hold any of ``skills_any``."""

    name: str  # shown to the user, e.g. 每晚至少2名护士
    shift_codes: frozenset[str]
    min_staff: int
    skills_any: frozenset[str] = frozenset()  # empty: anyone; a licence kind also counts
    weekdays: frozenset[int] | None = None  # 0 = Monday; None = every day

    def applies(self, day: date) -> bool:
        return self.weekdays is None or day.weekday() in self.weekdays


@dataclass(frozen=True)
class ApprovedLeave:
    staff_no: str
    first: date
    last: date
    leave_type: str

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class RuleSettings:
    rest_days_after_night: int = 1  # days off after the last night of a run (下夜)
    no_early_after_night: bool = True
    min_rest_hours: float = 10.0  # between the end of one shift and the start of the next
    max_consecutive_nights: int = 3
    max_nights_per_month: int = 8
    max_consecutive_work_days: int = 6
    max_weekly_hours: float = 44.0  # 劳动法 第三十六条 average; Monday–Sunday weeks
    required_licence_kinds: frozenset[str] = frozenset({"护士执业证书"})
    max_on_leave_per_day: int | None = None


@dataclass(frozen=True)
class Violation:
    rule: str
    day: date
    staff_no: str | None  # None: a ward-level rule (coverage, leave cap)
    shift: str  # the cell's code, or the covered shift codes
    message: str


@dataclass(frozen=True)
class RosterProblem:
    """Everything the checker and the solver need besides the grid."""

    catalog: ShiftCatalog
    staff: Mapping[str, StaffMember]
    cover: tuple[CoverRule, ...] = ()
    settings: RuleSettings = field(default_factory=RuleSettings)
    leave: tuple[ApprovedLeave, ...] = ()
    history: Mapping[str, Sequence[str]] = field(default_factory=dict)  # last codes of the previous month


def _work_minutes(catalog: ShiftCatalog, code: str) -> int:
    st = catalog.get(code)
    return st.paid_minutes if st is not None and st.is_work else 0


def check_roster(roster: Roster, problem: RosterProblem) -> list[Violation]:
    """Every violation in the roster, sorted by day, rule and person."""
    cat, cfg = problem.catalog, problem.settings
    out: list[Violation] = []
    days = roster.days
    for sid, row in zip(roster.staff, roster.cells, strict=True):
        member = problem.staff.get(sid, StaffMember(sid))
        hist = list(problem.history.get(sid, ()))
        out.extend(_check_person(sid, member, row, hist, days, problem))
    for ci, d in enumerate(days):
        for rule in problem.cover:
            if not rule.applies(d):
                continue
            got = sum(
                1
                for sid, row in zip(roster.staff, roster.cells, strict=True)
                if row[ci] in rule.shift_codes
                and problem.staff.get(sid, StaffMember(sid)).qualifies(rule.skills_any, d)
            )
            if got < rule.min_staff:
                out.append(
                    Violation(
                        COVERAGE,
                        d,
                        None,
                        "/".join(sorted(rule.shift_codes)),
                        _("{rule}: {day} has {got}, needs {need}.").format(
                            rule=rule.name, day=d.isoformat(), got=got, need=rule.min_staff
                        ),
                    )
                )
        if cfg.max_on_leave_per_day is not None:
            on_leave = sum(1 for row in roster.cells if cat.is_leave(row[ci]))
            if on_leave > cfg.max_on_leave_per_day:
                out.append(
                    Violation(
                        LEAVE_CAP,
                        d,
                        None,
                        "",
                        _("{n} people on leave on {day}; at most {cap} allowed.").format(
                            n=on_leave, day=d.isoformat(), cap=cfg.max_on_leave_per_day
                        ),
                    )
                )
    out.sort(key=lambda v: (v.day, v.rule, v.staff_no or ""))
    log.debug("roster check: %d violations", len(out))
    return out


def _check_person(
    sid: str,
    member: StaffMember,
    row: Sequence[str],
    hist: list[str],
    days: list[date],
    problem: RosterProblem,
) -> Iterable[Violation]:
    cat, cfg = problem.catalog, problem.settings
    seq = hist + list(row)
    h = len(hist)
    first = days[0]

    def day_of(i: int) -> date:
        return first + timedelta(days=i - h)

    def v(rule: str, i: int, message: str) -> Violation:
        return Violation(rule, day_of(i), sid, seq[i], message)

    for i in range(h, len(seq)):
        code = seq[i]
        d = day_of(i)
        if code and cat.get(code) is None and not cat.is_leave(code):
            yield v(UNKNOWN_CODE, i, _("Unknown code {code} for {staff} on {day}.").format(code=code, staff=sid, day=d))
            continue
        work = cat.is_work(code)
        prev = seq[i - 1] if i > 0 else ""
        # rest after the last night of a run
        if work and cfg.rest_days_after_night > 0:
            for k in range(1, cfg.rest_days_after_night + 1):
                j = i - k
                if j < 0:
                    break
                if cat.is_night(seq[j]) and all(not cat.is_night(seq[m]) for m in range(j + 1, i + 1)):
                    yield v(
                        REST_AFTER_NIGHT,
                        i,
                        _("{staff} works {code} on {day}, within {n} rest day(s) after a night shift.").format(
                            staff=sid, code=code, day=d, n=cfg.rest_days_after_night
                        ),
                    )
                    break
        if cfg.no_early_after_night and work and cat.is_night(prev):
            st = cat.get(code)
            if st is not None and st.early:
                yield v(
                    NO_EARLY_AFTER_NIGHT,
                    i,
                    _("{staff} has the early shift {code} on {day} right after a night shift.").format(
                        staff=sid, code=code, day=d
                    ),
                )
        if work and cat.is_work(prev):
            _s0, end_prev = cat.shifts[prev].span(day_of(i - 1))
            start_now, _e = cat.shifts[code].span(d)
            gap_h = (start_now - end_prev).total_seconds() / 3600
            if gap_h < cfg.min_rest_hours:
                yield v(
                    MIN_REST,
                    i,
                    _("{staff} has only {hours} h rest before {code} on {day}; at least {min} h required.").format(
                        staff=sid, hours=f"{gap_h:g}", code=code, day=d, min=f"{cfg.min_rest_hours:g}"
                    ),
                )
        if cat.is_night(code):
            run = 1
            j = i - 1
            while j >= 0 and cat.is_night(seq[j]):
                run += 1
                j -= 1
            if run > cfg.max_consecutive_nights:
                yield v(
                    MAX_CONSECUTIVE_NIGHTS,
                    i,
                    _("{staff}: night {n} in a row on {day}; at most {max} allowed.").format(
                        staff=sid, n=run, day=d, max=cfg.max_consecutive_nights
                    ),
                )
        if work:
            run = 1
            j = i - 1
            while j >= 0 and cat.is_work(seq[j]):
                run += 1
                j -= 1
            if run > cfg.max_consecutive_work_days:
                yield v(
                    MAX_CONSECUTIVE_DAYS,
                    i,
                    _("{staff}: working day {n} in a row on {day}; at most {max} allowed.").format(
                        staff=sid, n=run, day=d, max=cfg.max_consecutive_work_days
                    ),
                )
            if member.licence_required:
                for kind in sorted(cfg.required_licence_kinds):
                    if not member.has_licence(kind, d):
                        yield v(
                            LICENCE,
                            i,
                            _("{staff} works {code} on {day} without a valid {licence}.").format(
                                staff=sid, code=code, day=d, licence=kind
                            ),
                        )
            for lv in problem.leave:
                if lv.staff_no == sid and lv.covers(d):
                    yield v(
                        LEAVE_CLASH,
                        i,
                        _("{staff} is rostered {code} on {day} during approved {leave}.").format(
                            staff=sid, code=code, day=d, leave=lv.leave_type
                        ),
                    )
    # nights per month
    cap = member.max_nights if member.max_nights is not None else cfg.max_nights_per_month
    nights = 0
    for i in range(h, len(seq)):
        if cat.is_night(seq[i]):
            nights += 1
            if nights > cap:
                yield v(
                    MAX_NIGHTS_MONTH,
                    i,
                    _("{staff}: night shift {n} this month on {day}; at most {max} allowed.").format(
                        staff=sid, n=nights, day=day_of(i), max=cap
                    ),
                )
    # weekly hours, Monday–Sunday weeks inside the month
    limit = cfg.max_weekly_hours * 60
    week_total = 0
    week_key = None
    for i in range(h, len(seq)):
        d = day_of(i)
        key = d.isocalendar()[:2]
        if key != week_key:
            week_key, week_total = key, 0
        mins = _work_minutes(cat, seq[i])
        before = week_total
        week_total += mins
        if mins and before <= limit < week_total:
            yield v(
                WEEKLY_HOURS,
                i,
                _("{staff}: {hours} h in the week of {day}; at most {max} h allowed.").format(
                    staff=sid, hours=f"{week_total / 60:g}", day=d, max=f"{cfg.max_weekly_hours:g}"
                ),
            )
