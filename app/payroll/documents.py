"""Pay settings documents: the pay structure and the city settings as TOML text, checked before saving.

A document is valid when it parses as TOML, passes the structure / city checks (every item, table
and formula; every period's bases and rates), and a dry run of the month on sample profiles built
from the structure itself (one per staff category and role, a full month and a mid-month hire in
probation, with a night of every class, overtime and an absence) computes without error. Errors name
the line of the TOML text and the pay item, in the user's language.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app import paths
from app.errors import AppError, InvalidInput
from app.i18n import _
from app.payroll.money import fmt
from app.payroll.rules import OvertimeHours
from app.payroll.social import CitySettings, ContributionBases, parse_city_settings
from app.payroll.structure import AttendanceSummary, EmployeeProfile, PayStructure, evaluate_month, parse_structure

log = logging.getLogger(__name__)

KINDS = ("structure", "city")
DEFAULT_FILES = {"structure": "default_structure.toml", "city": "city_settings.toml"}
DEFAULT_CITY = "default"


@dataclass(frozen=True)
class Validation:
    ok: bool
    problems: tuple[str, ...]  # translated, each naming the line and item where known
    summary: str  # what was checked, e.g. "22 个工资项目，7 个表；试算 14 人"
    samples: tuple[tuple[str, str, str], ...] = ()  # (sample, gross, net) of the dry run


def default_text(kind: str) -> str:
    _check_kind(kind)
    return paths.resource("payroll", DEFAULT_FILES[kind]).read_text(encoding="utf-8")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(_("Unknown kind of pay settings {kind}; use structure or city.").format(kind=kind))


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(_("The settings are not valid TOML: {error}").format(error=exc)) from None


def parse_structure_text(text: str) -> PayStructure:
    data = load_toml(text)
    try:
        return parse_structure(data)
    except InvalidInput as exc:
        raise InvalidInput(locate(exc.message, text, data)) from None


def parse_city_text(text: str) -> CitySettings:
    data = load_toml(text)
    try:
        cities = parse_city_settings(data)
    except InvalidInput as exc:
        raise InvalidInput(locate(exc.message, text, data)) from None
    return pick_city(cities)


def pick_city(cities: Mapping[str, CitySettings]) -> CitySettings:
    """The hospital's city: the one named ``default`` or else the first in the document."""
    return cities.get(DEFAULT_CITY) or next(iter(cities.values()))


# ---------------------------------------------------------------- locating an error in the text


def _header_lines(text: str, pattern: str) -> list[int]:
    rx = re.compile(pattern)
    return [i for i, line in enumerate(text.splitlines(), 1) if rx.match(line.strip())]


def locate(message: str, text: str, data: Mapping[str, Any]) -> str:
    """Add the line (and the pay item) to a checker message that names ``items[i]``, ``tables.X`` or
    ``cities.X.periods[i]``."""
    m = re.search(r"items\[(\d+)\]", message)
    if m:
        i = int(m.group(1))
        lines = _header_lines(text, r"^\[\[\s*items\s*\]\]")
        raw = (data.get("items") or [{}])[i] if i < len(data.get("items") or []) else {}
        item = str(raw.get("name") or raw.get("code") or "?") if isinstance(raw, Mapping) else "?"
        if i < len(lines):
            return _("{problem} (line {line}, pay item {item})").format(problem=message, line=lines[i], item=item)
        return _("{problem} (pay item {item})").format(problem=message, item=item)
    m = re.search(r"cities\.(.+?)\.periods\[(\d+)\]", message)
    if m:
        name, i = m.group(1), int(m.group(2))
        lines = _header_lines(text, r'^\[\[\s*cities\.("?)' + re.escape(name) + r'\1\.periods\s*\]\]')
        if i < len(lines):
            return _("{problem} (line {line})").format(problem=message, line=lines[i])
        return message
    m = re.search(r"tables\.([^.:\s]+)", message)
    if m:
        name = m.group(1)
        lines = _header_lines(text, r'^\[\s*tables\.("?)' + re.escape(name) + r'\1(\.values)?\s*\]')
        if lines:
            return _("{problem} (line {line})").format(problem=message, line=lines[-1])
    return message


