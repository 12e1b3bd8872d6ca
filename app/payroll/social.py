"""Social insurance, housing fund and occupational annuity: employee shares.

Each scheme has a contribution base clamped to a city floor and cap; rates and bases change on
dated settings (often every July). 工伤 and 生育 have no employee share (社会保险法 第三十三、五十三条)
so they do not appear here. 职业年金 (事业单位) is 4% of its base by default.

Rounding: each contribution is rounded half-up to the period's quantum (0.01 by default; some
cities round the housing fund to the yuan, set ``housing_fund_quantum = "1"``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from app import paths
from app.errors import InvalidInput
from app.i18n import _
from app.payroll.money import FEN, ZERO, MoneyError, dec, round_half_up


@dataclass(frozen=True)
class BaseLimits:
    floor: Decimal
    cap: Decimal

    def clamp(self, base: Decimal) -> Decimal:
        return min(max(base, self.floor), self.cap)


@dataclass(frozen=True)
class CityPeriod:
    """City figures in force from ``effective_from`` until the next period starts."""

    effective_from: dt.date
    social_base: BaseLimits  # pension, medical, unemployment
    housing_fund_base: BaseLimits
    pension_rate: Decimal
    medical_rate: Decimal
    medical_fixed: Decimal  # e.g. 3 元 大额医疗 in some cities
    unemployment_rate: Decimal
    housing_fund_rate: Decimal
    annuity_rate: Decimal  # 职业年金 employee share
    minimum_wage: Decimal  # monthly 最低工资标准
    quantum: Decimal = FEN
    housing_fund_quantum: Decimal = FEN


@dataclass(frozen=True)
class CitySettings:
    city: str
    periods: tuple[CityPeriod, ...]  # sorted by effective_from

    def at(self, day: dt.date) -> CityPeriod:
        chosen: CityPeriod | None = None
        for p in self.periods:
            if p.effective_from <= day:
                chosen = p
        if chosen is None:
            raise InvalidInput(
                _("No social insurance settings for {city} are in force on {date}; add a period that starts earlier.")
                .format(city=self.city, date=day.isoformat())
            )
        return chosen


@dataclass(frozen=True)
class ContributionBases:
    """The employee's declared bases (usually last year's average monthly wage); clamped on use."""

    social: Decimal
    housing_fund: Decimal
    annuity: Decimal | None = None  # defaults to the clamped social base


@dataclass(frozen=True)
class Contributions:
    pension: Decimal  # 养老保险
    medical: Decimal  # 医疗保险
    unemployment: Decimal  # 失业保险
    housing_fund: Decimal  # 住房公积金
    annuity: Decimal  # 职业年金
    social_base: Decimal  # clamped
    housing_fund_base: Decimal  # clamped
    annuity_base: Decimal

    @property
    def special_deduction(self) -> Decimal:
        """专项扣除 for income tax: 三险一金 (annuity is an 其他扣除, not included)."""
        return self.pension + self.medical + self.unemployment + self.housing_fund


def employee_contributions(bases: ContributionBases, period: CityPeriod) -> Contributions:
    sb = period.social_base.clamp(bases.social)
    hb = period.housing_fund_base.clamp(bases.housing_fund)
    ab = sb if bases.annuity is None else bases.annuity
    q = period.quantum
    return Contributions(
        pension=round_half_up(sb * period.pension_rate, q),
        medical=round_half_up(sb * period.medical_rate + period.medical_fixed, q),
        unemployment=round_half_up(sb * period.unemployment_rate, q),
        housing_fund=round_half_up(hb * period.housing_fund_rate, period.housing_fund_quantum),
        annuity=round_half_up(ab * period.annuity_rate, q),
        social_base=sb,
        housing_fund_base=hb,
        annuity_base=ab,
    )


def _num(table: dict[str, Any], key: str, where: str) -> Decimal:
    if key not in table:
        raise InvalidInput(_("The settings entry {field} is missing.").format(field=f"{where}.{key}"))
    try:
        value = dec(str(table[key]) if isinstance(table[key], int | float) else table[key])
    except MoneyError as exc:
        raise InvalidInput(
            _("The settings entry {field} must be a number.").format(field=f"{where}.{key}")
        ) from exc
    if value < 0:
        raise InvalidInput(_("Field {field} must not be negative.").format(field=f"{where}.{key}"))
    return value


def _rate(table: dict[str, Any], key: str, where: str) -> Decimal:
    value = _num(table, key, where)
    if value > 1:
        raise InvalidInput(
            _("The rate {field} must be a fraction such as 0.08, not a percentage.").format(field=f"{where}.{key}")
        )
    return value


def parse_city_settings(data: dict[str, Any]) -> dict[str, CitySettings]:
    """Parse ``{"cities": {name: {"periods": [...]}}}`` (the TOML layout) into settings per city."""
    cities = data.get("cities")
    if not isinstance(cities, dict) or not cities:
        raise InvalidInput(_("The settings entry {field} is missing.").format(field="cities"))
    result: dict[str, CitySettings] = {}
    for name, body in cities.items():
        raw_periods = body.get("periods") if isinstance(body, dict) else None
        if not isinstance(raw_periods, list) or not raw_periods:
            raise InvalidInput(_("The settings entry {field} is missing.").format(field=f"cities.{name}.periods"))
        periods: list[CityPeriod] = []
        for i, p in enumerate(raw_periods):
            where = f"cities.{name}.periods[{i}]"
            eff = p.get("effective_from")
            if isinstance(eff, str):
                try:
                    eff = dt.date.fromisoformat(eff)
                except ValueError:
                    eff = None
            if not isinstance(eff, dt.date):
                raise InvalidInput(
                    _("The settings entry {field} must be a date like 2026-07-01.").format(
                        field=f"{where}.effective_from"
                    )
                )
            sf, sc = _num(p, "social_base_floor", where), _num(p, "social_base_cap", where)
            hf, hc = _num(p, "housing_fund_base_floor", where), _num(p, "housing_fund_base_cap", where)
            if sf > sc or hf > hc:
                raise InvalidInput(
                    _("In {field} a base floor is above its cap.").format(field=where)
                )
            periods.append(
                CityPeriod(
                    effective_from=eff,
                    social_base=BaseLimits(sf, sc),
                    housing_fund_base=BaseLimits(hf, hc),
                    pension_rate=_rate(p, "pension_rate", where),
                    medical_rate=_rate(p, "medical_rate", where),
                    medical_fixed=_num(p, "medical_fixed", where) if "medical_fixed" in p else ZERO,
                    unemployment_rate=_rate(p, "unemployment_rate", where),
                    housing_fund_rate=_rate(p, "housing_fund_rate", where),
                    annuity_rate=_rate(p, "annuity_rate", where),
                    minimum_wage=_num(p, "minimum_wage", where),
                    quantum=_num(p, "quantum", where) if "quantum" in p else FEN,
                    housing_fund_quantum=(
                        _num(p, "housing_fund_quantum", where) if "housing_fund_quantum" in p else FEN
                    ),
                )
            )
        periods.sort(key=lambda x: x.effective_from)
        dates = [x.effective_from for x in periods]
        if len(set(dates)) != len(dates):
            raise InvalidInput(_("Two periods of {city} start on the same day.").format(city=name))
        result[name] = CitySettings(city=name, periods=tuple(periods))
    return result


def load_city_settings(path: Path | None = None) -> dict[str, CitySettings]:
    """Read city settings (default: the shipped example ``resources/payroll/city_settings.toml``)."""
    path = path or paths.resource("payroll", "city_settings.toml")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InvalidInput(_("Settings file not found: {path}.").format(path=path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            _("The settings file {path} is not valid TOML: {error}").format(path=path, error=exc)
        ) from exc
    return parse_city_settings(data)

