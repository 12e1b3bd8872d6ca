"""Probation length and pay.

Length (maximum the law allows; the hospital may agree a shorter one):

- 劳动合同法 第十九条: contract term < 3 months or a task-based contract (以完成一定工作任务为期限)
  → no probation; 3 months ≤ term < 1 year → ≤ 1 month; 1 year ≤ term < 3 years → ≤ 2 months;
  ≥ 3 years or open-ended → ≤ 6 months. One probation per employer only. Part-time work
  (非全日制用工, 第七十条) has no probation.
- 事业单位人事管理条例 第十三条: a first-time employee (初次就业) on a 聘用合同 of 3 years or more
  has a probation of 12 months. The hospital chooses this rule on the onboarding form.

Extension: a probation may be extended only up to the legal maximum of the rule that set it
(the total never exceeds it), see :func:`latest_extension_end`.

Pay (劳动合同法 第二十条): :func:`app.payroll.rules.probation_wage` — at least the chosen ratio
(≥ 80 %) of the contract wage, the post's lowest pay and the local minimum wage.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.errors import InvalidInput
from app.i18n import N_, _
from app.payroll.rules import ProbationPay, probation_wage

RULE_LABOUR_LAW = "labour_law_19"
RULE_PUBLIC_INSTITUTION = "public_institution_13"
RULE_LABELS = {
    RULE_LABOUR_LAW: N_("Labour Contract Law art. 19 (by contract term)"),
    RULE_PUBLIC_INSTITUTION: N_("Public institution regulation art. 13 (12 months, first employment)"),
}

#: contract type code -> (label msgid, term in years or None for open-ended / task-based)
CONTRACT_TYPES: dict[str, tuple[str, float | None]] = {
    "fixed_lt1y": (N_("Fixed term under 1 year"), 0.5),
    "fixed_1y": (N_("Fixed term 1 year"), 1.0),
    "fixed_2y": (N_("Fixed term 2 years"), 2.0),
    "fixed_3y": (N_("Fixed term 3 years"), 3.0),
    "fixed_5y": (N_("Fixed term 5 years"), 5.0),
    "open_ended": (N_("Open-ended"), None),
    "task_based": (N_("Task-based (until a task is done)"), None),
    "part_time": (N_("Part-time"), None),
}


def contract_label(code: str) -> str:
    return _(CONTRACT_TYPES[code][0]) if code in CONTRACT_TYPES else code


def rule_label(code: str) -> str:
    return _(RULE_LABELS[code]) if code in RULE_LABELS else code


@dataclass(frozen=True)
class ProbationTerm:
    months: int  # maximum probation in whole months (0: none allowed)
    rule: str  # RULE_* code
    basis: str  # translated explanation with the legal source


def _check_type(contract_type: str) -> None:
    if contract_type not in CONTRACT_TYPES:
        raise InvalidInput(
            _("Unknown contract type {code}. Use one of: {codes}.").format(code=contract_type, codes=", ".join(CONTRACT_TYPES))
        )


def labour_law_max_months(contract_type: str, contract_years: float | None = None) -> int:
    """劳动合同法 第十九条 maximum for the contract type (``contract_years`` overrides the type's term)."""
    _check_type(contract_type)
    if contract_type in ("task_based", "part_time"):
        return 0
    if contract_type == "open_ended":
        return 6
    years = contract_years if contract_years is not None else CONTRACT_TYPES[contract_type][1]
    assert years is not None
    if years < 0.25:
        return 0
    if years < 1:
        return 1
    if years < 3:
        return 2
    return 6


def probation_term(
    contract_type: str,
    contract_years: float | None = None,
    *,
    public_institution: bool = False,
    first_employment: bool = False,
) -> ProbationTerm:
    """The probation the law sets for this contract.

    ``public_institution`` and ``first_employment`` select the 12-month rule of 事业单位人事管理条例
    第十三条, which applies only to a term of 3 years or more (or open-ended)."""
    limit = labour_law_max_months(contract_type, contract_years)
    years = contract_years if contract_years is not None else CONTRACT_TYPES[contract_type][1]
    long_term = contract_type == "open_ended" or (years is not None and years >= 3)
    if public_institution and first_employment and long_term and contract_type not in ("task_based", "part_time"):
        return ProbationTerm(12, RULE_PUBLIC_INSTITUTION,
                             _("12 months: first employment on a contract of 3 years or more (事业单位人事管理条例 第十三条)"))
    if limit == 0:
        return ProbationTerm(0, RULE_LABOUR_LAW, _("No probation allowed for this contract (劳动合同法 第十九条)"))
    return ProbationTerm(limit, RULE_LABOUR_LAW,
                         _("At most {months} months for this contract term (劳动合同法 第十九条)").format(months=limit))


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def probation_end(start: date, months: int) -> date | None:
    """Last day of a probation of ``months`` starting on ``start`` (None when there is none)."""
    if months <= 0:
        return None
    return add_months(start, months) - timedelta(days=1)


def max_months_for_rule(rule: str, contract_type: str, contract_years: float | None = None) -> int:
    if rule == RULE_PUBLIC_INSTITUTION:
        return 12
    return labour_law_max_months(contract_type, contract_years)


def latest_extension_end(hire_date: date, rule: str, contract_type: str, contract_years: float | None = None) -> date | None:
    """The latest day an (extended) probation may end: the legal maximum counted from hiring."""
    return probation_end(hire_date, max_months_for_rule(rule, contract_type, contract_years))


def check_extension(hire_date: date, current_end: date | None, new_end: date, rule: str, contract_type: str,
                    contract_years: float | None = None) -> None:
    latest = latest_extension_end(hire_date, rule, contract_type, contract_years)
    if current_end is not None and new_end <= current_end:
        raise InvalidInput(_("The new probation end {new} must be after the current end {old}.").format(
            new=new_end.isoformat(), old=current_end.isoformat()))
    if latest is None or new_end > latest:
        raise InvalidInput(
            _("A probation may not end after {latest}: that is the legal maximum for this contract ({rule}).").format(
                latest=latest.isoformat() if latest else "-", rule=rule_label(rule)))


def probation_pay(contract_wage: Decimal, minimum_wage: Decimal, post_lowest_wage: Decimal, ratio: Decimal) -> ProbationPay:
    """Monthly probation wage at the chosen ratio (劳动合同法 第二十条, via the payroll rule)."""
    return probation_wage(contract_wage, minimum_wage, post_lowest_wage, ratio)


def review_due_date(probation_last_day: date, lead_days: int = 15) -> date:
    """When the probation review is due: ``lead_days`` before probation ends, so that a decision not to
    confirm is still taken within the probation (劳动合同法 第二十一条)."""
    return probation_last_day - timedelta(days=lead_days)
