"""Individual income tax on wages: cumulative withholding (累计预扣法).

Sources: 个人所得税法 第六、十一条; 国家税务总局公告2018年第61号 (cumulative method and 预扣率表一);
公告2020年第13号 (first salary of the year: 累计减除费用 = 5000 × calendar month number);
公告2020年第19号 (prior full year with this employer at ≤ 60,000 元: 60,000 from January);
财税〔2018〕164号 and 公告2023年第30号 (全年一次性奖金 taxed separately until 2027-12-31).

Rounding: the cumulative tax due (累计应纳税所得额 × 预扣率 − 速算扣除数) is rounded half-up to the fen
each month; the month's withholding is the difference of two such fen amounts, so withheld totals
telescope exactly (the year's withholding equals the annual formula when income never falls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from app.errors import InvalidInput
from app.i18n import _
from app.payroll.money import ZERO, round_half_up

MONTHLY_STANDARD_DEDUCTION = Decimal("5000")
PRIOR_YEAR_LOW_INCOME_DEDUCTION = Decimal("60000")
PRIOR_YEAR_LOW_INCOME_LIMIT = Decimal("60000")
BONUS_SEPARATE_TAXATION_LAST_YEAR = 2027  # 公告2023年第30号: until 2027-12-31


@dataclass(frozen=True)
class Bracket:
    upper: Decimal | None  # inclusive upper bound; None = no bound
    rate: Decimal
    quick_deduction: Decimal


def _table(rows: Sequence[tuple[str | None, str, str]]) -> tuple[Bracket, ...]:
    return tuple(Bracket(Decimal(u) if u else None, Decimal(r), Decimal(q)) for u, r, q in rows)


# 预扣率表一 (居民个人工资、薪金所得预扣预缴适用), on cumulative taxable income.
CUMULATIVE_TABLE: tuple[Bracket, ...] = _table(
    [
        ("36000", "0.03", "0"),
        ("144000", "0.10", "2520"),
        ("300000", "0.20", "16920"),
        ("420000", "0.25", "31920"),
        ("660000", "0.30", "52920"),
        ("960000", "0.35", "85920"),
        (None, "0.45", "181920"),
    ]
)

# 按月换算后的综合所得税率表 (for 全年一次性奖金, bracket chosen by bonus ÷ 12).
MONTHLY_TABLE: tuple[Bracket, ...] = _table(
    [
        ("3000", "0.03", "0"),
        ("12000", "0.10", "210"),
        ("25000", "0.20", "1410"),
        ("35000", "0.25", "2660"),
        ("55000", "0.30", "4410"),
        ("80000", "0.35", "7160"),
        (None, "0.45", "15160"),
    ]
)


def bracket_for(amount: Decimal, table: Sequence[Bracket] = CUMULATIVE_TABLE) -> Bracket:
    for b in table:
        if b.upper is None or amount <= b.upper:
            return b
    raise AssertionError("tax table without an open top bracket")  # pragma: no cover


def tax_on_cumulative(taxable: Decimal) -> Decimal:
    """累计应纳税额 on cumulative taxable income by 预扣率表一, half-up to the fen; 0 when taxable ≤ 0.

    The same table is the annual comprehensive-income table, so this is also the annual formula.
    """
    if taxable <= 0:
        return ZERO.quantize(Decimal("0.01"))
    b = bracket_for(taxable)
    return round_half_up(taxable * b.rate - b.quick_deduction)


@dataclass(frozen=True)
class WithholdingOptions:
    first_salary_of_year: bool = False  # 公告2020年第13号
    prior_year_under_60000: bool = False  # 公告2020年第19号


@dataclass(frozen=True)
class MonthInput:
    """One month's wage figures for withholding (all yuan, exact to the fen)."""

    month: int
    gross: Decimal  # 收入 (应发, incl. tax-free parts)
    tax_free: Decimal = ZERO  # 免税收入
    special_deduction: Decimal = ZERO  # 专项扣除 = employee's 三险一金
    special_additional_deduction: Decimal = ZERO  # 专项附加扣除
    other_deduction: Decimal = ZERO  # 依法确定的其他扣除 (e.g. 职业年金 personal share)
    tax_relief: Decimal = ZERO  # 减免税额
    # taxable income not paid in cash, e.g. the employer's housing fund above the tax-free limit
    # (财税〔2006〕10号): added to the income for the tax, not to the net pay
    other_income: Decimal = ZERO


