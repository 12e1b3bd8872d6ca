"""Departments and positions (岗位)."""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db.tables import Department, Employee, Position
from app.domain.org import JOB_FAMILY_LABELS
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.services.base import Service, load_for_update
from app.tasks import ChangeSet


@dataclass(frozen=True)
class DepartmentNode:
    id: int
    code: str
    name: str
    parent_id: int | None
    kind: str
    employee_count: int
    position_count: int
    version: int = 1


@dataclass(frozen=True)
class PositionRow:
    id: int
    code: str
    title: str
    department_id: int
    department: str
    job_family: str
    job_family_label: str
    grade: str
    title_ladder: str
    headcount: int
    filled: int
    vacancies: int
    is_ai_medical: bool
    open: bool


@dataclass(frozen=True)
class CompetencyRow:
    name: str
    weight: int
    pass_bar: float


@dataclass(frozen=True)
class PositionDetail:
    id: int
    code: str
    title: str
    department: str
    duties: str
    requirements: dict[str, Any]
    nice_to_have: str
    competencies: tuple[CompetencyRow, ...]


class OrgService(Service):
    def create_department(self, code: str, name: str, parent_id: int | None, kind: str = "clinical") -> int:
        code, name = code.strip(), name.strip()
        if not code or not name:
            raise InvalidInput(_("A department needs a code and a name."))
        with self._uow(write=True) as s:
            if s.scalar(select(Department.id).where(Department.code == code)) is not None:
                raise InvalidInput(_("The department code {code} is already used; choose another.").format(code=code))
            if parent_id is not None and s.get(Department, parent_id) is None:
                raise NotFound(_("The parent department no longer exists. Reload the list."))
            order = (s.scalar(select(func.max(Department.sort_order))) or 0) + 1
            dept = Department(code=code, name=name, parent_id=parent_id, kind=kind, sort_order=order)
            s.add(dept)
            s.flush()
            return dept.id

    def move_department(self, department_id: int, new_parent_id: int | None, expected_version: int) -> ChangeSet:
        with self._uow(write=True) as s:
            dept = load_for_update(s, Department, department_id, expected_version, _("Department"))
            ancestor = new_parent_id
            while ancestor is not None:
                if ancestor == department_id:
                    raise InvalidInput(
                        _("{name} cannot move under itself or one of its own sub-departments.").format(name=dept.name)
                    )
                ancestor = s.scalar(select(Department.parent_id).where(Department.id == ancestor))
            dept.parent_id = new_parent_id
        return ChangeSet.of("departments")

    def merge_departments(self, source_id: int, target_id: int, expected_version: int) -> ChangeSet:
        """Move everything of ``source`` (staff, posts, sub-departments, shift types) into ``target``;
        the source is kept inactive for history."""
        if source_id == target_id:
            raise InvalidInput(_("Choose two different departments to merge."))
        from app.db.tables import RosterEntry, ShiftType, User

        with self._uow(write=True) as s:
            source = load_for_update(s, Department, source_id, expected_version, _("Department"))
            target = s.get(Department, target_id)
            if target is None or not target.active:
                raise NotFound(_("The target department no longer exists. Reload the list."))
            ancestor: int | None = target.parent_id
            while ancestor is not None:
                if ancestor == source_id:
                    raise InvalidInput(_("{name} cannot be merged into its own sub-department.").format(name=source.name))
                ancestor = s.scalar(select(Department.parent_id).where(Department.id == ancestor))
            for model in (Employee, Position, User):
                s.execute(model.__table__.update().where(model.department_id == source_id).values(department_id=target_id))
            taken = {st.code: st.id for st in s.scalars(select(ShiftType).where(ShiftType.department_id == target_id))}
            for st in s.scalars(select(ShiftType).where(ShiftType.department_id == source_id)):
                if st.code in taken:
                    # the target has this shift code already: its roster entries move to the target's type
                    s.execute(RosterEntry.__table__.update().where(RosterEntry.shift_type_id == st.id)
                              .values(shift_type_id=taken[st.code]))
                    s.delete(st)
                else:
                    st.department_id = target_id
            s.execute(Department.__table__.update().where(Department.parent_id == source_id).values(parent_id=target_id))
            source.active = False
            source.name = _("{name} (merged into {target})").format(name=source.name, target=target.name)
        return ChangeSet.of("departments", "employees", "positions", "shift_types")

    def rename_department(self, department_id: int, new_name: str, expected_version: int) -> ChangeSet:
        new_name = new_name.strip()
        if not new_name:
            raise InvalidInput(_("A department needs a name."))
        with self._uow(write=True) as s:
            dept = load_for_update(s, Department, department_id, expected_version,
                                   _("Department {name}").format(name=new_name))
            dept.name = new_name
        return ChangeSet.of("departments")

    def position_detail(self, position_id: int) -> PositionDetail:
        with self._uow() as s:
            p = s.scalars(
                select(Position)
                .where(Position.id == position_id)
                .options(selectinload(Position.competencies), selectinload(Position.department))
            ).one_or_none()
            if p is None:
                raise NotFound(_("The position no longer exists; it may have been deleted. Reload the list."))
            return PositionDetail(
                p.id, p.code, p.title, p.department.name, p.duties, dict(p.requirements), p.nice_to_have,
                tuple(CompetencyRow(c.name, c.weight, c.pass_bar) for c in p.competencies),
            )

    def department_tree(self) -> list[DepartmentNode]:
        """All departments, parents before children, in display order."""
        with self._uow() as s:
            emp = dict(s.execute(select(Employee.department_id, func.count()).group_by(Employee.department_id)).all())
            pos = dict(s.execute(select(Position.department_id, func.count()).group_by(Position.department_id)).all())
            rows = s.scalars(select(Department).where(Department.active).order_by(Department.sort_order, Department.id)).all()
            by_parent: dict[int | None, list[Department]] = {}
            for d in rows:
                by_parent.setdefault(d.parent_id, []).append(d)
            out: list[DepartmentNode] = []

            def walk(parent: int | None) -> None:
                for d in by_parent.get(parent, []):
                    out.append(DepartmentNode(d.id, d.code, d.name, d.parent_id, d.kind, emp.get(d.id, 0),
                                              pos.get(d.id, 0), d.version))
                    walk(d.id)

            walk(None)
            return out

    def positions(self, department_ids: set[int] | None = None) -> list[PositionRow]:
        with self._uow() as s:
            filled = dict(
                s.execute(
                    select(Employee.position_id, func.count())
                    .where(Employee.status != "left")
                    .group_by(Employee.position_id)
                ).all()
            )
            stmt = select(Position, Department.name).join(Department, Position.department_id == Department.id)
            if department_ids:
                stmt = stmt.where(Position.department_id.in_(department_ids))
            stmt = stmt.order_by(Department.sort_order, Position.code)
            rows: list[PositionRow] = []
            for p, dept in s.execute(stmt).all():
                n = filled.get(p.id, 0)
                rows.append(
                    PositionRow(
                        p.id, p.code, p.title, p.department_id, dept, p.job_family,
                        JOB_FAMILY_LABELS.get(p.job_family, p.job_family), p.grade, p.title_ladder,
                        p.headcount, n, max(p.headcount - n, 0), p.is_ai_medical, p.open,
                    )
                )
            return rows
