"""Attendance in the database: ward shift types, rosters, clock imports, monthly summaries.

Over the pure engine in ``app.attendance``. The engine works in hospital local time with naive
datetimes; the database stores UTC (``app.domain.timeutil``). What it writes:

- ``shift_types`` per ward, seeded from ``resources/attendance/shift_defaults.toml`` by the ward's
  ``shift_set`` (night classes renamed to the pay table's 小夜 / 大夜 / 长夜班; 值班 has none,
  it is paid per duty);
- ``roster_entries`` (one per person and day; leave is not stored in the grid, it comes from
  approved ``leave_records``);
- ``clock_punches`` only after a preview was confirmed, idempotently (``import_key`` unique);
- ``attendance_months`` per person: recomputed on demand, never once locked; HR corrections are
  kept in ``corrections`` and re-applied on recomputation; after the lock a correction becomes an
  ``attendance_adjustments`` row booked into the next month.

Ward cover rules (minimum staff per shift × skill/title, weekday variants, rest and night limits)
and clock-file column mappings are hospital-wide settings in the database (``app_settings`` through
``app.services.shared_settings``: ``attendance.ward_rules.<department id>`` and
``attendance.clock_mapping.<layout digest>``), with optimistic versions, so every workstation sees
the same rules. A ward without stored rules gets the defaults of its shift set. Earlier versions
kept them in per-workstation JSON files (``attendance_wards.json``, ``attendance_clock_mappings.json``
in the config folder): a value found there for a key the database does not have yet is imported
once; the file itself is left alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app import paths
from app.attendance.attach import AttachSettings, attach_punches, rostered_shifts
from app.attendance.calendar import load_calendar
from app.attendance.clock import ColumnMapping, ImportPreview, RawTable, guess_mapping, preview_punches, read_table
from app.attendance.daily import DailySettings, DayRecord, Supplement, compute_days
from app.attendance.roster import Roster
from app.attendance.rules import (
    ApprovedLeave,
    CoverRule,
    Licence as RuleLicence,
    RosterProblem,
    RuleSettings,
    StaffMember,
    Violation,
    check_roster,
)
from app.attendance.shifts import ShiftCatalog, ShiftType as EngineShift, default_catalog, load_defaults
from app.attendance.summary import MonthlySummary, summarise_month
from app.db.locks import exclusive
from app.db.tables import (
    AttendanceAdjustment,
    AttendanceMonth,
    ClockPunch,
    Department,
    Employee,
    LeaveRecord,
    Licence,
    Person,
    Position,
    PunchSupplement,
    RosterEntry,
    ShiftType,
    utcnow,
)
from app.domain.org import Month
from app.domain.timeutil import HOSPITAL_TZ, to_local, to_utc
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, _
from app.services.base import Service, load_for_update
from app.services.shared_settings import read_setting, write_setting
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

#: night-allowance classes exactly as the pay table 夜班费 names them
PAY_NIGHT_CLASSES = ("小夜", "大夜", "长夜班")
#: default shift set → {code: night class the ward pays} (overrides the engine defaults)
NIGHT_CLASS_BY_SET: dict[str, dict[str, str]] = {
    "ICU12": {"N12": "长夜班"},
    "值班": {"值": ""},  # 24 h on-call duty is paid per duty (值班费), not as a night shift
}
SENIOR_NURSE_TITLES = frozenset({"主管护师", "副主任护师", "主任护师"})
NURSE_LICENCE = "护士执业证书"
#: default minimum staff per shift code, by shift set (hospital settings, editable per ward)
DEFAULT_MIN_STAFF: dict[str, dict[str, int]] = {
    "三班倒": {"白": 3, "小夜": 2, "大夜": 2},
    "APN": {"A": 3, "P": 2, "N": 2},
    "ICU12": {"D12": 4, "N12": 3},
}
WARD_RULES_FILE = "attendance_wards.json"  # legacy per-workstation file, imported once
CLOCK_MAPPINGS_FILE = "attendance_clock_mappings.json"  # legacy per-workstation file, imported once
WARD_RULES_KEY = "attendance.ward_rules.{department_id}"
CLOCK_MAPPING_KEY = "attendance.clock_mapping.{digest}"
LEGACY_USER = "import-json"
MAX_COVER_RULES = 40

SCALAR_FIELDS = ("days_worked", "hours_worked", "absent_days", "late_count", "early_count", "missing_punches",
                 "duty_shifts", "late_minutes", "early_minutes", "duty_minutes")
MAP_FIELDS = ("overtime_hours", "night_shifts", "leave_days")
OVERTIME_KEYS = ("extended", "rest_day", "holiday")
FIELD_LABELS = {
    "days_worked": N_("days worked"), "hours_worked": N_("hours worked"), "absent_days": N_("absent days"),
    "late_count": N_("late arrivals"), "early_count": N_("early departures"), "missing_punches": N_("missing punches"),
    "duty_shifts": N_("on-call duties"), "late_minutes": N_("minutes late"), "early_minutes": N_("minutes left early"),
    "duty_minutes": N_("on-call minutes"), "overtime_hours": N_("overtime hours"), "night_shifts": N_("night shifts"),
    "leave_days": N_("leave days"),
}


# ------------------------------------------------------------------------------------ DTOs


@dataclass(frozen=True)
class WardInfo:
    department_id: int
    code: str
    name: str
    shift_set: str
    working_time: str
    staff: int


@dataclass(frozen=True)
class ShiftTypeRow:
    id: int | None
    code: str
    name: str
    start: time | None
    end: time | None
    paid_minutes: int = 0
    break_minutes: int = 0
    night: bool = False
    night_class: str = ""
    duty: bool = False
    rest: bool = False
    start_day_offset: int = 0
    early: bool = False
    version: int = 0
    active: bool = True  # False: retired (停用) — kept on old roster cells, not offered for new ones


@dataclass(frozen=True)
class WardRules:
    cover: tuple[CoverRule, ...]
    settings: RuleSettings
    version: int = 0  # of the stored setting; 0: the defaults, nothing stored yet
    updated_by: str = ""


@dataclass(frozen=True)
class ShiftUsage:
    """Where a shift type is used: roster cells in which months (for the delete refusal)."""

    code: str
    cells: int
    months: tuple[str, ...]


@dataclass(frozen=True)
class StaffInfo:
    employee_id: int
    staff_no: str
    name: str
    title: str
    nurse: bool


@dataclass(frozen=True)
class RosterView:
    department_id: int
    department: str
    month: str
    roster: Roster
    staff: tuple[StaffInfo, ...]
    shift_codes: tuple[str, ...]  # codes a cell may hold (work and rest)
    night_codes: frozenset[str]
    rest_codes: frozenset[str]
    duty_codes: frozenset[str]
    leave_cells: frozenset[tuple[str, date]]  # from approved leave: read-only in the grid
    violations: tuple[Violation, ...]
    retired_codes: frozenset[str] = frozenset()  # in shift_codes for old cells, never offered for new ones

    @property
    def offered_codes(self) -> tuple[str, ...]:
        """The codes the editor offers for a cell (retired shift types left out)."""
        return tuple(c for c in self.shift_codes if c not in self.retired_codes)


@dataclass(frozen=True)
class GenerateResult:
    status: str
    roster: Roster | None  # the whole ward (non-nurses unchanged); None when impossible
    message: str  # translated: found in N s, or why the month is impossible
    reasons: tuple[str, ...]
    violations: tuple[Violation, ...]
    wall_time_s: float


@dataclass(frozen=True)
class ClockFile:
    path: str
    source: str  # key the column mapping is remembered under
    header: tuple[str, ...]
    rows: int
    mapping: ColumnMapping | None  # remembered, else guessed; None: the user must choose
    remembered: bool


@dataclass(frozen=True)
class ClockPreview:
    path: str
    month: str
    mapping: ColumnMapping
    preview: ImportPreview
    new_punches: int  # good punches not in the database yet
    already_imported: int

    @property
    def errors(self) -> int:
        return len(self.preview.errors)

    @property
    def warnings(self) -> int:
        return len(self.preview.problems) - len(self.preview.errors)


@dataclass(frozen=True)
class ImportResult:
    inserted: int
    already_imported: int
    batch: str


@dataclass(frozen=True)
class ComputeResult:
    month: str
    written: int
    locked_skipped: int
    unattached_punches: int


@dataclass(frozen=True)
class SummaryRow:
    id: int
    employee_id: int
    staff_no: str
    name: str
    department: str
    month: str
    days_worked: float
    hours_worked: float
    absent_days: float
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing_punches: int
    overtime_hours: dict[str, float]
    night_shifts: dict[str, int]
    duty_shifts: int
    leave_days: dict[str, float]
    locked: bool
    locked_by: str
    locked_at: datetime | None
    corrections: tuple[dict[str, Any], ...]
    version: int

    @property
    def exceptions(self) -> int:
        return int(self.absent_days) + self.late_count + self.early_count + self.missing_punches


@dataclass(frozen=True)
class ExceptionRow:
    staff_no: str
    name: str
    department: str
    day: date
    code: str
    kind: str  # absent | late | early | missing_in | missing_out
    detail: str  # translated


@dataclass(frozen=True)
class CorrectionResult:
    field: str
    old: float
    new: float
    adjustment_month: str | None  # set when the month was locked: the delta is booked there


@dataclass(frozen=True)
class SupplementRow:
    id: int
    employee_id: int
    staff_no: str
    name: str
    day: date
    kind: str
    at: datetime  # local
    reason: str
    status: str
    decided_by: str
    department: str = ""
    department_id: int | None = None


@dataclass(frozen=True)
class SupplementDecision:
    id: int
    status: str
    month_locked: bool
    adjustment_month: str | None  # set when the approval was booked as an adjustment there
    delta: dict[str, Any]


@dataclass(frozen=True)
class AdjustmentRow:
    id: int
    employee_id: int
    staff_no: str
    source_month: str
    book_month: str
    delta: dict[str, Any]
    reason: str
    created_by: str


# ------------------------------------------------------------------------------------ helpers


def parse_month(text: str) -> Month:
    try:
        return Month.parse(str(text).strip())
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(_("Invalid month {value}. Write it as YYYY-MM, e.g. 2026-10.").format(value=text)) from exc


def _engine_shift(st: ShiftType) -> EngineShift:
    end_minutes = None
    if st.end_time is not None:
        end_minutes = st.end_time.hour * 60 + st.end_time.minute
        if st.start_time is not None and end_minutes == 0 and st.start_time != time(0, 0):
            end_minutes = 1440
    return EngineShift(
        code=st.code, name=st.name, start=st.start_time, end_minutes=end_minutes,
        start_day_offset=st.start_day_offset or 0, paid_minutes=st.paid_minutes or 0,
        break_minutes=st.break_minutes or 0, night=bool(st.is_night), night_class=st.night_class or "",
        duty=bool(st.is_duty), rest=bool(st.is_rest), early=bool(st.is_early), active=st.active is not False,
    )


def _row(st: ShiftType) -> ShiftTypeRow:
    return ShiftTypeRow(st.id, st.code, st.name, st.start_time, st.end_time, st.paid_minutes, st.break_minutes,
                        st.is_night, st.night_class, st.is_duty, st.is_rest, st.start_day_offset or 0,
                        bool(st.is_early), st.version, st.active is not False)


def _end_time(s: EngineShift) -> time | None:
    if s.end_minutes is None:
        return None
    m = s.end_minutes % 1440
    return time(m // 60, m % 60)


def seed_shift_types(s: Session, dept: Department, extra_sets: Sequence[str] = ()) -> list[ShiftType]:
    """Create the ward's shift types from the default set named by ``dept.shift_set`` (plus codes of
    ``extra_sets`` the ward does not have yet). Existing codes are kept."""
    if not dept.shift_set:
        raise InvalidInput(
            _("Ward {name} has no shift set. Choose one of: {names}.").format(
                name=dept.name, names=", ".join(load_defaults().get("sets", {})))
        )
    existing = {st.code: st for st in s.scalars(select(ShiftType).where(ShiftType.department_id == dept.id))}
    added: list[ShiftType] = []
    for set_name in (dept.shift_set, *extra_sets):
        cat = default_catalog(set_name)
        classes = NIGHT_CLASS_BY_SET.get(set_name, {})
        for es in cat.shifts.values():
            if es.code in existing:
                continue
            st = ShiftType(
                department_id=dept.id, code=es.code, name=es.name, start_time=es.start, end_time=_end_time(es),
                paid_minutes=es.paid_minutes, break_minutes=es.break_minutes, is_night=es.night,
                night_class=classes.get(es.code, es.night_class), is_duty=es.duty, is_rest=es.rest,
                start_day_offset=es.start_day_offset, is_early=es.early,
            )
            s.add(st)
            existing[es.code] = st
            added.append(st)
    s.flush()
    return added


def _catalog(s: Session, dept: Department, *, seed: bool = True) -> tuple[ShiftCatalog, dict[str, int]]:
    rows = s.scalars(select(ShiftType).where(ShiftType.department_id == dept.id)).all()
    if not rows and seed:
        seed_shift_types(s, dept)
        rows = s.scalars(select(ShiftType).where(ShiftType.department_id == dept.id)).all()
    leave_codes = dict(load_defaults().get("leave_codes", {}))
    return ShiftCatalog({st.code: _engine_shift(st) for st in rows}, leave_codes), {st.code: st.id for st in rows}


def _leave_code(cat: ShiftCatalog, leave_type: str) -> str:
    for code, lt in cat.leave_codes.items():
        if lt == leave_type and len(code) == 1:
            return code
    for code, lt in cat.leave_codes.items():
        if lt == leave_type:
            return code
    return leave_type


def _dept(s: Session, department_id: int) -> Department:
    dept = s.get(Department, department_id)
    if dept is None:
        raise NotFound(_("The ward no longer exists. Reload the list."))
    return dept


def _ward_staff(s: Session, dept_id: int, month: Month) -> list[StaffInfo]:
    days = month.days()
    rows = s.execute(
        select(Employee.id, Employee.staff_no, Person.name, Person.professional_title, Position.job_family)
        .join(Person, Employee.person_id == Person.id)
        .outerjoin(Position, Employee.position_id == Position.id)
        .where(Employee.department_id == dept_id, Employee.hire_date <= days[-1])
        .where((Employee.leave_date.is_(None)) | (Employee.leave_date >= days[0]))
        .where((Employee.status != "left") | (Employee.leave_date.is_not(None)))
        .order_by(Employee.staff_no)
    ).all()
    return [StaffInfo(eid, no, name, title or "", fam == "nursing") for eid, no, name, title, fam in rows]


def _approved_leave(s: Session, employee_ids: Iterable[int], first: date, last: date) -> list[tuple[int, LeaveRecord]]:
    ids = list(employee_ids)
    if not ids:
        return []
    rows = s.scalars(
        select(LeaveRecord).where(LeaveRecord.employee_id.in_(ids), LeaveRecord.approved_by != "",
                                  LeaveRecord.first_day <= last, LeaveRecord.last_day >= first)
    ).all()
    return [(r.employee_id, r) for r in rows]


def _load_roster(s: Session, dept: Department, month: Month, staff: Sequence[StaffInfo], cat: ShiftCatalog) -> tuple[Roster, frozenset[tuple[str, date]]]:
    days = month.days()
    by_id = {st.employee_id: st.staff_no for st in staff}
    roster = Roster.empty(dept.name, month, [st.staff_no for st in staff])
    cells = {st.staff_no: list(r) for st, r in zip(staff, roster.cells, strict=True)}
    fixed: set[tuple[str, date]] = set()
    if by_id:
        for eid, day, code, is_fixed in s.execute(
            select(RosterEntry.employee_id, RosterEntry.day, ShiftType.code, RosterEntry.fixed)
            .join(ShiftType, RosterEntry.shift_type_id == ShiftType.id)
            .where(RosterEntry.employee_id.in_(list(by_id)), RosterEntry.day >= days[0], RosterEntry.day <= days[-1])
        ).all():
            cells[by_id[eid]][day.day - 1] = code
            if is_fixed:
                fixed.add((by_id[eid], day))
    leave_cells: set[tuple[str, date]] = set()
    for eid, lv in _approved_leave(s, by_id, days[0], days[-1]):
        code = _leave_code(cat, lv.leave_type)
        d = max(lv.first_day, days[0])
        while d <= min(lv.last_day, days[-1]):
            cells[by_id[eid]][d.day - 1] = code
            leave_cells.add((by_id[eid], d))
            fixed.add((by_id[eid], d))
            d += timedelta(days=1)
    out = Roster(dept.name, month, roster.staff, tuple(tuple(cells[sn]) for sn in roster.staff), frozenset(fixed))
    return out, frozenset(leave_cells)


def _history(s: Session, staff: Sequence[StaffInfo], month: Month, days_back: int = 7) -> dict[str, list[str]]:
    first = month.first_day()
    start = first - timedelta(days=days_back)
    by_id = {st.employee_id: st.staff_no for st in staff}
    if not by_id:
        return {}
    got: dict[str, dict[date, str]] = defaultdict(dict)
    for eid, day, code in s.execute(
        select(RosterEntry.employee_id, RosterEntry.day, ShiftType.code)
        .join(ShiftType, RosterEntry.shift_type_id == ShiftType.id)
        .where(RosterEntry.employee_id.in_(list(by_id)), RosterEntry.day >= start, RosterEntry.day < first)
    ).all():
        got[by_id[eid]][day] = code
    out: dict[str, list[str]] = {}
    for sn, cells in got.items():
        out[sn] = [cells.get(start + timedelta(days=k), "") for k in range(days_back)]
    return out


def _config_path(name: str) -> Path:
    return paths.user_config_dir() / name


def _read_json(name: str) -> dict[str, Any]:
    path = _config_path(name)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable: %s", path.name, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _mapping_key(source: str) -> str:
    """Setting key of a clock-export layout (the header can be long and hold spaces: a digest)."""
    return CLOCK_MAPPING_KEY.format(digest=hashlib.sha1(source.encode("utf-8")).hexdigest()[:20])


def _stored_or_legacy(s: Session, key: str, legacy_file: str, legacy_key: str,
                      convert: Any = None) -> tuple[Any, int, str] | None:
    """The stored value of ``key`` (value, version, by); when the database has none, a value for
    ``legacy_key`` in the old per-workstation JSON file is imported once (the file is left as it is)."""
    sv = read_setting(s, key)
    if sv.version:
        return sv.value, sv.version, sv.updated_by
    legacy = _read_json(legacy_file).get(legacy_key)
    if not legacy:
        return None
    try:
        value = convert(legacy) if convert is not None else legacy
    except (InvalidInput, KeyError, TypeError, ValueError) as exc:
        log.warning("legacy setting in %s not imported: %s", legacy_file, exc)
        return None
    stored = write_setting(s, key, value, expected_version=0, user=LEGACY_USER)
    log.info("imported %s from the legacy file %s", key, legacy_file)
    return stored.value, stored.version, stored.updated_by


def validate_ward_rules(rules: WardRules, catalog: ShiftCatalog) -> None:
    """Refuse rules the checker and solver cannot use, with the rule and the fix named."""
    if len(rules.cover) > MAX_COVER_RULES:
        raise InvalidInput(_("A ward can have at most {n} cover rules.").format(n=MAX_COVER_RULES))
    names: set[str] = set()
    for c in rules.cover:
        name = c.name.strip()
        if not name or len(name) > 60:
            raise InvalidInput(_("Every cover rule needs a name of 1 to 60 characters."))
        if name in names:
            raise InvalidInput(_("Two cover rules are named {name}. Give each rule its own name.").format(name=name))
        names.add(name)
        if not c.shift_codes:
            raise InvalidInput(_("Cover rule {name} names no shift. Choose at least one shift.").format(name=name))
        bad = sorted(code for code in c.shift_codes if not catalog.is_work(code))
        if bad:
            raise InvalidInput(_("Cover rule {name}: {code} is not a working shift of this ward. Use one of {codes}.").format(
                name=name, code=bad[0], codes=" ".join(catalog.work_codes(offered_only=True))))
        retired = sorted(code for code in c.shift_codes if not catalog.is_offered(code))
        if retired:
            raise InvalidInput(_("Cover rule {name}: shift {code} is retired (停用). Use one of {codes}, or enable "
                                 "{code} again in the shift types.").format(
                name=name, code=retired[0], codes=" ".join(catalog.work_codes(offered_only=True))))
        if not 1 <= c.min_staff <= 99:
            raise InvalidInput(_("Cover rule {name}: the minimum staff must be from 1 to 99.").format(name=name))
        if c.weekdays is not None and (not c.weekdays or not c.weekdays <= frozenset(range(7))):
            raise InvalidInput(_("Cover rule {name}: choose at least one weekday, or every day.").format(name=name))
    st = rules.settings
    limits = (
        (st.rest_days_after_night, 0, 3, _("Rest days after a night")),
        (st.min_rest_hours, 0, 24, _("Minimum rest between shifts (h)")),
        (st.max_consecutive_nights, 1, 14, _("Maximum consecutive nights")),
        (st.max_nights_per_month, 0, 31, _("Maximum nights per month")),
        (st.max_consecutive_work_days, 1, 14, _("Maximum consecutive working days")),
        (st.max_weekly_hours, 8, 84, _("Maximum weekly hours")),
    )
    for value, lo, hi, label in limits:
        if not lo <= value <= hi:
            raise InvalidInput(_("{setting} must be from {lo} to {hi}; it is {value}.").format(
                setting=label, lo=lo, hi=hi, value=value))
    if st.max_on_leave_per_day is not None and st.max_on_leave_per_day < 0:
        raise InvalidInput(_("The maximum number of staff on leave per day cannot be negative."))


def validate_shift(row: ShiftTypeRow, leave_codes: Mapping[str, str]) -> ShiftTypeRow:
    """Check a shift type as entered and return it cleaned. Decisions: a shift ending at its start
    time lasts 24 h and is allowed only for 值班 (on-call duty); paid minutes plus the break fit in
    the shift; a rest code has no times and pays nothing; codes must not clash with leave codes."""
    code = row.code.strip()
    if not code:
        raise InvalidInput(_("A shift type has no code. Give every shift a short code."))
    if len(code) > 10 or any(ch.isspace() for ch in code):
        raise InvalidInput(_("Shift code {code} must be 1 to 10 characters without spaces.").format(code=code))
    if code in leave_codes:
        raise InvalidInput(_("{code} is a leave code in the roster grid ({leave}). Choose another shift code.").format(
            code=code, leave=leave_codes[code]))
    name = (row.name or code).strip()[:40]
    if row.rest:
        if row.duty or row.night or row.early or row.night_class:
            raise InvalidInput(_("Shift {code} is a rest code: it cannot also be a night, early or on-call shift.").format(
                code=code))
        return replace(row, code=code, name=name, start=None, end=None, paid_minutes=0, break_minutes=0,
                       start_day_offset=0)
    if row.start is None or row.end is None:
        raise InvalidInput(_("Shift {code} needs a start and an end time.").format(code=code))
    if row.start == row.end and not row.duty:
        raise InvalidInput(_("Shift {code} ends when it starts. Only an on-call duty (值班) may last 24 hours; "
                             "otherwise correct the end time.").format(code=code))
    if row.start_day_offset not in (0, 1):
        raise InvalidInput(_("Shift {code}: the start is on the rostered day or the day after, nothing else.").format(
            code=code))
    engine = EngineShift(code, name, row.start, row.end.hour * 60 + row.end.minute or 1440, row.start_day_offset)
    length = engine.length_minutes
    if row.paid_minutes < 0 or row.break_minutes < 0:
        raise InvalidInput(_("Shift {code}: minutes cannot be negative.").format(code=code))
    if row.break_minutes >= length:
        raise InvalidInput(_("Shift {code}: the break ({b} min) must be shorter than the shift ({n} min).").format(
            code=code, b=row.break_minutes, n=length))
    if row.paid_minutes + row.break_minutes > length and not row.duty:
        raise InvalidInput(_("Shift {code}: paid minutes ({p}) plus the break ({b}) exceed the shift's {n} minutes.").format(
            code=code, p=row.paid_minutes, b=row.break_minutes, n=length))
    if row.paid_minutes == 0 and not row.duty:
        raise InvalidInput(_("Shift {code} pays no minutes. Enter the paid minutes (e.g. 480 for 8 hours).").format(
            code=code))
    if row.night_class and row.night_class not in PAY_NIGHT_CLASSES:
        raise InvalidInput(_("Night class {value} is not in the pay table; use one of {names}.").format(
            value=row.night_class, names=", ".join(PAY_NIGHT_CLASSES)))
    return replace(row, code=code, name=name)


def default_ward_rules(shift_set: str, catalog: ShiftCatalog) -> WardRules:
    mins = DEFAULT_MIN_STAFF.get(shift_set, {})
    cover: list[CoverRule] = []
    for code, n in mins.items():
        if catalog.is_work(code):
            cover.append(CoverRule(_("{shift}: at least {n} nurses").format(shift=code, n=n), frozenset({code}), n,
                                   frozenset({NURSE_LICENCE})))
    for code in mins:
        if catalog.is_night(code):
            cover.append(CoverRule(_("{shift}: at least one senior nurse (主管护师 or higher)").format(shift=code),
                                   frozenset({code}), 1, SENIOR_NURSE_TITLES))
    return WardRules(tuple(cover), RuleSettings())


def _rules_to_json(rules: WardRules) -> dict[str, Any]:
    settings = {}
    for f in fields(RuleSettings):
        v = getattr(rules.settings, f.name)
        settings[f.name] = sorted(v) if isinstance(v, frozenset) else v
    return {
        "cover": [{"name": c.name, "shifts": sorted(c.shift_codes), "min": c.min_staff, "skills": sorted(c.skills_any),
                   "weekdays": sorted(c.weekdays) if c.weekdays is not None else None} for c in rules.cover],
        "settings": settings,
    }


def _rules_from_json(raw: Mapping[str, Any]) -> WardRules:
    try:
        cover = tuple(
            CoverRule(str(c["name"]), frozenset(c["shifts"]), int(c["min"]), frozenset(c.get("skills") or ()),
                      frozenset(c["weekdays"]) if c.get("weekdays") is not None else None)
            for c in raw.get("cover", [])
        )
        known = {f.name for f in fields(RuleSettings)}
        opts = {k: (frozenset(v) if isinstance(v, list) else v) for k, v in raw.get("settings", {}).items() if k in known}
        return WardRules(cover, RuleSettings(**opts))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(_("The ward rules in the settings folder are not valid: {error}. Save the rules again.").format(
            error=exc)) from exc


def _staff_members(s: Session, staff: Sequence[StaffInfo], month: Month, cat: ShiftCatalog, roster: Roster) -> dict[str, StaffMember]:
    person_of = dict(s.execute(select(Employee.id, Employee.person_id).where(
        Employee.id.in_([st.employee_id for st in staff]))).all()) if staff else {}
    lic: dict[int, list[RuleLicence]] = defaultdict(list)
    if person_of:
        for pid, kind, issued, expiry in s.execute(
            select(Licence.person_id, Licence.kind, Licence.issue_date, Licence.expiry_date)
            .where(Licence.person_id.in_(list(person_of.values())))
        ).all():
            lic[pid].append(RuleLicence(kind, issued or date(1900, 1, 1), expiry))
    out: dict[str, StaffMember] = {}
    for st in staff:
        out[st.staff_no] = StaffMember(
            st.staff_no, frozenset({st.title}) if st.title else frozenset(), tuple(lic.get(person_of[st.employee_id], ())),
            licence_required=st.nurse,
        )
    return out


def _contract_targets(problem: RosterProblem, roster: Roster, codes: Sequence[str]) -> dict[str, StaffMember]:
    """Minimum/maximum work shifts per person from the month's standard hours (leave and days
    without a valid licence excluded); people with fixed cells keep no contract bounds."""
    cal = load_calendar()
    days = roster.days
    standard = cal.working_days(days) * 480
    lengths = [problem.catalog.shifts[c].paid_minutes for c in codes if problem.catalog.shifts[c].paid_minutes]
    per_shift = sum(lengths) / len(lengths) if lengths else 480
    target = standard / per_shift
    out = dict(problem.staff)
    for p, sid in enumerate(roster.staff):
        member = problem.staff.get(sid, StaffMember(sid))
        if any((sid, d) in roster.fixed for d in days):
            continue
        avail = sum(
            1 for t, d in enumerate(days)
            if not problem.catalog.is_leave(roster.cells[p][t])
            and not any(lv.staff_no == sid and lv.covers(d) for lv in problem.leave)
            and (not member.licence_required
                 or all(member.has_licence(k, d) for k in problem.settings.required_licence_kinds))
        )
        share = target * avail / len(days)
        lo = max(0, math.floor(share) - 2)
        out[sid] = replace(member, min_shifts=lo, max_shifts=math.ceil(share) + 2)
    return out


def _local_naive(at: datetime) -> datetime:
    return to_local(at).replace(tzinfo=None)


def _utc(local_naive: datetime) -> datetime:
    return to_utc(local_naive.replace(tzinfo=HOSPITAL_TZ) if local_naive.tzinfo is None else local_naive)


def _summary_row(am: AttendanceMonth, staff_no: str, name: str, dept: str) -> SummaryRow:
    return SummaryRow(
        am.id, am.employee_id, staff_no, name, dept, am.month, am.days_worked, am.hours_worked, am.absent_days,
        am.late_count, am.late_minutes, am.early_count, am.early_minutes, am.missing_punches,
        dict(am.overtime_hours or {}), dict(am.night_shifts or {}), am.duty_shifts, dict(am.leave_days or {}),
        am.locked, am.locked_by, am.locked_at, tuple(am.corrections or ()), am.version,
    )


def _field_value(values: Mapping[str, Any], name: str) -> float:
    if "." in name:
        group, key = name.split(".", 1)
        return float((values.get(group) or {}).get(key, 0))
    return float(values.get(name) or 0)


def _validate_field(name: str) -> None:
    group, _dot, key = name.partition(".")
    ok = (not key and group in SCALAR_FIELDS) or (key and group in MAP_FIELDS and
                                                   (group != "overtime_hours" or key in OVERTIME_KEYS))
    if not ok:
        raise InvalidInput(_("{field} is not a figure of the monthly summary. Use e.g. absent_days, "
                             "night_shifts.大夜 or overtime_hours.extended.").format(field=name))


def _set_field(am: AttendanceMonth, name: str, value: float) -> None:
    if "." in name:
        group, key = name.split(".", 1)
        d = dict(getattr(am, group) or {})
        if value:
            d[key] = int(value) if group == "night_shifts" else value
        else:
            d.pop(key, None)
        setattr(am, group, d)
    else:
        col_int = name in ("late_count", "early_count", "missing_punches", "duty_shifts", "late_minutes",
                           "early_minutes", "duty_minutes")
        setattr(am, name, int(round(value)) if col_int else float(value))


def _values(am: AttendanceMonth) -> dict[str, Any]:
    return {k: getattr(am, k) for k in (*SCALAR_FIELDS, *MAP_FIELDS)}


def _summary_delta(before: MonthlySummary | None, after: MonthlySummary | None) -> dict[str, Any]:
    """What changes in the stored figures from ``before`` to ``after`` (adjustment payload format:
    ``{field: delta}`` or ``{group: {key: delta}}``); empty when nothing changes."""
    if after is None:
        return {}
    old, new = AttendanceMonth(), AttendanceMonth()
    _apply_summary(new, after)
    if before is not None:
        _apply_summary(old, before)
    a, b = (_values(old) if before is not None else {}), _values(new)
    out: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        d = round(float(b.get(name) or 0) - float(a.get(name) or 0), 2)
        if d:
            out[name] = int(d) if float(d).is_integer() else d
    for group in MAP_FIELDS:
        ga, gb = dict(a.get(group) or {}), dict(b.get(group) or {})
        sub = {}
        for key in sorted(set(ga) | set(gb)):
            d = round(float(gb.get(key, 0)) - float(ga.get(key, 0)), 2)
            if d:
                sub[key] = int(d) if float(d).is_integer() else d
        if sub:
            out[group] = sub
    return out


def build_problem(s: Session, dept: Department, month: Month, roster: Roster, staff: Sequence[StaffInfo],
                  cat: ShiftCatalog, rules: WardRules) -> RosterProblem:
    """Everything the rule checker and the solver need for one ward and month, from the database."""
    days = month.days()
    by_id = {st.employee_id: st.staff_no for st in staff}
    leave = tuple(
        ApprovedLeave(by_id[eid], lv.first_day, lv.last_day, lv.leave_type)
        for eid, lv in _approved_leave(s, by_id, days[0], days[-1])
    )
    return RosterProblem(cat, _staff_members(s, staff, month, cat, roster), rules.cover, rules.settings, leave,
                         _history(s, staff, month))


# ------------------------------------------------------------------------------------ service


class AttendanceService(Service):
    # ---------------------------------------------------------------- wards and shift types
    def wards(self) -> list[WardInfo]:
        """Departments that roster staff (a shift set chosen), with their head count."""
        with self._uow() as s:
            counts = dict(s.execute(
                select(Employee.department_id, func.count()).where(Employee.status != "left").group_by(Employee.department_id)
            ).all())
            return [
                WardInfo(d.id, d.code, d.name, d.shift_set, d.working_time, int(counts.get(d.id, 0)))
                for d in s.scalars(select(Department).where(Department.shift_set != "", Department.active)
                                   .order_by(Department.sort_order))
            ]

    def set_shift_set(self, department_id: int, shift_set: str, working_time: str | None = None) -> WardInfo:
        if shift_set not in load_defaults().get("sets", {}):
            raise InvalidInput(_("No default shift set {name}. Available: {names}.").format(
                name=shift_set, names=", ".join(load_defaults().get("sets", {}))))
        if working_time is not None and working_time not in ("standard", "comprehensive"):
            raise InvalidInput(_("The working-time system must be standard or comprehensive."))
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            dept.shift_set = shift_set
            if working_time:
                dept.working_time = working_time
            seed_shift_types(s, dept)
            return WardInfo(dept.id, dept.code, dept.name, dept.shift_set, dept.working_time, 0)

    def shift_types(self, department_id: int) -> list[ShiftTypeRow]:
        """The ward's shift types (seeded from the defaults on first use)."""
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            _catalog(s, dept)
            return [_row(st) for st in s.scalars(
                select(ShiftType).where(ShiftType.department_id == dept.id).order_by(ShiftType.is_rest, ShiftType.start_time))]

    def save_shift_type(self, department_id: int, row: ShiftTypeRow) -> ShiftTypeRow:
        """Create (``row.id`` None) or change a ward's shift type, validated (see ``validate_shift``).
        A code used by the ward's cover rules cannot be renamed until the rules name the new code."""
        row = validate_shift(row, dict(load_defaults().get("leave_codes", {})))
        code = row.code
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            clash = s.scalar(select(ShiftType).where(ShiftType.department_id == department_id, ShiftType.code == code))
            if clash is not None and clash.id != row.id:
                raise InvalidInput(_("Ward {ward} already has a shift {code}. Choose another code.").format(
                    ward=dept.name, code=code))
            if row.id is None:
                st = ShiftType(department_id=department_id)
                s.add(st)
            else:
                st = load_for_update(s, ShiftType, row.id, row.version, _("Shift {code}").format(code=code))
                if st.department_id != department_id:
                    raise NotFound(_("The shift type no longer exists. Reload the list."))
                if st.code != code:
                    cat, _ids = _catalog(s, dept, seed=False)
                    used = [c.name for c in self._rules_in(s, dept, cat).cover if st.code in c.shift_codes]
                    if used:
                        raise InvalidInput(_("Shift {code} is named by the cover rule {rule}. Change the ward rules "
                                             "first, then rename the shift.").format(code=st.code, rule=used[0]))
            st.code, st.name, st.start_time, st.end_time = code, row.name or code, row.start, row.end
            st.paid_minutes, st.break_minutes = row.paid_minutes, row.break_minutes
            st.is_night, st.night_class, st.is_duty, st.is_rest = row.night, row.night_class, row.duty, row.rest
            st.start_day_offset, st.is_early = row.start_day_offset, row.early
            s.flush()
            return _row(st)

    def shift_usage(self, department_id: int, shift_type_id: int) -> ShiftUsage:
        """How many roster cells use the shift type, and in which months."""
        with self._uow() as s:
            st = s.get(ShiftType, shift_type_id)
            if st is None or st.department_id != department_id:
                raise NotFound(_("The shift type no longer exists. Reload the list."))
            return self._usage(s, st)

    @staticmethod
    def _usage(s: Session, st: ShiftType) -> ShiftUsage:
        days = s.scalars(select(RosterEntry.day).where(RosterEntry.shift_type_id == st.id)).all()
        months = sorted({f"{d.year:04d}-{d.month:02d}" for d in days})
        return ShiftUsage(st.code, len(days), tuple(months))

    def delete_shift_type(self, department_id: int, shift_type_id: int, version: int) -> None:
        """Delete a shift type nobody is rostered on and no cover rule names. A used shift is refused
        with the months it appears in (rosters are records of what was worked and paid)."""
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            st = s.get(ShiftType, shift_type_id)
            if st is None or st.department_id != department_id:
                raise NotFound(_("The shift type no longer exists. Reload the list."))
            st = load_for_update(s, ShiftType, shift_type_id, version, _("Shift {code}").format(code=st.code))
            usage = self._usage(s, st)
            if usage.cells:
                shown = ", ".join(usage.months[-6:]) + ("…" if len(usage.months) > 6 else "")
                raise InvalidInput(_("Shift {code} cannot be deleted: it is used in {n} roster cells ({months}). "
                                     "Retire it (停用) instead: it stays on those cells, in the summaries and in pay, "
                                     "but is no longer offered for new rosters.").format(
                    code=st.code, n=usage.cells, months=shown))
            cat, _ids = _catalog(s, dept, seed=False)
            used = [c.name for c in self._rules_in(s, dept, cat).cover if st.code in c.shift_codes]
            if used:
                raise InvalidInput(_("Shift {code} is named by the cover rule {rule}. Change the ward rules "
                                     "first.").format(code=st.code, rule=used[0]))
            if st.is_rest and sum(1 for x in cat.shifts.values() if x.rest) <= 1:
                raise InvalidInput(_("Shift {code} is the ward's only rest code; a roster needs one.").format(code=st.code))
            s.delete(st)
        log.info("shift type %s deleted in ward %s", shift_type_id, department_id)

    def set_shift_type_active(self, department_id: int, shift_type_id: int, active: bool, version: int) -> ShiftTypeRow:
        """停用 (retire, ``active`` False) or 启用 (enable) a shift type. A retired type stays on the roster
        cells that hold it (summaries, night counts for pay, printouts) but is not offered in the roster
        editor, cycle templates or the solver, and cannot be put on a new cell. Refused while a cover rule
        names it, or when it is the ward's last rest code in use. ``version``: as read (optimistic)."""
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            st = s.get(ShiftType, shift_type_id)
            if st is None or st.department_id != department_id:
                raise NotFound(_("The shift type no longer exists. Reload the list."))
            st = load_for_update(s, ShiftType, shift_type_id, version, _("Shift {code}").format(code=st.code))
            if bool(st.active) == bool(active):
                return _row(st)
            if not active:
                cat, _ids = _catalog(s, dept, seed=False)
                used = [c.name for c in self._rules_in(s, dept, cat).cover if st.code in c.shift_codes]
                if used:
                    raise InvalidInput(_("Shift {code} is named by the cover rule {rule}. Change the ward rules "
                                         "first, then retire the shift.").format(code=st.code, rule=used[0]))
                if st.is_rest and not any(x.rest and x.active and c != st.code for c, x in cat.shifts.items()):
                    raise InvalidInput(_("Shift {code} is the ward's only rest code in use; a roster needs one. Add "
                                         "or enable another rest code first.").format(code=st.code))
            st.active = bool(active)
            s.flush()
            log.info("shift type %s %s in ward %s", shift_type_id, "enabled" if active else "retired", department_id)
            return _row(st)

    # ---------------------------------------------------------------- ward rules
    def ward_rules(self, department_id: int) -> WardRules:
        """The ward's cover rules and limits (stored hospital-wide; the shift set's defaults, version 0,
        when none were saved)."""
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            cat, _ids = _catalog(s, dept)
            return self._rules_in(s, dept, cat)

    @staticmethod
    def _rules_in(s: Session, dept: Department, cat: ShiftCatalog) -> WardRules:
        key = WARD_RULES_KEY.format(department_id=dept.id)
        stored = _stored_or_legacy(s, key, WARD_RULES_FILE, dept.code,
                                   lambda raw: _rules_to_json(_rules_from_json(raw)))
        if stored is None:
            return default_ward_rules(dept.shift_set, cat)
        value, version, by = stored
        return replace(_rules_from_json(value), version=version, updated_by=by)

    def default_rules(self, department_id: int) -> WardRules:
        """The defaults of the ward's shift set (for "restore defaults"; nothing is saved)."""
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            cat, _ids = _catalog(s, dept)
            current = self._rules_in(s, dept, cat)
            return replace(default_ward_rules(dept.shift_set, cat), version=current.version)

    def save_ward_rules(self, department_id: int, rules: WardRules, *, user: str = "") -> WardRules:
        """Validate and store the ward's rules. ``rules.version`` is the version the caller read: when
        another workstation saved in between, ``Conflict`` and nothing is stored."""
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            cat, _ids = _catalog(s, dept)
            validate_ward_rules(rules, cat)
            key = WARD_RULES_KEY.format(department_id=dept.id)
            _stored_or_legacy(s, key, WARD_RULES_FILE, dept.code, lambda raw: _rules_to_json(_rules_from_json(raw)))
            sv = write_setting(s, key, _rules_to_json(rules), expected_version=rules.version, user=user[:40])
            log.info("ward rules saved: ward %s, version %d", dept.id, sv.version)
            return replace(_rules_from_json(sv.value), version=sv.version, updated_by=sv.updated_by)

    # ---------------------------------------------------------------- rosters
    def roster(self, department_id: int, month: str) -> RosterView:
        m = parse_month(month)
        rules = self.ward_rules(department_id)
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            cat, _ids = _catalog(s, dept)
            staff = _ward_staff(s, dept.id, m)
            roster, leave_cells = _load_roster(s, dept, m, staff, cat)
            problem = build_problem(s, dept, m, roster, staff, cat, rules)
            violations = tuple(check_roster(roster, problem))
            return RosterView(
                dept.id, dept.name, str(m), roster, tuple(staff), tuple(cat.shifts),
                frozenset(c for c, st in cat.shifts.items() if st.night and st.is_work),
                frozenset(c for c, st in cat.shifts.items() if st.rest),
                frozenset(c for c, st in cat.shifts.items() if st.duty), leave_cells, violations,
                cat.retired_codes(),
            )

    def check(self, department_id: int, roster: Roster) -> list[Violation]:
        rules = self.ward_rules(department_id)
        with self._uow() as s:
            dept = _dept(s, department_id)
            cat, _ids = _catalog(s, dept, seed=False)
            staff = _ward_staff(s, dept.id, roster.month)
            return check_roster(roster, build_problem(s, dept, roster.month, roster, staff, cat, rules))

    def save_roster(self, department_id: int, roster: Roster) -> list[Violation]:
        """Store the grid (leave cells come from leave records and are not stored); returns the rule
        violations, which are shown but do not block saving."""
        rules = self.ward_rules(department_id)
        m = roster.month
        days = m.days()
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            cat, ids = _catalog(s, dept)
            staff = _ward_staff(s, dept.id, m)
            emp_of = {st.staff_no: st.employee_id for st in staff}
            unknown = [sn for sn in roster.staff if sn not in emp_of]
            if unknown:
                raise InvalidInput(_("Staff number {staff} is not in ward {ward} in {month}.").format(
                    staff=unknown[0], ward=dept.name, month=str(m)))
            rows = []
            retired = cat.retired_codes()
            kept: set[tuple[int, date, int]] = set()
            if retired:  # a retired code stays only on the cells that already hold it
                kept = {(e, d, t) for e, d, t in s.execute(
                    select(RosterEntry.employee_id, RosterEntry.day, RosterEntry.shift_type_id)
                    .where(RosterEntry.employee_id.in_([emp_of[sn] for sn in roster.staff]),
                           RosterEntry.day >= days[0], RosterEntry.day <= days[-1],
                           RosterEntry.shift_type_id.in_([ids[c] for c in retired]))).all()}
            for sn, day, code in roster.entries():
                if cat.is_leave(code):
                    continue
                if code not in ids:
                    raise InvalidInput(_("Unknown shift or leave code {code}. Use one of the ward's shift codes.").format(code=code))
                if code in retired and (emp_of[sn], day, ids[code]) not in kept:
                    raise InvalidInput(_("Shift {code} is retired (停用): it stays on the cells that already had it but "
                                         "cannot be put on new ones ({staff}, {day}). Choose another shift, or enable "
                                         "{code} again in the shift types.").format(
                        code=code, staff=sn, day=day.isoformat()))
                rows.append({"employee_id": emp_of[sn], "day": day, "shift_type_id": ids[code],
                             "fixed": (sn, day) in roster.fixed})
            s.execute(delete(RosterEntry).where(RosterEntry.employee_id.in_([emp_of[sn] for sn in roster.staff]),
                                                RosterEntry.day >= days[0], RosterEntry.day <= days[-1]))
            if rows:
                s.execute(insert(RosterEntry), rows)
            full, _leave = _load_roster(s, dept, m, staff, cat)
            violations = check_roster(full, build_problem(s, dept, m, full, staff, cat, rules))
        log.info("roster saved: ward %s, %s, %d entries, %d violations", department_id, m, len(rows), len(violations))
        return violations

    def generate(
        self,
        department_id: int,
        month: str,
        *,
        roster: Roster | None = None,
        time_limit_s: float = 20.0,
        first_solution: bool = False,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> GenerateResult:
        """Fill the nurses' rows with the CP-SAT solver under the ward's rules. Fixed cells and leave
        stay; other staff (physicians) are left as they are. Nothing is saved."""
        m = parse_month(month)
        rules = self.ward_rules(department_id)
        with self._uow(write=True) as s:
            dept = _dept(s, department_id)
            cat, _ids = _catalog(s, dept)
            staff = _ward_staff(s, dept.id, m)
            stored, _leave = _load_roster(s, dept, m, staff, cat)
            base = roster if roster is not None else stored
            problem = build_problem(s, dept, m, base, staff, cat, rules)
        return solve_ward(base, problem, staff, time_limit_s=time_limit_s, first_solution=first_solution,
                          progress=progress, cancel=cancel)

    # ---------------------------------------------------------------- leave and 补卡
    def add_leave(self, employee_id: int, leave_type: str, first: date, last: date, *, approved_by: str = "",
                  note: str = "") -> int:
        from app.attendance.leave import LEAVE_TYPES

        if leave_type not in LEAVE_TYPES:
            raise InvalidInput(_("Unknown leave type {value}. Use one of {names}.").format(
                value=leave_type, names=", ".join(LEAVE_TYPES)))
        if last < first:
            raise InvalidInput(_("The leave ends before it starts. Check the dates."))
        with self._uow(write=True) as s:
            if s.get(Employee, employee_id) is None:
                raise NotFound(_("The employee no longer exists. Reload the list."))
            row = LeaveRecord(employee_id=employee_id, leave_type=leave_type, first_day=first, last_day=last,
                              days=float((last - first).days + 1), approved_by=approved_by, note=note)
            s.add(row)
            s.flush()
            return row.id

    def submit_supplement(self, employee_id: int, day: date, kind: str, at: datetime, reason: str) -> int:
        """补卡 request: a missing check-in/out of the shift rostered on ``day`` (``at`` local time; a
        night shift's check-out is on a later calendar day, so ``at`` may lie up to two days after)."""
        if kind not in ("in", "out"):
            raise InvalidInput(_("A punch supplement is either a check-in or a check-out."))
        if not reason.strip():
            raise InvalidInput(_("Give a reason for the punch supplement."))
        if len(reason.strip()) > 200:
            raise InvalidInput(_("The reason is too long: at most 200 characters."))
        if at.tzinfo is not None:
            at = _local_naive(at)
        if not day - timedelta(days=1) <= at.date() <= day + timedelta(days=2):
            raise InvalidInput(_("The punch time {at} is too far from the shift day {day}. A supplement is for the "
                                 "shift rostered on that day.").format(at=at.strftime("%Y-%m-%d %H:%M"),
                                                                        day=day.isoformat()))
        with self._uow(write=True) as s:
            if s.get(Employee, employee_id) is None:
                raise NotFound(_("The employee no longer exists. Reload the list."))
            dup = s.scalar(select(PunchSupplement.id).where(
                PunchSupplement.employee_id == employee_id, PunchSupplement.day == day,
                PunchSupplement.kind == kind, PunchSupplement.status != "rejected"))
            if dup is not None:
                raise InvalidInput(_("A punch supplement for this shift and this punch already exists. Decide that "
                                     "one, or reject it first."))
            row = PunchSupplement(employee_id=employee_id, day=day, kind=kind, at=_utc(at), reason=reason.strip(),
                                  status="pending")
            s.add(row)
            s.flush()
            return row.id

    def decide_supplement(self, supplement_id: int, approve: bool, *, user: str) -> SupplementDecision:
        """Approve or reject a 补卡 request. Before the month is locked, an approved punch counts at the
        next computation of the month; once the month is locked, its effect (the month computed with
        and without it) is booked as an adjustment in the next month, like a correction."""
        if not user.strip():
            raise InvalidInput(_("Say who decides the punch supplement."))
        with self._uow() as s:
            row = s.get(PunchSupplement, supplement_id)
            if row is None:
                raise NotFound(_("The punch supplement no longer exists. Reload the list."))
            if row.status != "pending":
                raise Conflict(_("This punch supplement was already decided."))
            eid, day = row.employee_id, row.day
            dept_id = s.scalar(select(Employee.department_id).where(Employee.id == eid))
            m = Month(day.year, day.month)
            locked = bool(s.scalar(select(AttendanceMonth.locked).where(
                AttendanceMonth.employee_id == eid, AttendanceMonth.month == str(m))))
        delta: dict[str, Any] = {}
        if approve and locked:
            before = self._compute(m, dept_id)[0].get(eid)
            after = self._compute(m, dept_id, include_supplement=supplement_id)[0].get(eid)
            delta = _summary_delta(before, after)
        with self._uow(write=True) as s:
            if locked:
                exclusive(s, "attendance", str(m))
            row = s.get(PunchSupplement, supplement_id)
            if row is None or row.status != "pending":
                raise Conflict(_("This punch supplement was already decided."))
            row.status = "approved" if approve else "rejected"
            row.decided_by = user[:40]
            book = None
            if delta:
                book = str(m.next())
                s.add(AttendanceAdjustment(
                    employee_id=eid, source_month=str(m), book_month=book, delta=delta,
                    reason=_("Punch supplement of {day} approved: {reason}").format(
                        day=day.isoformat(), reason=row.reason)[:200],
                    created_by=user[:40]))
        log.info("punch supplement %s %s (locked month: %s)", supplement_id, "approved" if approve else "rejected", locked)
        return SupplementDecision(supplement_id, "approved" if approve else "rejected", locked, book, delta)

    def supplements(self, month: str, *, status: str | None = None,
                    department_id: int | None = None) -> list[SupplementRow]:
        """补卡 requests for days of ``month`` (optionally only ``pending`` / ``approved`` / ``rejected``)."""
        m = parse_month(month)
        days = m.days()
        with self._uow() as s:
            q = (select(PunchSupplement, Employee.staff_no, Person.name, Department.name, Employee.department_id)
                 .join(Employee, PunchSupplement.employee_id == Employee.id).join(Person, Employee.person_id == Person.id)
                 .outerjoin(Department, Employee.department_id == Department.id)
                 .where(PunchSupplement.day >= days[0], PunchSupplement.day <= days[-1]))
            if status:
                q = q.where(PunchSupplement.status == status)
            if department_id is not None:
                q = q.where(Employee.department_id == department_id)
            rows = s.execute(q.order_by(PunchSupplement.day, Employee.staff_no)).all()
            return [SupplementRow(p.id, p.employee_id, sn, name, p.day, p.kind, _local_naive(p.at), p.reason, p.status,
                                  p.decided_by, dept or "", dept_id) for p, sn, name, dept, dept_id in rows]

    # ---------------------------------------------------------------- clock data
    @staticmethod
    def source_key(header: Sequence[str]) -> str:
        """Mappings are remembered per export layout (the machine's column set)."""
        return "|".join(h.strip() for h in header)

    def open_clock_file(self, path: Path) -> ClockFile:
        table = read_table(Path(path))
        source = self.source_key(table.header)
        with self._uow(write=True) as s:
            got = _stored_or_legacy(s, _mapping_key(source), CLOCK_MAPPINGS_FILE, source,
                                    lambda raw: {"header": list(table.header), "mapping": dict(raw)})
        stored = got[0].get("mapping") if got and isinstance(got[0], dict) else None
        mapping: ColumnMapping | None = None
        remembered = False
        if isinstance(stored, dict):
            try:
                candidate = ColumnMapping(**{k: v for k, v in stored.items() if k in ColumnMapping.__dataclass_fields__})
                candidate.validate(table.header)
                mapping, remembered = candidate, True
            except (TypeError, InvalidInput):
                mapping = None
        if mapping is None:
            mapping = guess_mapping(table.header)
        return ClockFile(str(path), source, table.header, len(table.rows), mapping, remembered)

    def remember_mapping(self, header: Sequence[str], mapping: ColumnMapping, *, user: str = "") -> None:
        """Remember the column mapping of this export layout for every workstation (the last confirmed
        mapping wins: it is a remembered choice, not a record to protect)."""
        mapping.validate(header)
        value = {"header": [h.strip() for h in header], "mapping": {k: v for k, v in mapping.__dict__.items() if v}}
        with self._uow(write=True) as s:
            write_setting(s, _mapping_key(self.source_key(header)), value, user=user[:40])

    def preview_clock(
        self,
        path: Path,
        month: str,
        mapping: ColumnMapping | None = None,
        *,
        remember: bool = True,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> ClockPreview:
        """Validate an attendance-machine export row by row. Nothing is stored."""
        m = parse_month(month)
        table: RawTable = read_table(Path(path))
        if mapping is None:
            info = self.open_clock_file(Path(path))
            mapping = info.mapping
            if mapping is None:
                raise InvalidInput(_("Cannot tell which columns hold the staff number and the time. Columns found: "
                                     "{columns}. Choose them with --mapping staff=…,time=…").format(
                    columns=", ".join(table.header)))
        mapping.validate(table.header)
        first, last = m.first_day() - timedelta(days=1), m.days()[-1] + timedelta(days=1)
        with self._uow() as s:
            known = s.scalars(select(Employee.staff_no)).all()
            spans = self._rostered_spans(s, first, last)
        preview = preview_punches(table, mapping, known_staff=known, month=m, rostered_spans=spans,
                                  progress=progress, cancel=cancel)
        existing = self._existing_keys([p.import_key for p in preview.punches], cancel)
        if remember:
            self.remember_mapping(table.header, mapping)
        return ClockPreview(str(path), str(m), mapping, preview, len(preview.punches) - len(existing), len(existing))

    def _rostered_spans(self, s: Session, first: date, last: date) -> dict[str, list[tuple[datetime, datetime]]]:
        out: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        shifts: dict[int, EngineShift] = {}
        for st in s.scalars(select(ShiftType)):
            shifts[st.id] = _engine_shift(st)
        for sn, day, sid in s.execute(
            select(Employee.staff_no, RosterEntry.day, RosterEntry.shift_type_id)
            .join(Employee, RosterEntry.employee_id == Employee.id)
            .where(RosterEntry.day >= first, RosterEntry.day <= last)
        ).all():
            es = shifts.get(sid)
            if es is not None and es.is_work:
                out[sn].append(es.span(day))
        return out

    def _existing_keys(self, keys: Sequence[str], cancel: CancelToken = NEVER_CANCELLED) -> set[str]:
        found: set[str] = set()
        with self._uow() as s:
            for i in range(0, len(keys), 500):
                cancel.raise_if_cancelled()
                chunk = keys[i:i + 500]
                found.update(s.scalars(select(ClockPunch.import_key).where(ClockPunch.import_key.in_(chunk))).all())
        return found

    def commit_clock(
        self,
        preview: ClockPreview,
        *,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> ImportResult:
        """Store the good punches of a confirmed preview. Importing the same data again adds nothing."""
        punches = preview.preview.punches
        batch = f"{Path(preview.path).name[:40]}@{utcnow().strftime('%Y%m%d%H%M%S')}"
        with self._uow(write=True) as s:
            emp = dict(s.execute(select(Employee.staff_no, Employee.id)).all())
            keys = [p.import_key for p in punches]
            existing: set[str] = set()
            for i in range(0, len(keys), 500):
                cancel.raise_if_cancelled()
                existing.update(s.scalars(select(ClockPunch.import_key).where(ClockPunch.import_key.in_(keys[i:i + 500]))).all())
            rows = [
                {"employee_id": emp[p.staff_no], "punched_at": _utc(p.at), "device": p.device[:40],
                 "import_batch": batch, "import_key": p.import_key}
                for p in punches if p.import_key not in existing and p.staff_no in emp
            ]
            stmt = _insert_ignore(s)
            total = len(rows)
            for i in range(0, total, 5000):
                cancel.raise_if_cancelled()
                progress(i, total, _("Storing punches"))
                s.execute(stmt, rows[i:i + 5000])
            progress(total, total, _("Storing punches"))
        log.info("clock import: %d new punches, %d already imported", len(rows), len(existing))
        return ImportResult(len(rows), len(existing), batch)

    # ---------------------------------------------------------------- month computation
    def compute_month(
        self,
        month: str,
        *,
        department_id: int | None = None,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> ComputeResult:
        """Attach punches to rostered shifts, compute each day and the month per person and store the
        summaries. Locked months are never touched; HR corrections are re-applied."""
        m = parse_month(month)
        summaries, unattached, _days = self._compute(m, department_id, progress=progress, cancel=cancel)
        written = skipped = 0
        with self._uow(write=True) as s:
            exclusive(s, "attendance", str(m))
            existing = {am.employee_id: am for am in s.scalars(
                select(AttendanceMonth).where(AttendanceMonth.month == str(m),
                                              AttendanceMonth.employee_id.in_(list(summaries))))} if summaries else {}
            for i, (eid, sm) in enumerate(summaries.items()):
                if i % 500 == 0:
                    cancel.raise_if_cancelled()
                am = existing.get(eid)
                if am is not None and am.locked:
                    skipped += 1
                    continue
                if am is None:
                    am = AttendanceMonth(employee_id=eid, month=str(m), corrections=[])
                    s.add(am)
                _apply_summary(am, sm)
                for c in am.corrections or ():
                    _set_field(am, c["field"], float(c["new"]))
                written += 1
        progress(1, 1, _("Monthly summaries stored"))
        log.info("attendance %s computed: %d written, %d locked skipped", m, written, skipped)
        return ComputeResult(str(m), written, skipped, unattached)

    def _compute(
        self, m: Month, department_id: int | None, *, progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED, include_supplement: int | None = None,
    ) -> tuple[dict[int, MonthlySummary], int, dict[int, list[DayRecord]]]:
        days = m.days()
        prev, nxt = Month(m.year - 1, 12) if m.month == 1 else Month(m.year, m.month - 1), m.next()
        cal = load_calendar()
        out: dict[int, MonthlySummary] = {}
        day_records: dict[int, list[DayRecord]] = {}
        unattached = 0
        with self._uow(write=True) as s:
            q = select(Department).where(Department.shift_set != "")
            if department_id is not None:
                q = q.where(Department.id == department_id)
            depts = s.scalars(q.order_by(Department.sort_order)).all()
            lo = datetime.combine(days[0] - timedelta(days=2), time(), UTC)
            hi = datetime.combine(days[-1] + timedelta(days=3), time(), UTC)
            for k, dept in enumerate(depts):
                cancel.raise_if_cancelled()
                progress(k, len(depts), _("Computing {ward}").format(ward=dept.name))
                cat, _ids = _catalog(s, dept)
                staff = _ward_staff(s, dept.id, m)
                if not staff:
                    continue
                roster, _leave = _load_roster(s, dept, m, staff, cat)
                around = []
                for other in (prev, nxt):
                    r, _l = _load_roster(s, dept, other, staff, cat)
                    around.append(r)
                shifts = rostered_shifts([around[0], roster, around[1]], cat)
                by_id = {st.employee_id: st.staff_no for st in staff}
                eid_of = {v: k2 for k2, v in by_id.items()}
                punches: list[tuple[str, datetime]] = []
                ids = list(by_id)
                for i in range(0, len(ids), 900):
                    for eid, at in s.execute(
                        select(ClockPunch.employee_id, ClockPunch.punched_at)
                        .where(ClockPunch.employee_id.in_(ids[i:i + 900]), ClockPunch.punched_at >= lo,
                               ClockPunch.punched_at < hi)
                    ).all():
                        punches.append((by_id[eid], _local_naive(at)))
                punches.sort(key=lambda p: p[1])
                attached = attach_punches(punches, shifts, AttachSettings(), cancel=cancel)
                month_un = [u for u in attached.unattached if days[0] <= u[1].date() <= days[-1]]
                unattached += len(month_un)
                sups = [
                    Supplement(by_id[p.employee_id], p.day, p.kind, _local_naive(p.at), p.reason)
                    for p in s.scalars(select(PunchSupplement).where(
                        PunchSupplement.employee_id.in_(ids),
                        (PunchSupplement.status == "approved") | (PunchSupplement.id == (include_supplement or -1)),
                        PunchSupplement.day >= days[0], PunchSupplement.day <= days[-1]))
                ]
                settings = DailySettings(hours_system=dept.working_time if dept.working_time in ("standard", "comprehensive") else "standard")
                records = compute_days(roster, cat, attached, cal, settings, sups)
                for sn, sm in summarise_month(records, m, cal, settings).items():
                    out[eid_of[sn]] = sm
                for r in records:
                    day_records.setdefault(eid_of[r.staff_no], []).append(r)
            if department_id is None:
                self._unrostered(s, m, cal, out)
        progress(len(depts), len(depts), _("Computing"))
        return out, unattached, day_records

    @staticmethod
    def _unrostered(s: Session, m: Month, cal: Any, out: dict[int, MonthlySummary]) -> None:
        """Staff of departments without a roster (offices) work the standard calendar: their month is
        the working days less approved leave; there is no clock data to check."""
        days = m.days()
        emps = s.execute(
            select(Employee.id, Employee.staff_no, Employee.hire_date, Employee.leave_date)
            .where(Employee.hire_date <= days[-1])
            .where((Employee.leave_date.is_(None)) | (Employee.leave_date >= days[0]))
        ).all()
        todo = [(eid, sn, hired, left) for eid, sn, hired, left in emps if eid not in out]
        leave: dict[int, dict[date, str]] = defaultdict(dict)
        for eid, lv in _approved_leave(s, [e[0] for e in todo], days[0], days[-1]):
            d = max(lv.first_day, days[0])
            while d <= min(lv.last_day, days[-1]):
                leave[eid][d] = lv.leave_type
                d += timedelta(days=1)
        for eid, sn, hired, left in todo:
            worked = 0
            leave_days: dict[str, float] = defaultdict(float)
            for d in days:
                if d < hired or (left is not None and d > left) or not cal.is_working_day(d):
                    continue
                if d in leave[eid]:
                    leave_days[leave[eid][d]] += 1
                else:
                    worked += 1
            out[eid] = MonthlySummary(sn, str(m), days_worked=worked, worked_minutes=worked * 480,
                                      leave_days=dict(leave_days))

    def exceptions(self, month: str, *, department_id: int | None = None) -> list[ExceptionRow]:
        """Every late arrival, early departure, missing punch and absence of the month, day by day."""
        m = parse_month(month)
        _summ, _u, records = self._compute(m, department_id)
        with self._uow() as s:
            info = {eid: (sn, name, dept) for eid, sn, name, dept in s.execute(
                select(Employee.id, Employee.staff_no, Person.name, Department.name)
                .join(Person, Employee.person_id == Person.id).join(Department, Employee.department_id == Department.id)
                .where(Employee.id.in_(list(records)))).all()} if records else {}
        out: list[ExceptionRow] = []
        for eid, recs in records.items():
            sn, name, dept = info.get(eid, ("", "", ""))
            for r in recs:
                if r.absent:
                    out.append(ExceptionRow(sn, name, dept, r.day, r.code, "absent", _("No punch for the rostered shift")))
                    continue
                if r.late_minutes:
                    out.append(ExceptionRow(sn, name, dept, r.day, r.code, "late",
                                            _("Late by {n} minutes").format(n=r.late_minutes)))
                if r.early_minutes:
                    out.append(ExceptionRow(sn, name, dept, r.day, r.code, "early",
                                            _("Left {n} minutes early").format(n=r.early_minutes)))
                if r.missing_in:
                    out.append(ExceptionRow(sn, name, dept, r.day, r.code, "missing_in", _("Check-in missing")))
                if r.missing_out:
                    out.append(ExceptionRow(sn, name, dept, r.day, r.code, "missing_out", _("Check-out missing")))
        out.sort(key=lambda e: (e.department, e.staff_no, e.day))
        return out

    def summary(self, month: str, *, department_id: int | None = None) -> list[SummaryRow]:
        m = parse_month(month)
        with self._uow() as s:
            q = (select(AttendanceMonth, Employee.staff_no, Person.name, Department.name)
                 .join(Employee, AttendanceMonth.employee_id == Employee.id)
                 .join(Person, Employee.person_id == Person.id)
                 .join(Department, Employee.department_id == Department.id)
                 .where(AttendanceMonth.month == str(m)))
            if department_id is not None:
                q = q.where(Employee.department_id == department_id)
            return [_summary_row(am, sn, name, dept) for am, sn, name, dept in
                    s.execute(q.order_by(Department.sort_order, Employee.staff_no)).all()]

    def correct(self, employee_id: int, month: str, field_name: str, value: float, reason: str, *, user: str,
                expected_version: int | None = None) -> CorrectionResult:
        """HR correction of one figure, with a reason. Before the lock it changes the summary (and is
        re-applied on recomputation); after the lock it is booked as an adjustment in the next month."""
        m = parse_month(month)
        _validate_field(field_name)
        if not reason.strip():
            raise InvalidInput(_("Give a reason for the correction."))
        if value < 0:
            raise InvalidInput(_("A figure cannot be negative."))
        with self._uow(write=True) as s:
            am = s.scalar(select(AttendanceMonth).where(AttendanceMonth.employee_id == employee_id,
                                                        AttendanceMonth.month == str(m)))
            if am is None:
                raise NotFound(_("No attendance summary for {month} yet. Compute the month first.").format(month=str(m)))
            if expected_version is not None:
                am = load_for_update(s, AttendanceMonth, am.id, expected_version, _("Attendance {month}").format(month=str(m)))
            now = utcnow()
            if am.locked:
                old = _field_value(_values(am), field_name)
                for adj in s.scalars(select(AttendanceAdjustment).where(
                        AttendanceAdjustment.employee_id == employee_id, AttendanceAdjustment.source_month == str(m))):
                    old += _field_value(adj.delta, field_name)
                delta = value - old
                if not delta:
                    raise InvalidInput(_("The figure is already {value}; nothing to correct.").format(value=f"{value:g}"))
                group, _dot, key = field_name.partition(".")
                payload: dict[str, Any] = {group: {key: delta}} if key else {group: delta}
                book = str(m.next())
                s.add(AttendanceAdjustment(employee_id=employee_id, source_month=str(m), book_month=book,
                                           delta=payload, reason=reason.strip(), created_by=user))
                return CorrectionResult(field_name, old, value, book)
            old = _field_value(_values(am), field_name)
            _set_field(am, field_name, value)
            am.corrections = [*(am.corrections or []), {"field": field_name, "old": old, "new": value,
                                                        "reason": reason.strip(), "by": user, "at": now.isoformat()}]
            return CorrectionResult(field_name, old, value, None)

    def adjustments(self, book_month: str) -> list[AdjustmentRow]:
        m = parse_month(book_month)
        with self._uow() as s:
            return [AdjustmentRow(a.id, a.employee_id, sn, a.source_month, a.book_month, dict(a.delta), a.reason, a.created_by)
                    for a, sn in s.execute(select(AttendanceAdjustment, Employee.staff_no)
                                           .join(Employee, AttendanceAdjustment.employee_id == Employee.id)
                                           .where(AttendanceAdjustment.book_month == str(m))
                                           .order_by(AttendanceAdjustment.id)).all()]

    def lock_month(self, month: str, *, user: str, department_id: int | None = None) -> int:
        """Lock the month's summaries (payroll pays them); returns how many were locked now."""
        m = parse_month(month)
        if not user.strip():
            raise InvalidInput(_("Say who locks the month."))
        with self._uow(write=True) as s:
            exclusive(s, "attendance", str(m))
            q = select(AttendanceMonth).where(AttendanceMonth.month == str(m))
            if department_id is not None:
                q = q.join(Employee, AttendanceMonth.employee_id == Employee.id).where(Employee.department_id == department_id)
            rows = s.scalars(q).all()
            if not rows:
                raise InvalidInput(_("Nothing to lock for {month}: compute the month first.").format(month=str(m)))
            now = utcnow()
            n = 0
            for am in rows:
                if not am.locked:
                    am.locked, am.locked_by, am.locked_at = True, user, now
                    n += 1
        log.info("attendance %s locked: %d rows", m, n)
        return n

    def is_locked(self, month: str) -> bool:
        m = parse_month(month)
        with self._uow() as s:
            total = s.scalar(select(func.count()).select_from(AttendanceMonth).where(AttendanceMonth.month == str(m)))
            open_rows = s.scalar(select(func.count()).select_from(AttendanceMonth).where(
                AttendanceMonth.month == str(m), AttendanceMonth.locked.is_(False)))
            return bool(total) and not open_rows

    # ---------------------------------------------------------------- exports
    def export_sheet(self, month: str, path: Path, *, department_id: int | None = None) -> Path:
        """Department attendance sheet (one sheet per department) as Excel."""
        rows = self.summary(month, department_id=department_id)
        if not rows:
            raise InvalidInput(_("Nothing to export for {month}: compute the month first.").format(month=month))
        night_keys = sorted({k for r in rows for k in r.night_shifts})
        leave_keys = sorted({k for r in rows for k in r.leave_days})
        header = [_("Staff no."), _("Name"), _("Days worked"), _("Hours worked"), _("Absent days"), _("Late arrivals"),
                  _("Minutes late"), _("Early departures"), _("Missing punches"), _("Overtime, extended (h)"),
                  _("Overtime, rest day (h)"), _("Overtime, holiday (h)"), *night_keys, _("On-call duties"),
                  *leave_keys, _("Corrections"), _("Locked")]
        by_dept: dict[str, list[list[Any]]] = defaultdict(list)
        for r in rows:
            by_dept[r.department].append([
                r.staff_no, r.name, r.days_worked, r.hours_worked, r.absent_days, r.late_count, r.late_minutes,
                r.early_count, r.missing_punches, *(r.overtime_hours.get(k, 0) for k in OVERTIME_KEYS),
                *(r.night_shifts.get(k, 0) for k in night_keys), r.duty_shifts,
                *(r.leave_days.get(k, 0) for k in leave_keys),
                "；".join(f"{c.get('field')}: {c.get('old')}→{c.get('new')} ({c.get('reason')})" for c in r.corrections),
                _("yes") if r.locked else _("no"),
            ])
        title = _("Attendance {month}").format(month=month)
        return _write_xlsx(Path(path), title, header, by_dept)

    def export_roster(self, department_id: int, roster: Roster, path: Path) -> Path:
        """The ward's roster grid as Excel (staff × day)."""
        view = self.roster(department_id, str(roster.month))
        names = {st.staff_no: st for st in view.staff}
        weekdays = "一二三四五六日"
        header = [_("Staff no."), _("Name"), _("Title"),
                  *(f"{d.day}({weekdays[d.weekday()]})" for d in roster.days)]
        rows = [[sn, names[sn].name if sn in names else "", names[sn].title if sn in names else "", *row]
                for sn, row in zip(roster.staff, roster.cells, strict=True)]
        return _write_xlsx(Path(path), _("Roster {ward} {month}").format(ward=view.department, month=str(roster.month)),
                           header, {view.department: rows})

    def export_exceptions(self, month: str, path: Path, *, department_id: int | None = None) -> Path:
        rows = self.exceptions(month, department_id=department_id)
        header = [_("Department"), _("Staff no."), _("Name"), _("Day"), _("Shift"), _("Exception")]
        data = {_("Exceptions"): [[e.department, e.staff_no, e.name, e.day.isoformat(), e.code, e.detail] for e in rows]}
        return _write_xlsx(Path(path), _("Attendance exceptions {month}").format(month=month), header, data)


def _safe_cell(value: Any) -> Any:
    """User text is never written as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write_xlsx(path: Path, title: str, header: Sequence[str], sheets: Mapping[str, list[list[Any]]]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, rows in (sheets.items() if sheets else [(title, [])]):
        safe = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
        while safe in used:
            safe = safe[:28] + str(len(used))
        used.add(safe)
        ws = wb.create_sheet(safe)
        ws.append([_safe_cell(title)])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([_safe_cell(h) for h in header])
        for c in ws[2]:
            c.font = Font(bold=True)
        for row in rows:
            ws.append([_safe_cell(v) for v in row])
            for c in ws[ws.max_row]:
                if isinstance(c.value, str):
                    c.data_type = "s"
        ws.freeze_panes = "C3"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as exc:
        from app.errors import StorageError

        raise StorageError(_("Cannot write {path}: {reason}. Close the file if it is open in Excel, or choose "
                             "another folder.").format(path=path, reason=exc.strerror or exc)) from exc
    return path


def _apply_summary(am: AttendanceMonth, sm: MonthlySummary) -> None:
    am.days_worked = float(sm.days_worked)
    am.hours_worked = round(sm.worked_minutes / 60, 2)
    am.absent_days = float(sm.absent_days)
    am.late_count, am.late_minutes = sm.late_count, sm.late_minutes
    am.early_count, am.early_minutes = sm.early_count, sm.early_minutes
    am.missing_punches = sm.missing_punches
    ot = sm.overtime_hours()
    am.overtime_hours = {k: round(ot.get(k, 0.0), 2) for k in OVERTIME_KEYS}
    am.night_shifts = {k: v for k, v in sm.night_shifts.items() if k}
    am.duty_shifts, am.duty_minutes = sm.duty_shifts, sm.duty_minutes
    am.leave_days = dict(sm.leave_days)


def _insert_ignore(s: Session):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT DO NOTHING for clock punches (SQLite and PostgreSQL)."""
    name = s.bind.dialect.name if s.bind is not None else "sqlite"
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ClockPunch).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(ClockPunch).on_conflict_do_nothing()


def solve_ward(
    base: Roster,
    problem: RosterProblem,
    staff: Sequence[StaffInfo],
    *,
    time_limit_s: float = 20.0,
    first_solution: bool = False,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> GenerateResult:
    """Solve the nurses' rows of ``base``; ``first_solution`` drops the fairness objective so the
    search stops at the first roster meeting every rule (deterministic with one worker)."""
    days = base.days
    # rows fixed from the first to the last day (e.g. a head nurse on office days) cannot change:
    # they stay out of the search and count again in the final check
    nurses = [st.staff_no for st in staff
              if st.nurse and not all((st.staff_no, d) in base.fixed for d in days)]
    if not nurses:
        raise InvalidInput(_("This ward has no nurses to roster automatically."))
    if not problem.cover:
        raise InvalidInput(_("No shift to assign: add coverage rules or choose the shifts the solver may use."))
    idx = {sn: i for i, sn in enumerate(base.staff)}
    sub = Roster(base.ward, base.month, tuple(nurses), tuple(base.cells[idx[sn]] for sn in nurses),
                 frozenset(f for f in base.fixed if f[0] in set(nurses)))
    codes = sorted({c for r in problem.cover for c in r.shift_codes})
    sub_problem = replace(problem, staff=_contract_targets(
        replace(problem, staff={sn: problem.staff[sn] for sn in nurses if sn in problem.staff}), sub, codes))
    from app.attendance.solver import SolverOptions, explain, solve_roster  # ortools: ~1 s to import, only when solving
    opt = SolverOptions(time_limit_s=time_limit_s, workers=1 if first_solution else 2, codes=tuple(codes))
    if first_solution:
        # no objective: the search ends at the first roster meeting every rule, so nights are
        # balanced by a personal cap instead (a fair share plus one)
        opt = replace(opt, night_fairness_weight=0, weekend_fairness_weight=0, total_fairness_weight=0)
        cat = problem.catalog
        need = sum(r.min_staff * len(base.days) for r in problem.cover
                   if not r.skills_any - {NURSE_LICENCE} and all(cat.is_night(c) for c in r.shift_codes))
        if need:
            share = math.ceil(need / len(nurses)) + 1
            capped = {sn: (replace(mem, max_nights=min(share, problem.settings.max_nights_per_month))
                           if mem.max_nights is None else mem) for sn, mem in sub_problem.staff.items()}
            sub_problem = replace(sub_problem, staff=capped)
    res = solve_roster(sub, sub_problem, options=opt, progress=progress, cancel=cancel)
    if not res.ok or res.roster is None:
        return GenerateResult(res.status, None, explain(res), res.reasons, (), res.wall_time_s)
    solved = dict(zip(res.roster.staff, res.roster.cells, strict=True))
    cells = tuple(solved.get(sn, row) for sn, row in zip(base.staff, base.cells, strict=True))
    full = Roster(base.ward, base.month, base.staff, cells, base.fixed)
    violations = tuple(check_roster(full, problem))
    return GenerateResult(res.status, full, explain(res), (), violations, res.wall_time_s)
