"""Clock-data import: choose the columns, preview every problem row by row, then confirm."""

from __future__ import annotations

from pathlib import Path
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.attendance.clock import ColumnMapping, RowProblem
from app.i18n import _
from app.services.attendance import AttendanceService, ClockFile, ClockPreview, ImportResult
from ui.tablemodels.base import Column
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool

NONE = ""


class ClockImportDialog(QDialog):
    """Step 1 column mapping (remembered per export layout), step 2 preview, step 3 confirm."""

    def __init__(self, service: AttendanceService, pool: WorkerPool, info: ClockFile, month: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.pool = pool
        self.info = info
        self.month = month
        self.preview: ClockPreview | None = None
        self.result: ImportResult | None = None
        self.setWindowTitle(_("Import clock data for {month}").format(month=month))
        self.resize(900, 600)
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        labels = {"staff_no": _("Staff number column"), "timestamp": _("Date and time column"),
                  "date": _("Date column (if separate)"), "time": _("Time column (if separate)"),
                  "device": _("Device column (optional)")}
        for key, label in labels.items():
            box = QComboBox(self)
            box.addItem(NONE)
            box.addItems(list(info.header))
            value = getattr(info.mapping, key) if info.mapping else None
            if value:
                box.setCurrentText(value)
            self.combos[key] = box
            form.addRow(label, box)
        self.note = QLabel(
            _("Columns remembered from the last import of this export layout.") if info.remembered
            else _("Check the columns; they are remembered for the next export of this layout."), self)
        self.preview_btn = QPushButton(_("Preview"), self)
        self.counts = QLabel(self)
        self.problems = FilterTable(
            [
                Column[RowProblem]("row", _("Row")),
                Column[RowProblem]("column", _("Column")),
                Column[RowProblem]("value", _("Value")),
                Column[RowProblem]("reason", _("Reason")),
                Column[RowProblem]("severity", _("Severity"),
                                   fmt=lambda v: _("error") if v == "error" else _("warning"),
                                   color=lambda p: "#f4b4b4" if p.severity == "error" else "#fde0b8"),
            ],
            title=_("Problems, row by row"),
            parent=self,
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.confirm = self.buttons.addButton(_("Import the good rows"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("{path}: {n} rows").format(path=info.path, n=info.rows), self))
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.preview_btn)
        layout.addWidget(self.counts)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.buttons)
        self.preview_btn.clicked.connect(self.run_preview)
        self.buttons.rejected.connect(self.reject)
        self.confirm.clicked.connect(self.commit)

    def mapping(self) -> ColumnMapping:
        values = {k: (b.currentText() or None) for k, b in self.combos.items()}
        return ColumnMapping(values["staff_no"] or "", values["timestamp"], values["date"], values["time"], values["device"])

    def run_preview(self) -> None:
        mapping = self.mapping()
        svc, path, month = self.service, Path(self.info.path), self.month
        run_with_progress(self, self.pool, _("Checking the file…"),
                          lambda progress, cancel: svc.preview_clock(path, month, mapping, progress=progress, cancel=cancel),
                          self.show_preview)

    def show_preview(self, preview: ClockPreview) -> None:
        self.preview = preview
        pv = preview.preview
        self.problems.set_rows(list(pv.problems))
        self.counts.setText(
            _("{rows} rows read: {good} good punches ({new} new, {old} already imported), {errors} errors, "
              "{warnings} warnings.").format(rows=pv.rows_read, good=len(pv.punches), new=preview.new_punches,
                                             old=preview.already_imported, errors=preview.errors,
                                             warnings=preview.warnings))
        self.confirm.setEnabled(preview.new_punches > 0)

    def commit(self) -> None:
        if self.preview is None:
            return
        svc, preview = self.service, self.preview

        def done(result: ImportResult) -> None:
            self.result = result
            self.accept()

        run_with_progress(self, self.pool, _("Storing punches"),
                          lambda progress, cancel: svc.commit_clock(preview, progress=progress, cancel=cancel), done)

    def problems_shown(self) -> int:
        return self.problems.model.rowCount()
