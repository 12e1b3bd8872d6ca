"""Pay structures and the evaluation of one employee-month.

A ``PayStructure`` is a list of pay items (loaded from TOML, checked when loaded or saved) and the
lookup tables they use. ``evaluate_month`` takes the structure, an ``EmployeeProfile``, an
``AttendanceSummary``, the city settings and the employee's earlier months of the year, evaluates the
items in dependency order and returns the lines and the totals 应发工资, 扣税基数, 三险一金, 个税, 实发工资.

Item kinds: ``fixed``, ``table`` (岗位工资 by post grade, 薪级工资 by level, 护龄津贴 by tier of years),
``count_rate`` (夜班费 by night class, 值班费), ``percent`` (护士10%), ``performance``
(base × coefficients), ``overtime``, ``absence``, ``social`` (三险一金 and 职业年金), ``input`` (an amount
given for the month, e.g. 奖励性绩效 or a rent deduction) and ``formula`` (see ``formula.py``).

Categories decide how an amount enters the totals (amounts of deductions are positive):
``earning`` (+应发), ``pay_deduction`` (−应发, e.g. 缺勤扣款), ``contribution`` (三险一金, 专项扣除),
``other_deduction`` (职业年金, 其他扣除 for tax), ``post_tax`` (deducted after tax, e.g. 房租).

Totals: 应发工资 = earnings − pay deductions; 扣税基数 = 应发 − 免税收入 − 三险一金 − 职业年金;
个税 by cumulative withholding over the year; 实发工资 = 应发 − 三险一金 − 职业年金 − 个税 − post-tax.
Each item amount is rounded half-up to the fen; totals are exact sums of the rounded lines.
Pro-ration (hire/leave mid-month) applies to items marked ``prorate``; percent items and formulas
see the pro-rated amounts; overtime and absence use the full monthly amounts of their base items.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from app import paths
from app.errors import InvalidInput
from app.i18n import N_, _
from app.payroll import rules
from app.payroll.formula import Formula, FormulaError, compile_formula, dependency_order
from app.payroll.money import ZERO, MoneyError, dec, fmt, round_half_up
from app.payroll.notice import Notice
from app.payroll.social import CitySettings, ContributionBases, employee_contributions
from app.payroll.tax import MonthInput, WithholdingOptions, withhold_year

log = logging.getLogger(__name__)

KINDS = ("fixed", "table", "count_rate", "percent", "performance", "overtime", "absence", "social", "input", "formula")
CATEGORIES = ("earning", "pay_deduction", "contribution", "other_deduction", "post_tax")
SCHEMES = ("pension", "medical", "unemployment", "housing_fund", "annuity")
BUILTIN_VARIABLES = ("计薪天数", "月计薪天数")
PROBATION_CODE = "probation_adjustment"


@dataclass(frozen=True)
class Table:
    name: str
    tiered: bool  # tiers: largest lower bound ≤ value; otherwise exact key
    entries: tuple[tuple[str, Decimal], ...]  # exact: (key, amount); tiers: (lower bound, amount) ascending

    def lookup(self, key: str) -> Decimal | None:
        if not self.tiered:
            for k, v in self.entries:
                if k == key:
                    return v
            return None
        try:
            x = dec(key)
        except MoneyError:
            return None
        chosen: Decimal | None = None
        for lower, v in self.entries:
            if x >= Decimal(lower):
                chosen = v
        return chosen


@dataclass(frozen=True)
class PayItem:
    code: str
    name: str
    kind: str
    category: str = "earning"
    amount: Decimal = ZERO  # fixed; performance base when no table
    table: str = ""  # table / count_rate / performance
    key: str = ""  # profile attribute used to look up ``table``
    of: tuple[str, ...] = ()  # percent / overtime / absence base items
    percent: Decimal = ZERO  # percent: a fraction, 0.10 = 10 %
    factors: tuple[str, ...] = ()  # performance: variable names multiplied in
    scheme: str = ""  # social
    formula: Formula | None = None
    prorate: bool = False
    probation: bool = False  # part of the contract wage that probation pay reduces
    tax_free: bool = False
    categories: tuple[str, ...] = ()  # staff categories this item applies to (empty: everyone)
    roles: tuple[str, ...] = ()  # roles this item applies to (empty: everyone)


@dataclass(frozen=True)
class PayStructure:
    name: str
    items: tuple[PayItem, ...]  # display order
    order: tuple[str, ...]  # evaluation order (codes)
    tables: Mapping[str, Table]
    inputs: Mapping[str, Decimal]  # declared variables with default values
    probation_ratio: Decimal = rules.PROBATION_MIN_RATIO

    def item(self, code: str) -> PayItem:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)


@dataclass(frozen=True)
class EmployeeProfile:
    employee_id: str
    name: str
    department: str
    category: str = ""  # 医师 / 护士 / 医技 / 药剂 / 行政 / 工勤 ...
    roles: frozenset[str] = frozenset()  # e.g. {"护士长"}
    attributes: Mapping[str, str] = field(default_factory=dict)  # post_grade, salary_level, nursing_years ...
    variables: Mapping[str, Decimal] = field(default_factory=dict)  # 岗位系数, 绩效系数 ...
    amounts: Mapping[str, Decimal] = field(default_factory=dict)  # standing amounts by item code
    hire_date: dt.date | None = None
    leave_date: dt.date | None = None  # last day employed
    probation_end: dt.date | None = None  # last day of probation
    post_lowest_wage: Decimal = ZERO  # 本单位相同岗位最低档工资, for the probation floor
    bases: ContributionBases = ContributionBases(ZERO, ZERO)
    special_additional_deduction: Decimal = ZERO  # monthly 专项附加扣除 (flat, profiles without declarations)
    # Σ of the declared 专项附加扣除 in force over the year's employed months up to this one; when set, the
    # month's deduction is this minus what earlier months of the year already deducted (catch-up)
    cumulative_additional_deduction: Decimal | None = None
    tax_options: WithholdingOptions = WithholdingOptions()
    sources: Mapping[str, str] = field(default_factory=dict)  # variable -> where its value came from


@dataclass(frozen=True)
class AttendanceSummary:
    year: int
    month: int
    counts: Mapping[str, Decimal] = field(default_factory=dict)  # 大夜: 8, 小夜: 4, 值班: 2
    variables: Mapping[str, Decimal] = field(default_factory=dict)  # 出勤系数 ...
    overtime: rules.OvertimeHours = rules.OvertimeHours()
    absent_days: Decimal = ZERO  # unpaid absence (事假 ...)
    amounts: Mapping[str, Decimal] = field(default_factory=dict)  # this month's amounts by item code


@dataclass(frozen=True)
class PayLine:
    code: str
    name: str
    category: str
    amount: Decimal  # positive for deductions too; the category gives the sign
    explanation: str


@dataclass(frozen=True)
class PayResult:
    employee_id: str
    name: str
    department: str
    year: int
    month: int
    lines: tuple[PayLine, ...]
    gross: Decimal  # 应发工资
    tax_free: Decimal
    contributions: Decimal  # 三险一金
    other_deductions: Decimal  # 职业年金 ...
    taxable_base: Decimal  # 扣税基数
    tax: Decimal  # 个人所得税
    post_tax_deductions: Decimal
    net: Decimal  # 实发工资
    tax_month: MonthInput  # store it: next month's withholding needs it
    cumulative_tax: Decimal
    warnings: tuple[Notice, ...] = ()
    taxable_excess: Decimal = ZERO  # 公积金/年金 above the tax-free limits, not deducted before tax
    employer_housing_fund_taxable: Decimal = ZERO  # employer's 公积金 above the limit, added to taxable income

    def amounts(self) -> dict[str, Decimal]:
        return {line.code: line.amount for line in self.lines}


# ---------------------------------------------------------------- loading and checking


def _err(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(_("Pay structure, {field}: {problem}").format(field=field_name, problem=message))


def _dec(value: Any, where: str) -> Decimal:
    try:
        return dec(value if not isinstance(value, float) else repr(value))
    except MoneyError:
        raise _err(where, _("must be a number")) from None


def _is_identifier(text: str) -> bool:
    from app.payroll.formula import tokenize

    try:
        toks = tokenize(text)
    except FormulaError:
        return False
    return len(toks) == 2 and toks[0].kind == "name" and toks[0].text not in ("and", "or", "not")


def parse_structure(data: Mapping[str, Any]) -> PayStructure:
    """Build and check a structure: every item valid, tables present, formulas parsed with only
    known names, no constant division by zero and no loops. Raises InvalidInput naming the field."""
    name = str(data.get("name") or _("Pay structure"))
    tables: dict[str, Table] = {}
    for tname, tbody in (data.get("tables") or {}).items():
        if not isinstance(tbody, Mapping) or not isinstance(tbody.get("values"), Mapping):
            raise _err(f"tables.{tname}", _("needs a values table"))
        tiered = bool(tbody.get("tiered", False))
        entries = [(str(k), _dec(v, f"tables.{tname}.{k}")) for k, v in tbody["values"].items()]
        if tiered:
            for k, _v in entries:
                _dec(k, f"tables.{tname}.{k}")
            entries.sort(key=lambda e: Decimal(e[0]))
        tables[tname] = Table(tname, tiered, tuple(entries))
    inputs = {str(k): _dec(v, f"inputs.{k}") for k, v in (data.get("inputs") or {}).items()}
    raw_items = data.get("items") or []
    if not raw_items:
        raise _err("items", _("the structure has no pay items"))

    codes: dict[str, int] = {}
    aliases: dict[str, str] = {}
    for i, raw in enumerate(raw_items):
        code = str(raw.get("code", "")).strip()
        if not code or not _is_identifier(code):
            raise _err(f"items[{i}].code", _("must be a name without spaces or symbols"))
        if code in codes:
            raise _err(f"items[{i}].code", _("{code} is used twice").format(code=code))
        codes[code] = i
        iname = str(raw.get("name", "")).strip() or code
        if _is_identifier(iname) and iname != code:
            if iname in aliases:
                raise _err(f"items[{i}].name", _("{code} is used twice").format(code=iname))
            aliases[iname] = code
    count_classes = {k for t in tables.values() if not t.tiered for k, _v in t.entries}
    variables = set(inputs) | set(BUILTIN_VARIABLES)
    known = set(codes) | set(aliases) | variables | {c for c in count_classes if _is_identifier(c)}

    items: list[PayItem] = []
    deps: dict[str, set[str]] = {}
    for i, raw in enumerate(raw_items):
        where = f"items[{i}]"
        code = str(raw["code"]).strip()
        kind = str(raw.get("kind", ""))
        if kind not in KINDS:
            raise _err(f"{where}.kind", _("must be one of {values}").format(values=", ".join(KINDS)))
        category = str(raw.get("category", "earning"))
        if category not in CATEGORIES:
            raise _err(f"{where}.category", _("must be one of {values}").format(values=", ".join(CATEGORIES)))
        of = tuple(aliases.get(str(o), str(o)) for o in raw.get("of", ()))
        for o in of:
            if o not in codes:
                raise _err(f"{where}.of", _("unknown pay item {code}").format(code=o))
        table = str(raw.get("table", ""))
        if kind in ("table", "count_rate") or (kind == "performance" and table):
            if table not in tables:
                raise _err(f"{where}.table", _("unknown table {name}").format(name=table))
        if kind == "table" and not raw.get("key"):
            raise _err(f"{where}.key", _("a table item needs the profile attribute to look up"))
        factors = tuple(str(f) for f in raw.get("factors", ()))
        for f in factors:
            if f not in variables:
                raise _err(f"{where}.factors", _("unknown input {name}; declare it under [inputs]").format(name=f))
        scheme = str(raw.get("scheme", ""))
        if kind == "social" and scheme not in SCHEMES:
            raise _err(f"{where}.scheme", _("must be one of {values}").format(values=", ".join(SCHEMES)))
        formula: Formula | None = None
        d: set[str] = set(of)
        if kind == "formula":
            try:
                formula = compile_formula(str(raw.get("formula", "")), known)
            except FormulaError as exc:
                raise _err(f"{where}.formula", exc.message) from None
            d |= {aliases.get(r, r) for r in formula.refs if aliases.get(r, r) in codes}
        percent = _dec(raw.get("percent", "0"), f"{where}.percent")
        if kind == "percent" and not (0 < percent <= 1 and of):
            raise _err(f"{where}.percent", _("a percent item needs a fraction between 0 and 1 and base items"))
        items.append(
            PayItem(
                code=code,
                name=str(raw.get("name", "")).strip() or code,
                kind=kind,
                category=category,
                amount=_dec(raw.get("amount", "0"), f"{where}.amount"),
                table=table,
                key=str(raw.get("key", "")),
                of=of,
                percent=percent,
                factors=factors,
                scheme=scheme,
                formula=formula,
                prorate=bool(raw.get("prorate", False)),
                probation=bool(raw.get("probation", False)),
                tax_free=bool(raw.get("tax_free", False)),
                categories=tuple(str(c) for c in raw.get("categories", ())),
                roles=tuple(str(r) for r in raw.get("roles", ())),
            )
        )
        deps[code] = d
    order = dependency_order(deps)
    ratio = _dec(data.get("probation_ratio", "0.8"), "probation_ratio")
    if not rules.PROBATION_MIN_RATIO <= ratio <= 1:
        raise _err("probation_ratio", _("must be between 0.8 and 1"))
    return PayStructure(name, tuple(items), tuple(order), tables, inputs, ratio)


def load_structure(path: Path | None = None) -> PayStructure:
    """Load a structure file (default: the shipped ``resources/payroll/default_structure.toml``)."""
    path = path or paths.resource("payroll", "default_structure.toml")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InvalidInput(_("Settings file not found: {path}.").format(path=path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            _("The settings file {path} is not valid TOML: {error}").format(path=path, error=exc)
        ) from exc
    return parse_structure(data)


# ---------------------------------------------------------------- evaluation


def _applies(item: PayItem, profile: EmployeeProfile) -> bool:
    if item.categories and profile.category not in item.categories:
        return False
    return not (item.roles and not profile.roles.intersection(item.roles))


def _first_month(profile: EmployeeProfile, year: int) -> int:
    if profile.hire_date and profile.hire_date.year == year:
        return profile.hire_date.month
    return 1


def evaluate_month(
    structure: PayStructure,
    profile: EmployeeProfile,
    attendance: AttendanceSummary,
    city: CitySettings,
    prior_months: Sequence[MonthInput] = (),
    calendar: rules.PayCalendar = rules.MON_FRI,
) -> PayResult:
    """One employee-month. ``prior_months``: this employer's tax months of the year before this one."""
    year, month = attendance.year, attendance.month
    span = rules.month_span(year, month, profile.hire_date, profile.leave_date, profile.probation_end, calendar)
    if span.employed_from is None:
        raise InvalidInput(
            _("Employee {id} was not employed in {year}-{month:02d}.").format(
                id=profile.employee_id, year=year, month=month
            )
        )
    period = city.at(dt.date(year, month, 1))
    contributions = employee_contributions(profile.bases, period)
    variables: dict[str, Decimal] = dict(structure.inputs)
    variables.update(profile.variables)
    variables.update(attendance.variables)
    for k, v in attendance.counts.items():
        variables.setdefault(k, v)
    variables["计薪天数"] = Decimal(span.paid_days)
    variables["月计薪天数"] = rules.PAY_DAYS_PER_MONTH

    full: dict[str, Decimal] = {}  # before pro-ration
    actual: dict[str, Decimal] = {}
    notes: dict[str, str] = {}
    warnings: list[Notice] = []
    prorate_note = _("pro-rated: {days} paid days ÷ 21.75").format(days=span.paid_days)

    for code in structure.order:
        item = structure.item(code)
        if not _applies(item, profile):
            full[code] = actual[code] = ZERO
            continue
        value, note = _item_value(item, structure, profile, attendance, variables, full, actual, contributions)
        if item.code in profile.amounts and item.kind in ("fixed", "input"):
            value, note = profile.amounts[item.code], _("amount set for this employee")
        if item.code in attendance.amounts and item.kind in ("fixed", "input"):
            value, note = attendance.amounts[item.code], _("amount entered for this month")
        if item.kind == "overtime":
            ot = rules.overtime_pay(sum((full[o] for o in item.of), ZERO), attendance.overtime)
            warnings.extend(ot.warnings)
        full[code] = round_half_up(value)
        if item.prorate and not span.full_month:
            actual[code] = rules.prorate(full[code], span)
            note = f"{note}; {prorate_note}"
        else:
            actual[code] = full[code]
        notes[code] = note

    lines = [
        PayLine(it.code, it.name, it.category, actual[it.code], notes[it.code])
        for it in structure.items
        if _applies(it, profile)
    ]

    contract = sum((full[it.code] for it in structure.items if it.probation and _applies(it, profile)), ZERO)
    if contract > 0 and (span.probation_paid_days > 0 or span.probation_whole_span):
        prob = rules.probation_wage(contract, period.minimum_wage, profile.post_lowest_wage, structure.probation_ratio)
        adj = rules.probation_adjustment(contract, prob.amount, span)
        if adj != 0:
            lines.append(
                PayLine(
                    PROBATION_CODE,
                    _("Probation pay adjustment"),
                    "earning",
                    adj,
                    _(
                        "probation wage {probation} (set by {reason}) instead of {contract}; {days} probation paid days"
                    ).format(probation=fmt(prob.amount), reason=prob.floor_reason, contract=fmt(contract),
                             days=span.probation_paid_days),
                )
            )

    def total(category: str) -> Decimal:
        return sum((ln.amount for ln in lines if ln.category == category), ZERO)

    gross = total("earning") - total("pay_deduction")
    tax_free = sum(
        (actual[it.code] for it in structure.items if it.tax_free and it.category == "earning" and _applies(it, profile)),
        ZERO,
    )
    contrib = total("contribution")
    other = total("other_deduction")
    post_tax = total("post_tax")
    # 财税〔2006〕10号 / 财税〔2013〕103号: the parts above the tax-free limits are not deducted before tax
    excess = {"contribution": ZERO, "other_deduction": ZERO}
    for i, ln in enumerate(lines):
        it = structure.item(ln.code) if ln.code != PROBATION_CODE else None
        if it is None or it.kind != "social" or it.category not in excess:
            continue
        limit = {"housing_fund": contributions.housing_fund_limit, "annuity": contributions.annuity_limit}.get(it.scheme)
        if limit is None or ln.amount <= limit:
            continue
        over = ln.amount - limit
        excess[it.category] += over
        lines[i] = replace(ln, explanation=_("{note}; tax-free up to {limit}, the {over} above it is taxed").format(
            note=ln.explanation, limit=fmt(limit), over=fmt(over)))
    if gross < 0:
        raise InvalidInput(
            _("The gross pay of employee {id} comes out negative; check the deductions entered.").format(
                id=profile.employee_id
            )
        )
    additional = profile.special_additional_deduction
    catch_up = profile.cumulative_additional_deduction is not None
    if profile.cumulative_additional_deduction is not None:
        additional = profile.cumulative_additional_deduction - sum(
            (p.special_additional_deduction for p in prior_months), ZERO)
    pays_housing_fund = any(
        it.kind == "social" and it.scheme == "housing_fund" and _applies(it, profile) and actual.get(it.code, ZERO) > 0
        for it in structure.items
    )
    employer_excess = contributions.housing_fund_employer_taxable if pays_housing_fund else ZERO
    tax_month = MonthInput(
        month=month,
        gross=gross,
        tax_free=min(tax_free, gross),
        special_deduction=contrib - excess["contribution"],
        special_additional_deduction=additional,
        other_deduction=other - excess["other_deduction"],
        other_income=employer_excess,
    )
    first = _first_month(profile, year)
    if month > first and not prior_months:
        warnings.append(Notice.of(
            N_("No earlier months of {year} were given for the tax; the withholding assumes no pay in them."), year=year
        ))
    year_result = withhold_year(year, first, [*prior_months, tax_month], profile.tax_options, catch_up=catch_up)
    this = year_result.months[-1]
    net = gross - contrib - other - this.tax - post_tax
    if net < 0:
        warnings.append(Notice.of(N_("The net pay comes out negative; check the deductions.")))
    return PayResult(
        employee_id=profile.employee_id,
        name=profile.name,
        department=profile.department,
        year=year,
        month=month,
        lines=tuple(lines),
        gross=gross,
        tax_free=tax_month.tax_free,
        contributions=contrib,
        other_deductions=other,
        taxable_base=gross - tax_month.tax_free - tax_month.special_deduction - tax_month.other_deduction,
        tax=this.tax,
        post_tax_deductions=post_tax,
        net=net,
        tax_month=tax_month,
        cumulative_tax=this.cumulative_tax,
        warnings=tuple(warnings),
        taxable_excess=excess["contribution"] + excess["other_deduction"],
        employer_housing_fund_taxable=employer_excess,
    )


