"""Tax-free limits of the housing fund (财税〔2006〕10号) and 职业年金 (财税〔2013〕103号), worked by hand.

City figures for the examples: social base 5,000–25,000; housing-fund base 2,400–31,500; 养老 8 %,
医疗 2 % + 3 元, 失业 0.5 %, 公积金 12 %, 职业年金 4 %; previous year's average monthly wage 8,000
(so the bases count for the tax-free limits at most 3 × 8,000 = 24,000).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from app.payroll.social import ContributionBases, employee_contributions, parse_city_settings
from app.payroll.structure import AttendanceSummary, evaluate_month

from .conftest import nurse


def city(average: str | None = "8000.00", rate: str = "0.12", rate_max: str = "0.12"):  # type: ignore[no-untyped-def]
    period = {
        "effective_from": "2026-01-01", "social_base_floor": "5000", "social_base_cap": "25000",
        "housing_fund_base_floor": "2400", "housing_fund_base_cap": "31500", "pension_rate": "0.08",
        "medical_rate": "0.02", "medical_fixed": "3", "unemployment_rate": "0.005", "housing_fund_rate": rate,
        "housing_fund_rate_max": rate_max, "annuity_rate": "0.04", "minimum_wage": "2400",
    }
    if average is not None:
        period["average_monthly_wage"] = average
    return parse_city_settings({"cities": {"测试市": {"periods": [period]}}})["测试市"]


def test_a_base_above_three_times_the_average_wage() -> None:
    c = employee_contributions(ContributionBases(D("30000"), D("30000")), city().periods[0])
    # social base clamps to 25,000: 养老 2,000.00, 医疗 503.00, 失业 125.00, 职业年金 1,000.00; 公积金 30,000 × 12 % = 3,600.00
    assert (c.pension, c.medical, c.unemployment, c.housing_fund, c.annuity) == (
        D("2000.00"), D("503.00"), D("125.00"), D("3600.00"), D("1000.00"))
    # tax-free 公积金: 12 % × min(30,000, 24,000) = 2,880.00 → 720.00 is taxed
    assert c.housing_fund_limit == D("2880.00") and c.housing_fund_taxable == D("720.00")
    # tax-free 年金: 4 % × min(25,000, 24,000) = 960.00 → 40.00 is taxed
    assert c.annuity_limit == D("960.00") and c.annuity_taxable == D("40.00")
    # 专项扣除 = 2,000 + 503 + 125 + 3,600 − 720 = 5,508.00
    assert c.special_deduction == D("5508.00")


def test_a_rate_above_twelve_percent() -> None:
    bases = ContributionBases(D("10000"), D("10000"), housing_fund_rate=D("0.15"))
    c = employee_contributions(bases, city(rate_max="0.15").periods[0])
    # 公积金 10,000 × 15 % = 1,500.00; tax-free 10,000 × 12 % = 1,200.00 → 300.00 taxed; 年金 400.00 all tax-free
    assert c.housing_fund == D("1500.00") and c.housing_fund_taxable == D("300.00")
    assert c.annuity == D("400.00") and c.annuity_taxable == D("0")
    assert c.special_deduction == D("800.00") + D("203.00") + D("50.00") + D("1200.00")


def test_within_the_limits_nothing_is_taxed_and_without_an_average_wage_only_the_rates_limit() -> None:
    inside = employee_contributions(ContributionBases(D("9000"), D("9000")), city().periods[0])
    assert inside.housing_fund_taxable == 0 and inside.annuity_taxable == 0
    unknown = employee_contributions(ContributionBases(D("30000"), D("30000")), city(average=None).periods[0])
    assert unknown.housing_fund_limit == D("3600.00") and unknown.housing_fund_taxable == 0


def test_the_month_taxes_the_excess(structure) -> None:  # type: ignore[no-untyped-def]
    """July 2026, first month with this employer: the 760.00 above the limits (720 公积金 + 40 年金) enters the
    taxable income; so does the employer's 公积金 above the same limit (12 % of 30,000 = 3,600 − 2,880 = 720,
    财税〔2006〕10号): 1,480.00 more taxable income, in the 3 % bracket 44.40 more tax and 44.40 less net pay,
    gross unchanged."""
    p = nurse(bases=ContributionBases(D("30000"), D("30000")), hire_date=dt.date(2026, 7, 1))
    att = AttendanceSummary(2026, 7, amounts={"reward_perf": D("20000.00")})  # 奖励性绩效 for a taxable month
    limited = evaluate_month(structure, p, att, city())
    free = evaluate_month(structure, p, att, city(average=None))
    assert limited.gross == free.gross
    assert limited.taxable_excess == D("760.00") and free.taxable_excess == 0
    assert limited.taxable_base - free.taxable_base == D("760.00")
    assert limited.tax_month.special_deduction == free.tax_month.special_deduction - D("720.00")
    assert limited.tax_month.other_deduction == free.tax_month.other_deduction - D("40.00")
    assert D("0") < free.taxable_base < D("36000")  # the 3 % bracket
    assert limited.employer_housing_fund_taxable == D("720.00") and free.employer_housing_fund_taxable == 0
    assert limited.tax_month.other_income == D("720.00")
    assert limited.tax - free.tax == D("44.40") and free.net - limited.net == D("44.40")
    hf = next(ln for ln in limited.lines if ln.code == "housing_fund")
    assert "2880.00" in hf.explanation and "720.00" in hf.explanation


def test_the_employer_share_above_the_limit_is_taxable() -> None:
    """财税〔2006〕10号: the employer's 公积金 above 12 % of the capped base is the employee's taxable income.
    Base 30,000 (limit base min(30,000, 3 × 8,000) = 24,000 → limit 2,880.00). Employer at the employee's 12 %:
    3,600.00 → 720.00 taxable. With the city's employer rate 10 %: 3,000.00 → 120.00. Base 20,000 at 12 %:
    2,400.00, limit 2,400.00 → nothing."""
    c = employee_contributions(ContributionBases(D("30000"), D("30000")), city().periods[0])
    assert c.housing_fund_employer == D("3600.00") and c.housing_fund_employer_taxable == D("720.00")
    period = parse_city_settings({"cities": {"测试市": {"periods": [{
        "effective_from": "2026-01-01", "social_base_floor": "5000", "social_base_cap": "25000",
        "housing_fund_base_floor": "2400", "housing_fund_base_cap": "31500", "pension_rate": "0.08",
        "medical_rate": "0.02", "unemployment_rate": "0.005", "housing_fund_rate": "0.12", "annuity_rate": "0.04",
        "minimum_wage": "2400", "average_monthly_wage": "8000", "housing_fund_employer_rate": "0.10"}]}}})["测试市"]
    c10 = employee_contributions(ContributionBases(D("30000"), D("30000")), period.periods[0])
    assert c10.housing_fund_employer == D("3000.00") and c10.housing_fund_employer_taxable == D("120.00")
    low = employee_contributions(ContributionBases(D("20000"), D("20000")), city().periods[0])
    assert low.housing_fund_employer_taxable == 0
    assert employee_contributions(ContributionBases(D("30000"), D("30000")),
                                  city(average=None).periods[0]).housing_fund_employer_taxable == 0
