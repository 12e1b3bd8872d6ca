from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from app.payroll.social import ContributionBases, load_city_settings
from app.payroll.structure import AttendanceSummary, EmployeeProfile, load_structure


@pytest.fixture(scope="session")
def structure():  # type: ignore[no-untyped-def]
    return load_structure()


@pytest.fixture(scope="session")
def city():  # type: ignore[no-untyped-def]
    return load_city_settings()["示例市"]


def nurse(**kw) -> EmployeeProfile:  # type: ignore[no-untyped-def]
    base = dict(
        employee_id="N0001",
        name="李护士",
        department="内科",
        category="护士",
        attributes={"post_grade": "专技十级", "salary_level": "20", "nursing_years": "12"},
        variables={"岗位系数": D("1.2"), "绩效系数": D("0.9")},
        bases=ContributionBases(D("9000"), D("9000")),
        special_additional_deduction=D("2000"),
        hire_date=dt.date(2020, 3, 1),
    )
    base.update(kw)
    return EmployeeProfile(**base)


def july(**kw) -> AttendanceSummary:  # type: ignore[no-untyped-def]
    return AttendanceSummary(2026, 7, **kw)
