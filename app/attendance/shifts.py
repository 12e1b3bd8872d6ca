"""Shift types: when a shift runs, what it pays, and how rules treat it.

A shift always belongs to the day it is rostered on. Its real start is that day at ``start``
plus ``start_day_offset`` days; its end is after the start (crossing midnight when ``end <= start``,
a full 24 h when they are equal). Clock punches attach to this span, never to a calendar date.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app import paths
from app.errors import InvalidInput
from app.i18n import _

log = logging.getLogger(__name__)

DEFAULTS_FILE = ("attendance", "shift_defaults.toml")


@dataclass(frozen=True)
class ShiftType:
    code: str
    name: str
    start: time | None = None
    end_minutes: int | None = None  # minutes after midnight of the start day, may be 1440 ("24:00")
    start_day_offset: int = 0
    paid_minutes: int = 0
    break_minutes: int = 0
    night: bool = False
    night_class: str = ""
    duty: bool = False
    rest: bool = False
    early: bool = False
    # False: retired (停用) — stays valid on cells that already hold it (summaries, pay, printouts) but is
    # not offered for new cells, cycle templates or the solver
    active: bool = True

    @property
    def is_work(self) -> bool:
        """A shift that needs the person on the ward (work or 值班)."""
        return not self.rest and self.start is not None

    @property
    def length_minutes(self) -> int:
        if self.start is None or self.end_minutes is None:
            return 0
        s = self.start.hour * 60 + self.start.minute
        length = self.end_minutes - s
        if length <= 0:
            length += 1440
        return length

    def span(self, day: date) -> tuple[datetime, datetime]:
        """Real start and end of this shift when rostered on ``day``."""
        if self.start is None:
            raise ValueError(f"shift {self.code} has no time")
        start = datetime.combine(day + timedelta(days=self.start_day_offset), self.start)
        return start, start + timedelta(minutes=self.length_minutes)


@dataclass(frozen=True)
class ShiftCatalog:
    """The shift codes of one ward plus the leave codes that may appear in the grid."""

    shifts: Mapping[str, ShiftType]
    leave_codes: Mapping[str, str] = field(default_factory=dict)  # grid code → leave type

    def get(self, code: str) -> ShiftType | None:
        return self.shifts.get(code)

    def is_leave(self, code: str) -> bool:
        return code in self.leave_codes

    def leave_type(self, code: str) -> str | None:
        return self.leave_codes.get(code)

    def is_work(self, code: str) -> bool:
        st = self.shifts.get(code)
        return st is not None and st.is_work

    def is_night(self, code: str) -> bool:
        st = self.shifts.get(code)
        return st is not None and st.night and st.is_work

    def work_codes(self, *, offered_only: bool = False) -> list[str]:
        return [c for c, s in self.shifts.items() if s.is_work and (s.active or not offered_only)]

    def is_offered(self, code: str) -> bool:
        """A shift code that may be put on a new cell (known and not retired); leave codes are not shifts."""
        st = self.shifts.get(code)
        return st is not None and st.active

    def offered_codes(self) -> list[str]:
        return [c for c, s in self.shifts.items() if s.active]

    def retired_codes(self) -> frozenset[str]:
        return frozenset(c for c, s in self.shifts.items() if not s.active)

    def rest_code(self) -> str:
        """The rest code the solver writes: 休 when offered, else the first offered rest code (a retired
        rest code only when the ward has no other)."""
        rests = [(c, s) for c, s in self.shifts.items() if s.rest]
        for want_active in (True, False):
            for c, s in rests:
                if c == "休" and (s.active or not want_active):
                    return c
            for c, s in rests:
                if s.active or not want_active:
                    return c
        raise InvalidInput(_("The shift set has no rest code. Add a rest shift such as 休."))

    def validate_code(self, code: str) -> None:
        if code and code not in self.shifts and code not in self.leave_codes:
            raise InvalidInput(
                _("Unknown shift or leave code {code}. Use one of the ward's shift codes.").format(code=code)
            )

    def with_shifts(self, extra: Iterable[ShiftType]) -> ShiftCatalog:
        merged = dict(self.shifts)
        for s in extra:
            merged[s.code] = s
        return ShiftCatalog(merged, self.leave_codes)


def _parse_time(text: str, what: str) -> tuple[time, int]:
    try:
        hh, mm = (int(x) for x in str(text).split(":"))
    except ValueError as exc:
        raise InvalidInput(_("Invalid time {value} in {what}. Write times as HH:MM.").format(value=text, what=what)) from exc
    if hh == 24 and mm == 0:
        return time(0, 0), 1440
    if not (0 <= hh < 24 and 0 <= mm < 60):
        raise InvalidInput(_("Invalid time {value} in {what}. Write times as HH:MM.").format(value=text, what=what))
    return time(hh, mm), hh * 60 + mm


def shift_from_dict(raw: Mapping[str, Any]) -> ShiftType:
    code = str(raw.get("code", "")).strip()
    if not code:
        raise InvalidInput(_("A shift type has no code. Give every shift a short code."))
    start = end_minutes = None
    if not raw.get("rest", False):
        if "start" not in raw or "end" not in raw:
            raise InvalidInput(_("Shift {code} needs a start and an end time.").format(code=code))
        start, _s = _parse_time(raw["start"], code)
        _e, end_minutes = _parse_time(raw["end"], code)
    shift = ShiftType(
        code=code,
        name=str(raw.get("name", code)),
        start=start,
        end_minutes=end_minutes,
        start_day_offset=int(raw.get("start_day_offset", 0)),
        paid_minutes=int(raw.get("paid_minutes", 0)),
        break_minutes=int(raw.get("break_minutes", 0)),
        night=bool(raw.get("night", False)),
        night_class=str(raw.get("night_class", "")),
        duty=bool(raw.get("duty", False)),
        rest=bool(raw.get("rest", False)),
        early=bool(raw.get("early", False)),
    )
    if shift.paid_minutes < 0 or shift.break_minutes < 0:
        raise InvalidInput(_("Shift {code} has negative minutes.").format(code=code))
    return shift


def load_defaults(path: Path | None = None) -> dict[str, Any]:
    path = path or paths.resource(*DEFAULTS_FILE)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InvalidInput(_("Shift defaults file not found: {path}. Reinstall the program.").format(path=path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(_("Shift defaults file {path} is not valid TOML: {error}").format(path=path, error=exc)) from exc


def default_set_names(path: Path | None = None) -> list[str]:
    return list(load_defaults(path).get("sets", {}))


def default_catalog(set_name: str = "三班倒", path: Path | None = None) -> ShiftCatalog:
    raw = load_defaults(path)
    sets = raw.get("sets", {})
    if set_name not in sets:
        raise InvalidInput(
            _("No default shift set {name}. Available: {names}.").format(name=set_name, names=", ".join(sets))
        )
    shifts = {s.code: s for s in (shift_from_dict(d) for d in sets[set_name]["shifts"])}
    return ShiftCatalog(shifts, dict(raw.get("leave_codes", {})))
