"""Personal-data requests (个人信息保护法): what is held about one person, and anonymised exports.

- :meth:`PrivacyService.person_export` answers an access request (第四十五条 查阅、复制): a zip with every
  database row that belongs to the person — found through the schema's foreign keys, so a new table that
  points at a person, an employee, a candidate or an interview is included without code changes — plus the
  archive files (the talent archive export), and an index.
- :meth:`PrivacyService.anonymised_export` writes an Excel workbook for analysis without names, ID numbers,
  staff numbers or contact data: interview scores by department and position, and a month's pay by
  department and position. Groups smaller than ``MIN_GROUP`` people show no pay figures (a group of one or
  two would identify its members).
"""

from __future__ import annotations

import json
import statistics
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import Base
from app.db.tables import (
    Candidate,
    Department,
    Employee,
    Interview,
    InterviewAssessment,
    PayrollLine,
    PayrollRun,
    Person,
    Position,
)
from app.errors import NotFound
from app.i18n import _
from app.services.base import Service
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

MIN_GROUP = 3
PARENTS = ("people", "employees", "candidates", "interviews")
"""Tables whose rows belong to one person; every table with a foreign key to one of them is followed."""


@dataclass(frozen=True)
class PersonExport:
    path: Path
    tables: dict[str, int]  # table -> rows included
    files: int


@dataclass(frozen=True)
class PersonHit:
    """One person found for an access request (the screen shows enough to pick the right one)."""

    person_id: int
    name: str
    staff_no: str  # "" when the person is not (or not yet) an employee
    department: str  # the employee's department, else the applied position's
    candidacies: str  # applied positions with candidate numbers, e.g. "#12 护士"
    status: str  # "employee" | "candidate" | "former_employee"


@dataclass(frozen=True)
class AnonymisedExport:
    path: Path
    interviews: int
    pay_groups: int
    suppressed_groups: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _children(parent: str) -> Iterable[tuple[Table, str]]:
    """(table, column) pairs whose column is a foreign key to ``parent``.id."""
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == parent and fk.column.name == "id" and table.name != parent:
                yield table, fk.parent.name


