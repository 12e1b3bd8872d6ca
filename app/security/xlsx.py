"""Small, safe .xlsx writing: user text is always a text cell, never a formula."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from app.errors import StorageError
from app.i18n import _


def write_table(path: Path, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    bold = Font(bold=True)
    head = []
    for h in header:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = bold
        head.append(c)
    ws.append(head)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # never a formula, whatever the text begins with
                if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    cell.quotePrefix = True
            else:
                cell = WriteOnlyCell(ws, value=value)
            cells.append(cell)
        ws.append(cells)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as exc:
        raise StorageError(_("Cannot write {path}: {reason}. Close it in Excel or choose another folder.").format(
            path=path, reason=exc.strerror or exc)) from exc
    return path
