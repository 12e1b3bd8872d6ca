"""People: employees, their licences, the person record behind every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.db.tables import Department, Employee, Licence, Person, Position
from app.domain.org import LicenceState, licence_state
from app.services.base import Service

_STATE_ORDER = [
    LicenceState.EXPIRED,
    LicenceState.EXPIRING_30,
    LicenceState.EXPIRING_90,
    LicenceState.VALID,
    LicenceState.NO_EXPIRY,
]


@dataclass(frozen=True)
class EmployeeRow:
    id: int
    person_id: int
    staff_no: str
    name: str
    gender: str
    age: int | None
    department: str
    position: str
    professional_title: str
    highest_degree: str
    hire_date: date
    status: str
    licence_state: str  # worst state over the person's licences; "" when they hold none


@dataclass(frozen=True)
class LicenceRow:
    id: int
    person_id: int
    staff_no: str
    name: str
    department: str
    kind: str
    number: str
    expiry_date: date | None
    days_left: int | None
    state: str


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class PeopleService(Service):
    def employees(self, today: date | None = None) -> list[EmployeeRow]:
        today = today or date.today()
        with self._uow() as s:
            worst: dict[int, LicenceState] = {}
            for pid, expiry in s.execute(select(Licence.person_id, Licence.expiry_date)).all():
                st = licence_state(expiry, today)
                cur = worst.get(pid)
                if cur is None or _STATE_ORDER.index(st) < _STATE_ORDER.index(cur):
                    worst[pid] = st
            stmt = (
                select(Employee, Person, Department.name, Position.title)
                .join(Person, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .outerjoin(Position, Employee.position_id == Position.id)
                .order_by(Employee.staff_no)
            )
            return [
                EmployeeRow(
                    e.id, p.id, e.staff_no, p.name, p.gender, age_on(p.birth_date, today), dept, pos or "",
                    p.professional_title, p.highest_degree, e.hire_date, e.status,
                    worst[p.id].value if p.id in worst else "",
                )
                for e, p, dept, pos in s.execute(stmt).all()
            ]

    def licences(self, today: date | None = None, within_days: int | None = None) -> list[LicenceRow]:
        """Licences of current employees, soonest expiry first."""
        today = today or date.today()
        with self._uow() as s:
            stmt = (
                select(Licence, Employee.staff_no, Person.name, Department.name)
                .join(Person, Licence.person_id == Person.id)
                .join(Employee, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .where(Employee.status != "left")
                .order_by(Licence.expiry_date.is_(None), Licence.expiry_date, Employee.staff_no)
            )
            rows = []
            for lic, staff_no, name, dept in s.execute(stmt).all():
                days = (lic.expiry_date - today).days if lic.expiry_date else None
                if within_days is not None and (days is None or days > within_days):
                    continue
                rows.append(
                    LicenceRow(lic.id, lic.person_id, staff_no, name, dept, lic.kind, lic.number,
                               lic.expiry_date, days, licence_state(lic.expiry_date, today).value)
                )
            return rows
