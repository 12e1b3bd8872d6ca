"""专项附加扣除 declarations by employee (``ctx.services.declarations``): list, add, edit, end, delete, the one-click
conversion of an old flat amount, and the Excel import/export.

Every change is checked with :func:`app.payroll.declarations.validate` against the employee's other declarations
(caps, month spans, housing loan vs rent, duplicates). Individual pay data: reads need individual-pay permission,
changes the payroll role; the guard audits both (``app/security/policy.py``).

The Excel file has one row per declaration (header row 1): 工号, 姓名, 扣除类别 (the Chinese names), 起始月份, 终止月份,
每月金额（元）, 人数, 扣除比例%, 城市档次, 独生子女, 继续教育类型, 子女, 备注. A row is the same declaration as a stored one
when employee, kind, first month and child / continuing-education type match: it is then updated only if something
differs, so importing one file twice changes nothing. A preview stores nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db.tables import Employee, PayProfile, Person, TaxDeclaration
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.payroll import declarations as dc
from app.services.base import Service, load_for_update
from app.tasks import ChangeSet

log = logging.getLogger(__name__)

COLUMNS = ("工号", "姓名", "扣除类别", "起始月份", "终止月份", "每月金额（元）", "人数", "扣除比例%", "城市档次",
           "独生子女", "继续教育类型", "子女", "备注")
TABLES = ("tax_declarations",)


@dataclass(frozen=True)
class DeclarationForm:
    kind: str
    month_from: str
    month_to: str | None
    monthly_fen: int
    count: int = 1
    share_pct: int = 100
    detail: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    declared_on: dt.date | None = None

    def as_declaration(self, row_id: int | None = None) -> dc.Declaration:
        return dc.Declaration(self.kind, self.month_from, self.month_to or None, self.monthly_fen, self.count,
                              self.share_pct, dict(self.detail), row_id)


@dataclass(frozen=True)
class DeclarationView:
    id: int
    employee_id: int
    kind: str
    kind_name: str
    month_from: str
    month_to: str | None
    monthly_fen: int
    count: int
    share_pct: int
    detail: dict[str, Any]
    note: str
    declared_on: dt.date | None
    created_by: str
    version: int

    def form(self) -> DeclarationForm:
        return DeclarationForm(self.kind, self.month_from, self.month_to, self.monthly_fen, self.count,
                               self.share_pct, dict(self.detail), self.note, self.declared_on)


@dataclass(frozen=True)
class EmployeeDeclarations:
    employee_id: int
    staff_no: str
    name: str
    items: tuple[DeclarationView, ...]
    legacy_fen: int  # the pay profile's flat amount, used only while ``items`` is empty (未分项（旧数据）)
    profile_version: int

    @property
    def uses_legacy(self) -> bool:
        return not self.items and self.legacy_fen > 0


@dataclass(frozen=True)
class ImportProblem:
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class ImportRow:
    row: int
    employee_id: int
    staff_no: str
    name: str
    kind: str
    month_from: str
    month_to: str | None
    monthly_fen: int
    action: str  # "add" | "update" | "unchanged"
    existing_id: int | None = None


@dataclass(frozen=True)
class ImportPreview:
    path: str
    rows: tuple[ImportRow, ...]
    problems: tuple[ImportProblem, ...]

    @property
    def added(self) -> int:
        return sum(1 for r in self.rows if r.action == "add")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.action == "update")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.action == "unchanged")


def _view(row: TaxDeclaration) -> DeclarationView:
    return DeclarationView(row.id, row.employee_id, row.kind, dc.kind_name(row.kind), row.month_from, row.month_to,
                           row.monthly_fen, row.count or 1, row.share_pct or 100, dict(row.detail or {}),
                           row.note or "", row.declared_on, row.created_by or "", row.version)


def _decl(row: TaxDeclaration) -> dc.Declaration:
    return dc.Declaration(row.kind, row.month_from, row.month_to, row.monthly_fen, row.count or 1,
                          row.share_pct or 100, dict(row.detail or {}), row.id)


def _identity(kind: str, month_from: str, detail: dict[str, Any]) -> tuple[str, str, str]:
    sub = str(detail.get("child") or "") if kind in ("children_education", "infant_care") else (
        str(detail.get("type", "degree")) if kind == "continuing_education" else "")
    return kind, month_from, sub


def _refuse(problems: list[str]) -> InvalidInput:
    return InvalidInput(_("The declaration was not saved: {problems}").format(problems="；".join(problems)))


class TaxDeclarationService(Service):
    # ---------------------------------------------------------------- reading
    def declarations(self, employee_id: int) -> EmployeeDeclarations:
        """The employee's declarations (by first month) and the pay profile's old flat amount."""
        with self._uow() as s:
            head = s.execute(
                select(Employee.staff_no, Person.name).join(Person, Employee.person_id == Person.id)
                .where(Employee.id == employee_id)
            ).one_or_none()
            if head is None:
                raise NotFound(_("Employee {id} does not exist. Reload the list.").format(id=employee_id))
            rows = s.scalars(select(TaxDeclaration).where(TaxDeclaration.employee_id == employee_id)
                             .order_by(TaxDeclaration.month_from, TaxDeclaration.id)).all()
            pp = s.scalar(select(PayProfile).where(PayProfile.employee_id == employee_id))
            return EmployeeDeclarations(employee_id, head[0], head[1], tuple(_view(r) for r in rows),
                                        pp.special_additional_deduction_fen if pp else 0, pp.version if pp else 0)

    def check(self, employee_id: int, form: DeclarationForm, declaration_id: int | None = None) -> list[str]:
        """Problems with ``form`` against the employee's other declarations (stores nothing)."""
        with self._uow() as s:
            others = [_decl(r) for r in s.scalars(
                select(TaxDeclaration).where(TaxDeclaration.employee_id == employee_id)).all()]
        return dc.validate(form.as_declaration(declaration_id), others)

    # ---------------------------------------------------------------- changing
    def save(self, employee_id: int, form: DeclarationForm, *, declaration_id: int | None = None,
             expected_version: int = 0, user: str = "") -> tuple[DeclarationView, ChangeSet]:
        """Add (``declaration_id`` None) or edit a declaration (optimistic ``expected_version``)."""
        with self._uow(write=True) as s:
            if s.get(Employee, employee_id) is None:
                raise NotFound(_("Employee {id} does not exist. Reload the list.").format(id=employee_id))
            others = [_decl(r) for r in s.scalars(
                select(TaxDeclaration).where(TaxDeclaration.employee_id == employee_id)).all()]
            problems = dc.validate(form.as_declaration(declaration_id), others)
            if problems:
                raise _refuse(problems)
            if declaration_id is None:
                row = TaxDeclaration(employee_id=employee_id, created_by=user)
                s.add(row)
            else:
                row = self._mine(s, employee_id, declaration_id, expected_version)
            _apply(row, form)
            s.flush()
            return _view(row), ChangeSet.of(*TABLES)

    def end(self, employee_id: int, declaration_id: int, month_to: str, *, expected_version: int,
            user: str = "") -> tuple[DeclarationView, ChangeSet]:
        """End a declaration with ``month_to`` (its last month), e.g. when a loan is paid off."""
        with self._uow(write=True) as s:
            row = self._mine(s, employee_id, declaration_id, expected_version)
            form = replace_form(_view(row).form(), month_to=month_to)
            others = [_decl(r) for r in s.scalars(
                select(TaxDeclaration).where(TaxDeclaration.employee_id == employee_id)).all()]
            problems = dc.validate(form.as_declaration(declaration_id), others)
            if problems:
                raise _refuse(problems)
            row.month_to = month_to
            s.flush()
            log.info("declaration %s ended by %s", declaration_id, user or "-")
            return _view(row), ChangeSet.of(*TABLES)

    def delete(self, employee_id: int, declaration_id: int, *, expected_version: int, user: str = "") -> ChangeSet:
        """Delete a declaration entered by mistake (months already locked keep what they deducted; the next run
        takes the deduction back through the cumulative method)."""
        with self._uow(write=True) as s:
            row = self._mine(s, employee_id, declaration_id, expected_version)
            s.delete(row)
            log.info("declaration %s deleted by %s", declaration_id, user or "-")
        return ChangeSet.of(*TABLES)

    def convert_legacy(self, employee_id: int, kind: str, month_from: str, *, detail: dict[str, Any] | None = None,
                       count: int = 1, share_pct: int = 100, user: str = "") -> tuple[DeclarationView, ChangeSet]:
        """Turn the pay profile's flat 专项附加扣除 (未分项（旧数据）) into one declaration of ``kind`` from ``month_from``
        and clear the flat amount, in one unit of work."""
        with self._uow(write=True) as s:
            pp = s.scalar(select(PayProfile).where(PayProfile.employee_id == employee_id))
            if pp is None or pp.special_additional_deduction_fen <= 0:
                raise InvalidInput(_("This person has no old flat special additional deduction to convert."))
            if s.scalar(select(TaxDeclaration.id).where(TaxDeclaration.employee_id == employee_id).limit(1)):
                raise Conflict(_("This person already has declarations; the old flat amount is no longer used."))
            form = DeclarationForm(kind, month_from, None, pp.special_additional_deduction_fen, count, share_pct,
                                   dict(detail or {}), _("converted from the flat amount of the pay profile"))
            problems = dc.validate(form.as_declaration(), [])
            if problems:
                raise _refuse(problems)
            row = TaxDeclaration(employee_id=employee_id, created_by=user)
            _apply(row, form)
            s.add(row)
            pp.special_additional_deduction_fen = 0
            s.flush()
            return _view(row), ChangeSet.of(*TABLES, "pay_profiles")

    # ---------------------------------------------------------------- Excel
    def import_preview(self, path: Path) -> ImportPreview:
        """Read and check a declarations workbook; stores nothing."""
        rows = _read_rows(path)
        with self._uow() as s:
            return self._plan(s, path, rows)

    def import_file(self, path: Path, *, user: str = "") -> tuple[ImportPreview, ChangeSet]:
        """Import a workbook: nothing is stored if any row has a problem; otherwise rows are added or updated in one
        unit of work (rows identical to stored declarations are left alone)."""
        rows = _read_rows(path)
        with self._uow(write=True) as s:
            plan = self._plan(s, path, rows)
            if plan.problems:
                raise InvalidInput(_("Nothing was imported: {count} problems in the file (first: row {row}, {column}: "
                                     "{reason}). Correct them and import again.").format(
                    count=len(plan.problems), row=plan.problems[0].row, column=plan.problems[0].column,
                    reason=plan.problems[0].reason))
            by_row = {r[0]: r for r in rows}
            for item in plan.rows:
                if item.action == "unchanged":
                    continue
                form = _form_from_cells(by_row[item.row][1])[0]
                assert form is not None
                if item.existing_id is None:
                    row = TaxDeclaration(employee_id=item.employee_id, created_by=user)
                    s.add(row)
                else:
                    row = s.get(TaxDeclaration, item.existing_id)
                _apply(row, form)
            s.flush()
        return plan, ChangeSet.of(*TABLES)

    def export_file(self, path: Path, employee_ids: Sequence[int] | None = None) -> Path:
        """Write the declarations (all, or of ``employee_ids``) in the import layout; an empty file is the template."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        with self._uow() as s:
            stmt = (select(TaxDeclaration, Employee.staff_no, Person.name)
                    .join(Employee, TaxDeclaration.employee_id == Employee.id)
                    .join(Person, Employee.person_id == Person.id)
                    .order_by(Employee.staff_no, TaxDeclaration.month_from, TaxDeclaration.id))
            if employee_ids is not None:
                stmt = stmt.where(TaxDeclaration.employee_id.in_(list(employee_ids)))
            data = s.execute(stmt).all()
        wb = Workbook()
        ws = wb.active
        ws.title = "专项附加扣除"
        ws.append(list(COLUMNS))
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for row, staff_no, name in data:
            det = row.detail or {}
            values = [staff_no, name, dc.kind_name(row.kind), row.month_from, row.month_to or "",
                      row.monthly_fen / 100, row.count or 1, row.share_pct or 100, det.get("city_tier", ""),
                      ("是" if det.get("only_child") else "否") if row.kind == "elderly_support" else "",
                      dc.CONTINUING_TYPES.get(str(det.get("type", "degree")), "") if row.kind == "continuing_education" else "",
                      det.get("child", ""), row.note or ""]
            ws.append([_safe(v) for v in values])
            ws.cell(ws.max_row, 6).number_format = "#,##0.00"
        for i, width in enumerate((10, 10, 18, 10, 10, 14, 6, 10, 9, 9, 16, 10, 24), start=1):
            ws.column_dimensions[chr(64 + i)].width = width
        notes = wb.create_sheet("说明")
        for line in (
            "扣除类别：" + "、".join(dc.KIND_NAMES.values()) + "（大病医疗只在年度汇算时扣除，不在此申报）",
            "月份写作 2026-03；终止月份留空表示长期有效。",
            "标准：子女教育、3岁以下婴幼儿照护每个子女每月 2,000 元（100% 或 50%）；继续教育学历 400 元/月（最长 48 个月），"
            "职业资格 3,600 元（起止同月）；住房贷款利息 1,000 元/月（100% 或 50%，最长 240 个月）；"
            "住房租金按城市档次 1/2/3 为 1,500/1,100/800 元/月；赡养老人独生子女 3,000 元/月，非独生子女每人不超过 1,500 元/月。",
            "住房贷款利息与住房租金不能在同一月份扣除。",
        ):
            notes.append([line])
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    # ---------------------------------------------------------------- internals
    def _mine(self, s, employee_id: int, declaration_id: int, expected_version: int) -> TaxDeclaration:  # type: ignore[no-untyped-def]
        row = load_for_update(s, TaxDeclaration, declaration_id, expected_version, _("the declaration"))
        if row.employee_id != employee_id:
            raise NotFound(_("This declaration does not belong to the employee shown. Reload the list."))
        return row

    def _plan(self, s, path: Path, rows: list[tuple[int, dict[str, Any]]]) -> ImportPreview:  # type: ignore[no-untyped-def]
        staff = {no: (eid, name) for eid, no, name in s.execute(
            select(Employee.id, Employee.staff_no, Person.name).join(Person, Employee.person_id == Person.id)).all()}
        stored: dict[int, list[TaxDeclaration]] = defaultdict(list)
        for r in s.scalars(select(TaxDeclaration)).all():
            stored[r.employee_id].append(r)
        pending: dict[int, list[dc.Declaration]] = {e: [_decl(r) for r in rs] for e, rs in stored.items()}
        seen: set[tuple[int, tuple[str, str, str]]] = set()
        out: list[ImportRow] = []
        problems: list[ImportProblem] = []
        for row_no, cells in rows:
            staff_no = str(cells.get("工号") or "").strip()
            if staff_no not in staff:
                problems.append(ImportProblem(row_no, "工号", staff_no, _("no employee has this staff number")))
                continue
            employee_id, name = staff[staff_no]
            form, cell_problems = _form_from_cells(cells)
            if form is None:
                problems.extend(ImportProblem(row_no, col, val, why) for col, val, why in cell_problems)
                continue
            key = _identity(form.kind, form.month_from, form.detail)
            if (employee_id, key) in seen:
                problems.append(ImportProblem(row_no, "起始月份", form.month_from,
                                              _("the same declaration appears twice in the file")))
                continue
            seen.add((employee_id, key))
            match = next((r for r in stored.get(employee_id, [])
                          if _identity(r.kind, r.month_from, dict(r.detail or {})) == key), None)
            existing_id = match.id if match is not None else None
            mine = pending.setdefault(employee_id, [])
            candidate = form.as_declaration(existing_id if existing_id is not None else -row_no)
            for reason in dc.validate(candidate, mine):
                problems.append(ImportProblem(row_no, "扣除类别", dc.kind_name(form.kind), reason))
            if match is None:
                action = "add"
            elif _same(match, form):
                action = "unchanged"
            else:
                action = "update"
            # later rows are checked against this one as it will be stored
            pending[employee_id] = [x for x in mine if x.id != candidate.id] + [candidate]
            out.append(ImportRow(row_no, employee_id, staff_no, name, form.kind, form.month_from, form.month_to,
                                 form.monthly_fen, action, existing_id))
        return ImportPreview(str(path), tuple(out), tuple(problems))


def replace_form(form: DeclarationForm, **changes: Any) -> DeclarationForm:
    from dataclasses import replace

    return replace(form, **changes)


def _apply(row: TaxDeclaration, form: DeclarationForm) -> None:
    row.kind = form.kind
    row.month_from = form.month_from
    row.month_to = form.month_to or None
    row.monthly_fen = form.monthly_fen
    row.count = form.count
    row.share_pct = form.share_pct
    row.detail = {k: v for k, v in form.detail.items() if not k.startswith("_")}
    row.note = form.note
    row.declared_on = form.declared_on or dt.date.today()


def _same(row: TaxDeclaration, form: DeclarationForm) -> bool:
    return ((row.month_to or None, row.monthly_fen, row.count or 1, row.share_pct or 100,
             {k: v for k, v in (row.detail or {}).items() if not k.startswith("_")}, row.note or "")
            == (form.month_to or None, form.monthly_fen, form.count, form.share_pct,
                {k: v for k, v in form.detail.items() if not k.startswith("_")}, form.note))


def _safe(value: Any) -> Any:
    """User text that Excel would read as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise InvalidInput(_("File not found: {path}.").format(path=path)) from exc
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is a user file problem
        raise InvalidInput(_("{path} is not an Excel workbook (.xlsx) that can be read.").format(path=path.name)) from exc
    try:
        ws = wb["专项附加扣除"] if "专项附加扣除" in wb.sheetnames else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [_cell_text(c) for c in next(it, ())]
        missing = [c for c in COLUMNS[:6] if c not in header]
        if missing:
            raise InvalidInput(_("The workbook lacks the columns {columns}; start from the exported template.").format(
                columns="、".join(missing)))
        out = []
        for i, values in enumerate(it, start=2):
            cells = {h: v for h, v in zip(header, values, strict=False) if h}
            if all(v is None or str(v).strip() == "" for v in cells.values()):
                continue
            out.append((i, cells))
        return out
    finally:
        wb.close()


