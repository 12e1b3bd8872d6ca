"""Excel export of the candidate comparison for one position (openpyxl).

Every text cell is written as text: a candidate name or reason that starts with ``=``, ``+``, ``-`` or
``@`` never becomes a formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import StorageError
from app.i18n import _

if TYPE_CHECKING:
    from app.services.assessment import Comparison


def _text_cell(ws: Any, row: int, col: int, value: str) -> Any:
    cell = ws.cell(row=row, column=col)
    cell.value = value
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def write_comparison(comparison: Comparison, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("Comparison")[:31]
    bold = Font(bold=True)
    _text_cell(ws, 1, 1, _("Candidate comparison: {position}").format(position=comparison.position)).font = Font(
        bold=True, size=14)
    headers = [_("Candidate"), _("Total"), _("Recommendation"), _("Decision"), _("Risk flags")]
    dim_headers = [
        _("{dimension} (weight {weight}%, bar {bar})").format(dimension=n, weight=f"{w:g}", bar=f"{b:g}")
        for n, w, b in zip(comparison.dimensions, comparison.weights, comparison.pass_bars, strict=True)
    ]
    for c, h in enumerate(headers + dim_headers, 1):
        cell = _text_cell(ws, 3, c, h)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
    below = PatternFill("solid", fgColor="FBE3D6")
    from app.services.assessment import recommendation_label

    for r, row in enumerate(comparison.rows, 4):
        _text_cell(ws, r, 1, row.candidate)
        ws.cell(row=r, column=2, value=row.total).number_format = "0.00"
        _text_cell(ws, r, 3, row.recommendation_label)
        _text_cell(ws, r, 4, recommendation_label(row.decision) if row.decision else _("not decided"))
        ws.cell(row=r, column=5, value=row.risk_count)
        for j, score in enumerate(row.scores):
            cell = ws.cell(row=r, column=6 + j, value=score)
            cell.number_format = "0.00"
            if score is not None and score < comparison.pass_bars[j]:
                cell.fill = below
    last = 3 + len(comparison.rows) + 2
    _text_cell(ws, last, 1, _("Scores are 0–10; dimension scores blend the AI score and the interviewer's mark. "
                              "Cells shaded red are below the dimension's pass bar. The recommendation is the "
                              "software's; the decision is a person's."))
    for c in range(1, len(headers) + len(dim_headers) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 14 if c > 1 else 12
    ws.row_dimensions[3].height = 45
    ws.freeze_panes = "B4"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as exc:
        raise StorageError(_("Cannot write {path}: {reason}. Choose another folder or close the file in Excel.").format(
            path=path, reason=exc.strerror or exc)) from exc
    return path