# ---------------------------------------------------------------- dry run


def sample_profiles(structure: PayStructure, hire_month: dt.date) -> list[EmployeeProfile]:
    """Profiles that exercise every item: one per staff category the items name (plus one without a
    category), each holding every role, with table keys taken from the structure's own tables."""
    attributes: dict[str, str] = {}
    for it in structure.items:
        if it.key and it.table and it.key not in attributes:
            table = structure.tables[it.table]
            sharing = [structure.tables[o.table] for o in structure.items if o.key == it.key and o.table]
            keys = [k for k, _v in table.entries if all(t.lookup(k) is not None for t in sharing)]
            attributes[it.key] = keys[len(keys) // 2] if keys else (table.entries[0][0] if table.entries else "")
    categories = sorted({c for it in structure.items for c in it.categories})
    roles = frozenset(r for it in structure.items for r in it.roles)
    out = []
    for n, cat in enumerate([*categories, ""]):
        attrs = dict(attributes)
        if cat:
            attrs["category"] = cat
        elif "category" in attrs:
            cat = attrs["category"]
        out.append(EmployeeProfile(
            employee_id=_("sample {n}").format(n=n + 1), name=cat or _("sample"), department="", category=cat,
            roles=roles, attributes=attrs, variables={}, hire_date=dt.date(2000, 1, 1),
            bases=ContributionBases(Decimal("8000"), Decimal("8000")),
        ))
        out.append(EmployeeProfile(
            employee_id=_("sample {n}, hired mid-month").format(n=n + 1), name=cat or _("sample"), department="",
            category=cat, roles=frozenset(), attributes=attrs, variables={},
            hire_date=hire_month.replace(day=10), probation_end=hire_month.replace(day=28),
            bases=ContributionBases(Decimal("6000"), Decimal("6000")),
        ))
    return out


def dry_run(structure: PayStructure, city: CitySettings, month: dt.date) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Compute ``month`` for the sample profiles; returns (problems, [(sample, gross, net)])."""
    counts = {k: Decimal(1) for t in structure.tables.values() if not t.tiered for k, _v in t.entries}
    attendance = AttendanceSummary(
        month.year, month.month, counts=counts,
        overtime=OvertimeHours(Decimal(2), Decimal(4), Decimal(0)), absent_days=Decimal(1),
    )
    problems: list[str] = []
    samples: list[tuple[str, str, str]] = []
    for profile in sample_profiles(structure, month):
        try:
            r = evaluate_month(structure, profile, attendance, city)
        except AppError as exc:
            problems.append(_("Trial calculation for {sample}: {problem}").format(
                sample=profile.employee_id, problem=exc.message))
            continue
        samples.append((f"{profile.employee_id} {profile.category}".strip(), fmt(r.gross), fmt(r.net)))
    return problems, samples


def validate_document(kind: str, text: str, effective_month: str, *, structure: PayStructure | None = None,
                      city: CitySettings | None = None) -> Validation:
    """Check a document before it is saved. ``structure``/``city``: the other kind in force that month,
    for the dry run (the structure needs a city to compute with and vice versa)."""
    _check_kind(kind)
    try:
        year, month = (int(x) for x in effective_month.split("-"))
        day = dt.date(year, month, 1)
    except (ValueError, AttributeError):
        return Validation(False, (_("A month looks like 2026-10; got {value}.").format(value=effective_month),), "")
    try:
        if kind == "structure":
            structure = parse_structure_text(text)
            summary = _("{items} pay items, {tables} tables").format(
                items=len(structure.items), tables=len(structure.tables))
        else:
            city = parse_city_text(text)
            summary = _("{city}: {periods} periods").format(city=city.city, periods=len(city.periods))
    except InvalidInput as exc:
        return Validation(False, (exc.message,), "")
    if structure is None or city is None:
        return Validation(True, (), summary)
    try:
        city.at(day)
    except InvalidInput as exc:
        return Validation(False, (exc.message,), summary)
    problems, samples = dry_run(structure, city, day)
    summary = _("{summary}; trial calculation of {n} sample employees for {month}").format(
        summary=summary, n=len(samples) + len(problems), month=effective_month)
    return Validation(not problems, tuple(problems), summary, tuple(samples))
