"""Pay rules from 劳动法, 劳动合同法 and 劳社部发〔2008〕3号.

Days: 月计薪天数 = 21.75 ((365 − 104 weekend days) ÷ 12; statutory holidays are paid days).
日工资 = 月工资 ÷ 21.75; 小时工资 = 月工资 ÷ (21.75 × 8).

**Counting days in a partial month (hire or leave mid-month).** The days worked are the *paid days*
(计薪日) between the first and last day employed in that month, both included: Monday–Friday, plus
statutory holidays (paid under 3号), plus 调休 working weekends, minus weekdays that are rest days
by 调休 — the ``PayCalendar`` holds those exceptions. Weekends are never counted, which is what
makes 21.75 the monthly average. Pay for a partial month = 月工资 ÷ 21.75 × paid days, never more
than the monthly wage (a month can have 23 weekdays). A fully employed month is paid in full.

**Probation ending mid-month.** The probation days are paid at the probation rate by the same
daily rate: pay = 月工资 − (月工资 − 试用期工资) ÷ 21.75 × probation paid days (at most the
difference), which lies between the two wages. A month entirely in probation pays the probation wage.

Intermediate rates are never rounded; each resulting amount is rounded half-up to the fen.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from app.errors import InvalidInput
from app.i18n import N_, _
from app.payroll.money import ZERO, round_half_up
from app.payroll.notice import Notice

PAY_DAYS_PER_MONTH = Decimal("21.75")
HOURS_PER_DAY = Decimal("8")
PROBATION_MIN_RATIO = Decimal("0.8")  # 劳动合同法 第二十条
OVERTIME_MONTHLY_CAP_HOURS = Decimal("36")  # 劳动法 第四十一条

# 劳动法 第四十四条 minimum multipliers
OVERTIME_EXTENDED = Decimal("1.5")
OVERTIME_REST_DAY = Decimal("2")
OVERTIME_HOLIDAY = Decimal("3")


def daily_rate(monthly_wage: Decimal) -> Decimal:
    return monthly_wage / PAY_DAYS_PER_MONTH


def hourly_rate(monthly_wage: Decimal) -> Decimal:
    return monthly_wage / (PAY_DAYS_PER_MONTH * HOURS_PER_DAY)


@dataclass(frozen=True)
class PayCalendar:
    """Which days are paid days (计薪日): Mon–Fri, adjusted by the year's 调休 arrangement.

    ``extra_paid_days``: weekend days that are working days by 调休 or statutory holidays falling
    on a weekend that the hospital pays as a day; ``unpaid_weekdays``: weekdays that are rest days by
    调休 (not statutory holidays). Statutory holidays on weekdays are paid days already.
    """

    extra_paid_days: frozenset[dt.date] = field(default_factory=frozenset)
    unpaid_weekdays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_paid_day(self, day: dt.date) -> bool:
        if day in self.extra_paid_days:
            return True
        if day in self.unpaid_weekdays:
            return False
        return day.weekday() < 5

    def paid_days(self, start: dt.date, end: dt.date) -> int:
        """Paid days from ``start`` to ``end`` inclusive (0 if end < start)."""
        n = 0
        day = start
        one = dt.timedelta(days=1)
        while day <= end:
            if self.is_paid_day(day):
                n += 1
            day += one
        return n


MON_FRI = PayCalendar()


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12:
        raise InvalidInput(_("Field {field} must be a month number from 1 to 12.").format(field="month"))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class MonthSpan:
    """The part of a month an employee was employed, and the part of it in probation."""

    year: int
    month: int
    employed_from: dt.date | None  # None: not employed this month
    employed_to: dt.date | None
    full_month: bool
    paid_days: int  # paid days employed in the month
    probation_paid_days: int  # of which in probation
    probation_whole_span: bool  # every employed day of the month is in probation


def month_span(
    year: int,
    month: int,
    hire_date: dt.date | None,
    leave_date: dt.date | None = None,
    probation_end: dt.date | None = None,
    cal: PayCalendar = MON_FRI,
) -> MonthSpan:
    """Work out the employed span of a month. ``leave_date`` is the last day employed;
    ``probation_end`` the last day of probation."""
    first, last = month_bounds(year, month)
    start = max(first, hire_date) if hire_date else first
    end = min(last, leave_date) if leave_date else last
    if end < start:
        return MonthSpan(year, month, None, None, False, 0, 0, False)
    paid = cal.paid_days(start, end)
    prob = 0
    whole = False
    if probation_end is not None and probation_end >= start:
        p_end = min(end, probation_end)
        prob = cal.paid_days(start, p_end)
        whole = p_end == end
    return MonthSpan(year, month, start, end, start == first and end == last, paid, prob, whole)


def prorate(monthly: Decimal, span: MonthSpan) -> Decimal:
    """A monthly amount for the employed span: full when employed all month, else ÷ 21.75 × paid days."""
    if span.full_month:
        return monthly
    if span.employed_from is None:
        return ZERO
    return round_half_up(min(monthly, daily_rate(monthly) * span.paid_days))


@dataclass(frozen=True)
class ProbationPay:
    amount: Decimal  # the monthly probation wage
    floor_reason: str  # which floor decided (translated)


def probation_wage(
    contract_wage: Decimal,
    minimum_wage: Decimal,
    post_lowest_wage: Decimal = ZERO,
    ratio: Decimal = PROBATION_MIN_RATIO,
) -> ProbationPay:
    """Monthly probation wage: contract × ratio, raised to the post's lowest pay and the local
    minimum wage when those are higher (劳动合同法 第二十条), never above the contract wage."""
    if ratio < PROBATION_MIN_RATIO or ratio > 1:
        raise InvalidInput(
            _("The probation pay ratio must be between 0.8 and 1 (劳动合同法 第二十条), not {ratio}.").format(
                ratio=ratio
            )
        )
    candidates = [
        (round_half_up(contract_wage * ratio), _("{percent}% of the contract wage").format(percent=format((ratio * 100).normalize(), "f"))),
        (post_lowest_wage, _("the lowest pay for the post")),
        (minimum_wage, _("the local minimum wage")),
    ]
    amount, reason = max(candidates, key=lambda c: c[0])
    if amount > contract_wage and contract_wage >= minimum_wage:
        amount, reason = contract_wage, _("the contract wage")
    return ProbationPay(round_half_up(amount), reason)


def probation_adjustment(contract_wage: Decimal, probation: Decimal, span: MonthSpan) -> Decimal:
    """The (negative or zero) amount that turns contract pay into probation pay for the span.

    Applied on top of the pro-rated contract pay: a month wholly in probation gets the probation
    wage (pro-rated like the contract pay); a month where probation ends mid-month pays probation
    days at the lower daily rate."""
    diff = contract_wage - probation
    if diff <= 0 or span.employed_from is None or span.probation_paid_days == 0 and not span.probation_whole_span:
        return ZERO
    if span.probation_whole_span:
        return -prorate(diff, span)
    days = min(Decimal(span.probation_paid_days), PAY_DAYS_PER_MONTH)
    return -round_half_up(min(diff, daily_rate(diff) * days))


@dataclass(frozen=True)
class OvertimeHours:
    extended: Decimal = ZERO  # 延长工作时间 (≥150%)
    rest_day: Decimal = ZERO  # 休息日 without time off in lieu (≥200%)
    holiday: Decimal = ZERO  # 法定节假日 (≥300%)

    @property
    def total(self) -> Decimal:
        return self.extended + self.rest_day + self.holiday


@dataclass(frozen=True)
class OvertimePay:
    amount: Decimal
    hourly: Decimal  # unrounded
    warnings: tuple[Notice, ...]


def overtime_pay(
    monthly_wage: Decimal,
    hours: OvertimeHours,
    multipliers: tuple[Decimal, Decimal, Decimal] = (OVERTIME_EXTENDED, OVERTIME_REST_DAY, OVERTIME_HOLIDAY),
) -> OvertimePay:
    """Overtime at 150/200/300 % of 月工资 ÷ (21.75 × 8). Hours over the legal cap are still paid
    (the work was done) but reported as a warning for HR."""
    for value in (hours.extended, hours.rest_day, hours.holiday):
        if value < 0:
            raise InvalidInput(_("Field {field} must not be negative.").format(field="overtime_hours"))
    minimum = (OVERTIME_EXTENDED, OVERTIME_REST_DAY, OVERTIME_HOLIDAY)
    if any(m < lo for m, lo in zip(multipliers, minimum, strict=True)):
        raise InvalidInput(_("Overtime multipliers below 150/200/300% break 劳动法 第四十四条."))
    hourly = hourly_rate(monthly_wage)
    amount = hourly * (
        hours.extended * multipliers[0] + hours.rest_day * multipliers[1] + hours.holiday * multipliers[2]
    )
    warnings: list[Notice] = []
    # 第四十一条 caps extended working time; we count all three kinds together (the cautious reading).
    if hours.total > OVERTIME_MONTHLY_CAP_HOURS:
        warnings.append(
            Notice.of(N_("{hours} overtime hours this month exceed the legal cap of 36 hours (劳动法 第四十一条)."),
                      hours=hours.total)
        )
    return OvertimePay(round_half_up(amount), hourly, tuple(warnings))


def absence_deduction(monthly_wage: Decimal, absent_days: Decimal) -> Decimal:
    """Deduction for unpaid absence (e.g. 事假): 日工资 × days, at most the monthly wage."""
    if absent_days < 0:
        raise InvalidInput(_("Field {field} must not be negative.").format(field="absent_days"))
    return round_half_up(min(monthly_wage, daily_rate(monthly_wage) * absent_days))
