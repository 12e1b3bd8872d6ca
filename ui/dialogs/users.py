"""First administrator (first run) and user management (用户管理, administrators only).

Every call goes through the worker pool; the accounts service checks ``users.manage`` itself and
through the service guard, so hiding the menu entry is only a convenience.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError
from app.i18n import _
from app.security.permissions import ROLE_LABELS, Principal
from app.services.accounts import AccountsService, UserInfo
from ui.tablemodels.base import Column
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool


def _error_text(exc: Any) -> str:
    return exc.message if isinstance(exc, AppError) else _("The action failed: {reason}.").format(reason=exc)


class CreateAdminDialog(QDialog):
    """First run: no account exists yet; the administrator's first password (changed at first sign-in)."""

    def __init__(self, accounts: AccountsService, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.pool = pool
        self.username = "admin"
        self.setWindowTitle(_("Create the administrator"))
        self.setMinimumWidth(420)
        intro = QLabel(_("This is the first start on this database. Create the administrator account (user name "
                         "admin). The administrator then creates the accounts of the HR staff."), self)
        intro.setWordWrap(True)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(_("Password"), self.password)
        form.addRow(_("Repeat the password"), self.repeat)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Create"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)

    def _on_ok_clicked(self) -> None:
        pw, again = self.password.text(), self.repeat.text()
        if pw != again:
            self.message.setText(_("The two passwords differ."))
            return
        self.ok.setEnabled(False)
        self.pool.submit(lambda: self.accounts.ensure_admin(pw, username=self.username), on_done=self._on_done,
                         on_error=self._on_failed)

    def _on_done(self, _created: bool) -> None:
        self.ok.setEnabled(True)
        self.accept()

    def _on_failed(self, exc: Any) -> None:
        self.ok.setEnabled(True)
        self.message.setText(_error_text(exc))


class UsersDialog(QDialog):
    """List, create, edit (role, department, active), unlock and reset accounts."""

    def __init__(self, accounts: AccountsService, principal: Principal, pool: WorkerPool,
                 departments: list[tuple[int, str]] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.principal = principal
        self.pool = pool
        self.departments = departments or []
        self._current: UserInfo | None = None
        self.setWindowTitle(_("User management"))
        self.resize(860, 480)
        self.table = FilterTable([
            Column[UserInfo]("username", _("User name")),
            Column[UserInfo]("display_name", _("Name")),
            Column[UserInfo]("role_label", _("Role")),
            Column[UserInfo]("department_id", _("Department"), value=lambda u: self._dept_name(u.department_id)),
            Column[UserInfo]("active", _("Active"), fmt=lambda v: _("yes") if v else _("no")),
            Column[UserInfo]("locked", _("Locked"), fmt=lambda v: _("locked") if v else "",
                             color=lambda u: "#f4b4b4" if u.locked else None),
            Column[UserInfo]("must_change_password", _("Must change password"),
                             fmt=lambda v: _("yes") if v else ""),
        ], title=_("Accounts"), parent=self)

        self.username = QLineEdit(self)
        self.display_name = QLineEdit(self)
        self.role = QComboBox(self)
        for key, label in ROLE_LABELS.items():
            self.role.addItem(_(label), key)
        self.department = QComboBox(self)
        self.department.addItem(_("(none)"), None)
        for did, name in self.departments:
            self.department.addItem(name, did)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("first password; changed at the first sign-in"))
        self.active = QCheckBox(_("Active"), self)
        self.active.setChecked(True)
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        form.addRow(_("Name"), self.display_name)
        form.addRow(_("Role"), self.role)
        form.addRow(_("Department"), self.department)
        form.addRow(_("Password"), self.password)
        form.addRow("", self.active)

        self.create_btn = QPushButton(_("Create account"), self)
        self.save_btn = QPushButton(_("Save changes"), self)
        self.unlock_btn = QPushButton(_("Unlock"), self)
        self.reset_btn = QPushButton(_("Set a new password"), self)
        buttons = QHBoxLayout()
        for b in (self.create_btn, self.save_btn, self.unlock_btn, self.reset_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.table.row_selected.connect(self._on_table_row_selected)
        self.create_btn.clicked.connect(self._on_create_clicked)
        self.save_btn.clicked.connect(self._on_save_clicked)
        self.unlock_btn.clicked.connect(self._on_unlock_clicked)
        self.reset_btn.clicked.connect(self._on_reset_clicked)
        self._on_table_row_selected(None)
        self.reload()

    def _dept_name(self, did: int | None) -> str:
        return next((n for d, n in self.departments if d == did), "" if did is None else str(did))

    def reload(self) -> None:
        self.pool.submit(lambda: self.accounts.users(self.principal), on_done=self._on_loaded,
                         on_error=self._on_failed)

    def _on_loaded(self, rows: list[UserInfo]) -> None:
        self.table.set_rows(rows)

    def _on_table_row_selected(self, row: Any) -> None:
        self._current = row if isinstance(row, UserInfo) else None
        for b in (self.save_btn, self.unlock_btn, self.reset_btn):
            b.setEnabled(self._current is not None)
        if self._current is None:
            return
        u = self._current
        self.username.setText(u.username)
        self.display_name.setText(u.display_name)
        i = self.role.findData(u.role)
        self.role.setCurrentIndex(max(i, 0))
        j = self.department.findData(u.department_id)
        self.department.setCurrentIndex(max(j, 0))
        self.active.setChecked(u.active)
        self.password.clear()

    def _run(self, work: Any, done_text: str) -> None:
        def done(_result: Any) -> None:
            self.message.setStyleSheet("")
            self.message.setText(done_text)
            self.password.clear()
            self.reload()

        self.pool.submit(work, on_done=done, on_error=self._on_failed)

    def _on_create_clicked(self) -> None:
        name, pw = self.username.text().strip(), self.password.text()
        role, dept, shown = self.role.currentData(), self.department.currentData(), self.display_name.text().strip()
        self._run(lambda: self.accounts.create_user(self.principal, name, role, pw, display_name=shown,
                                                    department_id=dept),
                  _("Account {user} created; the password must be changed at the first sign-in.").format(user=name))

    def _on_save_clicked(self) -> None:
        if self._current is None:
            return
        name = self._current.username
        role, dept, shown, active = (self.role.currentData(), self.department.currentData(),
                                     self.display_name.text().strip(), self.active.isChecked())
        self._run(lambda: self.accounts.update_user(self.principal, name, role=role, department_id=dept,
                                                    active=active, display_name=shown),
                  _("Account {user} saved.").format(user=name))

    def _on_unlock_clicked(self) -> None:
        if self._current is not None:
            name = self._current.username
            self._run(lambda: self.accounts.unlock(self.principal, name), _("Account {user} unlocked.").format(user=name))

    def _on_reset_clicked(self) -> None:
        if self._current is None:
            return
        name, pw = self._current.username, self.password.text()
        if not pw:
            QMessageBox.information(self, _("User management"), _("Enter the new password in the password field."))
            return
        self._run(lambda: self.accounts.reset_password(self.principal, name, pw),
                  _("New password set for {user}; it must be changed at the next sign-in.").format(user=name))

    def _on_failed(self, exc: Any) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(_error_text(exc))
