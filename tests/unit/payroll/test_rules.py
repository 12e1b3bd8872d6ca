"""Probation, pro-ration on 21.75 paid days, overtime and absence (劳社部发〔2008〕3号, 劳动法)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from app.errors import InvalidInput
from app.payroll import rules
from app.payroll.money import from_fen, money, round_half_up, to_fen


def test_money_helpers_are_exact() -> None:
    assert D("0.1") + D("0.2") == D("0.3")
    assert to_fen(D("12.34")) == 1234 and from_fen(1234) == D("12.34")
    assert round_half_up(D("0.005")) == D("0.01") and round_half_up(D("-0.005")) == D("-0.01")
    assert round_half_up(D("2.675")) == D("2.68")  # float would give 2.67
    with pytest.raises(ValueError):
        money(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_fen(D("1.005"))


def test_hire_mid_month_counts_paid_weekdays() -> None:
    # July 2026 starts on a Wednesday. Hired Wed 15 July: 15-17 (3) + 20-24 (5) + 27-31 (5) = 13 paid days.
    span = rules.month_span(2026, 7, dt.date(2026, 7, 15))
    assert span.paid_days == 13 and not span.full_month
    # 4350 / 21.75 = 200 a day -> 13 x 200 = 2600.
    assert rules.prorate(D("4350"), span) == D("2600.00")
    # Leaving on Friday 10 July: 1-3 (3) + 6-10 (5) = 8 days -> 1600.
    leave = rules.month_span(2026, 7, dt.date(2020, 1, 1), leave_date=dt.date(2026, 7, 10))
    assert leave.paid_days == 8 and rules.prorate(D("4350"), leave) == D("1600.00")


def test_partial_month_never_exceeds_monthly_wage_and_full_month_is_full() -> None:
    # Hired on the 2nd of a 23-weekday month: 22 paid days x 200 = 4400 > 4350 -> capped at 4350.
    span = rules.month_span(2026, 7, dt.date(2026, 7, 2))
    assert span.paid_days == 22 and rules.prorate(D("4350"), span) == D("4350")
    full = rules.month_span(2026, 7, dt.date(2025, 1, 1))
    assert full.full_month and rules.prorate(D("4350"), full) == D("4350")


def test_calendar_adjustments_for_tiao_xiu() -> None:
    # Saturday 11 July declared a working day (调休上班), Monday 13 July a rest day by 调休.
    cal = rules.PayCalendar(extra_paid_days=frozenset({dt.date(2026, 7, 11)}),
                            unpaid_weekdays=frozenset({dt.date(2026, 7, 13)}))
    assert cal.paid_days(dt.date(2026, 7, 6), dt.date(2026, 7, 17)) == 10  # 5 + Sat + 4
    assert cal.paid_days(dt.date(2026, 7, 6), dt.date(2026, 7, 13)) == 6  # 6-10, Sat 11; Mon 13 is rest
    assert rules.MON_FRI.paid_days(dt.date(2026, 7, 6), dt.date(2026, 7, 13)) == 6  # 6-10, Mon 13
    assert cal.paid_days(dt.date(2026, 7, 11), dt.date(2026, 7, 13)) == 1
    assert rules.MON_FRI.paid_days(dt.date(2026, 7, 11), dt.date(2026, 7, 13)) == 1
    assert cal.is_paid_day(dt.date(2026, 7, 11)) and not cal.is_paid_day(dt.date(2026, 7, 13))


def test_probation_wage_floors() -> None:
    # 80% of 6000 = 4800 beats minimum wage 2400 and post lowest 4000.
    assert rules.probation_wage(D("6000"), D("2400"), D("4000")).amount == D("4800.00")
    # 80% of 2800 = 2240 < minimum wage 2400 -> 2400.
    assert rules.probation_wage(D("2800"), D("2400")).amount == D("2400")
    # post lowest 5000 > 4800 -> 5000.
    assert rules.probation_wage(D("6000"), D("2400"), D("5000")).amount == D("5000")
    # hospital pays 90%: 5400.
    assert rules.probation_wage(D("6000"), D("2400"), ratio=D("0.9")).amount == D("5400.00")
    with pytest.raises(InvalidInput):
        rules.probation_wage(D("6000"), D("2400"), ratio=D("0.7"))


def test_probation_ending_mid_month() -> None:
    # Contract 4350, probation 80% = 3480, difference 870 -> 40 a day. Probation ends Fri 10 July:
    # 8 probation paid days -> adjustment -320 -> month pay 4030.
    span = rules.month_span(2026, 7, dt.date(2026, 1, 12), probation_end=dt.date(2026, 7, 10))
    assert span.full_month and span.probation_paid_days == 8 and not span.probation_whole_span
    adj = rules.probation_adjustment(D("4350"), D("3480"), span)
    assert adj == D("-320.00")
    # whole month in probation -> exactly the probation wage
    whole = rules.month_span(2026, 7, dt.date(2026, 6, 1), probation_end=dt.date(2026, 8, 31))
    assert D("4350") + rules.probation_adjustment(D("4350"), D("3480"), whole) == D("3480")
    # hired 15 July, all in probation: 13 days x 3480/21.75 (=160) = 2080 = 2600 - 520
    hired = rules.month_span(2026, 7, dt.date(2026, 7, 15), probation_end=dt.date(2026, 9, 30))
    assert rules.prorate(D("4350"), hired) + rules.probation_adjustment(D("4350"), D("3480"), hired) == D("2080")


def test_overtime_at_150_200_300_percent() -> None:
    # 5220 / (21.75 x 8) = 30 an hour. 4 h x 45 + 8 h x 60 + 8 h x 90 = 180 + 480 + 720 = 1380.
    ot = rules.overtime_pay(D("5220"), rules.OvertimeHours(D(4), D(8), D(8)))
    assert ot.hourly == D(30) and ot.amount == D("1380.00") and not ot.warnings
    many = rules.overtime_pay(D("5220"), rules.OvertimeHours(D(20), D(16), D(4)))
    assert many.amount == D("20") * 45 + D("16") * 60 + D(4) * 90
    assert many.warnings  # 40 h > 36 h cap: paid, but reported
    with pytest.raises(InvalidInput):
        rules.overtime_pay(D("5220"), rules.OvertimeHours(D(1)), (D("1.2"), D(2), D(3)))


def test_absence_deduction_by_daily_rate() -> None:
    # 4350 / 21.75 = 200 -> 2.5 days = 500; never more than the wage.
    assert rules.absence_deduction(D("4350"), D("2.5")) == D("500.00")
    assert rules.absence_deduction(D("4350"), D("30")) == D("4350.00")
    # 5000 / 21.75 = 229.885... x 1 = 229.89 (half-up at the end only)
    assert rules.absence_deduction(D("5000"), D("1")) == D("229.89")
