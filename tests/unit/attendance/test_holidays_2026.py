"""The 2026 holiday calendar (国办发明电〔2025〕7号) and the 计薪日 / working-day counts payroll uses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.attendance.calendar import DayKind, load_calendar
from app.domain.org import Month

# Counted by hand from the notice's blocks (see the comment in resources/attendance/holidays_cn.toml).
WORKING_2026 = (21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23)
PAID_2026 = (22, 20, 22, 22, 21, 22, 23, 21, 23, 21, 21, 23)


@pytest.mark.parametrize("month", range(1, 13))
def test_2026_working_and_paid_days_per_month(month: int) -> None:
    cal = load_calendar()
    days = Month(2026, month).days()
    assert cal.working_days(days) == WORKING_2026[month - 1]
    assert cal.paid_days(days) == PAID_2026[month - 1]


def test_2026_blocks_as_announced() -> None:
    cal = load_calendar()
    assert cal.covers(2026)
    blocks = {  # first day, number of days off, statutory days in the block
        "元旦": (date(2026, 1, 1), 3, 1), "春节": (date(2026, 2, 15), 9, 4), "清明节": (date(2026, 4, 4), 3, 1),
        "劳动节": (date(2026, 5, 1), 5, 2), "端午节": (date(2026, 6, 19), 3, 1), "中秋节": (date(2026, 9, 25), 3, 1),
        "国庆节": (date(2026, 10, 1), 7, 3),
    }
    for name, (first, n, statutory) in blocks.items():
        block = [first + timedelta(days=k) for k in range(n)]
        assert all(cal.kind(d) is not DayKind.WORKDAY for d in block), name
        assert sum(cal.kind(d) is DayKind.HOLIDAY for d in block) == statutory, name
        # the days around the block are not part of it (a working day or an ordinary weekend)
        for edge in (first - timedelta(days=1), block[-1] + timedelta(days=1)):
            assert edge.weekday() >= 5 or cal.kind(edge) is DayKind.WORKDAY, (name, edge)
    assert sum(1 for d in cal.statutory if d.year == 2026) == 13
    makeup = sorted(d for d in cal.workdays if d.year == 2026)
    assert makeup == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
                      date(2026, 10, 10)]
    assert all(d.weekday() >= 5 for d in makeup)  # 调休 working days are weekend days
    # lunar and solar-term dates: 除夕 2-16, 清明 4-05, 端午 6-19, 中秋 9-25
    assert {date(2026, 2, 16), date(2026, 4, 5), date(2026, 6, 19), date(2026, 9, 25)} <= cal.statutory


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_year_has_261_paid_days(year: int) -> None:
    """365 − 104 weekend days: what makes 21.75 the monthly average (劳社部发〔2008〕3号)."""
    cal = load_calendar()
    assert sum(cal.paid_days(Month(year, m).days()) for m in range(1, 13)) == 261


def test_pay_exceptions_match_the_paid_days() -> None:
    """The exceptions payroll's PayCalendar takes give the same count as the calendar."""
    from app.payroll.rules import PayCalendar

    cal = load_calendar()
    extra, unpaid = cal.pay_exceptions(2026)
    pay = PayCalendar(extra, unpaid)
    for m in range(1, 13):
        days = Month(2026, m).days()
        assert pay.paid_days(days[0], days[-1]) == PAID_2026[m - 1], m
    assert date(2026, 4, 5) in extra and date(2026, 10, 3) in extra  # statutory days on a weekend
    assert date(2026, 2, 23) in unpaid and date(2026, 10, 7) in unpaid  # moved rest weekdays
