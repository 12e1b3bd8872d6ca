"""Courses and enrolments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.db.tables import Course, Employee, Enrollment, Person
from app.services.base import Service


@dataclass(frozen=True)
class CourseRow:
    id: int
    code: str
    title: str
    format: str
    level: str
    dimensions: tuple[str, ...]
    hours: float
    credits: float
    prerequisites: tuple[str, ...]
    enrolled: int
    completed: int


@dataclass(frozen=True)
class EnrollmentRow:
    id: int
    person_id: int
    name: str
    staff_no: str
    course: str
    status: str
    progress_pct: int
    due_date: date | None
    overdue: bool
    reason: str


class TrainingService(Service):
    def courses(self) -> list[CourseRow]:
        with self._uow() as s:
            counts: dict[int, tuple[int, int]] = {}
            for cid, status, n in s.execute(
                select(Enrollment.course_id, Enrollment.status, func.count()).group_by(Enrollment.course_id, Enrollment.status)
            ).all():
                total, done = counts.get(cid, (0, 0))
                counts[cid] = (total + n, done + (n if status == "done" else 0))
            return [
                CourseRow(c.id, c.code, c.title, c.format, c.level, tuple(c.dimensions), c.hours, c.credits,
                          tuple(c.prerequisites), *counts.get(c.id, (0, 0)))
                for c in s.scalars(select(Course).order_by(Course.code)).all()
            ]

    def enrollments(self, today: date | None = None) -> list[EnrollmentRow]:
        today = today or date.today()
        with self._uow() as s:
            stmt = (
                select(Enrollment, Person.name, Employee.staff_no, Course.title)
                .join(Person, Enrollment.person_id == Person.id)
                .outerjoin(Employee, Employee.person_id == Person.id)
                .join(Course, Enrollment.course_id == Course.id)
                .order_by(Enrollment.due_date, Person.name)
            )
            return [
                EnrollmentRow(
                    e.id, e.person_id, name, staff_no or "", title, e.status, e.progress_pct, e.due_date,
                    e.status != "done" and e.due_date is not None and e.due_date < today, e.reason,
                )
                for e, name, staff_no, title in s.execute(stmt).all()
            ]
