"""Working-day calendar: statutory holidays, moved rest days and 调休 working days.

Data: ``resources/attendance/holidays_cn.toml`` (State Council notices, one table per year). A date
in a year that the file does not cover is classified by the weekday alone; ``covers(year)`` tells
the caller so the UI can warn that the calendar needs the new year's notice.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from app import paths
from app.errors import InvalidInput
from app.i18n import _

HOLIDAYS_FILE = ("attendance", "holidays_cn.toml")


class DayKind(enum.Enum):
    WORKDAY = "workday"
    REST = "rest"  # weekend or moved rest day: 200% without time off in lieu
    HOLIDAY = "holiday"  # 法定节假日: 300%


@dataclass(frozen=True)
class HolidayCalendar:
    statutory: frozenset[date]
    rest: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    def kind(self, day: date) -> DayKind:
        if day in self.statutory:
            return DayKind.HOLIDAY
        if day in self.rest:
            return DayKind.REST
        if day in self.workdays:
            return DayKind.WORKDAY
        return DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        return self.kind(day) is DayKind.WORKDAY

    def working_days(self, days: Iterable[date]) -> int:
        return sum(1 for d in days if self.is_working_day(d))

    def is_paid_day(self, day: date) -> bool:
        """计薪日 (劳社部发〔2008〕3号): working days plus statutory holidays; weekends and moved rest
        days are not paid days. Over a year with a notice this gives 365 − 104 = 261 (21.75 a month)."""
        return self.kind(day) is not DayKind.REST

    def paid_days(self, days: Iterable[date]) -> int:
        return sum(1 for d in days if self.is_paid_day(d))

    def pay_exceptions(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """The year's differences from a plain Monday–Friday pay calendar, in the form payroll's
        ``PayCalendar(extra_paid_days, unpaid_weekdays)`` takes: weekend days that are paid days
        (调休 working days, statutory holidays on a weekend) and weekdays that are not (moved rest days)."""
        extra = frozenset(d for d in self.workdays | self.statutory if d.year == year and d.weekday() >= 5)
        unpaid = frozenset(d for d in self.rest if d.year == year and d.weekday() < 5)
        return extra, unpaid


def _dates(values: Iterable[str], where: str) -> set[date]:
    out: set[date] = set()
    for v in values:
        try:
            out.add(date.fromisoformat(str(v)))
        except ValueError as exc:
            raise InvalidInput(
                _("Invalid date {value} in the holiday calendar {where}. Write dates as YYYY-MM-DD.").format(
                    value=v, where=where
                )
            ) from exc
    return out


def load_calendar(path: Path | None = None) -> HolidayCalendar:
    path = path or paths.resource(*HOLIDAYS_FILE)
    return _load_cached(str(path))


@lru_cache(maxsize=4)
def _load_cached(path_text: str) -> HolidayCalendar:
    path = Path(path_text)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(_("Holiday calendar not found: {path}. Reinstall the program.").format(path=path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            _("Holiday calendar {path} is not valid TOML: {error}").format(path=path, error=exc)
        ) from exc
    statutory: set[date] = set()
    rest: set[date] = set()
    workdays: set[date] = set()
    years: set[int] = set()
    for year, table in raw.items():
        years.add(int(year))
        statutory |= _dates(table.get("statutory", []), year)
        rest |= _dates(table.get("rest", []), year)
        workdays |= _dates(table.get("workdays", []), year)
    return HolidayCalendar(frozenset(statutory), frozenset(rest), frozenset(workdays), frozenset(years))