@dataclass(frozen=True)
class MonthResult:
    month: int
    cumulative_income: Decimal
    cumulative_standard_deduction: Decimal  # 累计减除费用
    cumulative_taxable: Decimal  # 累计预扣预缴应纳税所得额 (may be negative)
    rate: Decimal
    quick_deduction: Decimal
    cumulative_tax_due: Decimal  # after reliefs, before what was already withheld
    tax: Decimal  # 本期应预扣预缴税额 (never negative)
    cumulative_tax: Decimal  # 累计已预扣预缴税额 including this month
    net: Decimal  # gross − special_deduction − other_deduction − tax


@dataclass(frozen=True)
class YearResult:
    year: int
    first_month: int
    options: WithholdingOptions
    months: tuple[MonthResult, ...]
    annual_tax: Decimal  # total withheld in the year
    settlement_taxable: Decimal  # annual figure with 60,000 deduction (汇算清缴 view, wages only)
    settlement_tax: Decimal
    settlement_difference: Decimal = field(default=ZERO)  # settlement − withheld (>0: pay, <0: refund)


def standard_deduction(month: int, first_month: int, options: WithholdingOptions) -> Decimal:
    """累计减除费用 for the cumulative period ending in ``month``."""
    months_employed = month - first_month + 1
    amount = MONTHLY_STANDARD_DEDUCTION * months_employed
    if options.first_salary_of_year:
        amount = max(amount, MONTHLY_STANDARD_DEDUCTION * month)
    if options.prior_year_under_60000:
        amount = max(amount, PRIOR_YEAR_LOW_INCOME_DEDUCTION)
    return amount


def _check(year: int, first_month: int, months: Sequence[MonthInput], options: WithholdingOptions,
           catch_up: bool = False) -> None:
    if not 2019 <= year <= 2100:
        raise InvalidInput(
            _("The tax year {year} is not supported: cumulative withholding applies from 2019.").format(year=year)
        )
    if not 1 <= first_month <= 12:
        raise InvalidInput(
            _("Field {field} must be a month number from 1 to 12.").format(field="first_month")
        )
    if options.prior_year_under_60000 and first_month != 1:
        raise InvalidInput(
            _(
                "The prior-year-under-60,000 option needs employment from January "
                "(first_month is {month}); the employee was with this employer all last year."
            ).format(month=first_month)
        )
    previous = first_month - 1
    for i, m in enumerate(months):
        if not first_month <= m.month <= 12 or m.month <= previous:
            raise InvalidInput(
                _(
                    "Field {field} must be a month from {first} to 12, after the previous month in the list."
                ).format(field=f"months[{i}].month", first=first_month)
            )
        previous = m.month
        for name in (
            "gross",
            "tax_free",
            "special_deduction",
            "special_additional_deduction",
            "other_deduction",
            "tax_relief",
            "other_income",
        ):
            if name == "special_additional_deduction" and catch_up:
                continue  # a month's catch-up may take back deductions withdrawn for earlier months
            if getattr(m, name) < 0:
                raise InvalidInput(
                    _("Field {field} must not be negative.").format(field=f"months[{i}].{name}")
                )
        if m.tax_free > m.gross:
            raise InvalidInput(
                _("Field {field} is larger than the gross pay of that month.").format(
                    field=f"months[{i}].tax_free"
                )
            )