def _plain(value: Decimal) -> str:
    """``10.00`` -> ``10``, ``1.20`` -> ``1.2`` (never scientific notation)."""
    text = format(value.normalize(), "f")
    return text


def _attribute(profile: EmployeeProfile, key: str) -> str:
    if key in profile.attributes:
        return str(profile.attributes[key])
    return profile.category if key == "category" else ""


def _item_value(
    item: PayItem,
    structure: PayStructure,
    profile: EmployeeProfile,
    attendance: AttendanceSummary,
    variables: Mapping[str, Decimal],
    full: Mapping[str, Decimal],
    actual: Mapping[str, Decimal],
    contributions: Any,
) -> tuple[Decimal, str]:
    kind = item.kind
    if kind == "fixed":
        return item.amount, _("fixed amount")
    if kind == "input":
        return ZERO, _("no amount entered")
    if kind == "table":
        key = _attribute(profile, item.key)
        value = structure.tables[item.table].lookup(str(key))
        if value is None:
            raise InvalidInput(
                _("Employee {id}: {value} is not in the table {table} (attribute {attribute}).").format(
                    id=profile.employee_id, value=key or "—", table=item.table, attribute=item.key
                )
            )
        return value, f"{item.table}: {key} → {fmt(value)}"
    if kind == "count_rate":
        table = structure.tables[item.table]
        parts, value = [], ZERO
        for cls, rate in table.entries:
            n = attendance.counts.get(cls, ZERO)
            if n:
                value += n * rate
                parts.append(f"{cls} {n} × {fmt(rate)}")
        return value, " + ".join(parts) if parts else _("none this month")
    if kind == "percent":
        base = sum((actual[o] for o in item.of), ZERO)
        names = "+".join(structure.item(o).name for o in item.of)
        return base * item.percent, _("{percent}% of {items} ({base})").format(
            percent=_plain(item.percent * 100), items=names, base=fmt(base)
        )
    if kind == "performance":
        if item.table:
            key = _attribute(profile, item.key)
            base = structure.tables[item.table].lookup(str(key))
            if base is None:
                raise InvalidInput(
                    _("Employee {id}: {value} is not in the table {table} (attribute {attribute}).").format(
                        id=profile.employee_id, value=key or "—", table=item.table, attribute=item.key
                    )
                )
        else:
            base = item.amount
        value = base
        parts = [fmt(base)]
        for f in item.factors:
            value *= variables[f]
            source = profile.sources.get(f)
            parts.append(f"{f} {_plain(variables[f])}" + (f" ({source})" if source else ""))
        return value, " × ".join(parts)
    if kind == "overtime":
        base = sum((full[o] for o in item.of), ZERO)
        ot = rules.overtime_pay(base, attendance.overtime)
        h = attendance.overtime
        return ot.amount, _(
            "{base} ÷ (21.75 × 8) per hour; {h1} h × 150% + {h2} h × 200% + {h3} h × 300%"
        ).format(base=fmt(base), h1=_plain(h.extended), h2=_plain(h.rest_day), h3=_plain(h.holiday))
    if kind == "absence":
        base = sum((full[o] for o in item.of), ZERO)
        amount = rules.absence_deduction(base, attendance.absent_days)
        return amount, _("{days} days × {base} ÷ 21.75").format(days=_plain(attendance.absent_days), base=fmt(base))
    if kind == "social":
        amount = getattr(contributions, item.scheme)
        base = {"housing_fund": contributions.housing_fund_base, "annuity": contributions.annuity_base}.get(
            item.scheme, contributions.social_base
        )
        if item.scheme == "housing_fund":
            return amount, _("contribution base {base} × {rate}%").format(
                base=fmt(base), rate=_plain(contributions.housing_fund_rate * 100))
        return amount, _("contribution base {base}").format(base=fmt(base))
    assert kind == "formula" and item.formula is not None
    values: dict[str, Decimal] = dict(variables)
    for it in structure.items:
        if it.code in actual:
            values[it.code] = actual[it.code]
            values[it.name] = actual[it.code]
    for k in item.formula.refs:
        values.setdefault(k, ZERO)  # a count class with no shifts this month
    try:
        return item.formula.evaluate(values), item.formula.text
    except FormulaError as exc:
        raise InvalidInput(
            _("Employee {id}, item {item}: {problem}").format(id=profile.employee_id, item=item.name, problem=exc.message)
        ) from None
