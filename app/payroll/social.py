"""Social insurance, housing fund and occupational annuity: employee shares.

Each scheme has a contribution base clamped to a city floor and cap; rates and bases change on
dated settings (often every July). 工伤 and 生育 have no employee share (社会保险法 第三十三、五十三条)
so they do not appear here. 职业年金 (事业单位) is 4% of its base by default.

Rounding: each contribution is rounded half-up to the period's quantum (0.01 by default; some
cities round the housing fund to the yuan, set ``housing_fund_quantum = "1"``).

Tax-free limits (the part above them is not deducted before income tax):

- 住房公积金 (财税〔2006〕10号 第二条): the employee's contribution is deductible up to 12 % of a base
  that is itself at most 3 × the city's average monthly wage of the previous year
  (``average_monthly_wage``); the part above is taxed with the month's wages.
- 职业年金 / 企业年金 (财税〔2013〕103号 第一条第二项): the employee's contribution is deductible up to 4 %
  of the contribution base, the base counting at most 3 × the city's average monthly wage.

Without ``average_monthly_wage`` only the 12 % / 4 % of the employee's own (clamped) base limits.
Limits are rounded half-up to the fen.

The employer's housing-fund share above the same limit is taxable wage income of the employee
(财税〔2006〕10号 第二条: 单位和个人分别在不超过职工本人上一年度月平均工资12%的幅度内 … 超过规定比例和标准缴付的住房公积金,
应将超过部分并入个人当期的工资、薪金收入, 计征个人所得税). The employer's rate is the city's
``housing_fund_employer_rate`` when set, else the employee's own rate (单位和职工缴存比例 are normally equal).
Worked example: base 30,000 capped at 3 × average wage 8,000 = 24,000 for the limit → limit 2,880.00; employer
at 12 % of 30,000 = 3,600.00 → 720.00 of it is added to the employee's taxable income (not to the pay).
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


HOUSING_FUND_TAX_FREE_RATE = Decimal("0.12")  # 财税〔2006〕10号
ANNUITY_TAX_FREE_RATE = Decimal("0.04")  # 财税〔2013〕103号
TAX_FREE_AVERAGE_WAGE_MULTIPLE = Decimal("3")


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
    average_monthly_wage: Decimal | None = None  # 上年度职工月平均工资, for the tax-free limits
    housing_fund_rate_min: Decimal = Decimal("0.05")  # allowed range of an employee's own rate
    housing_fund_rate_max: Decimal = Decimal("0.12")
    housing_fund_employer_rate: Decimal | None = None  # None: the same rate as the employee's


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
    housing_fund_rate: Decimal | None = None  # the employee's own rate; None: the city's rate


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
    housing_fund_rate: Decimal = ZERO
    housing_fund_limit: Decimal | None = None  # tax-free part at most this (None: no limit known)
    annuity_limit: Decimal | None = None
    housing_fund_employer: Decimal = ZERO  # 单位缴存 (not deducted from pay)

    @property
    def housing_fund_employer_taxable(self) -> Decimal:
        """The employer's housing fund above the tax-free limit: taxable income of the employee (财税〔2006〕10号)."""
        if self.housing_fund_limit is None:
            return ZERO
        return max(ZERO, self.housing_fund_employer - self.housing_fund_limit)

    @property
    def housing_fund_taxable(self) -> Decimal:
        """The employee's housing fund above the tax-free limit (财税〔2006〕10号)."""
        return ZERO if self.housing_fund_limit is None else max(ZERO, self.housing_fund - self.housing_fund_limit)

    @property
    def annuity_taxable(self) -> Decimal:
        """The employee's 职业年金 above the tax-free limit (财税〔2013〕103号)."""
        return ZERO if self.annuity_limit is None else max(ZERO, self.annuity - self.annuity_limit)

    @property
    def special_deduction(self) -> Decimal:
        """专项扣除 for income tax: 三险一金 within the limits (annuity is an 其他扣除, not included)."""
        return self.pension + self.medical + self.unemployment + self.housing_fund - self.housing_fund_taxable


def employee_contributions(bases: ContributionBases, period: CityPeriod) -> Contributions:
    sb = period.social_base.clamp(bases.social)
    hb = period.housing_fund_base.clamp(bases.housing_fund)
    ab = sb if bases.annuity is None else bases.annuity
    q = period.quantum
    hf_rate = period.housing_fund_rate if bases.housing_fund_rate is None else bases.housing_fund_rate
    hf_limit_base, annuity_limit_base = hb, ab
    if period.average_monthly_wage:
        ceiling = period.average_monthly_wage * TAX_FREE_AVERAGE_WAGE_MULTIPLE
        hf_limit_base, annuity_limit_base = min(hb, ceiling), min(ab, ceiling)
    return Contributions(
        pension=round_half_up(sb * period.pension_rate, q),
        medical=round_half_up(sb * period.medical_rate + period.medical_fixed, q),
        unemployment=round_half_up(sb * period.unemployment_rate, q),
        housing_fund=round_half_up(hb * hf_rate, period.housing_fund_quantum),
        annuity=round_half_up(ab * period.annuity_rate, q),
        social_base=sb,
        housing_fund_base=hb,
        annuity_base=ab,
        housing_fund_rate=hf_rate,
        housing_fund_limit=round_half_up(hf_limit_base * HOUSING_FUND_TAX_FREE_RATE),
        annuity_limit=round_half_up(annuity_limit_base * ANNUITY_TAX_FREE_RATE),
        housing_fund_employer=round_half_up(
            hb * (hf_rate if period.housing_fund_employer_rate is None else period.housing_fund_employer_rate),
            period.housing_fund_quantum),
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
                    average_monthly_wage=(
                        _num(p, "average_monthly_wage", where) if "average_monthly_wage" in p else None
                    ),
                    housing_fund_rate_min=(
                        _rate(p, "housing_fund_rate_min", where) if "housing_fund_rate_min" in p else Decimal("0.05")
                    ),
                    housing_fund_rate_max=(
                        _rate(p, "housing_fund_rate_max", where) if "housing_fund_rate_max" in p else Decimal("0.12")
                    ),
                    housing_fund_employer_rate=(
                        _rate(p, "housing_fund_employer_rate", where) if "housing_fund_employer_rate" in p else None
                    ),
                )
            )
            last = periods[-1]
            if last.housing_fund_rate_min > last.housing_fund_rate_max or not (
                last.housing_fund_rate_min <= last.housing_fund_rate <= last.housing_fund_rate_max
            ):
                raise InvalidInput(
                    _("In {field} the housing fund rate must lie between its minimum and maximum.").format(field=where)
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

