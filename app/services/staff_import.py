"""Staff-data migration from another HR system (Excel or CSV in UTF-8/GBK).

Steps: read the file → map columns (guessed from header names such as 工号/姓名/身份证号/科室/入职日期,
confirmed or overridden by the user) → validate every field (a report of row, column, value and
reason, exportable to Excel) → write. Nothing is written while any row has an error, unless the
user asks for the good rows only; then the good rows are written in one transaction (all or
nothing). A dry run validates, including against the database, and writes nothing.

Per row it creates a person, an employee (department by name or code, position by code), optionally
a licence and a pay profile (grade, level, contract wage, bank account).
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.attendance.clock import RawTable, read_table
from app.db.tables import Department, Employee, Licence, PayProfile, Person, Position
from app.demo.vocab import id_check_digit
from app.errors import InvalidInput
from app.i18n import N_, _
from app.security.permissions import Principal, require
from app.services.audit import record
from app.services.base import Service
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

ERROR, WARNING = "error", "warning"
MIN_WORK_AGE = 16  # 劳动法 第十五条
MAX_ROWS = 50_000


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str  # msgid
    names: tuple[str, ...]
    required: bool = False


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("staff_no", N_("Staff number"), ("工号", "员工编号", "职工号", "人员编号", "员工号", "staff_no"), True),
    FieldSpec("name", N_("Name"), ("姓名", "员工姓名", "职工姓名", "name"), True),
    FieldSpec("gender", N_("Gender"), ("性别", "gender")),
    FieldSpec("id_number", N_("ID number"), ("身份证号", "身份证号码", "身份证", "证件号码", "公民身份号码", "id_number")),
    FieldSpec("birth_date", N_("Birth date"), ("出生日期", "出生年月", "生日", "birth_date")),
    FieldSpec("phone", N_("Phone"), ("手机号", "手机", "手机号码", "联系电话", "电话", "phone")),
    FieldSpec("email", N_("Email"), ("邮箱", "电子邮箱", "email")),
    FieldSpec("department", N_("Department"), ("科室", "部门", "所在科室", "科室名称", "部门名称", "department"), True),
    FieldSpec("position_code", N_("Position code"), ("岗位编码", "岗位代码", "岗位编号", "position_code")),
    FieldSpec("hire_date", N_("Hire date"), ("入职日期", "入院日期", "参加工作时间", "入职时间", "hire_date"), True),
    FieldSpec("contract_type", N_("Contract type"), ("合同类型", "用工形式", "contract_type")),
    FieldSpec("status", N_("Status"), ("状态", "人员状态", "在职状态", "status")),
    FieldSpec("professional_title", N_("Professional title"), ("职称", "专业技术职称", "professional_title")),
    FieldSpec("highest_degree", N_("Highest degree"), ("学历", "最高学历", "highest_degree")),
    FieldSpec("licence_kind", N_("Licence"), ("执业证书", "证书类型", "执业证类型", "licence_kind")),
    FieldSpec("licence_number", N_("Licence number"), ("证书编号", "执业证书编号", "执业证号", "licence_number")),
    FieldSpec("licence_expiry", N_("Licence valid until"), ("证书有效期", "有效期至", "执业证有效期", "licence_expiry")),
    FieldSpec("bank_account", N_("Bank account"), ("银行账号", "工资卡号", "银行卡号", "bank_account")),
    FieldSpec("post_grade", N_("Post grade"), ("岗位等级", "岗位级别", "post_grade")),
    FieldSpec("salary_level", N_("Salary level"), ("薪级", "薪级等级", "salary_level")),
    FieldSpec("contract_wage", N_("Contract wage (yuan)"), ("合同工资", "月工资", "合同月工资", "contract_wage")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

CONTRACT_TYPES = {"fixed_3y": "fixed_3y", "fixed_5y": "fixed_5y", "open_ended": "open_ended",
                  "三年": "fixed_3y", "3年": "fixed_3y", "固定期限3年": "fixed_3y", "五年": "fixed_5y", "5年": "fixed_5y",
                  "固定期限5年": "fixed_5y", "无固定期限": "open_ended", "聘用合同": "fixed_3y"}
STATUSES = {"active": "active", "probation": "probation", "left": "left", "在职": "active", "在岗": "active",
            "试用": "probation", "试用期": "probation", "离职": "left"}
GENDERS = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Issue:
    row: int  # row number in the file (the header is row 1)
    column: str  # column name in the file (or the field label when the column is missing)
    value: str
    reason: str
    severity: str = ERROR


@dataclass(frozen=True)
class StaffRecord:
    row: int
    staff_no: str
    name: str
    gender: str
    id_number: str | None
    birth_date: date | None
    phone: str | None
    email: str | None
    department_id: int
    position_id: int | None
    hire_date: date
    contract_type: str
    status: str
    professional_title: str
    highest_degree: str
    licence_kind: str
    licence_number: str
    licence_expiry: date | None
    bank_account: str | None
    post_grade: str
    salary_level: int | None
    contract_wage_fen: int | None


@dataclass(frozen=True)
class ImportPreview:
    source: str
    mapping: dict[str, str]
    total_rows: int
    good: tuple[StaffRecord, ...]
    issues: tuple[Issue, ...]
    bad_rows: tuple[int, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        return not self.bad_rows


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    written: int
    dry_run: bool
    changes: ChangeSet


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """field key -> column name, from well-known header names (the user confirms or overrides)."""
    norm = {re.sub(r"[\s*（）()：:]", "", str(h)).lower(): h for h in header if str(h).strip()}
    out: dict[str, str] = {}
    used: set[str] = set()
    for spec in FIELDS:
        for name in spec.names:
            h = norm.get(name.lower())
            if h is not None and h not in used:
                out[spec.key] = h
                used.add(h)
                break
    return out


def parse_mapping_option(text: str | None) -> dict[str, str] | None:
    """``--mapping``: a JSON file or ``field=列名,field=列名``."""
    if not text:
        return None
    p = Path(text)
    try:
        raw = json.loads(p.read_text(encoding="utf-8")) if p.suffix.lower() == ".json" and p.exists() else None
    except (OSError, ValueError) as exc:
        raise InvalidInput(_("The mapping file {path} is not valid JSON.").format(path=p)) from exc
    if raw is None:
        raw = {}
        for part in text.split(","):
            if "=" not in part:
                raise InvalidInput(_("Write the mapping as field=column pairs separated by commas, e.g. "
                                     "staff_no=工号,name=姓名."))
            k, v = part.split("=", 1)
            raw[k.strip()] = v.strip()
    if not isinstance(raw, dict):
        raise InvalidInput(_("The mapping must map field names to column names."))
    unknown = [k for k in raw if k not in FIELD_BY_KEY]
    if unknown:
        raise InvalidInput(_("Unknown fields in the mapping: {names}. Known fields: {known}.").format(
            names=", ".join(map(str, unknown)), known=", ".join(FIELD_BY_KEY)))
    return {str(k): str(v) for k, v in raw.items() if v}


# ------------------------------------------------------------------------------- value parsing

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_day(value: Any) -> date | None:
    """A calendar day from an Excel cell or text; None when empty; ValueError when impossible."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day
            return date(1899, 12, 30) + timedelta(days=int(value))
        value = str(int(value))
    text = str(value).strip()
    if not text:
        return None
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def id_number_problem(number: str) -> str | None:
    """Why an ID number (居民身份证号码, GB 11643) is invalid, or None."""
    if len(number) == 15 and number.isdigit():
        return _("15-digit ID numbers are no longer valid; enter the 18-digit number")
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("an ID number has 17 digits and a check character (digit or X)")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("the birth date inside the ID number is impossible")
    if id_check_digit(number[:17]) != number[17]:
        return _("the check character is wrong (GB 11643); the number was mistyped")
    return None


