"""专项附加扣除 declared by month (国发〔2023〕13号 standards): rules, caps, exclusivity, and the catch-up of a
declaration made late, worked by hand to the fen."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.errors import InvalidInput
from app.i18n import language, set_language
from app.payroll import declarations as dc
from app.payroll.declarations import Declaration
from app.payroll.structure import AttendanceSummary, evaluate_month
from app.payroll.tax import MonthInput, withhold_year

from .conftest import nurse


def d(kind: str, start: str, end: str | None, fen: int, count: int = 1, share: int = 100, id: int | None = None,
      **detail: object) -> Declaration:
    return Declaration(kind, start, end, fen, count, share, detail, id)


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    previous = language()
    set_language("en")
    yield
    set_language(previous)


def test_standards_and_caps() -> None:
    assert dc.cap_fen(d("children_education", "2026-01", None, 1, count=2)) == 400_000
    assert dc.cap_fen(d("infant_care", "2026-01", None, 1, share=50)) == 100_000
    assert dc.cap_fen(d("continuing_education", "2026-01", None, 1, type="degree")) == 40_000
    assert dc.cap_fen(d("continuing_education", "2026-05", "2026-05", 1, type="qualification")) == 360_000
    assert dc.cap_fen(d("housing_loan", "2026-01", None, 1, share=50)) == 50_000
    assert [dc.cap_fen(d("housing_rent", "2026-01", None, 1, city_tier=t)) for t in (1, 2, 3)] == [
        150_000, 110_000, 80_000]
    assert dc.cap_fen(d("elderly_support", "2026-01", None, 1, only_child=True)) == 300_000
    assert dc.cap_fen(d("elderly_support", "2026-01", None, 1, only_child=False)) == 150_000
    assert dc.standard_fen(d("elderly_support", "2026-01", None, 1, share=33)) == 99_000


def test_valid_declarations_pass() -> None:
    good = [
        d("children_education", "2026-01", None, 400_000, count=2),
        d("infant_care", "2026-03", None, 100_000, share=50),
        d("continuing_education", "2024-09", "2028-08", 40_000, type="degree"),
        d("continuing_education", "2026-05", "2026-05", 360_000, type="qualification"),
        d("housing_loan", "2020-01", None, 100_000),
        d("elderly_support", "2026-01", None, 100_000, share=34),
    ]
    for x in good:
        assert dc.validate(x) == [], x


def test_every_problem_is_reported_at_once() -> None:
    problems = dc.validate(d("children_education", "2026-13", "2026/05", 500_000, count=2, share=70))
    assert len(problems) == 4
    assert "2026-13" in problems[0] and "2026/05" in problems[1] and "70%" in problems[2]
    assert "5,000.00" in problems[3] and "2,800.00" in problems[3]
    over = dc.validate(d("children_education", "2026-01", None, 300_000, count=1, share=100))
    assert len(over) == 1 and "3,000.00" in over[0] and "2,000.00" in over[0]
    backwards = dc.validate(d("housing_rent", "2026-06", "2026-03", 150_000, city_tier=1))
    assert backwards and "2026-03" in backwards[0] and "2026-06" in backwards[0]
    assert dc.validate(d("housing_rent", "2026-01", None, 150_000))  # no city tier
    assert dc.validate(d("housing_rent", "2026-01", None, 150_000, city_tier=2))  # 1,100 for tier 2
    assert dc.validate(d("elderly_support", "2026-01", None, 200_000, share=60))  # not only child: ≤ 1,500
    assert dc.validate(d("elderly_support", "2026-01", None, 300_000, share=50, only_child=True))
    assert dc.validate(d("continuing_education", "2026-01", "2030-01", 40_000, type="degree"))  # 49 months
    assert dc.validate(d("continuing_education", "2026-05", "2026-07", 360_000, type="qualification"))
    assert dc.validate(d("housing_loan", "2026-01", None, 0))


def test_serious_illness_is_refused_with_the_reason() -> None:
    problems = dc.validate(d("serious_illness", "2026-01", None, 100_000))
    assert len(problems) == 1 and "annual" in problems[0] and "大病医疗" in problems[0]
    set_language("zh_CN")
    assert "年度汇算" in dc.validate(d("serious_illness", "2026-01", None, 100_000))[0]


def test_loan_and_rent_never_in_the_same_month() -> None:
    loan = d("housing_loan", "2026-08", None, 100_000, id=1)
    rent = d("housing_rent", "2026-01", "2026-09", 150_000, city_tier=1, id=2)
    problems = dc.validate(rent, [loan])
    assert len(problems) == 1
    assert "2026-08 – open" in problems[0] and "2026-01 – 2026-09" in problems[0] and "2026-08 – 2026-09" in problems[0]
    assert dc.validate(d("housing_rent", "2026-01", "2026-07", 150_000, city_tier=1), [loan]) == []


def test_overlapping_duplicates_of_one_kind() -> None:
    first = d("elderly_support", "2026-01", None, 150_000, share=50, id=1)
    assert dc.validate(d("elderly_support", "2026-06", None, 150_000, share=50), [first])
    assert dc.validate(d("elderly_support", "2026-06", None, 150_000, share=50, id=1), [first]) == []  # itself
    ended = d("elderly_support", "2026-01", "2026-05", 150_000, share=50, id=1)
    assert dc.validate(d("elderly_support", "2026-06", None, 300_000, only_child=True), [ended]) == []
    # two children, each declared on its own, may run side by side; the same child twice may not
    a = d("children_education", "2026-01", None, 200_000, id=3, child="大宝")
    assert dc.validate(d("children_education", "2026-03", None, 200_000, child="二宝"), [a]) == []
    assert dc.validate(d("children_education", "2026-03", None, 200_000, child="大宝"), [a])
    # a degree course beside a qualification is fine
    deg = d("continuing_education", "2026-01", None, 40_000, id=4, type="degree")
    assert dc.validate(d("continuing_education", "2026-05", "2026-05", 360_000, type="qualification"), [deg]) == []


def test_amount_in_force_by_month_and_kind() -> None:
    decls = [
        d("children_education", "2026-03", None, 200_000),
        d("housing_rent", "2026-01", "2026-07", 150_000, city_tier=1),
        d("housing_loan", "2026-08", None, 100_000),
        d("continuing_education", "2023-01", None, 40_000, type="degree"),  # 48 months: until 2026-12
    ]
    assert dc.monthly_amount(decls, "2026-02") == D("1900.00")
    assert dc.breakdown(decls, "2026-03") == {"children_education": D("2000.00"), "housing_rent": D("1500.00"),
                                              "continuing_education": D("400.00")}
    assert dc.monthly_amount(decls, "2026-08") == D("3400.00")
    assert dc.monthly_amount(decls, "2027-01") == D("3000.00")  # the degree's 48 months are over
    # Jan–Feb 1,900, Mar–Jul 3,900, Aug 3,400: 3,800 + 19,500 + 3,400
    assert dc.cumulative_amount(decls, 2026, 1, 8) == D("26700.00")
    assert dc.cumulative_amount(decls, 2026, 5, 8) == D("15100.00")  # hired in May
    assert dc.kind_for_name("住房租金") == "housing_rent" and dc.kind_for_name("housing_loan") == "housing_loan"
    assert dc.kind_for_name("其他") is None


def months(additional: list[str]) -> list[MonthInput]:
    return [MonthInput(i + 1, D("20000"), special_deduction=D("3000"), special_additional_deduction=D(a))
            for i, a in enumerate(additional)]


def test_a_late_declaration_catches_up_in_the_cumulative_method() -> None:
    """A child born in March (3岁以下婴幼儿照护, 2,000 a month), declared in June. Each month: income 20,000,
    三险一金 3,000, standard deduction 5,000 → 12,000 taxable a month before the new deduction.
    Jan–May (locked, no declaration yet): cumulative 12,000/24,000/36,000 → 360 each; 48,000 → 2,280, 60,000 →
    3,480 (1,200 each): 3,480.00 withheld. June: the declarations in force Mar–Jun give 4 × 2,000 = 8,000 cumulative,
    so June's figure is 8,000 − 0 = 8,000: 120,000 − 30,000 − 18,000 − 8,000 = 64,000 → 6,400 − 2,520 = 3,880;
    June withholds 3,880 − 3,480 = 400.00 (without the catch-up it would be 1,000.00)."""
    decls = [d("infant_care", "2026-03", None, 200_000)]
    prior = months(["0"] * 5)
    cumulative = dc.cumulative_amount(decls, 2026, 1, 6)
    assert cumulative == D("8000.00")
    june = MonthInput(6, D("20000"), special_deduction=D("3000"),
                      special_additional_deduction=cumulative - sum(p.special_additional_deduction for p in prior))
    year = withhold_year(2026, 1, [*prior, june], catch_up=True)
    assert [m.tax for m in year.months] == [D("360.00")] * 3 + [D("1200.00")] * 2 + [D("400.00")]
    flat = withhold_year(2026, 1, [*prior, MonthInput(6, D("20000"), special_deduction=D("3000"),
                                                      special_additional_deduction=D("2000"))])
    assert flat.months[-1].tax == D("1000.00")


def test_a_withdrawn_declaration_takes_its_deduction_back() -> None:
    """Jan–May withheld with 2,000 a month (10,000 taxable a month: 300, 300, 300, 580, 1,000 = 2,480.00); the
    declaration is then deleted: June's figure is 0 − 10,000 = −10,000, cumulative 0:
    120,000 − 30,000 − 18,000 = 72,000 → 7,200 − 2,520 = 4,680; June withholds 4,680 − 2,480 = 2,200.00."""
    prior = months(["2000"] * 5)
    june = MonthInput(6, D("20000"), special_deduction=D("3000"), special_additional_deduction=D("-10000"))
    year = withhold_year(2026, 1, [*prior, june], catch_up=True)
    assert [m.tax for m in year.months] == [D("300.00")] * 3 + [D("580.00"), D("1000.00"), D("2200.00")]
    with pytest.raises(InvalidInput):  # outside the payroll's catch-up a negative month is refused as before
        withhold_year(2026, 1, [*prior, june])


def test_the_engine_uses_the_cumulative_figure(structure, city) -> None:  # type: ignore[no-untyped-def]
    """evaluate_month: the month's 专项附加扣除 is the cumulative in force minus what earlier months deducted."""
    prior = [MonthInput(m, D("12000"), special_deduction=D("1800"), special_additional_deduction=D("1000"))
             for m in range(1, 7)]
    p = nurse(special_additional_deduction=D("0"), cumulative_additional_deduction=D("20000"))
    r = evaluate_month(structure, p, AttendanceSummary(2026, 7), city, prior)
    assert r.tax_month.special_additional_deduction == D("14000")  # 20,000 − 6 × 1,000
    legacy = evaluate_month(structure, nurse(), AttendanceSummary(2026, 7), city, prior)
    assert legacy.tax_month.special_additional_deduction == D("2000")  # the profile's flat amount
    assert r.tax <= legacy.tax


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_months = st.integers(2024 * 12, 2027 * 12 + 11).map(dc.month_text)


@st.composite
def _declaration(draw):  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(sorted(dc.KIND_NAMES)))
    start = draw(_months)
    end = draw(st.one_of(st.none(), _months.filter(lambda m: m >= start)))
    return d(kind, start, end, draw(st.integers(1, 400_000)), type=draw(st.sampled_from(["degree", "qualification"])))


@settings(max_examples=60, deadline=None)
@given(st.lists(_declaration(), max_size=5), st.integers(1, 12), st.integers(1, 12))
def test_cumulative_is_the_sum_of_the_months(decls, first, last) -> None:  # type: ignore[no-untyped-def]
    """The payroll's cumulative figure equals Σ of the month-by-month amounts in force (incl. the 48/240-month ends)."""
    first, last = min(first, last), max(first, last)
    expected = sum((dc.monthly_amount(decls, f"2026-{m:02d}") for m in range(first, last + 1)), D("0.00"))
    assert dc.cumulative_amount(decls, 2026, first, last) == expected
