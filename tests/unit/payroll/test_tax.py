"""Income tax withholding: worked examples computed by hand from DOMAIN.md §4, plus properties."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import InvalidInput
from app.payroll.tax import (
    MonthInput,
    WithholdingOptions,
    annual_bonus_tax,
    tax_on_cumulative,
    withhold_year,
)


def _months(first: int, last: int, gross: str, special: str = "0", extra: str = "0") -> list[MonthInput]:
    return [
        MonthInput(m, D(gross), special_deduction=D(special), special_additional_deduction=D(extra))
        for m in range(first, last + 1)
    ]


def test_full_year_crosses_10_and_20_percent_brackets() -> None:
    # gross 30000, 三险一金 4500, 专项附加 2000 -> monthly taxable 30000-5000-4500-2000 = 18500.
    # C_m = 18500 m; cumulative due f(C):
    #  m1 18500*3%=555; m2 37000*10%-2520=1180; m3 55500*10%-2520=3030; m4 4880; m5 6730; m6 8580;
    #  m7 129500*10%-2520=10430; m8 148000*20%-16920=12680 (crosses 144000); m9 16380; m10 20080;
    #  m11 23780; m12 222000*20%-16920=27480.
    # monthly tax = difference: 555, 625, 1850 x5, 2250, 3700 x4; total 27480.
    r = withhold_year(2026, 1, _months(1, 12, "30000", "4500", "2000"))
    taxes = [m.tax for m in r.months]
    assert taxes == [D(x) for x in ["555", "625"] + ["1850"] * 5 + ["2250"] + ["3700"] * 4]
    assert r.months[1].cumulative_taxable == D("37000")
    assert r.months[7].rate == D("0.20") and r.months[6].rate == D("0.10")
    assert r.annual_tax == D("27480")
    # net = gross - special - other - tax
    assert r.months[0].net == D("30000") - D("4500") - D("555")


def test_high_income_reaches_45_percent() -> None:
    # gross 100000, no deductions: C_m = 95000 m. m11: 1045000 > 960000 -> 45%:
    # f(C11) = 1045000*45% - 181920 = 288330; f(C10) = 950000*35% - 85920 = 246580; tax11 = 41750.
    r = withhold_year(2026, 1, _months(1, 12, "100000"))
    assert r.months[10].rate == D("0.45")
    assert r.months[10].tax == D("41750")
    assert r.annual_tax == tax_on_cumulative(D("1140000")) == D("331080")


def test_mid_year_hire_without_and_with_first_salary_option() -> None:
    # Hired in July, gross 20000, 三险一金 2000.
    # Normal (61号): deduction 5000 x months employed -> monthly taxable 13000, C = 13000 k:
    #  k1 390; k2 780 (tax 390); k3 39000*10%-2520=1380 (600); k4 52000 -> 2680 (1300);
    #  k5 65000 -> 3980 (1300); k6 78000 -> 5280 (1300). Annual 5280.
    months = _months(7, 12, "20000", "2000")
    normal = withhold_year(2026, 7, months)
    assert [m.tax for m in normal.months] == [D(x) for x in ("390", "390", "600", "1300", "1300", "1300")]
    assert normal.annual_tax == D("5280")
    # 公告2020年第13号: deduction 5000 x calendar month -> C = 18000 k - 5000 (6 + k) = 13000 k - 30000:
    #  k1 -17000 (0); k2 -4000 (0); k3 9000 -> 270; k4 22000 -> 660 (390); k5 35000 -> 1050 (390);
    #  k6 48000 -> 48000*10%-2520 = 2280 (1230). Annual 2280.
    opt = withhold_year(2026, 7, months, WithholdingOptions(first_salary_of_year=True))
    assert opt.months[0].cumulative_standard_deduction == D("35000")
    assert [m.tax for m in opt.months] == [D(x) for x in ("0", "0", "270", "390", "390", "1230")]
    assert opt.annual_tax == D("2280")


def test_prior_year_under_60000_option() -> None:
    # 公告2020年第19号: 60000 from January. gross 8000, 三险一金 800: C_m = 7200 m - 60000.
    # m1..m8 <= -2400 -> 0; m9 4800 -> 144; m10 12000 -> 360 (216); m11 19200 -> 576 (216);
    # m12 26400 -> 792 (216). Annual 792. Without the option: C = 2200 m -> 26400 at m12 -> 792 too,
    # but spread evenly: 66 a month.
    months = _months(1, 12, "8000", "800")
    r = withhold_year(2026, 1, months, WithholdingOptions(prior_year_under_60000=True))
    assert [m.tax for m in r.months] == [D(0)] * 8 + [D("144"), D("216"), D("216"), D("216")]
    assert r.annual_tax == D("792")
    assert [m.tax for m in withhold_year(2026, 1, months).months] == [D("66")] * 12
    with pytest.raises(InvalidInput):
        withhold_year(2026, 3, months[2:], WithholdingOptions(prior_year_under_60000=True))


def test_month_that_comes_out_negative_withholds_zero() -> None:
    # m1: 30000-5000-4500-2000 = 18500 -> 555 withheld.
    # m2 unpaid (gross 0, only 专项附加 2000): C2 = 30000-10000-4500-4000 = 11500 -> 345; 345-555 < 0 -> 0.
    # m3 as m1: C3 = 60000-15000-9000-6000 = 30000 -> 900; 900 - 555 = 345.
    months = [
        MonthInput(1, D("30000"), special_deduction=D("4500"), special_additional_deduction=D("2000")),
        MonthInput(2, D("0"), special_additional_deduction=D("2000")),
        MonthInput(3, D("30000"), special_deduction=D("4500"), special_additional_deduction=D("2000")),
    ]
    r = withhold_year(2026, 1, months)
    assert [m.tax for m in r.months] == [D("555"), D("0"), D("345")]
    assert r.months[1].cumulative_tax == D("555")
    assert r.annual_tax == D("900")


def test_tax_relief_and_rounding_to_fen() -> None:
    # C1 = 10000.33 - 5000 = 5000.33 -> 150.0099 -> 150.01 (half-up to the fen); relief 50 -> 100.01.
    r = withhold_year(2026, 1, [MonthInput(1, D("10000.33"), tax_relief=D("50"))])
    assert r.months[0].tax == D("100.01")


def test_annual_bonus_separate_taxation() -> None:
    # 36000 / 12 = 3000 -> 3%: 1080. 36000.01 / 12 > 3000 -> 10% - 210: 3600.001 - 210 = 3390.00.
    assert annual_bonus_tax(D("36000"), 2026) == D("1080.00")
    assert annual_bonus_tax(D("36000.01"), 2026) == D("3390.00")
    # 144000 / 12 = 12000 -> still 10%: 14400 - 210 = 14190; 1000000/12 = 83333 -> 45%: 450000-15160.
    assert annual_bonus_tax(D("144000"), 2026) == D("14190.00")
    assert annual_bonus_tax(D("1000000"), 2027) == D("434840.00")
    with pytest.raises(InvalidInput):
        annual_bonus_tax(D("10000"), 2028)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        withhold_year(2026, 1, [MonthInput(2, D(1)), MonthInput(2, D(1))])
    with pytest.raises(InvalidInput):
        withhold_year(2026, 5, [MonthInput(4, D(1))])
    with pytest.raises(InvalidInput):
        withhold_year(2026, 1, [MonthInput(1, D(-1))])
    with pytest.raises(InvalidInput):
        withhold_year(2018, 1, [MonthInput(1, D(1))])


fen = st.integers(min_value=0, max_value=20_000_000).map(lambda n: D(n) / 100)


@settings(max_examples=150, deadline=None)
@given(st.lists(fen, min_size=1, max_size=12), st.integers(1, 12))
def test_non_decreasing_cumulative_income_withholds_the_annual_formula(extra: list[D], start: int) -> None:
    # Every month's taxable increment is >= 0 (gross = 5000 + deductions + extra), so the cumulative
    # taxable income never falls and the withheld total telescopes to f(C_last).
    months = []
    for i, x in enumerate(extra[: 13 - start]):
        months.append(
            MonthInput(start + i, D(5000) + D("1000") + D("2000") + x,
                       special_deduction=D("1000"), special_additional_deduction=D("2000"))
        )
    r = withhold_year(2026, start, months)
    assert r.annual_tax == tax_on_cumulative(r.months[-1].cumulative_taxable)
    assert all(m.tax >= 0 for m in r.months)


month_st = st.builds(
    lambda g, s, a: (g, min(s, g), a),
    fen, fen, st.sampled_from([D(0), D(1000), D(2000), D(3500), D(6000)]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(month_st, min_size=1, max_size=12), st.integers(0, 11), st.integers(1, 10_000_000))
def test_tax_never_negative_and_more_income_never_less_tax(rows: list, bump_month: int, bump_fen: int) -> None:
    months = [
        MonthInput(i + 1, g, special_deduction=s, special_additional_deduction=a) for i, (g, s, a) in enumerate(rows)
    ]
    r = withhold_year(2026, 1, months)
    assert all(m.tax >= 0 for m in r.months)
    cum = [m.cumulative_tax for m in r.months]
    assert cum == sorted(cum)
    # withheld so far always >= the cumulative due at that month (no refunds during the year)
    assert all(m.cumulative_tax >= m.cumulative_tax_due for m in r.months)
    k = min(bump_month, len(months) - 1)
    bumped = list(months)
    old = bumped[k]
    bumped[k] = MonthInput(old.month, old.gross + D(bump_fen) / 100, special_deduction=old.special_deduction,
                           special_additional_deduction=old.special_additional_deduction)
    r2 = withhold_year(2026, 1, bumped)
    assert r2.months[-1].cumulative_tax_due >= r.months[-1].cumulative_tax_due
    assert r2.settlement_tax >= r.settlement_tax
