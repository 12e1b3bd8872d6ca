"""Preview of an Excel import: every problem with sheet / row / column / value / reason, the warnings,
and the choice between importing everything (only when the file is clean) and the correct rows only.

``start_excel_import`` runs the whole flow: validate in the background → preview dialog → store with
a progress dialog. Nothing is stored before the user chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from ui.tablemodels.base import RIGHT, Column, DtoTableModel
from ui.widgets.progress import run_with_progress
from ui.workers import WorkerPool

ALL, GOOD_ROWS = "all", "good"


@dataclass(frozen=True)
class ProblemRow:
    sheet: str
    row: int
    column: str
    value: str
    reason: str


def _table(parent: QWidget, rows: list[ProblemRow]) -> tuple[QTableView, DtoTableModel[ProblemRow]]:
    model: DtoTableModel[ProblemRow] = DtoTableModel(
        [
            Column[ProblemRow]("sheet", _("Sheet")),
            Column[ProblemRow]("row", _("Row"), align=RIGHT),
            Column[ProblemRow]("column", _("Column")),
            Column[ProblemRow]("value", _("Value")),
            Column[ProblemRow]("reason", _("Reason")),
        ],
        parent,
    )
    model.set_rows(rows)
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setWordWrap(True)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.resizeColumnsToContents()
    return view, model


class ExcelImportDialog(QDialog):
    """Shows an ``app.positions.excel.ImportResult``; ``choice`` is ALL, GOOD_ROWS or None (cancelled)."""

    def __init__(self, title: str, file_name: str, result: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(900, 520)
        self.choice: str | None = None
        self.result = result
        problems = [ProblemRow(p.sheet, p.row, p.column, p.value, p.reason) for p in result.problems]
        warnings = [ProblemRow(p.sheet, p.row, p.column, p.value, p.reason) for p in result.warnings]
        good, total = len(result.rows), result.total
        if result.clean:
            text = _("{file}: {total} records, all correct. Nothing has been stored yet.").format(
                file=file_name, total=total)
        else:
            text = _("{file}: {total} records, {good} correct, {bad} with problems ({n} problems). Nothing has been "
                     "stored yet: correct the file, or import only the correct records.").format(
                file=file_name, total=total, good=good, bad=result.bad_count, n=len(problems))
        self.summary = QLabel(text, self)
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.problems_view, self.problems_model = _table(self, problems)
        self.warnings_view, self.warnings_model = _table(self, warnings)
        self.tabs.addTab(self.problems_view, _("Problems ({n})").format(n=len(problems)))
        self.tabs.addTab(self.warnings_view, _("Warnings ({n})").format(n=len(warnings)))
        if not problems:
            self.tabs.setCurrentIndex(1)
        buttons = QDialogButtonBox(self)
        self.import_all = QPushButton(_("Import all {n} records").format(n=total), self)
        self.import_good = QPushButton(_("Import only the {n} correct records").format(n=good), self)
        self.import_all.setEnabled(result.clean and total > 0)
        self.import_good.setVisible(not result.clean)
        self.import_good.setEnabled(not result.clean and good > 0)
        buttons.addButton(self.import_all, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.import_good, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.import_all.clicked.connect(self._on_import_all_clicked)
        self.import_good.clicked.connect(self._on_import_good_clicked)
        buttons.rejected.connect(self.reject)

    def _on_import_all_clicked(self) -> None:
        self.choice = ALL
        self.accept()

    def _on_import_good_clicked(self) -> None:
        self.choice = GOOD_ROWS
        self.accept()


def start_excel_import(
    parent: QWidget,
    pool: WorkerPool,
    *,
    title: str,
    path: str,
    preview: Callable[[], Any],
    store: Callable[[bool, Any, Any], Any],
    on_stored: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Validate ``path`` with ``preview()`` off the GUI thread, show the dialog (kept as
    ``parent.import_dialog`` for tests), then ``store(good_rows_only, progress, cancel)``."""
    from pathlib import Path

    def previewed(result: Any) -> None:
        dialog = ExcelImportDialog(title, Path(path).name, result, parent)
        parent.import_dialog = dialog  # type: ignore[attr-defined]

        def chosen() -> None:
            good_only = dialog.choice == GOOD_ROWS
            run_with_progress(parent, pool, _("Importing…"),
                              lambda progress, cancel: store(good_only, progress, cancel), on_stored)

        dialog.accepted.connect(chosen)
        dialog.open()

    pool.submit(preview, lane="db", on_done=previewed, on_error=on_error)
