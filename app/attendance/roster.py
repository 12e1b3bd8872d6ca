"""The roster grid: staff × day codes for one ward and month.

A cell holds a shift code (白, 小夜 ...), a rest code (休, 下夜), a leave code (年假, 病 ...) or ""
(nothing rostered). Every operation returns a new ``Roster``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from app.attendance.shifts import ShiftCatalog
from app.domain.org import Month
from app.errors import InvalidInput
from app.i18n import _

STANDARD_CYCLE: tuple[str, ...] = ("白", "小夜", "大夜", "下夜", "休", "休")


@dataclass(frozen=True)
class Roster:
    ward: str
    month: Month
    staff: tuple[str, ...]  # staff numbers, row order
    cells: tuple[tuple[str, ...], ...]  # [row][day index]
    fixed: frozenset[tuple[str, date]] = field(default_factory=frozenset)

    @classmethod
    def empty(cls, ward: str, month: Month, staff: Sequence[str]) -> Roster:
        if len(set(staff)) != len(staff):
            raise InvalidInput(_("A staff number appears twice in the roster. Each person needs one row."))
        n = len(month.days())
        return cls(ward, month, tuple(staff), tuple(("",) * n for _s in staff))

    @classmethod
    def from_rows(cls, ward: str, month: Month, rows: Mapping[str, Sequence[str]]) -> Roster:
        n = len(month.days())
        cells = []
        for sid, row in rows.items():
            if len(row) != n:
                raise InvalidInput(
                    _("Roster row of {staff} has {got} days; {month} has {n}.").format(
                        staff=sid, got=len(row), month=str(month), n=n
                    )
                )
            cells.append(tuple(row))
        return cls(ward, month, tuple(rows), tuple(cells))

    # -- reading ---------------------------------------------------------------------------
    @property
    def days(self) -> list[date]:
        return self.month.days()

    def row(self, staff_no: str) -> tuple[str, ...]:
        return self.cells[self._index(staff_no)]

    def cell(self, staff_no: str, day: date) -> str:
        return self.cells[self._index(staff_no)][self._day_index(day)]

    def entries(self) -> Iterable[tuple[str, date, str]]:
        days = self.days
        for sid, row in zip(self.staff, self.cells, strict=True):
            for d, code in zip(days, row, strict=True):
                if code:
                    yield sid, d, code

    def _index(self, staff_no: str) -> int:
        try:
            return self.staff.index(staff_no)
        except ValueError as exc:
            raise InvalidInput(_("Staff number {staff} is not in this roster.").format(staff=staff_no)) from exc

    def _day_index(self, day: date) -> int:
        if (day.year, day.month) != (self.month.year, self.month.month):
            raise InvalidInput(_("{day} is outside the roster month {month}.").format(day=day, month=str(self.month)))
        return day.day - 1

    # -- editing ---------------------------------------------------------------------------
    def with_cell(self, staff_no: str, day: date, code: str, *, fixed: bool | None = None) -> Roster:
        r, c = self._index(staff_no), self._day_index(day)
        row = list(self.cells[r])
        row[c] = code
        cells = list(self.cells)
        cells[r] = tuple(row)
        fixed_set = set(self.fixed)
        if fixed is True:
            fixed_set.add((staff_no, day))
        elif fixed is False:
            fixed_set.discard((staff_no, day))
        return replace(self, cells=tuple(cells), fixed=frozenset(fixed_set))

    def with_cycle(self, staff_no: str, cycle: Sequence[str], offset: int = 0, *, keep_filled: bool = True) -> Roster:
        """Fill a person's row from a repeating cycle; day 1 gets ``cycle[offset % len]``.

        With ``keep_filled`` cells already holding a code (e.g. leave) are left alone.
        """
        if not cycle:
            raise InvalidInput(_("The cycle template is empty. Give at least one shift code."))
        r = self._index(staff_no)
        row = list(self.cells[r])
        for i in range(len(row)):
            if keep_filled and row[i]:
                continue
            row[i] = cycle[(i + offset) % len(cycle)]
        cells = list(self.cells)
        cells[r] = tuple(row)
        return replace(self, cells=tuple(cells))

    def with_cycles(self, offsets: Mapping[str, int], cycle: Sequence[str] = STANDARD_CYCLE) -> Roster:
        out = self
        for sid, off in offsets.items():
            out = out.with_cycle(sid, cycle, off)
        return out

    def copy_week(self, source_start: date, target_start: date, *, staff: Iterable[str] | None = None) -> Roster:
        """Copy 7 days starting at ``source_start`` to ``target_start`` (clipped to the month).

        Fixed cells and leave at the target are kept.
        """
        rows = list(staff) if staff is not None else list(self.staff)
        out = self
        for k in range(7):
            s, t = source_start + timedelta(days=k), target_start + timedelta(days=k)
            if not self._in_month(s) or not self._in_month(t):
                continue
            for sid in rows:
                if (sid, t) in self.fixed:
                    continue
                out = out.with_cell(sid, t, self.cell(sid, s))
        return out

    def with_leave(self, staff_no: str, first: date, last: date, leave_code: str, catalog: ShiftCatalog) -> Roster:
        if not catalog.is_leave(leave_code):
            raise InvalidInput(_("{code} is not a leave code.").format(code=leave_code))
        if last < first:
            raise InvalidInput(_("The leave ends before it starts. Check the dates."))
        out = self
        d = first
        while d <= last:
            if self._in_month(d):
                out = out.with_cell(staff_no, d, leave_code, fixed=True)
            d += timedelta(days=1)
        return out

    def _in_month(self, d: date) -> bool:
        return (d.year, d.month) == (self.month.year, self.month.month)
