"""Payroll counts paid days (计薪日) with the year's holiday arrangement, the same calendar attendance uses."""

from __future__ import annotations

import calendar
from datetime import date

from app.attendance.calendar import load_calendar
from app.payroll.rules import MON_FRI
from app.services.payroll import pay_calendar

# Paid days per month of 2026, counted by hand from the calendar file (tests/unit/attendance/test_holidays_2026.py)
PAID_2026 = (22, 20, 22, 22, 21, 22, 23, 21, 23, 21, 21, 23)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def test_2026_paid_days_follow_the_holiday_arrangement() -> None:
    cal = pay_calendar(2026)
    got = tuple(cal.paid_days(date(2026, m, 1), _month_end(2026, m)) for m in range(1, 13))
    assert got == PAID_2026
    assert sum(got) == 261  # 365 days - 104 weekend days: the basis of 21.75 paid days a month
    # a plain Monday-Friday count is wrong where 调休 moves a day across a month end (National Day 2026:
    # a working Sunday in late September, a rest weekday in October)
    assert (MON_FRI.paid_days(date(2026, 9, 1), date(2026, 9, 30)), got[8]) == (22, 23)
    assert (MON_FRI.paid_days(date(2026, 10, 1), date(2026, 10, 31)), got[9]) == (22, 21)


def test_a_year_the_calendar_does_not_cover_falls_back_to_monday_to_friday() -> None:
    year = max(y for y in range(2020, 2100) if load_calendar().covers(y)) + 1
    assert pay_calendar(year) is MON_FRI
