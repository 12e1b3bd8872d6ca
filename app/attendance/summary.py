"""Monthly summary per person (what payroll reads) and adjustments after a month is locked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.attendance.calendar import DayKind, HolidayCalendar
from app.attendance.daily import EXTENDED, DailySettings, DayRecord, records_by_staff
from app.domain.org import Month
from app.errors import InvalidInput
from app.i18n import _


@dataclass(frozen=True)
class MonthlySummary:
    staff_no: str
    month: str  # YYYY-MM
    days_worked: int = 0  # work and duty shifts attended
    worked_minutes: int = 0  # work shifts (duty apart)
    absent_days: int = 0
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    missing_punches: int = 0
    overtime_minutes: dict[str, int] = field(default_factory=dict)  # extended / rest_day / holiday
    night_shifts: dict[str, int] = field(default_factory=dict)  # by night-allowance class
    duty_shifts: int = 0
    duty_minutes: int = 0
    leave_days: dict[str, float] = field(default_factory=dict)  # by leave type

    @property
    def hours_worked(self) -> float:
        return self.worked_minutes / 60

    def overtime_hours(self) -> dict[str, float]:
        return {k: v / 60 for k, v in self.overtime_minutes.items()}


def summarise_month(
    records: Iterable[DayRecord],
    month: Month,
    calendar: HolidayCalendar,
    settings: DailySettings | None = None,
) -> dict[str, MonthlySummary]:
    """One summary per person from that month's day records."""
    cfg = settings or DailySettings()
    days = month.days()
    standard_minutes = calendar.working_days(days) * cfg.standard_day_minutes
    out: dict[str, MonthlySummary] = {}
    for sid, recs in records_by_staff(records).items():
        ot: Counter[str] = Counter()
        nights: Counter[str] = Counter()
        leave: Counter[str] = Counter()
        worked = absent = late_n = late_m = early_n = early_m = missing = duty = duty_m = days_worked = 0
        non_holiday_minutes = 0
        for r in recs:
            if (r.day.year, r.day.month) != (month.year, month.month):
                raise InvalidInput(_("A day record of {day} is not in {month}.").format(day=r.day, month=str(month)))
            if r.kind == "leave":
                leave[r.leave_type] += r.leave_days
                continue
            if r.kind not in ("work", "duty"):
                continue
            if r.absent:
                absent += 1
                continue
            days_worked += 1
            worked += r.worked_minutes
            if r.day_kind is not DayKind.HOLIDAY and r.kind == "work":
                non_holiday_minutes += r.worked_minutes
            late_n += r.late_minutes > 0
            late_m += r.late_minutes
            early_n += r.early_minutes > 0
            early_m += r.early_minutes
            missing += int(r.missing_in) + int(r.missing_out)
            ot.update(r.overtime)
            if r.night_class:
                nights[r.night_class] += 1
            if r.kind == "duty":
                duty += 1
                duty_m += r.duty_minutes
        if cfg.hours_system == "comprehensive":
            excess = max(0, non_holiday_minutes - standard_minutes)
            if excess:
                ot[EXTENDED] += excess
        out[sid] = MonthlySummary(
            sid, str(month), days_worked, worked, absent, late_n, late_m, early_n, early_m, missing,
            {k: v for k, v in sorted(ot.items()) if v}, dict(sorted(nights.items())), duty, duty_m,
            {k: v for k, v in sorted(leave.items()) if v},
        )
    return out


_SCALARS = ("days_worked", "worked_minutes", "absent_days", "late_count", "late_minutes", "early_count",
            "early_minutes", "missing_punches", "duty_shifts", "duty_minutes")
_MAPS = ("overtime_minutes", "night_shifts", "leave_days")


@dataclass(frozen=True)
class SummaryAdjustment:
    """Corrections to a locked month, booked in ``book_month`` (payroll pays the deltas)."""

    staff_no: str
    source_month: str
    book_month: str
    deltas: dict[str, int] = field(default_factory=dict)
    overtime_minutes: dict[str, int] = field(default_factory=dict)
    night_shifts: dict[str, int] = field(default_factory=dict)
    leave_days: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.deltas or self.overtime_minutes or self.night_shifts or self.leave_days)


def _map_delta(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    return {k: b.get(k, 0) - a.get(k, 0) for k in sorted(set(a) | set(b)) if b.get(k, 0) != a.get(k, 0)}


def adjustment(locked: MonthlySummary, corrected: MonthlySummary, book_month: Month | None = None) -> SummaryAdjustment:
    """What to book next month so that locked + adjustment = corrected."""
    if locked.staff_no != corrected.staff_no or locked.month != corrected.month:
        raise InvalidInput(_("An adjustment compares two summaries of the same person and month."))
    src = Month.parse(locked.month)
    book = book_month or src.next()
    if (book.year, book.month) <= (src.year, src.month):
        raise InvalidInput(_("Adjustments are booked in a month after the locked one."))
    deltas = {k: getattr(corrected, k) - getattr(locked, k) for k in _SCALARS}
    return SummaryAdjustment(
        locked.staff_no,
        locked.month,
        str(book),
        {k: v for k, v in deltas.items() if v},
        {k: int(v) for k, v in _map_delta(locked.overtime_minutes, corrected.overtime_minutes).items()},
        {k: int(v) for k, v in _map_delta(locked.night_shifts, corrected.night_shifts).items()},
        _map_delta(locked.leave_days, corrected.leave_days),
    )


def apply_adjustment(summary: MonthlySummary, adj: SummaryAdjustment) -> MonthlySummary:
    """``locked`` + adjustment (used to check that corrections add up)."""
    values = {k: getattr(summary, k) + adj.deltas.get(k, 0) for k in _SCALARS}

    def add(a: Mapping[str, float], b: Mapping[str, float]) -> dict:  # type: ignore[type-arg]
        keys = sorted(set(a) | set(b))
        return {k: a.get(k, 0) + b.get(k, 0) for k in keys if a.get(k, 0) + b.get(k, 0)}

    return MonthlySummary(
        summary.staff_no, summary.month, **values,
        overtime_minutes=add(summary.overtime_minutes, adj.overtime_minutes),
        night_shifts=add(summary.night_shifts, adj.night_shifts),
        leave_days=add(summary.leave_days, adj.leave_days),
    )