class PrivacyService(Service):
    def __init__(self, factory: sessionmaker[Session], talent: Any) -> None:
        super().__init__(factory)
        self._talent = talent  # the unwrapped talent service: its archive export

    # ------------------------------------------------------------------ access request
    def find_people(self, text: str, *, limit: int = 50) -> list[PersonHit]:
        """People whose name or staff number contains ``text``, or whose candidate number is ``text``
        (``#12`` or ``12``): the person to answer an access request for."""
        text = text.strip()
        if not text:
            return []
        like = f"%{text}%"
        number = text.lstrip("#")
        with self._uow() as s:
            ids: set[int] = set(s.scalars(select(Person.id).where(Person.name.ilike(like)).limit(limit)))
            ids.update(s.scalars(select(Employee.person_id).where(Employee.staff_no.ilike(like)).limit(limit)))
            if number.isdigit():
                ids.update(s.scalars(select(Candidate.person_id).where(Candidate.id == int(number))))
            if not ids:
                return []
            ids = set(sorted(ids)[: limit])
            names = dict(s.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
            employees = {pid: (staff, dept, left) for pid, staff, dept, left in s.execute(
                select(Employee.person_id, Employee.staff_no, Department.name, Employee.leave_date)
                .join(Department, Employee.department_id == Department.id).where(Employee.person_id.in_(ids)))}
            applied: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
            for cid, pid, title, dept in s.execute(
                select(Candidate.id, Candidate.person_id, Position.title, Department.name)
                .outerjoin(Position, Candidate.position_id == Position.id)
                .outerjoin(Department, Position.department_id == Department.id)
                .where(Candidate.person_id.in_(ids)).order_by(Candidate.id)
            ):
                applied[pid].append((cid, title or "", dept or ""))
        hits = []
        for pid in sorted(ids, key=lambda i: (names.get(i, ""), i)):
            emp = employees.get(pid)
            cands = applied.get(pid, [])
            dept = emp[1] if emp else next((d for _c, _t, d in cands if d), "")
            status = ("former_employee" if emp[2] else "employee") if emp else "candidate"
            hits.append(PersonHit(pid, names.get(pid, ""), emp[0] if emp else "", dept,
                                  "; ".join(f"#{c} {t}".strip() for c, t, _d in cands), status))
        return hits

    def person_rows(self, person_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row held about the person, by table (encrypted columns decrypted)."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        with self._uow() as s:
            if s.get(Person, person_id) is None:
                raise NotFound(_("This person no longer exists; reload the list."))
            ids: dict[str, set[int]] = {"people": {person_id}}
            people = Base.metadata.tables["people"]
            out["people"] = [dict(r._mapping) for r in s.execute(select(people).where(people.c.id == person_id))]
            # owners first (people → employees/candidates → interviews), then every table pointing at them
            for parent in PARENTS:
                parent_ids = ids.get(parent, set())
                if not parent_ids:
                    continue
                for table, column in _children(parent):
                    rows = [dict(r._mapping) for r in s.execute(select(table).where(table.c[column].in_(parent_ids)))]
                    if not rows:
                        continue
                    seen = {json.dumps(r, default=str, sort_keys=True) for r in out[table.name]}
                    out[table.name].extend(r for r in rows if json.dumps(r, default=str, sort_keys=True) not in seen)
                    if table.name in PARENTS and "id" in table.c:
                        ids.setdefault(table.name, set()).update(int(r["id"]) for r in rows)
        return {t: [{k: _plain(v) for k, v in r.items()} for r in rows] for t, rows in out.items() if rows}

    def person_export(self, person_id: int, out: Path, *, progress: ProgressFn = no_progress,
                      cancel: CancelToken = NEVER_CANCELLED) -> PersonExport:
        """A zip answering an access request: ``personal_data.json`` (every row, by table) and the archive
        files with their index (``files/``, ``records/``, ``index.csv``)."""
        rows = self.person_rows(person_id)
        self._talent.export_archive(person_id, out, cancel=cancel, progress=progress)
        with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as z:
            files = sum(1 for n in z.namelist() if n.startswith("files/"))
            z.writestr("personal_data.json", json.dumps(
                {"person_id": person_id, "exported_at": datetime.now().isoformat(timespec="seconds"),
                 "note": _("Everything HR Desk holds about this person: one list of records per table."),
                 "tables": rows}, ensure_ascii=False, indent=1, default=str))
        return PersonExport(out, {t: len(r) for t, r in rows.items()}, files)

    # ------------------------------------------------------------------ anonymised export
    def anonymised_export(self, out: Path, month: str | None = None) -> AnonymisedExport:
        """Interview scores and one month's pay (the latest run when ``month`` is None) by department and
        position, with no name, ID number, staff number or contact data."""
        from openpyxl import Workbook

        with self._uow() as s:
            interviews = s.execute(
                select(Department.name, Position.title, Interview.scheduled_at, InterviewAssessment.total,
                       InterviewAssessment.recommendation, InterviewAssessment.dimensions)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Position, Interview.position_id == Position.id)
                .join(Department, Position.department_id == Department.id)
                .join(InterviewAssessment, InterviewAssessment.interview_id == Interview.id)
                .order_by(Department.name, Position.title, Interview.scheduled_at)
            ).all()
            run_q = select(PayrollRun).where(PayrollRun.kind == "regular")
            run = s.scalar(run_q.where(PayrollRun.month == month) if month else run_q.order_by(PayrollRun.month.desc()))
            pay: dict[tuple[str, str], dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
            if run is not None:
                for dept, title, emp, code, amount in s.execute(
                    select(Department.name, Position.title, PayrollLine.employee_id, PayrollLine.item_code,
                           PayrollLine.amount_fen)
                    .join(Employee, PayrollLine.employee_id == Employee.id)
                    .join(Department, Employee.department_id == Department.id)
                    .outerjoin(Position, Employee.position_id == Position.id)
                    .where(PayrollLine.run_id == run.id, PayrollLine.item_code.in_(("_gross", "_net")))
                ):
                    pay[(dept, title or "")][emp][code] = amount
        wb = Workbook()
        ws = wb.active
        ws.title = _("Interview scores")
        dims = sorted({d for *_rest, dd in interviews for d in (dd or {})})
        ws.append([_("Department"), _("Position"), _("Month"), _("Total score"), _("Recommendation"), *dims])
        for dept, title, at, total, rec, dd in interviews:
            ws.append([dept, title, at.strftime("%Y-%m") if at else "", round(total, 2) if total is not None else None,
                       rec, *[(dd or {}).get(d, {}).get("blended") if isinstance((dd or {}).get(d), dict) else None
                              for d in dims]])
        ps = wb.create_sheet(_("Pay by group"))
        ps.append([_("Department"), _("Position"), _("Month"), _("Headcount"), _("Gross pay, mean"),
                   _("Gross pay, median"), _("Net pay, mean")])
        suppressed = 0
        for (dept, title), people in sorted(pay.items()):
            gross = [v.get("_gross", 0) / 100 for v in people.values()]
            net = [v.get("_net", 0) / 100 for v in people.values()]
            if len(people) < MIN_GROUP:
                suppressed += 1
                ps.append([dept, title, run.month if run else "", _("fewer than {n}").format(n=MIN_GROUP), None, None, None])
                continue
            ps.append([dept, title, run.month if run else "", len(people), round(statistics.fmean(gross), 2),
                       round(statistics.median(gross), 2), round(statistics.fmean(net), 2)])
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(out.suffix + ".part")
        wb.save(tmp)
        tmp.replace(out)
        return AnonymisedExport(out, len(interviews), len(pay), suppressed)
