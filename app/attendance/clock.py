"""Attendance-machine exports → validated punches (preview before import).

Steps: ``read_table`` (CSV in UTF-8 or GBK/GB18030, or Excel .xlsx) → ``guess_mapping`` / a
``ColumnMapping`` the user confirms → ``preview_punches``: every row is validated and each problem
is reported with its row number, column, value and reason. Good punches carry an ``import_key``
derived from (staff number, minute) only, so importing the same file twice — or two overlapping
exports — adds nothing the second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.domain.org import Month
from app.errors import InvalidInput
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

# problem codes
UNKNOWN_STAFF = "unknown_staff"
BAD_TIME = "bad_time"
OUTSIDE_MONTH = "outside_month"
DUPLICATE = "duplicate"
FAR_FROM_SHIFT = "far_from_shift"
EMPTY = "empty"

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class RawTable:
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]  # data rows; row number in the file = index + 2
    source: str = ""


@dataclass(frozen=True)
class ColumnMapping:
    staff_no: str
    timestamp: str | None = None  # date and time in one column
    date: str | None = None  # or date and time in two columns
    time: str | None = None
    device: str | None = None

    def validate(self, header: Sequence[str]) -> None:
        needed = [self.staff_no]
        if self.timestamp:
            needed.append(self.timestamp)
        elif self.date and self.time:
            needed += [self.date, self.time]
        else:
            raise InvalidInput(
                _("Choose a timestamp column, or a date column and a time column.")
            )
        if self.device:
            needed.append(self.device)
        missing = [c for c in needed if c not in header]
        if missing:
            raise InvalidInput(
                _("Column {column} is not in the file. Columns found: {columns}.").format(
                    column=missing[0], columns=", ".join(header)
                )
            )


@dataclass(frozen=True)
class ClockSettings:
    duplicate_window_minutes: int = 5  # punches of one person closer than this are merged
    lead_hours: int = 12  # punches this long before the month are accepted (night before day 1)
    tail_hours: int = 36  # and after it (大夜 / 值班 of the last day end next month)
    far_from_shift_hours: float = 4.0


@dataclass(frozen=True)
class Punch:
    staff_no: str
    at: datetime  # local hospital time, to the second
    device: str
    row: int
    import_key: str


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    code: str
    reason: str  # translated
    severity: str = ERROR  # error: row not imported; warning: imported, check it


@dataclass(frozen=True)
class ImportPreview:
    punches: tuple[Punch, ...]
    problems: tuple[RowProblem, ...]
    rows_read: int

    @property
    def errors(self) -> tuple[RowProblem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    def new_punches(self, existing_keys: Iterable[str]) -> list[Punch]:
        """Punches not imported yet (idempotent import)."""
        seen = set(existing_keys)
        return [p for p in self.punches if p.import_key not in seen]


def import_key(staff_no: str, at: datetime) -> str:
    text = f"{staff_no}\x1f{at.replace(second=0, microsecond=0).isoformat(timespec='minutes')}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]


# -- reading files ---------------------------------------------------------------------------


def read_table(path: Path) -> RawTable:
    """Read a CSV (UTF-8 with or without BOM, else GB18030/GBK) or .xlsx export."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(_("File not found: {path}.").format(path=path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls":
        raise InvalidInput(_("Old .xls files cannot be read. Save the file as .xlsx or CSV and try again."))
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise InvalidInput(_("Cannot read {path}: unknown text encoding. Save it as UTF-8 CSV.").format(path=path))
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = list(reader)
    if not rows:
        raise InvalidInput(_("{path} is empty.").format(path=path))
    header = tuple(h.strip() for h in rows[0])
    return RawTable(header, [tuple(r) for r in rows[1:]], str(path))


def _read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise InvalidInput(_("Cannot open the Excel file {path}: {error}").format(path=path, error=exc)) from exc
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
        if first is None:
            raise InvalidInput(_("{path} is empty.").format(path=path))
        header = tuple("" if v is None else str(v).strip() for v in first)
        rows = [tuple(r) for r in it]
    finally:
        wb.close()
    return RawTable(header, rows, str(path))


