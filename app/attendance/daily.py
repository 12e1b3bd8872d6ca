"""Per person per day figures from the roster, the attached punches and the holiday calendar.

Overtime follows 劳动法 第四十四条 and the working-time system (a hospital setting per ward):
- ``standard`` (标准工时制): time after the shift end beyond ``overtime_min_minutes`` (in whole
  ``overtime_unit_minutes``) is extended hours (150%); a shift on a rest day (weekend or moved rest
  day of the calendar) is rest-day work (200%); on a 法定节假日 holiday work (300%).
- ``comprehensive`` (综合计算工时制, usual for 三班倒 wards): holiday work is 300%; hours above the
  month's standard hours are 150% and are computed in the monthly summary, not per day.
值班 (duty) is counted apart and never becomes overtime.

A shift with one punch and no 补卡 supplement is a *missing punch*: the rostered minutes are
credited (the person was demonstrably there) and the day is flagged for HR to resolve; a work
shift with no punch at all, no supplement and no leave is *absent*.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app.attendance.attach import AttachResult, ShiftPunches
from app.attendance.calendar import DayKind, HolidayCalendar
from app.attendance.roster import Roster
from app.attendance.shifts import ShiftCatalog
from app.errors import InvalidInput
from app.i18n import _

EXTENDED, REST_DAY, HOLIDAY = "extended", "rest_day", "holiday"
OVERTIME_RATES = {EXTENDED: 150, REST_DAY: 200, HOLIDAY: 300}  # percent, 劳动法 第四十四条


@dataclass(frozen=True)
class Supplement:
    """An approved 补卡 record for a missing check-in or check-out."""

    staff_no: str
    day: date  # the rostered day of the shift
    kind: str  # "in" | "out"
    at: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("in", "out"):
            raise InvalidInput(_("A punch supplement is either a check-in or a check-out."))


@dataclass(frozen=True)
class DailySettings:
    late_grace_minutes: int = 5
    early_grace_minutes: int = 5
    overtime_min_minutes: int = 30
    overtime_unit_minutes: int = 30
    hours_system: str = "standard"  # standard | comprehensive
    standard_day_minutes: int = 480

    def __post_init__(self) -> None:
        if self.hours_system not in ("standard", "comprehensive"):
            raise InvalidInput(_("The working-time system must be standard or comprehensive."))


@dataclass(frozen=True)
class DayRecord:
    staff_no: str
    day: date
    code: str
    kind: str  # work | duty | rest | leave | none
    day_kind: DayKind
    check_in: datetime | None = None
    check_out: datetime | None = None
    supplemented: tuple[str, ...] = ()
    worked_minutes: int = 0  # work shifts, not duty
    duty_minutes: int = 0
    late_minutes: int = 0
    early_minutes: int = 0
    absent: bool = False
    missing_in: bool = False
    missing_out: bool = False
    overtime: dict[str, int] = field(default_factory=dict)  # minutes by kind
    night_class: str = ""
    leave_type: str = ""
    leave_days: float = 0.0  # counted against the leave type (年假 skips statutory holidays)


def _units(minutes: int, cfg: DailySettings) -> int:
    if minutes < cfg.overtime_min_minutes:
        return 0
    return minutes // cfg.overtime_unit_minutes * cfg.overtime_unit_minutes


def compute_days(
    roster: Roster,
    catalog: ShiftCatalog,
    attached: AttachResult,
    calendar: HolidayCalendar,
    settings: DailySettings | None = None,
    supplements: Sequence[Supplement] = (),
) -> list[DayRecord]:
    cfg = settings or DailySettings()
    by_key = attached.by_key()
    sup: dict[tuple[str, date], dict[str, datetime]] = {}
    for s in supplements:
        sup.setdefault((s.staff_no, s.day), {})[s.kind] = s.at
    out: list[DayRecord] = []
    days = roster.days
    for sid, row in zip(roster.staff, roster.cells, strict=True):
        for d, code in zip(days, row, strict=True):
            out.append(_one(sid, d, code, catalog, by_key.get((sid, d)), calendar, cfg, sup.get((sid, d), {})))
    return out


def _one(
    sid: str,
    d: date,
    code: str,
    catalog: ShiftCatalog,
    sp: ShiftPunches | None,
    calendar: HolidayCalendar,
    cfg: DailySettings,
    sup: dict[str, datetime],
) -> DayRecord:
    dk = calendar.kind(d)
    if catalog.is_leave(code):
        lt = catalog.leave_type(code) or code
        counted = 0.0 if (lt == "年假" and dk is DayKind.HOLIDAY) else 1.0
        return DayRecord(sid, d, code, "leave", dk, leave_type=lt, leave_days=counted)
    st = catalog.get(code)
    if st is None or not st.is_work:
        return DayRecord(sid, d, code, "rest" if st is not None else "none", dk)
    start, end = st.span(d)
    cin = sp.check_in if sp else None
    cout = sp.check_out if sp else None
    supplemented = []
    if cin is None and "in" in sup:
        cin = sup["in"]
        supplemented.append("in")
    if cout is None and "out" in sup:
        cout = sup["out"]
        supplemented.append("out")
    kind = "duty" if st.duty else "work"
    if cin is None and cout is None:
        return DayRecord(sid, d, code, kind, dk, absent=True)
    late = max(0, int((cin - start).total_seconds() // 60)) if cin is not None else 0
    early = max(0, int((end - cout).total_seconds() // 60)) if cout is not None else 0
    late = late if late > cfg.late_grace_minutes else 0
    early = early if early > cfg.early_grace_minutes else 0
    credited = max(0, st.paid_minutes - late - early)
    rec_overtime: dict[str, int] = {}
    night_class = st.night_class
    if st.duty:
        return DayRecord(
            sid, d, code, kind, dk, cin, cout, tuple(supplemented), duty_minutes=credited,
            late_minutes=late, early_minutes=early, missing_in=cin is None, missing_out=cout is None,
            night_class=night_class,
        )
    extension = 0
    if cout is not None and cin is not None:
        extension = _units(max(0, int((cout - end).total_seconds() // 60)), cfg)
    if dk is DayKind.HOLIDAY:
        rec_overtime[HOLIDAY] = credited + extension
    elif cfg.hours_system == "standard":
        if dk is DayKind.REST:
            rec_overtime[REST_DAY] = credited + extension
        elif extension:
            rec_overtime[EXTENDED] = extension
    return DayRecord(
        sid, d, code, kind, dk, cin, cout, tuple(supplemented), worked_minutes=credited + extension,
        late_minutes=late, early_minutes=early, missing_in=cin is None, missing_out=cout is None,
        overtime=rec_overtime, night_class=night_class,
    )


def records_by_staff(records: Iterable[DayRecord]) -> dict[str, list[DayRecord]]:
    out: dict[str, list[DayRecord]] = {}
    for r in records:
        out.setdefault(r.staff_no, []).append(r)
    return out
