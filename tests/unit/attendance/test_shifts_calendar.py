from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from app.attendance.calendar import DayKind, load_calendar
from app.attendance.leave import annual_leave_balance, annual_leave_entitlement
from app.attendance.shifts import default_catalog, default_set_names, shift_from_dict
from app.errors import InvalidInput


def test_default_sets_cover_the_brief() -> None:
    names = default_set_names()
    assert {"三班倒", "APN", "ICU12", "值班"} <= set(names)
    for n in names:
        cat = default_catalog(n)
        assert cat.rest_code() in cat.shifts
        assert cat.leave_type("年") == "年假"


def test_spans_cross_midnight_and_belong_to_rostered_day() -> None:
    c = default_catalog("三班倒")
    # 大夜 rostered on 31 Dec runs on 1 Jan of the next year
    assert c.shifts["大夜"].span(date(2025, 12, 31)) == (datetime(2026, 1, 1, 0, 0), datetime(2026, 1, 1, 8, 0))
    assert c.shifts["小夜"].span(date(2025, 12, 31)) == (datetime(2025, 12, 31, 16), datetime(2026, 1, 1, 0, 0))
    n = default_catalog("APN").shifts["N"]
    assert n.span(date(2026, 2, 28)) == (datetime(2026, 2, 28, 22), datetime(2026, 3, 1, 8))
    duty = default_catalog("值班").shifts["值"]
    assert duty.duty and duty.length_minutes == 1440
    assert duty.span(date(2025, 12, 31))[1] == datetime(2026, 1, 1, 8)


def test_shift_from_dict_rejects_bad_time() -> None:
    with pytest.raises(InvalidInput):
        shift_from_dict({"code": "X", "start": "25:00", "end": "08:00"})
    s = shift_from_dict({"code": "E", "start": "18:00", "end": "07:00", "paid_minutes": 720})
    assert s.span(date(2025, 1, 31)) == (datetime(2025, 1, 31, 18), datetime(2025, 2, 1, 7))


def test_holiday_calendar_2025_2026() -> None:
    cal = load_calendar()
    assert cal.covers(2025) and cal.covers(2026)
    assert cal.kind(date(2025, 10, 1)) is DayKind.HOLIDAY
    assert cal.kind(date(2025, 10, 8)) is DayKind.REST  # in the block, not statutory
    assert cal.kind(date(2025, 9, 28)) is DayKind.WORKDAY  # 调休 Sunday
    assert cal.kind(date(2025, 1, 29)) is DayKind.HOLIDAY  # 春节 初一
    assert cal.kind(date(2026, 2, 14)) is DayKind.WORKDAY  # 调休 Saturday
    assert cal.kind(date(2026, 2, 16)) is DayKind.HOLIDAY  # 除夕
    assert cal.kind(date(2025, 3, 8)) is DayKind.REST  # ordinary Saturday
    assert cal.kind(date(2025, 3, 10)) is DayKind.WORKDAY
    for year in (2025, 2026):  # 13 statutory days a year since the 2024 amendment
        assert sum(1 for d in cal.statutory if d.year == year) == 13


def test_bad_calendar_file_is_invalid_input(tmp_path: Path) -> None:
    p = tmp_path / "h.toml"
    p.write_text('[2025]\nstatutory = ["2025-13-01"]\n', encoding="utf-8")
    with pytest.raises(InvalidInput):
        load_calendar(p)


@pytest.mark.parametrize(("years", "days"), [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10), (20, 15), (35, 15)])
def test_annual_leave_entitlement(years: int, days: int) -> None:
    assert annual_leave_entitlement(years) == days


def test_annual_leave_balance_rules() -> None:
    b = annual_leave_balance(2025, career_start=date(2014, 7, 1), taken_days=3)
    assert (b.years_of_service, b.entitlement, b.remaining) == (10, 10, 7)
    b = annual_leave_balance(2025, career_start=date(2015, 7, 1), taken_days=6)
    assert b.entitlement == 5 and b.overdrawn == 1 and b.remaining == 0
    # new to the hospital on 1 July: 184/365 × 10 = 5.04 → 5 days
    b = annual_leave_balance(2025, career_start=date(2010, 1, 1), joined_unit=date(2025, 7, 1))
    assert b.entitlement == 5
    # 病假 2 months with < 10 years: no annual leave that year (第四条)
    b = annual_leave_balance(2025, career_start=date(2020, 1, 1), sick_leave_months=2)
    assert b.disqualified and b.entitlement == 0
    b = annual_leave_balance(2025, career_start=date(2010, 1, 1), sick_leave_months=2)
    assert not b.disqualified and b.entitlement == 10