def withhold_year(
    year: int,
    first_month: int,
    months: Sequence[MonthInput],
    options: WithholdingOptions = WithholdingOptions(),
    *,
    catch_up: bool = False,
) -> YearResult:
    """Withhold month by month. ``months`` are the months paid by this employer, in order.

    A month without a row (e.g. unpaid leave) still counts towards 累计减除费用 when a later month
    is paid, because the employee stayed employed (months employed = month − first_month + 1).

    ``catch_up``: a month's 专项附加扣除 may be negative (the payroll sets each month's figure so that the
    cumulative one equals the declarations in force, and a declaration withdrawn for past months takes its
    deduction back); the cumulative figure itself is never negative.
    """
    _check(year, first_month, months, options, catch_up)
    cum_income = cum_tax_free = cum_special = cum_additional = cum_other = cum_relief = ZERO
    withheld = ZERO
    results: list[MonthResult] = []
    for m in months:
        cum_income += m.gross + m.other_income
        cum_tax_free += m.tax_free
        cum_special += m.special_deduction
        cum_additional += m.special_additional_deduction
        if cum_additional < 0:
            raise InvalidInput(
                _("Field {field} must not be negative.").format(field=f"months[{m.month}].special_additional_deduction")
            )
        cum_other += m.other_deduction
        cum_relief += m.tax_relief
        std = standard_deduction(m.month, first_month, options)
        taxable = cum_income - cum_tax_free - std - cum_special - cum_additional - cum_other
        b = bracket_for(taxable) if taxable > 0 else CUMULATIVE_TABLE[0]
        due = max(ZERO, tax_on_cumulative(taxable) - cum_relief)
        tax = due - withheld
        if tax < 0:
            tax = ZERO  # no refund during the year; the annual settlement handles it
        tax = round_half_up(tax)
        withheld += tax
        net = m.gross - m.special_deduction - m.other_deduction - tax
        results.append(
            MonthResult(
                month=m.month,
                cumulative_income=cum_income,
                cumulative_standard_deduction=std,
                cumulative_taxable=taxable,
                rate=b.rate,
                quick_deduction=b.quick_deduction,
                cumulative_tax_due=due,
                tax=tax,
                cumulative_tax=withheld,
                net=net,
            )
        )
    settlement_taxable = (
        cum_income - cum_tax_free - PRIOR_YEAR_LOW_INCOME_DEDUCTION - cum_special - cum_additional - cum_other
    )
    settlement_tax = max(ZERO, tax_on_cumulative(settlement_taxable) - cum_relief)
    return YearResult(
        year=year,
        first_month=first_month,
        options=options,
        months=tuple(results),
        annual_tax=withheld,
        settlement_taxable=settlement_taxable,
        settlement_tax=settlement_tax,
        settlement_difference=settlement_tax - withheld,
    )


def annual_bonus_tax(bonus: Decimal, year: int) -> Decimal:
    """全年一次性奖金 taxed separately: bonus × rate − quick deduction, bracket by bonus ÷ 12.

    Compares ``bonus ≤ 12 × bound`` so the ÷ 12 never rounds. Only allowed up to 2027.
    """
    if bonus < 0:
        raise InvalidInput(_("Field {field} must not be negative.").format(field="bonus"))
    if year > BONUS_SEPARATE_TAXATION_LAST_YEAR:
        raise InvalidInput(
            _(
                "Separate taxation of the annual one-off bonus ends on 2027-12-31; "
                "for {year} add the bonus to the month's wages instead."
            ).format(year=year)
        )
    if bonus == 0:
        return ZERO.quantize(Decimal("0.01"))
    chosen = MONTHLY_TABLE[-1]
    for b in MONTHLY_TABLE:
        if b.upper is None or bonus <= b.upper * 12:
            chosen = b
            break
    return round_half_up(max(ZERO, bonus * chosen.rate - chosen.quick_deduction))
