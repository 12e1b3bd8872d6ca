"""数据库与档案文件夹: which database and archive folder this workstation uses, and changing them.

Shows the open database (backend, address with the password hidden, server version, schema revision) and
the archive folder (and whether it can be reached). An administrator can set the ``database_url`` and
``archive_dir`` settings of this workstation (``app.config``, a per-workstation file), try them first with
"test connection" (runs in the worker pool), and is told that a restart is needed. A password in the
address is refused: it belongs in the PostgreSQL password file, never in the settings.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import config, paths
from app.context import AppContext
from app.i18n import _
from app.selftest import DatabaseStatus, database_status, probe_database, validate_database_setting
from ui.workers import WorkerPool

OK_STYLE, BAD_STYLE = "color: #1b6e20;", "color: #b00020;"


def backend_label(backend: str) -> str:
    return {"sqlite": _("SQLite file (this workstation only)"),
            "postgresql": _("PostgreSQL server (shared by workstations)")}.get(backend, backend)


def revision_text(status: DatabaseStatus) -> str:
    if not status.revision:
        return _("none yet (created when HR Desk first opens it)")
    if status.up_to_date:
        return _("{rev} (current)").format(rev=status.revision)
    return _("{rev}; this program expects {head} and upgrades it when it opens the database").format(
        rev=status.revision, head=status.head)


def archive_text(status: DatabaseStatus) -> str:
    if status.archive_problem:
        return status.archive_problem
    if status.archive_shared:
        return _("{path} (shared folder, reachable)").format(path=status.archive)
    return _("{path} (local to this workstation)").format(path=status.archive)


class DatabaseSettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, pool: WorkerPool, *, can_edit: bool, parent: QWidget | None = None,
                 settings_path: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.can_edit = can_edit
        self.settings_path = settings_path
        self.saved = False
        self.status: DatabaseStatus | None = None
        self.setWindowTitle(_("Database and archive folder"))
        self.resize(720, 520)

        current = QGroupBox(_("In use now"), self)
        self.backend_label = QLabel(self)
        self.url_label = QLabel(self)
        self.server_label = QLabel(self)
        self.revision_label = QLabel(self)
        self.archive_label = QLabel(self)
        for label in (self.url_label, self.archive_label, self.revision_label):
            label.setWordWrap(True)
        form = QFormLayout(current)
        form.addRow(_("Database type"), self.backend_label)
        form.addRow(_("Address"), self.url_label)
        form.addRow(_("Server"), self.server_label)
        form.addRow(_("Schema revision"), self.revision_label)
        form.addRow(_("Archive folder"), self.archive_label)

        settings = config.load(settings_path)
        edit = QGroupBox(_("Settings of this workstation"), self)
        self.url_edit = QLineEdit(settings.database_url, self)
        self.url_edit.setPlaceholderText(_("empty: the SQLite file in the data folder; or "
                                           "postgresql+psycopg://user@server:5432/hrdesk"))
        self.archive_edit = QLineEdit(settings.archive_dir, self)
        self.archive_edit.setPlaceholderText(_("empty: the archive folder inside the data folder; or a shared "
                                               "folder such as Z:\\HR-archive or \\\\server\\hr-archive"))
        self.browse_btn = QPushButton(_("Choose…"), self)
        archive_row = QHBoxLayout()
        archive_row.addWidget(self.archive_edit, 1)
        archive_row.addWidget(self.browse_btn)
        eform = QFormLayout(edit)
        eform.addRow(_("Database address"), self.url_edit)
        eform.addRow(_("Shared archive folder"), archive_row)
        hint = QLabel(_("Never write a password into the address: put it in this workstation's PostgreSQL "
                        "password file (pgpass). Changes take effect after HR Desk is restarted."), self)
        hint.setWordWrap(True)
        eform.addRow(hint)
        self.overridden = QLabel(self)
        self.overridden.setWordWrap(True)
        self.overridden.setStyleSheet(BAD_STYLE)
        overrides = [name for name, value in (("HRDESK_DATABASE_URL", paths.env_database_url()),
                                              ("HRDESK_ARCHIVE_DIR", paths.env_archive_dir())) if value]
        self.overridden.setText(_("The environment variables {names} are set on this workstation and take "
                                  "precedence over these settings.").format(names=", ".join(overrides))
                                if overrides else "")
        self.overridden.setVisible(bool(overrides))
        eform.addRow(self.overridden)

        self.test_btn = QPushButton(_("Test connection"), self)
        self.save_btn = QPushButton(_("Save"), self)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        if not can_edit:
            for w in (self.url_edit, self.archive_edit, self.browse_btn, self.test_btn, self.save_btn):
                w.setEnabled(False)
            self.result_label.setText(_("Only an administrator can change the database or the archive folder."))
        row = QHBoxLayout()
        row.addWidget(self.test_btn)
        row.addWidget(self.save_btn)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(current)
        layout.addWidget(edit)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(buttons)

        self.test_btn.clicked.connect(self._on_test_clicked)
        self.save_btn.clicked.connect(self._on_save_clicked)
        self.browse_btn.clicked.connect(self._on_browse_clicked)
        self.reload()

    # ---------------------------------------------------------------- current state
    def reload(self) -> None:
        self.backend_label.setText(backend_label(self.ctx.backend))
        self.server_label.setText(_("Reading…"))
        self.pool.submit(lambda: database_status(self.ctx), lane="io", on_done=self._on_status_loaded,
                         on_error=self._on_status_failed)

    def _on_status_loaded(self, status: DatabaseStatus) -> None:
        self.status = status
        self.backend_label.setText(backend_label(status.backend))
        self.url_label.setText(status.url)
        self.server_label.setText(status.server)
        self.revision_label.setText(revision_text(status))
        self.archive_label.setText(archive_text(status))
        self.archive_label.setStyleSheet(BAD_STYLE if status.archive_problem else OK_STYLE)

    def _on_status_failed(self, exc: BaseException) -> None:
        self.server_label.setText(getattr(exc, "message", str(exc)))
        self.server_label.setStyleSheet(BAD_STYLE)

    # ---------------------------------------------------------------- test and save
    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Shared archive folder"), self.archive_edit.text())
        if folder:
            self.archive_edit.setText(folder)

    def _show_result(self, text: str, ok: bool) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(OK_STYLE if ok else BAD_STYLE)

    def _on_test_clicked(self) -> None:
        url, archive, root = self.url_edit.text().strip(), self.archive_edit.text().strip(), self.ctx.data.root
        self.test_btn.setEnabled(False)
        self._show_result(_("Connecting…"), True)
        self.pool.submit(lambda: probe_database(url, archive, root), lane="io", on_done=self._on_test_done,
                         on_error=self._on_test_failed)

    def _on_test_done(self, status: DatabaseStatus) -> None:
        self.test_btn.setEnabled(self.can_edit)
        lines = [_("Connected: {backend}, {server}, {url}.").format(backend=backend_label(status.backend),
                                                                   server=status.server, url=status.url),
                 _("Schema revision: {text}").format(text=revision_text(status)),
                 _("Archive folder: {text}").format(text=archive_text(status))]
        if status.backend == "postgresql" and not status.archive_shared:
            lines.append(_("Set a shared archive folder too: with a server database, resumes and recordings "
                           "kept in a local folder are not seen by other workstations."))
        self._show_result("\n".join(lines), not status.archive_problem)

    def _on_test_failed(self, exc: BaseException) -> None:
        self.test_btn.setEnabled(self.can_edit)
        self._show_result(getattr(exc, "message", str(exc)), False)

    def _on_save_clicked(self) -> None:
        url, archive = self.url_edit.text().strip(), self.archive_edit.text().strip()
        self.pool.submit(lambda: self._save(url, archive), lane="io", on_done=self._on_saved,
                         on_error=self._on_test_failed)

    def _save(self, url: str, archive: str) -> config.Settings:
        """Runs in the worker pool: validate (refuses a password) and write this workstation's settings."""
        stored = validate_database_setting(url)
        settings = replace(config.load(self.settings_path), database_url=stored, archive_dir=archive)
        config.save(settings, self.settings_path)
        return settings

    def _on_saved(self, settings: Any) -> None:
        self.saved = True
        self.url_edit.setText(settings.database_url)
        self._show_result(_("Saved. Restart HR Desk to use the new database and archive folder."), True)
