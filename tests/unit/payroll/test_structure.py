"""One employee-month on the shipped default structure and example city settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from app.errors import InvalidInput
from app.payroll.rules import OvertimeHours
from app.payroll.social import ContributionBases, employee_contributions
from app.payroll.structure import PROBATION_CODE, evaluate_month, parse_structure
from app.payroll.tax import MonthInput, tax_on_cumulative

from .conftest import july, nurse


def test_city_settings_are_dated_and_bases_clamped(city) -> None:  # type: ignore[no-untyped-def]
    june, jul = city.at(dt.date(2026, 6, 30)), city.at(dt.date(2026, 7, 1))
    assert june.social_base.floor == D("4800.00") and jul.social_base.floor == D("5000.00")
    # base 30000 clamped to the 25000 cap: pension 2000, medical 500 + 3, unemployment 125
    c = employee_contributions(ContributionBases(D("30000"), D("1000")), jul)
    assert (c.pension, c.medical, c.unemployment) == (D("2000.00"), D("503.00"), D("125.00"))
    # housing fund base 1000 raised to the 2400 floor: 12% = 288; annuity 4% of 25000 = 1000
    assert c.housing_fund == D("288.00") and c.annuity == D("1000.00")
    assert c.special_deduction == D("2000") + D("503") + D("125") + D("288")
    with pytest.raises(InvalidInput):
        city.at(dt.date(2024, 1, 1))


def test_nurse_month_lines_and_totals(structure, city) -> None:  # type: ignore[no-untyped-def]
    att = july(
        counts={"大夜": D(4), "小夜": D(3), "值班": D(1)},
        overtime=OvertimeHours(extended=D(4)),
        absent_days=D(1),
        amounts={"reward_perf": D("2500.00"), "rent": D("150.00")},
    )
    prior = [MonthInput(m, D("10000"), special_deduction=D("2028"), special_additional_deduction=D("2000"),
                        other_deduction=D("360")) for m in range(1, 7)]
    r = evaluate_month(structure, nurse(roles=frozenset({"护士长"})), att, city, prior)
    a = r.amounts()
    assert a["post_wage"] == D("2265.00") and a["grade_wage"] == D("697.00")
    assert a["basic_perf"] == D("2720") * D("1.2") * D("0.9")  # 2937.60
    assert a["nurse10"] == D("296.20")  # 10% of 2962
    assert a["nursing_age"] == D("200.00")  # 12 years -> tier 10
    assert a["night_shift"] == D("3") * 60 + D("4") * 80
    assert a["night_meal"] == D(7 * 15)
    assert a["overtime"] == D("102.14")  # 2962/174 x 4 x 1.5 = 102.137...
    assert a["absence"] == D("136.18")  # 2962/21.75 = 136.18...
    assert a["head_nurse"] == D("300.00")
    # July 2026 uses the 2026-07-01 period: base 9000 in range; pension 720, medical 183, unemployment 45, hf 1080
    assert (a["pension"], a["medical"], a["unemployment"], a["housing_fund"]) == (
        D("720.00"), D("183.00"), D("45.00"), D("1080.00"))
    assert a["annuity"] == D("360.00") and a["union_fee"] == D("14.81")
    earnings = sum(ln.amount for ln in r.lines if ln.category == "earning")
    assert r.gross == earnings - a["absence"] == D("10276.76")
    assert r.contributions == D("2028.00") and r.other_deductions == D("360.00")
    assert r.taxable_base == r.gross - r.contributions - r.other_deductions
    # YTD: 6 x 10000 + 10276.76 income, deductions 7 x (5000 + 2028 + 2000 + 360) = 65716
    # C = 70276.76 - 65716 = 4560.76 -> 136.82; earlier C6 = 60000 - 56328 = 3672 -> 110.16; tax 26.66
    assert tax_on_cumulative(D("3672")) == D("110.16")
    assert r.tax == D("26.66") and r.cumulative_tax == D("136.82")
    assert r.net == r.gross - D("2028") - D("360") - D("26.66") - D("164.81")
    assert not r.warnings


def test_hire_mid_month_with_probation(structure, city) -> None:  # type: ignore[no-untyped-def]
    p = nurse(employee_id="N0002", category="医师", hire_date=dt.date(2026, 7, 15),
              probation_end=dt.date(2026, 10, 14), variables={})
    r = evaluate_month(structure, p, july(), city)
    a = r.amounts()
    # 13 paid days: 2265 / 21.75 x 13 = 1353.79; 697 / 21.75 x 13 = 416.60
    assert a["post_wage"] == D("1353.79") and a["grade_wage"] == D("416.60")
    assert "nurse10" not in a and "nursing_age" not in a  # nurses only
    # contract wage (probation items, full month) = 2265 + 697 + 2720 = 5682; 80% = 4545.60;
    # adjustment = -(5682 - 4545.60) / 21.75 x 13 = -679.23
    assert a[PROBATION_CODE] == D("-679.23")
    assert any("4545.60" in ln.explanation for ln in r.lines if ln.code == PROBATION_CODE)
    assert r.tax_month.month == 7 and not r.warnings  # first month of employment: no earlier months


def test_unknown_table_key_is_a_user_error(structure, city) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="专技九十级"):
        evaluate_month(structure, nurse(attributes={"post_grade": "专技九十级", "salary_level": "1",
                                                    "nursing_years": "1"}), july(), city)
    with pytest.raises(InvalidInput):
        evaluate_month(structure, nurse(leave_date=dt.date(2026, 6, 30)), july(), city)


def _mini(formula: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tables": {"岗位工资": {"values": {"A": "3000"}}},
        "inputs": {"出勤系数": "1"},
        "items": [
            {"code": "post", "name": "岗位工资", "kind": "table", "table": "岗位工资", "key": "post_grade"},
            {"code": "x", "name": "补贴", "kind": "formula", "formula": formula, **extra},
            {"code": "y", "name": "补贴二", "kind": "formula", "formula": "补贴 × 2"},
        ],
    }


def test_structure_is_checked_when_saved() -> None:
    s = parse_structure(_mini("岗位工资 × 10% × 出勤系数"))
    assert s.order.index("post") < s.order.index("x") < s.order.index("y")
    with pytest.raises(InvalidInput, match="夜班费"):
        parse_structure(_mini("夜班费 × 2"))
    with pytest.raises(InvalidInput):
        parse_structure(_mini("补贴二 + 1"))  # x -> y -> x
    with pytest.raises(InvalidInput):
        parse_structure(_mini("岗位工资 / 0"))
    with pytest.raises(InvalidInput):
        parse_structure(_mini("__import__('os')"))
    bad_kind = _mini("1")
    bad_kind["items"][0]["kind"] = "python"
    with pytest.raises(InvalidInput):
        parse_structure(bad_kind)