def _form_from_cells(cells: dict[str, Any]) -> tuple[DeclarationForm | None, list[tuple[str, str, str]]]:
    """A form from one row's cells, or the problems (column, value, reason) that stop reading it."""
    problems: list[tuple[str, str, str]] = []
    kind_text = _cell_text(cells.get("扣除类别"))
    kind = dc.kind_for_name(kind_text)
    if kind is None:
        problems.append(("扣除类别", kind_text, _("not a kind of special additional deduction; use one of {kinds}").format(
            kinds="、".join(dc.KIND_NAMES.values()))))
    month_from = _cell_text(cells.get("起始月份"))
    month_to = _cell_text(cells.get("终止月份")) or None
    amount_text = _cell_text(cells.get("每月金额（元）"))
    monthly_fen = 0
    try:
        from decimal import Decimal, InvalidOperation

        amount = Decimal(amount_text.replace(",", ""))
        if amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
        monthly_fen = int(amount * 100)
    except Exception:  # noqa: BLE001 - decimal's errors
        problems.append(("每月金额（元）", amount_text, _("not an amount such as 2000.00")))
    ints: dict[str, int] = {}
    for col, default in (("人数", 1), ("扣除比例%", 100)):
        text = _cell_text(cells.get(col)).rstrip("%")
        if not text:
            ints[col] = default
        elif text.isdigit():
            ints[col] = int(text)
        else:
            problems.append((col, text, _("not a whole number")))
    if problems or kind is None:
        return None, problems
    detail: dict[str, Any] = {}
    tier = _cell_text(cells.get("城市档次"))
    if kind == "housing_rent":
        if tier not in ("1", "2", "3"):
            return None, [("城市档次", tier, _("the city tier must be 1, 2 or 3"))]
        detail["city_tier"] = int(tier)
    if kind == "elderly_support":
        detail["only_child"] = _cell_text(cells.get("独生子女")) in ("是", "Y", "y", "1", "TRUE", "True", "true")
    if kind == "continuing_education":
        ctext = _cell_text(cells.get("继续教育类型")) or "学历（学位）教育"
        ctype = next((k for k, v in dc.CONTINUING_TYPES.items() if ctext in (k, v) or ctext in v), None)
        if ctype is None:
            return None, [("继续教育类型", ctext, _("use 学历（学位）教育 or 职业资格"))]
        detail["type"] = ctype
    child = _cell_text(cells.get("子女"))
    if child and kind in ("children_education", "infant_care"):
        detail["child"] = child
    note = _cell_text(cells.get("备注"))
    if note.startswith("'"):
        note = note[1:]
    return DeclarationForm(kind, month_from, month_to, monthly_fen, ints["人数"], ints["扣除比例%"], detail, note), []
