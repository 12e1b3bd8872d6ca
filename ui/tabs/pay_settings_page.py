"""薪酬设置: dated pay structure and city settings — list the versions, view, edit as a new dated version
with a checked trial calculation, import and export TOML.

The editor is the TOML text itself (with the checker's result below it, naming the line and item of each
problem) rather than a grid: the structure has formulas, item options and lookup tables of different
shapes, and hospitals exchange these documents as files; a grid for every shape would hide the options.
"""

from __future__ import annotations

import getpass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import Month
from app.i18n import _
from app.payroll.documents import Validation
from app.services.pay_settings import KIND_LABELS, PaySettingDocument, PaySettingInfo
from app.tasks import ChangeSet
from ui.tablemodels.base import Column
from ui.tablemodels.labels import join_clauses, join_list
from ui.tabs.base import Tab
from ui.widgets.table import FilterTable

KINDS = ("structure", "city")


def acting_user(services: Any) -> str:
    identity = getattr(services, "identity", None)
    principal = getattr(identity, "principal", None) if identity is not None else None
    return getattr(principal, "username", "") or getpass.getuser()


def _this_month() -> str:
    from datetime import date

    today = date.today()
    return str(Month(today.year, today.month))


class PaySettingsPage(Tab):
    KEY = "pay_settings"
    TABLES = frozenset({"pay_settings", "payroll_runs"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._editing: PaySettingInfo | None = None  # the stored version open in the editor (None: a new one)
        self._validated: tuple[str, str, str] | None = None  # (kind, month, text) last checked OK
        self.kind = QComboBox(self)
        for k in KINDS:
            self.kind.addItem(_(KIND_LABELS[k]), k)
        self.versions = FilterTable(
            [
                Column[PaySettingInfo]("effective_month", _("Effective from")),
                Column[PaySettingInfo]("name", _("Name")),
                Column[PaySettingInfo]("used_by", _("Used by payroll of"), fmt=join_list),
                Column[PaySettingInfo]("locked_by", _("Locked months"), fmt=join_list),
                Column[PaySettingInfo]("created_by", _("Saved by")),
                Column[PaySettingInfo]("created_at", _("Saved at")),
                Column[PaySettingInfo]("note", _("Note")),
            ],
            title=_("Versions"),
            sort=("effective_month", Qt.SortOrder.DescendingOrder),
            parent=self,
        )
        self.default_note = QLabel(self)
        self.default_note.setWordWrap(True)
        self.new_btn = QPushButton(_("New version from the one in force"), self)
        self.import_btn = QPushButton(_("Import TOML…"), self)
        self.export_btn = QPushButton(_("Export TOML…"), self)
        self.delete_btn = QPushButton(_("Delete version"), self)

        self.month = QLineEdit(self)
        self.month.setPlaceholderText("2026-07")
        self.month.setMaximumWidth(100)
        self.name = QLineEdit(self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(_("e.g. new social insurance bases from July (number of the city notice)"))
        self.editor = QPlainTextEdit(self)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(mono)
        self.position = QLabel(self)
        self.check_btn = QPushButton(_("Check"), self)
        self.save_btn = QPushButton(_("Save as dated version"), self)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)

        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Settings:"), self))
        row.addWidget(self.kind, 1)
        lv.addLayout(row)
        lv.addWidget(self.versions, 1)
        lv.addWidget(self.default_note)
        buttons = QHBoxLayout()
        for b in (self.new_btn, self.import_btn, self.export_btn, self.delete_btn):
            buttons.addWidget(b)
        lv.addLayout(buttons)

        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel(_("Effective from (YYYY-MM):"), self))
        head.addWidget(self.month)
        head.addWidget(QLabel(_("Name:"), self))
        head.addWidget(self.name, 1)
        rv.addLayout(head)
        note_row = QHBoxLayout()
        note_row.addWidget(QLabel(_("Note:"), self))
        note_row.addWidget(self.note, 1)
        rv.addLayout(note_row)
        rv.addWidget(self.editor, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.position, 1)
        actions.addWidget(self.check_btn)
        actions.addWidget(self.save_btn)
        rv.addLayout(actions)
        rv.addWidget(self.result)

        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(800)
        self._connect_signals()
        self._update_buttons()

    def title(self) -> str:
        return _("Pay settings")

    def _connect_signals(self) -> None:
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.versions.row_selected.connect(self._on_version_selected)
        self.new_btn.clicked.connect(self._on_new_clicked)
        self.import_btn.clicked.connect(self._on_import_clicked)
        self.export_btn.clicked.connect(self._on_export_clicked)
        self.delete_btn.clicked.connect(self._on_delete_clicked)
        self.check_btn.clicked.connect(self._on_check_clicked)
        self.save_btn.clicked.connect(self._on_save_clicked)
        self.editor.textChanged.connect(self._on_text_changed)
        self.editor.cursorPositionChanged.connect(self._on_cursor_moved)
        self.month.textChanged.connect(self._on_text_changed)
        self._check_timer.timeout.connect(self._on_check_clicked)

    # ---------------------------------------------------------------- loading
    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def reload(self) -> None:
        kind = self.current_kind()
        self.load(lambda: (self.services.pay_settings.versions(kind),
                           self.services.pay_settings.effective_document(kind, _this_month())),
                  self._on_loaded)

    def _on_loaded(self, loaded: tuple[list[PaySettingInfo], PaySettingDocument]) -> None:
        versions, in_force = loaded
        self.versions.set_rows(versions)
        if in_force.info is None:
            self.default_note.setText(_("No dated version is stored: payroll uses the shipped example settings. "
                                        "Check them against your city's and hospital's figures and save them as a "
                                        "dated version."))
        else:
            self.default_note.setText(_("In force this month: the version effective from {month}.").format(
                month=in_force.info.effective_month))
        if not self.editor.toPlainText().strip():
            self._open(in_force, as_new=in_force.info is None)

    def _open(self, doc: PaySettingDocument, *, as_new: bool) -> None:
        self._editing = None if as_new else doc.info
        self.editor.blockSignals(True)
        self.editor.setPlainText(doc.body)
        self.editor.blockSignals(False)
        if as_new:
            self.month.setText(str(Month.parse(_this_month()).next()))
            self.name.setText("" if doc.info is None else doc.info.name)
            self.note.clear()
        else:
            assert doc.info is not None
            self.month.setText(doc.info.effective_month)
            self.name.setText(doc.info.name)
            self.note.setText(doc.info.note)
        self._validated = None
        self.result.setText("")
        self._update_buttons()
        self._check_timer.start()

    def _update_buttons(self) -> None:
        info = self._editing
        self.delete_btn.setEnabled(info is not None and not info.used_by)
        locked = info is not None and bool(info.locked_by)
        self.save_btn.setEnabled(bool(self._validated) and not (locked and self.month.text().strip() == info.effective_month))
        self.save_btn.setToolTip(_("This version paid a locked month; save the change under a later month.") if locked else "")

    # ---------------------------------------------------------------- events
    def _on_kind_changed(self, _index: int) -> None:
        self.editor.clear()
        self.reload()

    def _on_version_selected(self, info: PaySettingInfo | None) -> None:
        if info is None:
            return
        self.load(lambda: self.services.pay_settings.document(info.id), lambda doc: self._open(doc, as_new=False))

    def _on_new_clicked(self) -> None:
        kind = self.current_kind()
        self.load(lambda: self.services.pay_settings.effective_document(kind, _this_month()),
                  lambda doc: self._open(doc, as_new=True))

    def _on_text_changed(self) -> None:
        self._validated = None
        self._update_buttons()
        self._check_timer.start()

    def _on_cursor_moved(self) -> None:
        c = self.editor.textCursor()
        self.position.setText(_("Line {line}, column {column}").format(line=c.blockNumber() + 1,
                                                                      column=c.positionInBlock() + 1))

    def _on_check_clicked(self) -> None:
        kind, month, text = self.current_kind(), self.month.text().strip(), self.editor.toPlainText()
        self.load(lambda: self.services.pay_settings.validate(kind, text, month),
                  lambda v: self._show_validation(v, (kind, month, text)))

    def _show_validation(self, v: Validation, key: tuple[str, str, str]) -> None:
        current = (self.current_kind(), self.month.text().strip(), self.editor.toPlainText())
        if key != current:
            return  # the text changed meanwhile; a newer check is on its way
        if v.ok:
            self._validated = key
            samples = join_clauses(_("{sample}: gross {gross}, net {net}").format(sample=escape(s), gross=g, net=n)
                               for s, g, n in v.samples[:4])
            self.result.setText("<span style='color:#1a7f37'>✔ " + escape(_("The settings check out: {summary}.").format(
                summary=v.summary)) + "</span>" + (f"<br>{samples}" if samples else ""))
        else:
            self._validated = None
            self.result.setText("<span style='color:#b42318'>✘ " + "<br>".join(escape(p) for p in v.problems) + "</span>")
        self._update_buttons()

    def _on_save_clicked(self) -> None:
        if not self._validated:
            return
        kind, month, text = self._validated
        same = self._editing is not None and self._editing.effective_month == month
        version = self._editing.version if same and self._editing else None
        name, note, user = self.name.text(), self.note.text(), acting_user(self.services)

        def done(result: tuple[PaySettingInfo, ChangeSet]) -> None:
            info, changes = result
            self._editing = info
            self._publish(changes)
            QMessageBox.information(self, _("HR Desk"), _("Saved: effective from {month}.").format(month=info.effective_month))

        self.pool.submit(lambda: self.services.pay_settings.save(kind, month, text, name=name, note=note, user=user,
                                                                 expected_version=version),
                         on_done=done, on_error=self.show_error)

    def _on_delete_clicked(self) -> None:
        info = self._editing
        if info is None or QMessageBox.question(
            self, _("Delete version"), _("Delete the version effective from {month}?").format(month=info.effective_month)
        ) != QMessageBox.StandardButton.Yes:
            return
        self.pool.submit(lambda: self.services.pay_settings.delete(info.id, expected_version=info.version),
                         on_done=lambda ch: (self.editor.clear(), self._publish(ch)), on_error=self.show_error)

    def _on_import_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import TOML…"), "", "TOML (*.toml)")
        if path:
            self.load(lambda: self.services.pay_settings.import_file(Path(path)),
                      lambda body: self._open(PaySettingDocument(None, self.current_kind(), "", body), as_new=True))

    def _on_export_clicked(self) -> None:
        default = f"{self.current_kind()}_{self.month.text().strip() or 'draft'}.toml"
        path, _filter = QFileDialog.getSaveFileName(self, _("Export TOML…"), default, "TOML (*.toml)")
        if path:
            body = self.editor.toPlainText()
            self.pool.submit(lambda: self.services.pay_settings.export_file(body, Path(path)), lane="io",
                             on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                             on_error=self.show_error)

    def _publish(self, changes: ChangeSet) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(changes)
        else:
            self.reload()
