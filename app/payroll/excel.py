"""The pay sheet (工资表) as .xlsx, written with openpyxl in write-only (streaming) mode.

Layout: a hospital summary sheet first (one row per department, linked to each department's total
row, plus a grand total), then one sheet per department: a title row, a header row, one row per
employee, one column per pay item, and a 合计 row. Every total is a real ``SUM`` formula (or a
reference to one) so it recomputes in Excel, WPS and LibreOffice when someone edits a figure.
Header rows are frozen and repeated on every printed page; pages are A4 landscape, fit to width.

Safety: any text from users (names, departments, item names) that begins with ``=``, ``+``, ``-``,
``@``, tab or carriage return is stored as a text cell, never as a formula.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.errors import InvalidInput, StorageError
from app.i18n import _
from app.payroll.structure import PayResult, PayStructure
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

MONEY_FORMAT = "#,##0.00;-#,##0.00"
NUMBER_FORMAT = "0.##"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class SheetColumn:
    key: str
    header: str
    kind: str = "money"  # money | text | number
    width: float = 11.0


@dataclass(frozen=True)
class PayrollSheetData:
    title: str  # e.g. "2026年7月工资表"
    columns: Sequence[SheetColumn]  # the first text column is counted for the headcount
    rows: Sequence[Mapping[str, Any]]
    department_key: str = "department"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def safe_sheet_title(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name).strip().strip("'") or _("Unnamed")
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class _StyledCell(Cell):
    """A cell whose style id is looked up once (the style never changes after the first row)."""

    __slots__ = ("_sid",)

    @property
    def style_id(self) -> int:
        try:
            return self._sid  # type: ignore[no-any-return]
        except AttributeError:
            self._sid: int = self.parent.parent._cell_styles.add(self._style)
            return self._sid


def _stream_cells(values: Sequence[Cell | None], row_idx: int) -> Any:
    """Replacement for openpyxl's per-row conversion when every value is already a Cell (or None):
    no re-binding of values, no new cell per styled value."""
    for col_idx, cell in enumerate(values, 1):
        if cell is None:
            continue
        cell.column = col_idx
        cell.row = row_idx
        yield cell


def _fast_sheet(wb: Workbook, title: str) -> Worksheet:
    ws = wb.create_sheet(title)
    if hasattr(ws, "_values_to_row"):  # openpyxl 3.1 write-only internals; plain append otherwise
        ws._values_to_row = _stream_cells
    return ws


class _RowWriter:
    """Reuses one styled cell per column: write-only rows are serialised as soon as they are appended."""

    def __init__(self, ws: Worksheet, columns: Sequence[SheetColumn]) -> None:
        self.ws = ws
        self.columns = columns
        self.cells: list[Cell] = []
        for col in columns:
            cell = _StyledCell(ws)
            if col.kind == "money":
                cell.number_format = MONEY_FORMAT
            elif col.kind == "number":
                cell.number_format = NUMBER_FORMAT
            self.cells.append(cell)

    def append(self, row: Mapping[str, Any]) -> None:
        out: list[Any] = []
        for col, cell in zip(self.columns, self.cells, strict=True):
            value = row.get(col.key)
            if value is None:
                out.append(None)
                continue
            if col.kind == "text" or isinstance(value, str):
                _set_text(cell, value)
            else:
                if isinstance(value, float):
                    raise InvalidInput(_("Column {column} holds a float; pass Decimal amounts.").format(column=col.key))
                cell.value = value
            out.append(cell)
        self.ws.append(out)


def _set_text(cell: WriteOnlyCell, value: Any) -> None:
    text = str(value)
    cell.value = text
    cell.data_type = "s"  # even "=HYPERLINK(...)" stays text


def _text_cell(ws: Worksheet, value: str, bold: bool = False, size: int | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    _set_text(cell, value)
    if bold or size:
        cell.font = Font(bold=bold, size=size or 11)
    return cell


def _formula_cell(ws: Worksheet, formula: str, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=formula)
    cell.number_format = number_format
    cell.font = Font(bold=True)
    return cell


def _setup_print(ws: Worksheet, columns: Sequence[SheetColumn], frozen: str) -> None:
    for i, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = frozen
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True


def write_payroll_sheet(
    data: PayrollSheetData,
    path: Path,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    """Write the workbook to ``path`` (replaced if it exists) and return it."""
    columns = list(data.columns)
    if not columns:
        raise InvalidInput(_("The pay sheet has no columns."))
    money_keys = [c.key for c in columns if c.kind != "text"]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in data.rows:
        for key in money_keys:
            if isinstance(row.get(key), float):
                raise InvalidInput(
                    _("Column {column} holds a float; pass Decimal amounts.").format(column=key)
                )
        groups.setdefault(str(row.get(data.department_key) or _("No department")), []).append(row)
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    summary_title = safe_sheet_title(_("Hospital summary"), taken)
    titles = {dept: safe_sheet_title(dept, taken) for dept in groups}
    money_cols = [(i, c) for i, c in enumerate(columns, 1) if c.kind == "money"]
    count_col = next((i for i, c in enumerate(columns, 1) if c.kind == "text"), 1)
    total_label_col = 2 if len(columns) > 1 else 1

    # summary sheet: department | headcount | money columns, linked to each sheet's total row
    summary = _fast_sheet(wb, summary_title)
    sum_cols = [
        SheetColumn("department", _("Department"), "text", 16),
        SheetColumn("headcount", _("Headcount"), "number", 8),
    ] + [c for _i, c in money_cols]
    _setup_print(summary, sum_cols, "C3")
    summary.append([_text_cell(summary, _("{title}: hospital summary").format(title=data.title), True, 14)])
    summary.append([_text_cell(summary, c.header, True) for c in sum_cols])
    first_data = 3
    for r, (dept, rows) in enumerate(groups.items()):
        sheet = _quote_sheet(titles[dept])
        total_row = first_data + len(rows)
        letter = get_column_letter(count_col)
        line: list[Any] = [
            _text_cell(summary, dept),
            _formula_cell(summary, f"=COUNTA({sheet}!{letter}{first_data}:{letter}{total_row - 1})", NUMBER_FORMAT),
        ]
        for i, _c in money_cols:
            col = get_column_letter(i)
            line.append(_formula_cell(summary, f"={sheet}!{col}{total_row}", MONEY_FORMAT))
        line[1].font = Font()
        for cell in line[2:]:
            cell.font = Font()
        summary.append(line)
    last = first_data + len(groups) - 1
    grand: list[Any] = [_text_cell(summary, _("Hospital total"), True)]
    for j in range(2, len(sum_cols) + 1):
        col = get_column_letter(j)
        fmt_ = NUMBER_FORMAT if j == 2 else MONEY_FORMAT
        grand.append(_formula_cell(summary, f"=SUM({col}{first_data}:{col}{last})", fmt_))
    summary.append(grand)

    try:
        _write_departments(wb, data, columns, groups, titles, money_cols, total_label_col, first_data,
                           progress, cancel)
    except BaseException:
        for ws in wb.worksheets:  # finish the temporary streams so nothing is left half-open
            try:
                ws.close()
            except Exception:  # noqa: BLE001 - already failing; the original error matters
                pass
        raise
    total_rows = len(data.rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as exc:
        raise StorageError(
            _("Could not write {path}: {error}. Check the folder exists and the file is not open in Excel.").format(
                path=path, error=exc.strerror or exc
            )
        ) from exc
    progress(total_rows, total_rows, _("Pay sheet written"))
    log.info("pay sheet written: %d rows, %d departments", total_rows, len(groups))
    return path


def _write_departments(
    wb: Workbook,
    data: PayrollSheetData,
    columns: list[SheetColumn],
    groups: dict[str, list[Mapping[str, Any]]],
    titles: dict[str, str],
    money_cols: list[tuple[int, SheetColumn]],
    total_label_col: int,
    first_data: int,
    progress: ProgressFn,
    cancel: CancelToken,
) -> None:
    done, total_rows = 0, len(data.rows)
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for dept, rows in groups.items():
        cancel.raise_if_cancelled()
        ws = _fast_sheet(wb, titles[dept])
        _setup_print(ws, columns, "D3" if len(columns) > 3 else "A3")
        ws.append([_text_cell(ws, _("{department} — {title}").format(department=dept, title=data.title), True, 14)])
        headers = []
        for c in columns:
            cell = _text_cell(ws, c.header, True)
            cell.alignment = header_align
            headers.append(cell)
        ws.append(headers)
        writer = _RowWriter(ws, columns)
        for row in rows:
            writer.append(row)
            done += 1
            if done % 500 == 0:
                cancel.raise_if_cancelled()
                progress(done, total_rows, _("Writing the pay sheet"))
        total_row = first_data + len(rows)
        totals: list[Any] = [None] * len(columns)  # only Cells or None in rows (see _stream_cells)
        totals[total_label_col - 1] = _text_cell(ws, _("Total"), True)
        for i, _c in money_cols:
            col = get_column_letter(i)
            totals[i - 1] = _formula_cell(ws, f"=SUM({col}{first_data}:{col}{total_row - 1})", MONEY_FORMAT)
        ws.append(totals)


def sheet_from_results(structure: PayStructure, results: Sequence[PayResult], title: str) -> PayrollSheetData:
    """Plain sheet data from engine results: id, name, department, one column per item, totals."""
    columns: list[SheetColumn] = [
        SheetColumn("employee_id", _("Staff no."), "text", 10),
        SheetColumn("name", _("Name"), "text", 10),
        SheetColumn("department", _("Department"), "text", 12),
    ]
    extra_codes: list[str] = []
    for it in structure.items:
        columns.append(SheetColumn(it.code, it.name, "money"))
    if any(ln.code not in {it.code for it in structure.items} for r in results for ln in r.lines):
        from app.payroll.structure import PROBATION_CODE

        extra_codes.append(PROBATION_CODE)
        columns.insert(3 + len(structure.items), SheetColumn(PROBATION_CODE, _("Probation pay adjustment"), "money"))
    columns += [
        SheetColumn("gross", _("Gross pay"), "money", 12),
        SheetColumn("taxable_base", _("Taxable base"), "money", 12),
        SheetColumn("tax", _("Income tax"), "money"),
        SheetColumn("net", _("Net pay"), "money", 12),
    ]
    rows: list[dict[str, Any]] = []
    for r in results:
        row: dict[str, Any] = {"employee_id": r.employee_id, "name": r.name, "department": r.department}
        for ln in r.lines:
            row[ln.code] = ln.amount
        row.update(gross=r.gross, taxable_base=r.taxable_base, tax=r.tax, net=r.net)
        rows.append(row)
    return PayrollSheetData(title=title, columns=columns, rows=rows)
