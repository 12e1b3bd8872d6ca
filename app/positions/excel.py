"""Excel templates, export and row-validated import of positions (with competency models, screening
rules and synonyms) and of the question bank.

- Export writes a header row with the column names in the UI language, dropdowns (data validation)
  for job family / type / difficulty / yes-no / degree, a protected instructions sheet and a hidden
  ``_meta`` sheet naming the kind of file. A template is an export with no rows.
- Text from users that starts with ``=``, ``+``, ``-``, ``@``, tab or CR is stored as a text cell,
  never as a formula.
- Import reads everything, validates every row and returns ``ImportResult``: the good records,
  every problem (sheet, row, column, value, reason) and warnings. It writes nothing; the service
  decides whether to store all rows (only when ``clean``) or just the good ones, as the user chooses.
  Headers are recognised in Chinese or English, so a file exported in either language imports.
- A position is good only if its row and all its competency, rule and synonym rows are good; a
  position without competency rows gets its family's template, with a warning.
- File-level failures (not an .xlsx, damaged, wrong file kind, sheet or required column missing)
  raise ``InvalidInput`` with what to do.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.domain.org import DEGREES, LICENCE_KINDS, JobFamily
from app.errors import InvalidInput, StorageError
from app.i18n import N_, _
from app.positions import competency, rules
from app.positions.questions import FAMILY_BY_LABEL, FAMILY_LABELS, QUESTION_TYPES, Question, stem_key

log = logging.getLogger(__name__)

T = TypeVar("T")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 20000
VALIDATION_ROWS = 2000  # dropdowns cover this many data rows
KIND_POSITIONS = "hrdesk-positions"
KIND_QUESTIONS = "hrdesk-questions"
FORMAT_VERSION = 1
YES, NO = "是", "否"
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", "×", ""}
POSITION_FAMILIES = tuple(str(f) for f in JobFamily)


# --------------------------------------------------------------------------------------------
# Records and results


@dataclass(frozen=True)
class RuleRecord:
    name: str
    expression: str


@dataclass(frozen=True)
class PositionRecord:
    code: str
    title: str
    department_code: str
    job_family: str  # physician / nursing / medtech / admin
    grade: str = ""
    title_ladder: str = ""
    headcount: int = 1
    is_ai_medical: bool = False
    open: bool = True
    min_degree: str = ""
    majors: str = ""
    licences: tuple[str, ...] = ()
    min_years: int | None = None
    duties: str = ""
    nice_to_have: str = ""
    competencies: tuple[competency.Dimension, ...] = ()
    rules: tuple[RuleRecord, ...] = ()
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def synonym_table(self) -> rules.SynonymTable:
        return rules.SynonymTable.of(self.synonyms)


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # Excel row number (1 = header); 0 for the sheet as a whole
    column: str  # column name as shown in the file
    value: str
    reason: str

    def __str__(self) -> str:
        return _("{sheet} row {row}, column {column} ({value}): {reason}").format(
            sheet=self.sheet, row=self.row, column=self.column, value=self.value, reason=self.reason)


@dataclass(frozen=True)
class ImportResult(Generic[T]):
    rows: tuple[T, ...]  # good records, in file order
    problems: tuple[Problem, ...]  # blocking: the rows they name are not in ``rows``
    warnings: tuple[Problem, ...] = ()
    total: int = 0  # records found in the file (good + bad)

    @property
    def clean(self) -> bool:
        """No problem at all: the whole file can be imported."""
        return not self.problems

    @property
    def bad_count(self) -> int:
        return self.total - len(self.rows)


# --------------------------------------------------------------------------------------------
# Column specifications


@dataclass(frozen=True)
class Col:
    key: str
    header: str  # English msgid; shown translated
    kind: str = "text"  # text | int | float | bool | list | lines
    required: bool = False
    width: int = 14
    choices: tuple[str, ...] = ()  # dropdown values
    note: str = ""


SHEET_POSITIONS = N_("Positions")
SHEET_COMPETENCIES = N_("Competencies")
SHEET_RULES = N_("Screening rules")
SHEET_SYNONYMS = N_("Synonyms")
SHEET_QUESTIONS = N_("Questions")
SHEET_INSTRUCTIONS = N_("Instructions")
META_SHEET = "_meta"

_FAMILY_CHOICES = tuple(FAMILY_LABELS[f] for f in POSITION_FAMILIES)

POSITION_COLS: tuple[Col, ...] = (
    Col("code", N_("Position code"), required=True, width=14),
    Col("title", N_("Position title"), required=True, width=20),
    Col("department_code", N_("Department code"), required=True, width=14),
    Col("job_family", N_("Job family"), required=True, width=12, choices=_FAMILY_CHOICES),
    Col("grade", N_("Grade"), width=14),
    Col("title_ladder", N_("Professional title"), width=14),
    Col("headcount", N_("Headcount"), kind="int", width=10),
    Col("is_ai_medical", N_("AI-medical post"), kind="bool", width=12, choices=(YES, NO)),
    Col("open", N_("Recruiting"), kind="bool", width=10, choices=(YES, NO)),
    Col("min_degree", N_("Minimum degree"), width=12, choices=DEGREES),
    Col("majors", N_("Majors"), width=20),
    Col("licences", N_("Required licences"), kind="list", width=24),
    Col("min_years", N_("Years of experience"), kind="int", width=12),
    Col("duties", N_("Duties"), width=40),
    Col("nice_to_have", N_("Preferred"), width=30),
)
COMPETENCY_COLS: tuple[Col, ...] = (
    Col("code", N_("Position code"), required=True, width=14),
    Col("name", N_("Dimension"), required=True, width=16),
    Col("weight", N_("Weight (%)"), kind="int", required=True, width=12),
    Col("pass_bar", N_("Pass bar (0–10)"), kind="float", width=14),
)
RULE_COLS: tuple[Col, ...] = (
    Col("code", N_("Position code"), required=True, width=14),
    Col("name", N_("Rule name"), required=True, width=18),
    Col("expression", N_("Rule"), required=True, width=60),
)
SYNONYM_COLS: tuple[Col, ...] = (
    Col("code", N_("Position code"), required=True, width=14),
    Col("term", N_("Term"), required=True, width=18),
    Col("synonyms", N_("Synonyms"), kind="list", required=True, width=40),
)
QUESTION_COLS: tuple[Col, ...] = (
    Col("id", N_("Question ID"), required=True, width=16),
    Col("text", N_("Question"), required=True, width=50),
    Col("type", N_("Question type"), required=True, width=12, choices=QUESTION_TYPES),
    Col("dimension", N_("Competency dimension"), required=True, width=16),
    Col("difficulty", N_("Difficulty (1–5)"), kind="int", required=True, width=12, choices=("1", "2", "3", "4", "5")),
    Col("family", N_("Job family"), required=True, width=12, choices=tuple(FAMILY_LABELS.values())),
    Col("positions", N_("Position codes"), kind="list", width=16),
    Col("key_points", N_("Key points"), kind="lines", width=40),
    Col("reference_answer", N_("Reference answer"), width=50),
    Col("key_terms", N_("Key terms"), kind="list", width=24),
    Col("source", N_("Source"), width=20),
    Col("policy_reference", N_("Policy reference"), width=24),
    Col("licence_condition", N_("Licence condition"), width=20),
    Col("options", N_("Options"), kind="lines", width=30),
    Col("answer", N_("Correct answer"), width=10),
    Col("variant_of", N_("Version of"), width=14),
)

_POSITION_SHEETS = (
    (SHEET_POSITIONS, POSITION_COLS, True),
    (SHEET_COMPETENCIES, COMPETENCY_COLS, False),
    (SHEET_RULES, RULE_COLS, False),
    (SHEET_SYNONYMS, SYNONYM_COLS, False),
)


def _norm_header(text: str) -> str:
    return re.sub(r"[\s*＊]+", "", str(text)).casefold()


def _header_aliases(col: Col) -> set[str]:
    return {_norm_header(col.header), _norm_header(_(col.header))}


# --------------------------------------------------------------------------------------------
# Writing


def set_cell(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """Write a value; text that looks like a formula stays text."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        if value.startswith(FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def write_header(ws: Worksheet, cols: Sequence[Col]) -> None:
    bold = Font(bold=True)
    req_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, c in enumerate(cols, 1):
        cell = set_cell(ws, 1, i, _(c.header))
        cell.font = bold
        if c.required:
            cell.fill = req_fill
        ws.column_dimensions[get_column_letter(i)].width = c.width
    ws.freeze_panes = "A2"
    for i, c in enumerate(cols, 1):
        if not c.choices:
            continue
        letter = get_column_letter(i)
        if c.key == "difficulty":
            dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True)
        else:
            dv = DataValidation(type="list", formula1='"' + ",".join(c.choices) + '"', allow_blank=True)
        dv.error = _("Choose a value from the list.")
        dv.errorTitle = _(c.header)
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{VALIDATION_ROWS + 1}")


