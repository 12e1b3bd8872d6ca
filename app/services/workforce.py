"""Rosters, clock data and pay profiles: what the 工资考勤 tab shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.db.tables import ClockPunch, Department, Employee, PayProfile, Person, RosterEntry, ShiftType
from app.domain.org import Month
from app.services.base import Service


@dataclass(frozen=True)
class RosterRow:
    employee_id: int
    staff_no: str
    name: str
    professional_title: str
    cells: tuple[str, ...]  # shift code per day of month ("" = nothing rostered)


@dataclass(frozen=True)
class RosterGrid:
    department_id: int
    department: str
    month: str
    days: tuple[date, ...]
    rows: tuple[RosterRow, ...]
    night_codes: frozenset[str]
    rest_codes: frozenset[str]


@dataclass(frozen=True)
class WardRef:
    department_id: int
    name: str
    month: str
    staff: int


@dataclass(frozen=True)
class PaySummary:
    employees_with_profile: int
    total_contract_wage_fen: int
    missing_bank_account: int


class WorkforceService(Service):
    def rostered_wards(self) -> list[WardRef]:
        """Departments that have roster entries, with the latest rostered month."""
        with self._uow() as s:
            stmt = (
                select(Department.id, Department.name, func.max(RosterEntry.day), func.count(func.distinct(RosterEntry.employee_id)))
                .join(Employee, Employee.department_id == Department.id)
                .join(RosterEntry, RosterEntry.employee_id == Employee.id)
                .group_by(Department.id, Department.name)
                .order_by(Department.sort_order)
            )
            return [WardRef(did, name, f"{last.year:04d}-{last.month:02d}", n) for did, name, last, n in s.execute(stmt).all()]

    def roster(self, department_id: int, month: str) -> RosterGrid:
        m = Month.parse(month)
        days = m.days()
        with self._uow() as s:
            dept = s.get(Department, department_id)
            dept_name = dept.name if dept else ""
            staff = s.execute(
                select(Employee.id, Employee.staff_no, Person.name, Person.professional_title)
                .join(Person, Employee.person_id == Person.id)
                .where(Employee.department_id == department_id, Employee.status != "left")
                .order_by(Employee.staff_no)
            ).all()
            entries = s.execute(
                select(RosterEntry.employee_id, RosterEntry.day, ShiftType.code)
                .join(ShiftType, RosterEntry.shift_type_id == ShiftType.id)
                .join(Employee, RosterEntry.employee_id == Employee.id)
                .where(Employee.department_id == department_id, RosterEntry.day >= days[0], RosterEntry.day <= days[-1])
            ).all()
            shift_types = s.scalars(select(ShiftType)).all()
            night = frozenset(st.code for st in shift_types if st.is_night)
            rest = frozenset(st.code for st in shift_types if st.is_rest)
        cells: dict[int, list[str]] = {eid: [""] * len(days) for eid, *_ in staff}
        for eid, day, code in entries:
            if eid in cells:
                cells[eid][day.day - 1] = code
        rows = tuple(RosterRow(eid, no, name, title, tuple(cells[eid])) for eid, no, name, title in staff)
        return RosterGrid(department_id, dept_name, str(m), tuple(days), rows, night, rest)

    def punch_count(self, month: str) -> int:
        m = Month.parse(month)
        days = m.days()
        from datetime import UTC, datetime, time, timedelta

        start = datetime.combine(days[0], time(0), UTC) - timedelta(hours=8)
        end = datetime.combine(days[-1], time(0), UTC) + timedelta(hours=16)
        with self._uow() as s:
            return int(s.scalar(select(func.count()).select_from(ClockPunch).where(ClockPunch.punched_at.between(start, end))) or 0)

    def pay_summary(self) -> PaySummary:
        with self._uow() as s:
            n, total = s.execute(select(func.count(), func.coalesce(func.sum(PayProfile.contract_wage_fen), 0))).one()
            missing = s.scalar(select(func.count()).select_from(PayProfile).where(PayProfile.bank_account.is_(None))) or 0
            return PaySummary(int(n), int(total), int(missing))