_NAMES = {
    "staff_no": ("工号", "员工编号", "人员编号", "职工号", "考勤号码", "考勤号", "用户编号", "staff_no", "staff", "id"),
    "timestamp": ("打卡时间", "考勤时间", "签到时间", "刷卡时间", "日期时间", "timestamp", "datetime", "time_stamp"),
    "date": ("日期", "打卡日期", "考勤日期", "date"),
    "time": ("时间", "打卡时刻", "time"),
    "device": ("设备", "设备号", "机器号", "考勤机", "设备名称", "device"),
}


def guess_mapping(header: Sequence[str]) -> ColumnMapping | None:
    """A mapping from well-known column names, for the user to confirm; None if unsure."""
    low = {h.lower(): h for h in header}

    def find(kind: str) -> str | None:
        for name in _NAMES[kind]:
            if name.lower() in low:
                return low[name.lower()]
        return None

    staff = find("staff_no")
    ts, d, t = find("timestamp"), find("date"), find("time")
    if not staff or not (ts or (d and t)):
        return None
    return ColumnMapping(staff, ts if ts else None, None if ts else d, None if ts else t, find("device"))


# -- parsing values ---------------------------------------------------------------------------

_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S",
            "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y%m%d %H%M%S", "%Y%m%d %H:%M:%S")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H%M%S")


def _excel_serial(value: float) -> datetime:
    return datetime(1899, 12, 30) + timedelta(days=float(value))


