"""Attendance-machine exports: encodings, Excel, column mapping, row-level problems, idempotent keys."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.attendance import clock as C
from app.attendance.attach import rostered_shifts
from app.attendance.roster import Roster
from app.attendance.shifts import default_catalog
from app.domain.org import Month
from app.errors import InvalidInput

DEC = Month(2025, 12)
KNOWN = {"1001", "1002"}

CSV_TEXT = """工号,打卡时间,设备
1001,2025-12-01 07:55:10,1号机
1001,2025-12-01 07:57:00,1号机
1001,2025/12/1 16:02,2号机
9999,2025-12-01 08:00,1号机
1002,2025-12-01 25:61,1号机
1002,2025-11-15 08:00,1号机
1002,2026-01-01 08:04,1号机
,2025-12-02 08:00,1号机
1002,2025-12-31 23:52,1号机
"""


def write(tmp_path: Path, text: str, enc: str, name: str = "clock.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(enc))
    return p


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings_and_row_problems(tmp_path: Path, enc: str) -> None:
    table = C.read_table(write(tmp_path, CSV_TEXT, enc))
    mapping = C.guess_mapping(table.header)
    assert mapping == C.ColumnMapping("工号", "打卡时间", None, None, "设备")
    prev = C.preview_punches(table, mapping, known_staff=KNOWN, month=DEC)
    got = [(p.row, p.code) for p in prev.problems]
    assert got == [(3, C.DUPLICATE), (5, C.UNKNOWN_STAFF), (6, C.BAD_TIME), (7, C.OUTSIDE_MONTH), (9, C.EMPTY)]
    assert [p.severity for p in prev.problems] == [C.WARNING] + [C.ERROR] * 4
    assert prev.problems[1].column == "工号" and prev.problems[1].value == "9999"
    assert prev.problems[2].value == "2025-12-01 25:61"
    # the 1 Jan 08:04 check-out of the 31 Dec night is inside the month's tail window
    assert [(p.staff_no, p.at, p.device) for p in prev.punches] == [
        ("1001", datetime(2025, 12, 1, 7, 55, 10), "1号机"),
        ("1001", datetime(2025, 12, 1, 16, 2), "2号机"),
        ("1002", datetime(2025, 12, 31, 23, 52), "1号机"),
        ("1002", datetime(2026, 1, 1, 8, 4), "1号机"),
    ]
    assert prev.rows_read == 9


def test_idempotent_reimport(tmp_path: Path) -> None:
    table = C.read_table(write(tmp_path, CSV_TEXT, "utf-8"))
    mapping = C.guess_mapping(table.header)
    assert mapping is not None
    first = C.preview_punches(table, mapping, known_staff=KNOWN, month=DEC)
    stored = {p.import_key for p in first.new_punches(())}
    assert len(stored) == 4
    again = C.preview_punches(C.read_table(write(tmp_path, CSV_TEXT, "gbk", "again.csv")), mapping,
                              known_staff=KNOWN, month=DEC)
    assert again.new_punches(stored) == []
    # an overlapping export with one new punch adds exactly that punch
    more = CSV_TEXT + "1001,2025-12-02 07:59,3号机\n"
    third = C.preview_punches(C.read_table(write(tmp_path, more, "utf-8", "more.csv")), mapping,
                              known_staff=KNOWN, month=DEC)
    assert [p.at for p in third.new_punches(stored)] == [datetime(2025, 12, 2, 7, 59)]


def test_xlsx_with_separate_date_and_time_columns(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["人员编号", "姓名", "日期", "时间", "机器号"])
    ws.append([1001, "张三", date(2025, 12, 31), time(23, 50), "A"])
    ws.append([1001, "张三", date(2026, 1, 1), time(8, 2), "A"])
    ws.append([1001, "张三", "2025-12-10", "8:01", "A"])
    ws.append([1002, "李四", "not a date", "08:00", "A"])
    p = tmp_path / "clock.xlsx"
    wb.save(p)
    table = C.read_table(p)
    mapping = C.guess_mapping(table.header)
    assert mapping == C.ColumnMapping("人员编号", None, "日期", "时间", "机器号")
    prev = C.preview_punches(table, mapping, known_staff=KNOWN, month=DEC)
    assert [p.at for p in prev.punches] == [datetime(2025, 12, 10, 8, 1), datetime(2025, 12, 31, 23, 50),
                                           datetime(2026, 1, 1, 8, 2)]
    assert [(p.row, p.code, p.column) for p in prev.problems] == [(5, C.BAD_TIME, "日期+时间")]


def test_far_from_rostered_shift_warning(tmp_path: Path) -> None:
    cat = default_catalog("三班倒")
    r = Roster.empty("W", DEC, ["1001", "1002"]).with_cell("1001", date(2025, 12, 1), "白")
    r = r.with_cell("1002", date(2025, 12, 31), "大夜")
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for s in rostered_shifts([r], cat):
        spans.setdefault(s.staff_no, []).append((s.start, s.end))
    table = C.read_table(write(tmp_path, CSV_TEXT, "utf-8"))
    mapping = C.guess_mapping(table.header)
    assert mapping is not None
    prev = C.preview_punches(table, mapping, known_staff=KNOWN, month=DEC, rostered_spans=spans)
    assert not [p for p in prev.problems if p.code == C.FAR_FROM_SHIFT]
    r2 = Roster.empty("W", DEC, ["1001", "1002"]).with_cell("1001", date(2025, 12, 1), "白")
    spans2 = {"1001": [(s.start, s.end) for s in rostered_shifts([r2], cat)]}
    prev2 = C.preview_punches(table, mapping, known_staff=KNOWN, month=DEC, rostered_spans=spans2)
    far = [(p.row, p.severity) for p in prev2.problems if p.code == C.FAR_FROM_SHIFT]
    assert far == [(8, C.WARNING), (10, C.WARNING)]
    assert len(prev2.punches) == 4  # warnings keep the punch


def test_bad_mapping_and_files(tmp_path: Path) -> None:
    table = C.read_table(write(tmp_path, CSV_TEXT, "utf-8"))
    with pytest.raises(InvalidInput):
        C.preview_punches(table, C.ColumnMapping("工号", "no such column"), known_staff=KNOWN, month=DEC)
    with pytest.raises(InvalidInput):
        C.preview_punches(table, C.ColumnMapping("工号"), known_staff=KNOWN, month=DEC)
    with pytest.raises(InvalidInput):
        C.read_table(tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InvalidInput):
        C.read_table(tmp_path / "old.xls")
    assert C.guess_mapping(["a", "b"]) is None