def write_rows(ws: Worksheet, cols: Sequence[Col], rows: Sequence[dict[str, Any]]) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, data in enumerate(rows, 2):
        for i, c in enumerate(cols, 1):
            v = data.get(c.key)
            if v is None or v == "" or v == ():
                continue
            if c.kind == "list":
                v = "、".join(v)
            elif c.kind == "lines":
                v = "\n".join(v)
            elif c.kind == "bool":
                v = YES if v else NO
            cell = set_cell(ws, r, i, v)
            if c.kind == "lines" or (isinstance(v, str) and len(v) > 30):
                cell.alignment = wrap


def write_instructions(wb: Workbook, lines: Sequence[str]) -> None:
    ws = wb.create_sheet(_(SHEET_INSTRUCTIONS))
    ws.column_dimensions["A"].width = 110
    for r, line in enumerate(lines, 1):
        cell = set_cell(ws, r, 1, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1:
            cell.font = Font(bold=True, size=13)
    ws.protection.sheet = True  # read-only for the user (no password: it guards mistakes, not secrets)


def write_meta(wb: Workbook, kind: str) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws["A1"], ws["B1"] = "kind", kind
    ws["A2"], ws["B2"] = "version", FORMAT_VERSION
    ws.sheet_state = "hidden"


def save_workbook(wb: Workbook, path: Path) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except PermissionError as exc:
        raise StorageError(_("Cannot write {path}: the file may be open in Excel or the folder is read-only. "
                             "Close the file or choose another folder.").format(path=path)) from exc
    except OSError as exc:
        raise StorageError(_("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
    return path


def _columns_help(cols: Sequence[Col]) -> str:
    names = "、".join(_(c.header) for c in cols if c.required)
    return names


def write_positions(path: Path, positions: Sequence[PositionRecord]) -> Path:
    """Export positions (an empty list gives the import template)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _(SHEET_POSITIONS)
    sheets = {SHEET_POSITIONS: ws}
    for name, _cols, _req in _POSITION_SHEETS[1:]:
        sheets[name] = wb.create_sheet(_(name))
    pos_rows, comp_rows, rule_rows, syn_rows = [], [], [], []
    for p in positions:
        pos_rows.append({**p.__dict__, "job_family": FAMILY_LABELS.get(p.job_family, p.job_family)})
        comp_rows += [{"code": p.code, "name": d.name, "weight": d.weight, "pass_bar": d.pass_bar}
                      for d in p.competencies]
        rule_rows += [{"code": p.code, "name": r.name, "expression": r.expression} for r in p.rules]
        syn_rows += [{"code": p.code, "term": t, "synonyms": eqs} for t, eqs in p.synonyms]
    for (name, cols, _req), rows in zip(_POSITION_SHEETS, (pos_rows, comp_rows, rule_rows, syn_rows), strict=True):
        write_header(sheets[name], cols)
        write_rows(sheets[name], cols, rows)
    write_instructions(wb, [
        _("How to fill in this workbook"),
        _("Sheet “{sheet}”: one row per position. Required columns (yellow): {columns}.").format(
            sheet=_(SHEET_POSITIONS), columns=_columns_help(POSITION_COLS)),
        _("Job family: one of {choices}. AI-medical post and Recruiting: 是 or 否. Minimum degree: one of "
          "{degrees}.").format(choices="、".join(_FAMILY_CHOICES), degrees="、".join(DEGREES)),
        _("Required licences: separated by 、, each one of {licences}.").format(licences="、".join(LICENCE_KINDS)),
        _("Department code: a code that already exists in HR Desk (see the Organisation tab)."),
        _("Sheet “{sheet}”: one row per dimension. Weights are whole numbers from 1 to 100 and add up to exactly "
          "100 per position; pass bars are from 0 to 10. A position without rows here gets its job family's "
          "template.").format(sheet=_(SHEET_COMPETENCIES)),
        _("Sheet “{sheet}”: keywords joined with AND / OR / NOT (also 与 / 或 / 非, & | !), parentheses to group, "
          "quotes for phrases, e.g. (医学影像 OR 影像诊断) AND (PyTorch OR 深度学习) NOT 外包.").format(
            sheet=_(SHEET_RULES)),
        _("Sheet “{sheet}”: a term and its synonyms separated by 、; they count as the same word in that "
          "position's rules.").format(sheet=_(SHEET_SYNONYMS)),
        _("Do not enter formulas: cells are read as values. Nothing is imported until every row is correct, "
          "unless you choose to import only the correct rows."),
    ])
    write_meta(wb, KIND_POSITIONS)
    return save_workbook(wb, path)


def write_positions_template(path: Path) -> Path:
    return write_positions(path, ())


def write_questions(path: Path, questions: Sequence[Question]) -> Path:
    """Export questions (an empty list gives the import template)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _(SHEET_QUESTIONS)
    write_header(ws, QUESTION_COLS)
    rows = []
    for q in questions:
        rows.append({
            **q.__dict__,
            "family": FAMILY_LABELS.get(q.family, q.family),
            "options": tuple(f"{k}．{v}" for k, v in q.options),
        })
    write_rows(ws, QUESTION_COLS, rows)
    write_instructions(wb, [
        _("How to fill in this workbook"),
        _("One row per question. Required columns (yellow): {columns}.").format(
            columns=_columns_help(QUESTION_COLS)),
        _("Question type: one of {types}. Difficulty: 1 (easy) to 5 (hard). Job family: one of {families} "
          "(通用 = every family).").format(types="、".join(QUESTION_TYPES),
                                        families="、".join(FAMILY_LABELS.values())),
        _("Key points: one per line. Key terms and position codes: separated by 、."),
        _("Options (multiple choice only): one per line as “A．text”; Correct answer: the letters, e.g. D or ABD."),
        _("Licence condition: write 不得用于评估个人 for questions whose source forbids assessing real candidates; "
          "the interview plan will warn about them."),
        _("Version of: the ID of the question this one is a version of; a plan never holds two versions."),
        _("Do not enter formulas: cells are read as values. Nothing is imported until every row is correct, "
          "unless you choose to import only the correct rows."),
    ])
    write_meta(wb, KIND_QUESTIONS)
    return save_workbook(wb, path)


def write_questions_template(path: Path) -> Path:
    return write_questions(path, ())


# --------------------------------------------------------------------------------------------
# Reading


def open_workbook(path: Path) -> Workbook:
    path = Path(path)
    if not path.exists():
        raise InvalidInput(_("File not found: {path}.").format(path=path))
    if path.suffix.lower() == ".xls":
        raise InvalidInput(_("{name} is an old .xls workbook; open it in Excel or WPS, save it as .xlsx and "
                             "import that file.").format(name=path.name))
    try:
        return load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError) as exc:
        log.info("not a readable xlsx: %s", type(exc).__name__)
        raise InvalidInput(_("{name} is not an Excel workbook (.xlsx) or it is damaged. Save it as .xlsx from "
                             "Excel or WPS and try again.").format(name=path.name)) from exc


def _check_kind(wb: Workbook, expected: str, name: str) -> None:
    if META_SHEET not in wb.sheetnames:
        return
    kind = wb[META_SHEET]["B1"].value
    if kind in (KIND_POSITIONS, KIND_QUESTIONS) and kind != expected:
        if kind == KIND_QUESTIONS:
            raise InvalidInput(_("{name} is a question-bank workbook, not a positions workbook; import it as "
                                 "questions.").format(name=name))
        raise InvalidInput(_("{name} is a positions workbook, not a question-bank workbook; import it as "
                             "positions.").format(name=name))


def find_sheet(wb: Workbook, msgid: str) -> Worksheet | None:
    wanted = {_norm_header(msgid), _norm_header(_(msgid))}
    for ws in wb.worksheets:
        if _norm_header(ws.title) in wanted:
            return ws
    return None


@dataclass
class BoundSheet:
    title: str
    ws: Worksheet
    index: dict[str, int]  # key -> 0-based column index
    headers: dict[str, str]  # key -> header as written in the file
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def bind_sheet(ws: Worksheet, cols: Sequence[Col], file_name: str) -> BoundSheet:
    header_row = next(ws.iter_rows(min_row=1, max_row=1), ())
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for i, cell in enumerate(header_row):
        if cell.value is None or not str(cell.value).strip():
            continue
        text = _norm_header(str(cell.value))
        col = next((c for c in cols if text in _header_aliases(c)), None)
        if col is None:
            unknown.append(str(cell.value))
        elif col.key not in index:
            index[col.key] = i
            headers[col.key] = str(cell.value).strip()
    missing = [_(c.header) for c in cols if c.required and c.key not in index]
    if missing:
        raise InvalidInput(_("Sheet “{sheet}” of {name} lacks the column(s) {columns}. Use the template the program "
                             "generates (export an empty template) and keep its header row.").format(
            sheet=ws.title, name=file_name, columns="、".join(missing)))
    sheet = BoundSheet(ws.title, ws, index, headers)
    for u in unknown:
        sheet.warnings.append(Problem(ws.title, 1, u, u, _("Unknown column; it is ignored.")))
    if ws.max_row > MAX_ROWS + 1:
        raise InvalidInput(_("Sheet “{sheet}” has more than {limit} rows; split the file.").format(
            sheet=ws.title, limit=MAX_ROWS))
    return sheet


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class RowReader:
    """Converts the cells of one row, collecting problems instead of raising."""

    def __init__(self, sheet: BoundSheet, cols: Sequence[Col], row_no: int, cells: Sequence[Cell]) -> None:
        self.sheet, self.row_no, self.cells = sheet, row_no, cells
        self.cols = {c.key: c for c in cols}
        self.problems: list[Problem] = []

    def problem(self, key: str, value: Any, reason: str) -> None:
        header = self.sheet.headers.get(key) or _(self.cols[key].header)
        self.problems.append(Problem(self.sheet.title, self.row_no, header, _show(value), reason))

    def raw(self, key: str) -> Any:
        i = self.sheet.index.get(key)
        if i is None or i >= len(self.cells):
            return None
        cell = self.cells[i]
        if cell.data_type == "f" or type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula"):
            self.problem(key, cell.value, _("The cell holds a formula; enter the value itself "
                                            "(copy and paste as values)."))
            return None
        if cell.data_type == "e":
            self.problem(key, cell.value, _("The cell holds an Excel error value."))
            return None
        return cell.value

    def text(self, key: str) -> str:
        v = self.raw(key)
        if v is None:
            text = ""
        elif isinstance(v, float) and v.is_integer():
            text = str(int(v))
        else:
            text = str(v).strip()
        if not text and self.cols[key].required and not any(p.column == self.sheet.headers.get(key)
                                                             for p in self.problems):
            self.problem(key, v, _("This column is required."))
        return text

    def integer(self, key: str, low: int, high: int | None, default: int | None) -> int | None:
        v = self.raw(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if self.cols[key].required and not any(p.column == self.sheet.headers.get(key) for p in self.problems):
                self.problem(key, v, _("This column is required."))
            return default
        n: int | None = None
        if isinstance(v, bool):
            n = None
        elif isinstance(v, int):
            n = v
        elif isinstance(v, float) and v.is_integer():
            n = int(v)
        elif isinstance(v, str) and re.fullmatch(r"\s*-?\d+\s*", v):
            n = int(v)
        if n is None:
            self.problem(key, v, _("Not a whole number."))
            return default
        if n < low or (high is not None and n > high):
            if high is None:
                self.problem(key, v, _("Must be at least {low}.").format(low=low))
            else:
                self.problem(key, v, _("Must be from {low} to {high}.").format(low=low, high=high))
            return default
        return n

    def number(self, key: str, low: float, high: float, default: float) -> float:
        v = self.raw(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return default
        try:
            x = float(v) if not isinstance(v, bool) else float("nan")
        except (TypeError, ValueError):
            x = float("nan")
        if x != x:  # NaN
            self.problem(key, v, _("Not a number."))
            return default
        if not low <= x <= high:
            self.problem(key, v, _("Must be from {low} to {high}.").format(low=_show(low), high=_show(high)))
            return default
        return x

    def boolean(self, key: str, default: bool) -> bool:
        v = self.raw(key)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        s = _show(v).strip().casefold()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return default if s == "" else False
        self.problem(key, v, _("Write 是 or 否."))
        return default

    def items(self, key: str) -> tuple[str, ...]:
        return tuple(rules.split_list(self.text(key)))

    def lines(self, key: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in re.split(r"[\n；;]+", self.text(key)) if p.strip())


def data_rows(sheet: BoundSheet) -> list[tuple[int, tuple[Cell, ...]]]:
    out = []
    for r, cells in enumerate(sheet.ws.iter_rows(min_row=2), 2):
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
            continue
        out.append((r, tuple(cells)))
    return out


# --------------------------------------------------------------------------------------------
# Positions import


@dataclass
class _PosDraft:
    row: int
    record: PositionRecord
    bad: bool
    dims: list[tuple[int, competency.Dimension]] = field(default_factory=list)
    rules: list[RuleRecord] = field(default_factory=list)
    synonyms: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def read_positions(
    path: Path,
    *,
    department_codes: Collection[str] | None = None,
    existing_codes: Collection[str] = (),
    check_vocabulary: bool = True,
) -> ImportResult[PositionRecord]:
    """Validate a positions workbook. ``department_codes``: the known codes (None skips that check);
    ``existing_codes``: positions already in the database (reported as warnings: they will be updated)."""
    path = Path(path)
    wb = open_workbook(path)
    _check_kind(wb, KIND_POSITIONS, path.name)
    pos_ws = find_sheet(wb, SHEET_POSITIONS)
    if pos_ws is None:
        raise InvalidInput(_("{name} has no sheet “{sheet}” (found: {found}). Use the template the program "
                             "generates.").format(name=path.name, sheet=_(SHEET_POSITIONS),
                                                 found="、".join(wb.sheetnames)))
    problems: list[Problem] = []
    warnings: list[Problem] = []
    drafts: dict[str, _PosDraft] = {}
    order: list[str] = []
    sheet = bind_sheet(pos_ws, POSITION_COLS, path.name)
    warnings += sheet.warnings
    bad_codes: set[str] = set()
    known_depts = None if department_codes is None else {str(c).strip() for c in department_codes}
    total = 0
    for row_no, cells in data_rows(sheet):
        total += 1
        rr = RowReader(sheet, POSITION_COLS, row_no, cells)
        code, title, dept = rr.text("code"), rr.text("title"), rr.text("department_code")
        fam_label = rr.text("job_family")
        family = FAMILY_BY_LABEL.get(fam_label, fam_label if fam_label in POSITION_FAMILIES else "")
        if fam_label and family not in POSITION_FAMILIES:
            rr.problem("job_family", fam_label, _("Unknown job family; choose one of {choices}.").format(
                choices="、".join(_FAMILY_CHOICES)))
        if code and code in drafts:
            rr.problem("code", code, _("Position code {code} already appears in row {row}.").format(
                code=code, row=drafts[code].row))
        if len(code) > 32:
            rr.problem("code", code, _("At most {n} characters.").format(n=32))
        if dept and known_depts is not None and dept not in known_depts:
            rr.problem("department_code", dept, _("Unknown department code; create the department first or "
                                                  "correct the code."))
        degree = rr.text("min_degree")
        if degree and degree not in DEGREES:
            rr.problem("min_degree", degree, _("Unknown degree; choose one of {choices}.").format(
                choices="、".join(DEGREES)))
        licences = rr.items("licences")
        for lic in licences:
            if lic not in LICENCE_KINDS:
                rr.problem("licences", lic, _("Unknown licence; use one of {choices}.").format(
                    choices="、".join(LICENCE_KINDS)))
        record = PositionRecord(
            code=code, title=title, department_code=dept, job_family=family,
            grade=rr.text("grade"), title_ladder=rr.text("title_ladder"),
            headcount=rr.integer("headcount", 1, 10000, 1) or 1,
            is_ai_medical=rr.boolean("is_ai_medical", False), open=rr.boolean("open", True),
            min_degree=degree, majors=rr.text("majors"), licences=licences,
            min_years=rr.integer("min_years", 0, 60, None), duties=rr.text("duties"),
            nice_to_have=rr.text("nice_to_have"),
        )
        problems += rr.problems
        if code and code in existing_codes:
            warnings.append(Problem(sheet.title, row_no, sheet.headers["code"], code,
                                    _("This position already exists; importing updates it.")))
        if code and code not in drafts:
            drafts[code] = _PosDraft(row_no, record, bool(rr.problems))
            order.append(code)
        elif not code or rr.problems:
            bad_codes.add(code)

    def child_rows(msgid: str, cols: tuple[Col, ...]) -> list[tuple[BoundSheet, RowReader, str]]:
        ws = find_sheet(wb, msgid)
        if ws is None:
            return []
        sh = bind_sheet(ws, cols, path.name)
        warnings.extend(sh.warnings)
        out = []
        for row_no, cells in data_rows(sh):
            rr = RowReader(sh, cols, row_no, cells)
            code = rr.text("code")
            if code and code not in drafts:
                rr.problem("code", code, _("No position with this code in sheet “{sheet}”.").format(
                    sheet=pos_ws.title))
            out.append((sh, rr, code))
        return out

    comp_by_code: dict[str, list[tuple[RowReader, competency.Dimension]]] = {}
    for _sh, rr, code in child_rows(SHEET_COMPETENCIES, COMPETENCY_COLS):
        dim = competency.Dimension(rr.text("name"), rr.integer("weight", 1, 100, 0) or 0,
                                   rr.number("pass_bar", 0.0, 10.0, competency.DEFAULT_PASS_BAR))
        if rr.problems:
            problems.extend(rr.problems)
            if code in drafts:
                drafts[code].bad = True
            continue
        comp_by_code.setdefault(code, []).append((rr, dim))
    for code, entries in comp_by_code.items():
        dims = [d for _rr, d in entries]
        for p in competency.validate(dims):
            rr = entries[p.index][0] if p.index >= 0 else entries[0][0]
            key = {"name": "name", "weight": "weight", "pass_bar": "pass_bar"}.get(p.field, "weight")
            value = dims[p.index].__dict__[key] if p.index >= 0 else sum(d.weight for d in dims)
            rr.problem(key, value, p.message)
            problems.append(rr.problems[-1])
            drafts[code].bad = True
        drafts[code].dims = [(rr.row_no, d) for rr, d in entries]

    rule_names: dict[tuple[str, str], int] = {}
    for sh, rr, code in child_rows(SHEET_RULES, RULE_COLS):
        name, expr = rr.text("name"), rr.text("expression")
        if name and (code, name) in rule_names:
            rr.problem("name", name, _("Rule name {name} is used twice for this position (also row {row}).").format(
                name=name, row=rule_names[(code, name)]))
        rule_names.setdefault((code, name), rr.row_no)
        parsed = None
        if expr:
            try:
                parsed = rules.parse(expr)
            except rules.RuleSyntaxError as exc:
                rr.problem("expression", expr, exc.message)
        if rr.problems:
            problems.extend(rr.problems)
            if code in drafts:
                drafts[code].bad = True
            continue
        drafts[code].rules.append(RuleRecord(name, expr))
        if check_vocabulary and parsed is not None:
            for w in rules.vocabulary_warnings(parsed):
                warnings.append(Problem(sh.title, rr.row_no, sh.headers["expression"], expr, w.message))

    for _sh, rr, code in child_rows(SHEET_SYNONYMS, SYNONYM_COLS):
        term, eqs = rr.text("term"), rr.items("synonyms")
        if rr.problems:
            problems.extend(rr.problems)
            if code in drafts:
                drafts[code].bad = True
            continue
        drafts[code].synonyms.append((term, eqs))

    good: list[PositionRecord] = []
    for code in order:
        d = drafts[code]
        if d.bad or code in bad_codes:
            continue
        dims = tuple(dim for _r, dim in d.dims)
        if not dims and d.record.job_family:
            dims = competency.template_for(d.record.job_family, ai_medical=d.record.is_ai_medical)
            warnings.append(Problem(pos_ws.title, d.row, sheet.headers["code"], code,
                                    _("No competency dimensions given; the job family's template is used.")))
        good.append(PositionRecord(**{**d.record.__dict__, "competencies": dims, "rules": tuple(d.rules),
                                      "synonyms": tuple(d.synonyms)}))
    log.info("positions import: %d rows, %d good, %d problems", total, len(good), len(problems))
    return ImportResult(tuple(good), tuple(problems), tuple(warnings), total)


# --------------------------------------------------------------------------------------------
# Questions import

_OPTION_RE = re.compile(r"^\s*([A-Za-z])\s*[.．、:：)）]?\s*(.+?)\s*$")


def read_questions(
    path: Path,
    *,
    position_codes: Collection[str] | None = None,
    existing_ids: Collection[str] = (),
) -> ImportResult[Question]:
    """Validate a question-bank workbook. ``position_codes``: known codes (None skips that check)."""
    path = Path(path)
    wb = open_workbook(path)
    _check_kind(wb, KIND_QUESTIONS, path.name)
    ws = find_sheet(wb, SHEET_QUESTIONS)
    if ws is None:
        raise InvalidInput(_("{name} has no sheet “{sheet}” (found: {found}). Use the template the program "
                             "generates.").format(name=path.name, sheet=_(SHEET_QUESTIONS),
                                                 found="、".join(wb.sheetnames)))
    sheet = bind_sheet(ws, QUESTION_COLS, path.name)
    problems: list[Problem] = []
    warnings: list[Problem] = list(sheet.warnings)
    known_dims = set(competency.all_template_dimensions())
    ids: dict[str, int] = {}
    stems: dict[str, int] = {}
    drafts: list[tuple[int, Question, bool]] = []
    for row_no, cells in data_rows(sheet):
        rr = RowReader(sheet, QUESTION_COLS, row_no, cells)
        qid, text = rr.text("id"), rr.text("text")
        qtype, dim = rr.text("type"), rr.text("dimension")
        difficulty = rr.integer("difficulty", 1, 5, 0) or 0
        fam_label = rr.text("family")
        family = FAMILY_BY_LABEL.get(fam_label, fam_label if fam_label in FAMILY_LABELS else "")
        if qid and qid in ids:
            rr.problem("id", qid, _("Question ID {id} already appears in row {row}.").format(id=qid, row=ids[qid]))
        if len(qid) > 64:
            rr.problem("id", qid, _("At most {n} characters.").format(n=64))
        stem = stem_key(text)
        if text and stem in stems:
            rr.problem("text", text[:40], _("The same question text is already in row {row}.").format(row=stems[stem]))
        if qtype and qtype not in QUESTION_TYPES:
            rr.problem("type", qtype, _("Unknown question type; choose one of {choices}.").format(
                choices="、".join(QUESTION_TYPES)))
        if fam_label and not family:
            rr.problem("family", fam_label, _("Unknown job family; choose one of {choices}.").format(
                choices="、".join(FAMILY_LABELS.values())))
        positions = rr.items("positions")
        if position_codes is not None:
            for code in positions:
                if code not in position_codes:
                    rr.problem("positions", code, _("Unknown position code."))
        options: list[tuple[str, str]] = []
        for line in rr.lines("options"):
            m = _OPTION_RE.match(line)
            if m is None:
                rr.problem("options", line, _("Write each option on its own line as “A．text”."))
                continue
            letter = m.group(1).upper()
            if any(k == letter for k, _v in options):
                rr.problem("options", line, _("Option {letter} appears twice.").format(letter=letter))
            options.append((letter, m.group(2)))
        answer = re.sub(r"[\s,，、]", "", rr.text("answer")).upper()
        if options and not answer:
            rr.problem("answer", "", _("A multiple-choice question needs the correct answer."))
        if answer and any(a not in {k for k, _v in options} for a in answer):
            rr.problem("answer", answer, _("The answer names an option that does not exist."))
        if dim and dim not in known_dims:
            warnings.append(Problem(sheet.title, row_no, sheet.headers["dimension"], dim,
                                    _("No competency template uses this dimension; check that positions use "
                                      "the same name.")))
        if qid and qid in existing_ids:
            warnings.append(Problem(sheet.title, row_no, sheet.headers["id"], qid,
                                    _("This question already exists; importing updates it.")))
        q = Question(
            id=qid, text=text, type=qtype, dimension=dim, difficulty=difficulty, family=family,
            positions=positions, key_points=rr.lines("key_points"), reference_answer=rr.text("reference_answer"),
            key_terms=rr.items("key_terms"), source=rr.text("source"),
            policy_reference=rr.text("policy_reference"), licence_condition=rr.text("licence_condition"),
            options=tuple(sorted(options)), answer="".join(sorted(answer)), variant_of=rr.text("variant_of"),
        )
        problems += rr.problems
        if qid:
            ids.setdefault(qid, row_no)
        if text:
            stems.setdefault(stem, row_no)
        drafts.append((row_no, q, bool(rr.problems)))
    known_ids = set(ids) | set(existing_ids)
    good: list[Question] = []
    for row_no, q, bad in drafts:
        if q.variant_of and q.variant_of not in known_ids:
            problems.append(Problem(sheet.title, row_no, sheet.headers.get("variant_of", _("Version of")),
                                    q.variant_of, _("No question with this ID.")))
            bad = True
        if not bad:
            good.append(q)
    log.info("question import: %d rows, %d good, %d problems", len(drafts), len(good), len(problems))
    return ImportResult(tuple(good), tuple(problems), tuple(warnings), len(drafts))