def parse_timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return None  # a date without a time is not a punch
    if isinstance(value, int | float):
        return _excel_serial(value).replace(microsecond=0) if 20000 < value < 80000 else None
    text = str(value).strip()
    if not text:
        return None
    if "T" not in text and len(text) >= 16 and text[4] in "-/" and text[7] in "-/":
        try:
            at = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            pass
        else:
            return at if at.tzinfo is None and not at.microsecond else at.replace(tzinfo=None, microsecond=0)
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None, microsecond=0)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return _excel_serial(value).date() if 20000 < value < 80000 else None
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_time(value: Any) -> time | None:
    if isinstance(value, datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, time):
        return value.replace(microsecond=0)
    if isinstance(value, int | float) and 0 <= value < 1:
        secs = round(float(value) * 86400)
        return time(secs // 3600 % 24, secs // 60 % 60, secs % 60)
    text = str(value).strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    return None


def _cell(row: tuple[Any, ...], i: int) -> Any:
    return row[i] if i < len(row) else None


def _show(v: Any) -> str:
    return "" if v is None else str(v)


# -- validation ----------------------------------------------------------------------------------


def preview_punches(
    table: RawTable,
    mapping: ColumnMapping,
    *,
    known_staff: Iterable[str],
    month: Month,
    settings: ClockSettings | None = None,
    rostered_spans: Mapping[str, Sequence[tuple[datetime, datetime]]] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ImportPreview:
    """Validate every row; nothing is stored. ``rostered_spans`` enables the far-from-shift check."""
    cfg = settings or ClockSettings()
    mapping.validate(table.header)
    col = {h: i for i, h in enumerate(table.header)}
    i_staff = col[mapping.staff_no]
    i_ts = col[mapping.timestamp] if mapping.timestamp else None
    i_d = col[mapping.date] if mapping.date else None
    i_t = col[mapping.time] if mapping.time else None
    i_dev = col[mapping.device] if mapping.device else None
    known = set(known_staff)
    lo = datetime.combine(month.first_day(), time()) - timedelta(hours=cfg.lead_hours)
    hi = datetime.combine(month.next().first_day(), time()) + timedelta(hours=cfg.tail_hours)
    problems: list[RowProblem] = []
    good: list[tuple[str, datetime, str, int]] = []
    total = len(table.rows)
    step = max(1, total // 100)
    ts_col = mapping.timestamp or f"{mapping.date}+{mapping.time}"
    for k, row in enumerate(table.rows):
        if k % step == 0:
            cancel.raise_if_cancelled()
            progress(k, total, _("Checking rows"))
        rownum = k + 2
        if not any(row) or all(v is None or str(v).strip() == "" for v in row):
            continue
        raw_staff = _cell(row, i_staff)
        staff = _show(raw_staff).strip()
        if isinstance(raw_staff, float) and raw_staff.is_integer():
            staff = str(int(raw_staff))  # Excel stores numeric staff numbers as floats
        if not staff:
            problems.append(RowProblem(rownum, mapping.staff_no, "", EMPTY, _("The staff number is empty.")))
            continue
        if staff not in known:
            problems.append(
                RowProblem(rownum, mapping.staff_no, staff, UNKNOWN_STAFF,
                           _("Unknown staff number {staff}: not in the staff list.").format(staff=staff))
            )
            continue
        if i_ts is not None:
            raw = _cell(row, i_ts)
            at = parse_timestamp(raw)
            shown = _show(raw)
        else:
            assert i_d is not None and i_t is not None
            rd, rt = _cell(row, i_d), _cell(row, i_t)
            d, t = parse_date(rd), parse_time(rt)
            at = datetime.combine(d, t) if d is not None and t is not None else None
            shown = f"{_show(rd)} {_show(rt)}".strip()
        if at is None:
            problems.append(
                RowProblem(rownum, ts_col, shown, BAD_TIME,
                           _("Cannot read the time {value}. Use a form like 2025-03-01 08:00.").format(value=shown))
            )
            continue
        if not (lo <= at < hi):
            problems.append(
                RowProblem(rownum, ts_col, shown, OUTSIDE_MONTH,
                           _("{value} is outside the month {month}.").format(value=shown, month=str(month)))
            )
            continue
        device = _show(_cell(row, i_dev)).strip() if i_dev is not None else ""
        good.append((staff, at, device, rownum))
    progress(total, total, _("Merging duplicate punches"))
    good.sort(key=lambda g: (g[0], g[1], g[3]))
    window = timedelta(minutes=cfg.duplicate_window_minutes)
    punches: list[Punch] = []
    last: Punch | None = None
    for staff, at, device, rownum in good:
        if last is not None and last.staff_no == staff and at - last.at <= window:
            problems.append(
                RowProblem(rownum, ts_col, at.isoformat(sep=" "), DUPLICATE,
                           _("Duplicate of row {row} (within {n} minutes); merged.").format(
                               row=last.row, n=cfg.duplicate_window_minutes), WARNING)
            )
            continue
        last = Punch(staff, at, device, rownum, import_key(staff, at))
        punches.append(last)
    if rostered_spans is not None:
        far = timedelta(hours=cfg.far_from_shift_hours)
        starts = {s: sorted(v) for s, v in rostered_spans.items()}
        for p in punches:
            spans = starts.get(p.staff_no, [])
            if not _near_any(spans, p.at, far):
                problems.append(
                    RowProblem(p.row, ts_col, p.at.isoformat(sep=" "), FAR_FROM_SHIFT,
                               _("No rostered shift within {h} h of this punch.").format(
                                   h=f"{cfg.far_from_shift_hours:g}"), WARNING)
                )
    problems.sort(key=lambda p: p.row)
    log.info("clock preview: %d rows, %d punches, %d problems", total, len(punches), len(problems))
    return ImportPreview(tuple(punches), tuple(problems), total)


def _near_any(spans: Sequence[tuple[datetime, datetime]], at: datetime, far: timedelta) -> bool:
    if not spans:
        return False
    i = bisect_left(spans, (at,))
    for j in (i - 2, i - 1, i, i + 1):
        if 0 <= j < len(spans):
            s, e = spans[j]
            if s - far <= at <= e + far:
                return True
    return False
