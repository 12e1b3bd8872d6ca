"""Leave types and annual-leave (年休假) entitlement and balance.

职工带薪年休假条例 (国务院令第514号) 第三条: 累计工作已满1年不满10年 5天, 已满10年不满20年 10天,
已满20年 15天; 国家法定休假日、休息日不计入年休假. 第四条: no annual leave in a year with 病假
累计2个月以上 (1–10 y), 3个月以上 (10–20 y), 4个月以上 (≥ 20 y), or 事假累计20天以上 without pay
deduction. 企业职工带薪年休假实施办法 第五条: a new employee gets (remaining calendar days of the
year ÷ 365) × full entitlement, whole days only (rounded down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

LEAVE_TYPES: tuple[str, ...] = ("年假", "病假", "事假", "婚假", "产假", "陪产假", "丧假", "探亲假", "育儿假", "调休")


def years_between(start: date, on: date) -> int:
    """Whole years from ``start`` to ``on``."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return max(0, years)


def annual_leave_entitlement(years_of_service: int) -> int:
    if years_of_service < 1:
        return 0
    if years_of_service < 10:
        return 5
    if years_of_service < 20:
        return 10
    return 15


@dataclass(frozen=True)
class AnnualLeaveBalance:
    year: int
    years_of_service: int
    entitlement: int
    taken: float
    disqualified: bool  # 第四条

    @property
    def remaining(self) -> float:
        return max(0.0, self.entitlement - self.taken)

    @property
    def overdrawn(self) -> float:
        return max(0.0, self.taken - self.entitlement)


def annual_leave_balance(
    year: int,
    *,
    career_start: date,
    joined_unit: date | None = None,
    taken_days: float = 0.0,
    sick_leave_months: float = 0.0,
    unpaid_personal_leave_days: float = 0.0,
    personal_leave_deducted: bool = True,
) -> AnnualLeaveBalance:
    """Entitlement for ``year`` by 累计工作年限 reached on 1 January (hospital setting)."""
    yos = years_between(career_start, date(year, 1, 1))
    full = annual_leave_entitlement(yos)
    if joined_unit is not None and joined_unit.year == year:
        remaining = (date(year + 1, 1, 1) - joined_unit).days
        full = math.floor(remaining / 365 * full)  # 实施办法 第五条 divides by 365
    sick_limit = 2 if yos < 10 else 3 if yos < 20 else 4
    disq = (yos >= 1 and sick_leave_months >= sick_limit) or (
        not personal_leave_deducted and unpaid_personal_leave_days >= 20
    )
    if disq:
        full = 0
    return AnnualLeaveBalance(year, yos, full, taken_days, disq)
