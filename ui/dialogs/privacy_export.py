"""个人信息查阅导出（PIPL 第四十五条）and 匿名化统计导出 from the Security menu.

Both run through the worker pool: the privacy service checks the permissions (staff records editing
for an access request, an export permission for the anonymised workbook) and audits the export; a
refused user sees the service's message in the dialog. The GUI thread only collects the choices and
shows where the file went.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, Cancelled
from app.i18n import _
from app.services.privacy import AnonymisedExport, PersonExport, PersonHit
from ui.tablemodels.base import Column
from ui.widgets.table import FilterTable
from ui.workers import Job, WorkerPool

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

def _error_text(exc: BaseException) -> str:
    if isinstance(exc, AppError):
        return exc.message
    return _("The export failed: {reason}. Nothing was saved; the details are in the log file.").format(reason=exc)


def _status_label(status: str) -> str:
    return {"employee": _("Employee"), "former_employee": _("Former employee"),
            "candidate": _("Candidate")}.get(status, status)


class _ExportDialog(QDialog):
    """Output file, progress bar, Cancel, result line and 打开所在文件夹 shared by both exports."""

    FILTER = ""

    def __init__(self, privacy: Any, pool: WorkerPool, default_name: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.privacy = privacy
        self.pool = pool
        self.job: Job | None = None
        self.result_path: Path | None = None
        self.output = QLineEdit(str(Path.home() / default_name), self)
        self.browse_button = QPushButton(_("Browse…"), self)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton(_("Export"), self)
        self.cancel_button = QPushButton(_("Cancel export"), self)
        self.cancel_button.setEnabled(False)
        self.open_folder_button = QPushButton(_("Open the folder"), self)
        self.open_folder_button.setEnabled(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.open_folder_button.clicked.connect(self._on_open_folder_button_clicked)
        self.buttons.rejected.connect(self.reject)

    def _output_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.output, 1)
        row.addWidget(self.browse_button)
        return row

    def _bottom(self, layout: QVBoxLayout) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.open_folder_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------- shared slots
    def _on_browse_button_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.windowTitle(), self.output.text(), self.FILTER)
        if path:
            self.output.setText(path)

    def _on_cancel_button_clicked(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _on_open_folder_button_clicked(self) -> None:
        if self.result_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_path.parent)))

    def _target(self, suffix: str) -> Path | None:
        text = self.output.text().strip()
        if not text:
            self._say(_("Choose the file to write."), error=True)
            return None
        path = Path(text).expanduser()
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        if path.is_dir():
            self._say(_("{path} is a folder; choose a file name.").format(path=path), error=True)
            return None
        return path

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _start(self, fn: Any, label: str) -> None:
        self.result_path = None
        self.open_folder_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._say(label)
        self.job = self.pool.submit(fn, on_done=self._on_job_done, on_error=self._on_job_failed,
                                    on_progress=self._on_job_progress)

    def _on_job_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        if message:
            self.progress.setFormat(message)

    def _finish(self) -> None:
        self.job = None
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)

    def _on_job_failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, Cancelled):
            self._say(_("The export was cancelled; no file was written."))
        else:
            self._say(_error_text(exc), error=True)

    def _on_job_done(self, result: Any) -> None:
        self._finish()
        self.result_path = result.path
        self.open_folder_button.setEnabled(True)
        self._say(self._describe(result))

    def _describe(self, result: Any) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _on_export_button_clicked(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class PersonExportDialog(_ExportDialog):
    """个人信息查阅导出: find the person, choose the ZIP file, export everything held about them."""

    FILTER = "ZIP (*.zip)"

    def __init__(self, privacy: Any, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(privacy, pool, _("personal-data-{day}.zip").format(day=date.today().isoformat()), parent)
        self.setWindowTitle(_("Personal data access request (PIPL)"))
        self.resize(760, 560)
        self.selected: PersonHit | None = None
        intro = QLabel(_("Answer a request under 个人信息保护法 Art. 45: a ZIP file with every record HR Desk holds "
                         "about one person (database rows, resumes, recordings and documents) and an index. "
                         "Hand it over only to the person or to someone they authorised; the export is logged."),
                       self)
        intro.setWordWrap(True)
        self.query = QLineEdit(self)
        self.query.setPlaceholderText(_("Name, staff number or candidate number (#12)"))
        self.find_button = QPushButton(_("Find"), self)
        self.table = FilterTable([
            Column[PersonHit]("name", _("Name")),
            Column[PersonHit]("staff_no", _("Staff number")),
            Column[PersonHit]("status", _("Status"), fmt=_status_label),
            Column[PersonHit]("department", _("Department")),
            Column[PersonHit]("candidacies", _("Applications")),
        ], parent=self)
        find_row = QHBoxLayout()
        find_row.addWidget(self.query, 1)
        find_row.addWidget(self.find_button)
        form = QFormLayout()
        form.addRow(_("Person"), find_row)
        form.addRow(_("Save as"), self._output_row())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        self._bottom(layout)
        self.export_button.setEnabled(False)
        self.find_button.clicked.connect(self._on_find_button_clicked)
        self.query.returnPressed.connect(self._on_find_button_clicked)
        self.table.row_selected.connect(self._on_table_row_selected)

    def _on_find_button_clicked(self) -> None:
        text = self.query.text().strip()
        if not text:
            self._say(_("Type a name, staff number or candidate number first."), error=True)
            return
        self._say(_("Searching…"))
        privacy = self.privacy
        self.pool.submit(lambda: privacy.find_people(text), on_done=self._on_people_found,
                         on_error=lambda exc: self._say(_error_text(exc), error=True))

    def _on_people_found(self, hits: list[PersonHit]) -> None:
        self.table.set_rows(hits)
        self.selected = None
        self.export_button.setEnabled(False)
        if not hits:
            self._say(_("Nobody matches {text}.").format(text=self.query.text().strip()))
            return
        self._say(_("{n} people found; select the person.").format(n=len(hits)))
        if len(hits) == 1:
            self.table.select_first()

    def _on_table_row_selected(self, hit: PersonHit | None) -> None:
        self.selected = hit
        self.export_button.setEnabled(hit is not None and self.job is None)

    def _on_export_button_clicked(self) -> None:
        hit = self.selected
        if hit is None:
            self._say(_("Select the person first."), error=True)
            return
        out = self._target(".zip")
        if out is None:
            return
        privacy, person_id = self.privacy, hit.person_id

        def export(progress: Any, cancel: Any) -> PersonExport:
            return privacy.person_export(person_id, out, progress=progress, cancel=cancel)

        self._start(export, _("Exporting the personal data of {name}…").format(name=hit.name))

    def _finish(self) -> None:
        super()._finish()
        self.export_button.setEnabled(self.selected is not None)

    def _describe(self, result: PersonExport) -> str:
        return _("Saved {path}: {rows} records from {tables} tables, {files} files.").format(
            path=result.path, rows=sum(result.tables.values()), tables=len(result.tables), files=result.files)


class AnonymisedExportDialog(_ExportDialog):
    """匿名化统计导出: interview scores and one month's pay by department and position, no names or IDs."""

    FILTER = "Excel (*.xlsx)"

    def __init__(self, privacy: Any, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(privacy, pool, _("anonymised-statistics-{day}.xlsx").format(day=date.today().isoformat()),
                         parent)
        self.setWindowTitle(_("Anonymised statistics export"))
        self.resize(620, 300)
        intro = QLabel(_("An Excel workbook for analysis: interview scores and pay by department and position, "
                         "without names, ID numbers, staff numbers or contact data. Groups of fewer than three "
                         "people show no pay figures."), self)
        intro.setWordWrap(True)
        self.month = QLineEdit(self)
        self.month.setPlaceholderText(_("YYYY-MM; empty: the latest payroll month"))
        form = QFormLayout()
        form.addRow(_("Pay month"), self.month)
        form.addRow(_("Save as"), self._output_row())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        self._bottom(layout)

    def _on_export_button_clicked(self) -> None:
        month = self.month.text().strip() or None
        if month is not None and not MONTH.match(month):
            self._say(_("Write the month as YYYY-MM (e.g. 2026-10), or leave it empty for the latest payroll "
                        "month."), error=True)
            return
        out = self._target(".xlsx")
        if out is None:
            return
        privacy = self.privacy
        self._start(lambda: privacy.anonymised_export(out, month), _("Exporting the anonymised statistics…"))

    def _describe(self, result: AnonymisedExport) -> str:
        return _("Saved {path}: {interviews} interviews, {groups} pay groups ({suppressed} too small to show).").format(
            path=result.path, interviews=result.interviews, groups=result.pay_groups,
            suppressed=result.suppressed_groups)