def id_birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_gender(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return date(birth.year + years, 3, 1)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ------------------------------------------------------------------------------- service

class StaffImportService(Service):
    def read(self, path: Path) -> RawTable:
        try:
            table = read_table(Path(path))
        except (csv.Error, UnicodeError, ValueError) as exc:
            raise InvalidInput(_("Cannot read {path}: {reason}. Save it as .xlsx or UTF-8 CSV.").format(
                path=path, reason=exc)) from exc
        if len(table.rows) > MAX_ROWS:
            raise InvalidInput(_("{path} has more than {n} rows; split it into smaller files.").format(
                path=path, n=MAX_ROWS))
        return table

    def preview(self, path: Path, mapping: dict[str, str] | None = None, *, progress: ProgressFn = no_progress,
                cancel: CancelToken = NEVER_CANCELLED) -> ImportPreview:
        table = self.read(path)
        return self.validate(table, mapping, progress=progress, cancel=cancel)

    def validate(self, table: RawTable, mapping: dict[str, str] | None = None, *,
                 progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ImportPreview:
        header = [str(h) for h in table.header]
        mapping = dict(mapping) if mapping else guess_mapping(header)
        missing_cols = [c for c in mapping.values() if c not in header]
        if missing_cols:
            raise InvalidInput(_("The file has no column {names}. Its columns are: {header}.").format(
                names=", ".join(missing_cols), header=", ".join(header)))
        absent = [_(FIELD_BY_KEY[k].label) for k in (f.key for f in FIELDS if f.required) if k not in mapping]
        if absent:
            raise InvalidInput(_("Choose the columns for the required fields: {names}.").format(
                names=", ".join(absent)))
        col = {k: header.index(v) for k, v in mapping.items()}
        with self._uow() as s:
            departments: dict[str, int] = {}
            for d in s.scalars(select(Department)).all():
                departments[d.code.strip().lower()] = d.id
                departments.setdefault(d.name.strip().lower(), d.id)
            positions = {p.code.strip().lower(): (p.id, p.department_id) for p in s.scalars(select(Position)).all()}
            db_staff = set(s.scalars(select(Employee.staff_no)).all())
            db_ids = {v for v in s.scalars(select(Person.id_number).where(Person.id_number.is_not(None))).all() if v}
        issues: list[Issue] = []
        good: list[StaffRecord] = []
        bad: list[int] = []
        seen_staff: dict[str, int] = {}
        seen_ids: dict[str, int] = {}
        today = date.today()
        for i, raw in enumerate(table.rows):
            cancel.raise_if_cancelled()
            if i % 200 == 0:
                progress(i, len(table.rows), _("Checking rows"))
            row_no = i + 2
            cells = {k: (raw[c] if c < len(raw) else None) for k, c in col.items()}
            if all(_text(v) == "" for v in raw):
                continue  # blank line
            row_issues: list[Issue] = []

            def problem(key: str, reason: str, severity: str = ERROR, *, _row_no: int = row_no,
                        _cells: dict[str, Any] = cells, _out: list[Issue] = row_issues) -> None:
                column = mapping.get(key) or _(FIELD_BY_KEY[key].label)
                _out.append(Issue(_row_no, column, _text(_cells.get(key)), reason, severity))

            def text(key: str, limit: int, *, _cells: dict[str, Any] = cells) -> str:
                value = _text(_cells.get(key))
                if len(value) > limit:
                    problem(key, _("longer than {n} characters").format(n=limit))
                    return value[:limit]
                return value

            def day(key: str, *, _cells: dict[str, Any] = cells) -> date | None:
                try:
                    d = parse_day(_cells.get(key))
                except (ValueError, OverflowError):
                    problem(key, _("not a possible date (write e.g. 2021-07-01)"))
                    return None
                if d is not None and not date(1900, 1, 1) <= d <= date(2100, 12, 31):
                    problem(key, _("the date is out of range"))
                    return None
                return d

            staff_no = text("staff_no", 20)
            if not staff_no:
                problem("staff_no", _("the staff number is empty"))
            elif staff_no in seen_staff:
                problem("staff_no", _("the staff number repeats row {row} of this file").format(row=seen_staff[staff_no]))
            elif staff_no in db_staff:
                problem("staff_no", _("the staff number already exists in the database"))
            if staff_no and staff_no not in seen_staff:
                seen_staff[staff_no] = row_no
            name = text("name", 50)
            if not name:
                problem("name", _("the name is empty"))
            gender = ""
            if "gender" in cells and _text(cells["gender"]):
                gender = GENDERS.get(_text(cells["gender"]).lower(), "")
                if not gender:
                    problem("gender", _("write 男 or 女"))
            id_number = text("id_number", 18 + 2).upper().replace(" ", "") or None
            birth = day("birth_date")
            if id_number:
                why = id_number_problem(id_number)
                if why:
                    problem("id_number", why)
                else:
                    if birth is not None and birth != id_birth_date(id_number):
                        problem("birth_date", _("the birth date does not match the ID number ({date})").format(
                            date=id_birth_date(id_number).isoformat()))
                    birth = birth or id_birth_date(id_number)
                    if gender and gender != id_gender(id_number):
                        problem("gender", _("the gender does not match the ID number"))
                    gender = gender or id_gender(id_number)
                    if id_number in seen_ids:
                        problem("id_number", _("the ID number repeats row {row} of this file").format(
                            row=seen_ids[id_number]))
                    elif id_number in db_ids:
                        problem("id_number", _("a person with this ID number is already in the database"))
                    seen_ids.setdefault(id_number, row_no)
            if birth is not None and birth > today:
                problem("birth_date", _("the birth date is in the future"))
            phone = re.sub(r"[\s()（）]", "", text("phone", 32)).removeprefix("+86") or None
            if phone and not PHONE.match(phone):
                problem("phone", _("not a mobile number (11 digits starting with 1) or a landline like 010-12345678"))
            email = text("email", 120) or None
            if email and not EMAIL.match(email):
                problem("email", _("not an e-mail address"))
            dept_text = text("department", 100)
            department_id = departments.get(dept_text.lower()) if dept_text else None
            if not dept_text:
                problem("department", _("the department is empty"))
            elif department_id is None:
                problem("department", _("unknown department; create it first or correct the name"))
            position_id = None
            pos_text = text("position_code", 32)
            if pos_text:
                found = positions.get(pos_text.lower())
                if found is None:
                    problem("position_code", _("unknown position code"))
                else:
                    position_id = found[0]
                    if department_id is not None and found[1] != department_id:
                        problem("position_code", _("the position belongs to another department"))
            hire = day("hire_date")
            if hire is None and not any(x.column == mapping.get("hire_date") for x in row_issues):
                problem("hire_date", _("the hire date is empty"))
            if hire is not None:
                if hire > today + timedelta(days=366):
                    problem("hire_date", _("the hire date is more than a year ahead"))
                if birth is not None and hire < _birthday(birth, MIN_WORK_AGE):
                    problem("hire_date", _("the person would have been younger than 16 when hired"))
            contract_text = text("contract_type", 30)
            contract = CONTRACT_TYPES.get(contract_text, CONTRACT_TYPES.get(contract_text.lower(), "")) \
                if contract_text else "fixed_3y"
            if not contract:
                problem("contract_type", _("unknown contract type; use 三年, 五年 or 无固定期限"))
            status_text = text("status", 20)
            status = STATUSES.get(status_text.lower(), "") if status_text else "active"
            if not status:
                problem("status", _("unknown status; use 在职, 试用 or 离职"))
            licence_kind = text("licence_kind", 40)
            licence_number = text("licence_number", 40)
            licence_expiry = day("licence_expiry")
            if (licence_number or licence_expiry) and not licence_kind:
                problem("licence_kind", _("a licence number or date is given without the kind of licence"))
            bank = re.sub(r"[\s-]", "", text("bank_account", 40)) or None
            if bank:
                if not bank.isdigit() or not 12 <= len(bank) <= 19:
                    problem("bank_account", _("a bank account has 12 to 19 digits"))
                elif len(bank) >= 16 and not luhn_ok(bank):
                    problem("bank_account", _("the card number fails its check digit (Luhn); check it with the "
                                              "employee"), WARNING)
            level_text = text("salary_level", 10)
            salary_level = None
            if level_text:
                try:
                    salary_level = int(Decimal(level_text))
                    if not 1 <= salary_level <= 65:
                        raise ValueError
                except (InvalidOperation, ValueError):
                    problem("salary_level", _("a salary level is a whole number from 1 to 65"))
                    salary_level = None
            wage_text = text("contract_wage", 20).replace(",", "").replace("元", "")
            wage_fen = None
            if wage_text:
                try:
                    wage = Decimal(wage_text)
                    if wage < 0 or wage > 1_000_000 or wage != wage.quantize(Decimal("0.01")):
                        raise InvalidOperation
                    wage_fen = int(wage * 100)
                except (InvalidOperation, ValueError):
                    problem("contract_wage", _("an amount in yuan with at most two decimals, e.g. 8500.00"))
            issues.extend(row_issues)
            if any(x.severity == ERROR for x in row_issues):
                bad.append(row_no)
                continue
            assert department_id is not None and hire is not None
            good.append(StaffRecord(
                row_no, staff_no, name, gender, id_number, birth, phone, email, department_id, position_id, hire,
                contract, status, text("professional_title", 40), text("highest_degree", 20), licence_kind,
                licence_number, licence_expiry, bank, text("post_grade", 40), salary_level, wage_fen))
        progress(len(table.rows), len(table.rows), _("Checking rows"))
        return ImportPreview(table.source, mapping, len(table.rows), tuple(good), tuple(issues), tuple(bad))

    def run(self, principal: Principal, path: Path, mapping: dict[str, str] | None = None, *,
            good_rows: bool = False, dry_run: bool = False, progress: ProgressFn = no_progress,
            cancel: CancelToken = NEVER_CANCELLED) -> ImportResult:
        """Validate and (unless ``dry_run``) write. Raises ``InvalidInput`` when rows have errors and
        ``good_rows`` is not set; then nothing is written."""
        require(principal, "staff.import")
        preview = self.preview(path, mapping, progress=progress, cancel=cancel)
        if dry_run:
            return ImportResult(preview, 0, True, ChangeSet())
        if not preview.clean and not good_rows:
            raise InvalidInput(_("{bad} of {total} rows have errors; nothing was imported. Correct the file, or "
                                 "import only the good rows.").format(bad=len(preview.bad_rows),
                                                                       total=preview.total_rows))
        written = self.write(principal, preview, cancel=cancel)
        return ImportResult(preview, written, False,
                            ChangeSet.of("people", "employees", "licences", "pay_profiles", "audit_log"))

    def write(self, principal: Principal, preview: ImportPreview, *, cancel: CancelToken = NEVER_CANCELLED) -> int:
        """Store the good rows of a preview in one transaction (all or nothing)."""
        require(principal, "staff.import")
        if not preview.good:
            return 0
        with self._uow(write=True) as s:
            existing = set(s.scalars(select(Employee.staff_no).where(
                Employee.staff_no.in_([r.staff_no for r in preview.good]))).all())
            if existing:
                raise InvalidInput(_("Someone added staff numbers {numbers} meanwhile; nothing was imported. "
                                     "Check the file again.").format(numbers=", ".join(sorted(existing)[:10])))
            for i, r in enumerate(preview.good):
                if i % 100 == 0:
                    cancel.raise_if_cancelled()
                person = Person(name=r.name, gender=r.gender, birth_date=r.birth_date, id_number=r.id_number,
                                phone=r.phone, email=r.email, professional_title=r.professional_title,
                                highest_degree=r.highest_degree)
                s.add(person)
                s.flush()
                emp = Employee(person_id=person.id, staff_no=r.staff_no, department_id=r.department_id,
                               position_id=r.position_id, hire_date=r.hire_date, contract_type=r.contract_type,
                               status=r.status, leave_date=None)
                s.add(emp)
                if r.licence_kind:
                    s.add(Licence(person_id=person.id, kind=r.licence_kind, number=r.licence_number,
                                  expiry_date=r.licence_expiry))
                if r.bank_account or r.post_grade or r.salary_level or r.contract_wage_fen is not None:
                    s.flush()
                    s.add(PayProfile(employee_id=emp.id, post_grade=r.post_grade, salary_level=r.salary_level or 1,
                                     contract_wage_fen=r.contract_wage_fen or 0, bank_account=r.bank_account))
            s.flush()
            record(s, principal, "staff.import", "employees", "",
                   {"file": Path(preview.source).name, "rows": len(preview.good),
                    "skipped_rows": len(preview.bad_rows)})
        log.info("staff import: %d rows written, %d skipped", len(preview.good), len(preview.bad_rows))
        return len(preview.good)

    @staticmethod
    def export_report(preview: ImportPreview, path: Path) -> Path:
        from app.security.xlsx import write_table

        header = [_("Row"), _("Column"), _("Value"), _("Reason"), _("Severity")]
        return write_table(Path(path), _("Import check"), header, (
            [x.row, x.column, x.value, x.reason, _("error") if x.severity == ERROR else _("warning")]
            for x in preview.issues))
