"""Backups: create one, see every backup with its check result, restore one after confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.backup import BackupInfo, BackupService, RestoreResult
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from ui.tablemodels.base import Column
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool

OK_COLOUR, BAD_COLOUR = "#d7f0d2", "#f4b4b4"


@dataclass(frozen=True)
class BackupRow:
    name: str
    created_at: datetime | None
    kind: str
    size_mb: float
    schema: str
    status: str
    ok: bool | None
    info: BackupInfo


def _rows(service: BackupService, *, progress: ProgressFn = no_progress,
          cancel: CancelToken = NEVER_CANCELLED) -> list[BackupRow]:
    """Every backup with its verification (run off the GUI thread)."""
    out = []
    backups = service.list()
    for i, b in enumerate(backups):
        cancel.raise_if_cancelled()
        progress(i, len(backups), b.name)
        report = service.verify(b.path, check_archive=False, cancel=cancel)
        status = _("complete") if report.ok else "; ".join(report.problems)
        kind = _("safety copy before a restore") if b.label == "before-restore" else _("backup")
        out.append(BackupRow(b.name, b.created_at, kind, round(b.size_bytes / 1_048_576, 1), b.schema_revision[:4],
                             status, report.ok, b))
    return out


class BackupDialog(QDialog):
    def __init__(self, service: BackupService, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.pool = pool
        self.restored: RestoreResult | None = None
        self._current: BackupRow | None = None
        self.setWindowTitle(_("Backups"))
        self.resize(820, 460)
        self.table = FilterTable(
            [
                Column[BackupRow]("created_at", _("Made at")),
                Column[BackupRow]("kind", _("Kind")),
                Column[BackupRow]("size_mb", _("Size (MB)")),
                Column[BackupRow]("schema", _("Schema")),
                Column[BackupRow]("status", _("Check result"),
                                  color=lambda r: OK_COLOUR if r.ok else BAD_COLOUR if r.ok is False else None),
                Column[BackupRow]("name", _("Folder")),
            ],
            title=_("Backups in {path}").format(path=service.data.backups),
            parent=self,
        )
        self.create_btn = QPushButton(_("Back up now"), self)
        self.verify_btn = QPushButton(_("Check again"), self)
        self.restore_btn = QPushButton(_("Restore the selected backup…"), self)
        self.restore_btn.setEnabled(False)
        self.note = QLabel(_("The database is copied while the program runs; the archive files (resumes, "
                             "recordings) are listed with checksums but not copied. Keep the encryption key "
                             "file safe separately."), self)
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for b in (self.create_btn, self.verify_btn, self.restore_btn):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self._connect_signals()
        self.reload()

    def _connect_signals(self) -> None:
        self.create_btn.clicked.connect(self._on_create_clicked)
        self.verify_btn.clicked.connect(self.reload)
        self.restore_btn.clicked.connect(self._on_restore_clicked)
        self.table.row_selected.connect(self._on_table_row_selected)

    def reload(self) -> None:
        run_with_progress(self, self.pool, _("Checking the backups"),
                          lambda progress, cancel: _rows(self.service, progress=progress, cancel=cancel),
                          self._on_rows_loaded, lane="io")

    def _on_rows_loaded(self, rows: list[BackupRow]) -> None:
        self.table.set_rows(rows)
        self.table.select_first()

    def _on_table_row_selected(self, row: Any) -> None:
        self._current = row if isinstance(row, BackupRow) else None
        self.restore_btn.setEnabled(isinstance(row, BackupRow) and bool(row.ok))

    def _on_create_clicked(self) -> None:
        run_with_progress(self, self.pool, _("Backing up"),
                          lambda progress, cancel: self.service.create(progress=progress, cancel=cancel),
                          lambda _info: self.reload())

    def selected(self) -> BackupRow | None:
        return self._current

    def _on_restore_clicked(self) -> None:
        row = self.selected()
        if row is None or not row.ok:
            return
        when = row.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if row.created_at else row.name
        answer = QMessageBox.question(
            self, _("Restore backup"),
            _("Replace all current data with the backup of {when}?\n\nEverything entered after that time is "
              "replaced. A safety copy of the current data is made first, so this can be undone by restoring "
              "that copy.").format(when=when),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        run_with_progress(self, self.pool, _("Restoring"),
                          lambda progress, cancel: self.service.restore(row.info.path, progress=progress,
                                                                        cancel=cancel),
                          self._on_restored)

    def _on_restored(self, result: RestoreResult) -> None:
        self.restored = result
        QMessageBox.information(self, _("Restore backup"), _(
            "The data was restored from {name}. The data from before is kept in {safety}. HR Desk reloads "
            "everything now.").format(name=result.restored_from.name,
                                      safety=result.safety_copy.name if result.safety_copy else "-"))
        self.reload()
