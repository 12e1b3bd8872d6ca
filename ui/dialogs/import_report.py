"""The outcome of every file of a resume import: imported, duplicate (offer to merge) or rejected with its reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.i18n import _
from app.services.screening import DUPLICATE, IMPORTED, MERGED, REJECTED, FileOutcome, ImportReport
from app.services.registry import Services
from app.tasks import ChangeSet
from ui.tablemodels.base import Column
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool

_COLOURS = {IMPORTED: "#e3f4e1", DUPLICATE: "#fff4d6", REJECTED: "#fbe3e3", MERGED: "#e3ecfb"}


class ImportReportDialog(QDialog):
    def __init__(self, report: ImportReport, services: Services, pool: WorkerPool,
                 on_changed: Callable[[ChangeSet], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Resume import report"))
        self.resize(1100, 520)
        self.services = services
        self.pool = pool
        self.on_changed = on_changed
        self.outcomes: list[FileOutcome] = list(report.outcomes)
        self.summary = QLabel(report.summary(), self)
        self.table = FilterTable(
            [
                Column[FileOutcome]("name", _("File")),
                Column[FileOutcome]("outcome", _("Outcome"), value=lambda o: o.outcome_label,
                                    color=lambda o: _COLOURS.get(o.outcome)),
                Column[FileOutcome]("kind", _("Type"), value=lambda o: o.kind.upper()),
                Column[FileOutcome]("reason", _("Reason")),
            ],
            parent=self,
        )
        self.table.set_rows(self.outcomes)
        self.merge_button = QPushButton(_("Merge into the existing candidate"), self)
        self.merge_button.setEnabled(False)
        self.merge_button.setToolTip(_("Replace the existing candidate's resume with this file; corrections are kept."))
        self.export_button = QPushButton(_("Export to Excel…"), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.row_selected.connect(self._on_table_row_selected)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self._current: FileOutcome | None = None

    def _on_table_row_selected(self, row: FileOutcome | None) -> None:
        self._current = row
        self.merge_button.setEnabled(row is not None and row.outcome == DUPLICATE and row.duplicate_of is not None)

    def _on_merge_button_clicked(self) -> None:
        row = self._current
        if row is None or row.duplicate_of is None:
            return
        answer = QMessageBox.question(
            self, _("Merge"),
            _("Replace the resume of {name} (#{id}) with {file}? The old file stays in the archive and the "
              "corrections made so far are kept.").format(name=row.duplicate_name, id=row.duplicate_of, file=row.name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.merge(row)

    def merge(self, row: FileOutcome) -> None:
        assert row.duplicate_of is not None
        cid = row.duplicate_of

        def done(changes: ChangeSet) -> None:
            merged = FileOutcome(row.path, row.name, MERGED,
                                 _("Merged into {name} (#{id})").format(name=row.duplicate_name, id=cid),
                                 row.kind, candidate_id=cid, duplicate_of=cid, duplicate_name=row.duplicate_name,
                                 match=row.match)
            self.outcomes = [merged if o is row else o for o in self.outcomes]
            self.table.set_rows(self.outcomes)
            self.merge_button.setEnabled(False)
            if self.on_changed is not None:
                self.on_changed(changes)

        self.pool.submit(lambda: self.services.screening.merge_duplicate(cid, row.path), lane="db",
                         on_done=done, on_error=self._show_error)

    def _on_export_button_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export the import report"), _("resume_import_report.xlsx"),
                                                    "Excel (*.xlsx)")
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        outcomes = list(self.outcomes)
        self.pool.submit(lambda: self.services.screening.export_report(outcomes, path), lane="io",
                         on_done=lambda _p: None, on_error=self._show_error)

    def _show_error(self, exc: BaseException) -> None:
        from app.errors import AppError

        QMessageBox.warning(self, _("HR Desk"), exc.message if isinstance(exc, AppError) else str(exc))


def outcome_rows(dialog: ImportReportDialog) -> list[Any]:
    """The rows the dialog shows (for tests)."""
    return dialog.table.model.rows()

