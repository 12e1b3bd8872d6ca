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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtCore import Qt

from app.errors import AppError
from app.i18n import _
from app.security.permissions import MAX_FAILED_RANGE, PERMISSIONS, ROLE_LABELS, Principal
from app.services.accounts import AccountsService, RoleInfo, SecurityOverview, UserInfo
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
        self.roles_btn = QPushButton(_("Roles and lock-out…"), self)
        buttons = QHBoxLayout()
        for b in (self.create_btn, self.save_btn, self.unlock_btn, self.reset_btn, self.roles_btn):
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
        self.roles_btn.clicked.connect(self._on_roles_clicked)
        self._on_table_row_selected(None)
        self.reload()

    def _dept_name(self, did: int | None) -> str:
        return next((n for d, n in self.departments if d == did), "" if did is None else str(did))

    def reload(self) -> None:
        self.pool.submit(lambda: self.accounts.users(self.principal), on_done=self._on_loaded,
                         on_error=self._on_failed)

    def _on_loaded(self, rows: list[UserInfo]) -> None:
        self.table.set_rows(rows)
        self.pool.submit(lambda: self.accounts.security_settings(self.principal), on_done=self._on_roles_loaded,
                         on_error=self._on_failed)

    def _on_roles_loaded(self, overview: SecurityOverview) -> None:
        """The role list holds the hospital's custom roles too (shared by every workstation)."""
        chosen = self.role.currentData()
        self.role.clear()
        for r in overview.roles:
            self.role.addItem(r.label, r.name)
        self.role.setCurrentIndex(max(self.role.findData(chosen), 0))

    def _on_roles_clicked(self) -> None:
        RolesDialog(self.accounts, self.principal, self.pool, self).exec()
        self.reload()

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


class RolesDialog(QDialog):
    """Custom roles (a name, a label and catalogue permissions) and the lock-out threshold: hospital-wide
    settings in the database. A save made on another workstation since this list was loaded is refused by
    the service (optimistic version) and the list reloads."""

    def __init__(self, accounts: AccountsService, principal: Principal, pool: WorkerPool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.principal = principal
        self.pool = pool
        self.overview: SecurityOverview | None = None
        self.setWindowTitle(_("Roles and lock-out"))
        self.resize(820, 600)
        self.table = FilterTable([
            Column[RoleInfo]("label", _("Role")),
            Column[RoleInfo]("name", _("Role code")),
            Column[RoleInfo]("builtin", _("Kind"), fmt=lambda v: _("built-in") if v else _("custom")),
            Column[RoleInfo]("users", _("Accounts")),
            Column[RoleInfo]("department_scoped", _("Own department only"), fmt=lambda v: _("yes") if v else ""),
        ], title=_("Roles"), parent=self)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(_("e.g. quality (letters, no spaces)"))
        self.label = QLineEdit(self)
        self.label.setPlaceholderText(_("e.g. 质控专员"))
        self.scoped = QCheckBox(_("Only for the account's own department"), self)
        self.permissions = QListWidget(self)  # the fixed permission catalogue, not database rows
        for key, text in PERMISSIONS.items():
            item = QListWidgetItem(_(text), self.permissions)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.lockout = QSpinBox(self)
        self.lockout.setRange(*MAX_FAILED_RANGE)
        self.save_role_btn = QPushButton(_("Save role"), self)
        self.delete_role_btn = QPushButton(_("Delete role"), self)
        self.save_lockout_btn = QPushButton(_("Save threshold"), self)
        form = QFormLayout()
        form.addRow(_("Role code"), self.name)
        form.addRow(_("Role"), self.label)
        form.addRow("", self.scoped)
        form.addRow(_("Permissions"), self.permissions)
        lock_row = QHBoxLayout()
        lock_row.addWidget(self.lockout)
        lock_row.addWidget(self.save_lockout_btn)
        lock_row.addStretch(1)
        form.addRow(_("Wrong passwords before an account locks"), lock_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_role_btn)
        buttons.addWidget(self.delete_role_btn)
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
        self.save_role_btn.clicked.connect(self._on_save_role_clicked)
        self.delete_role_btn.clicked.connect(self._on_delete_role_clicked)
        self.save_lockout_btn.clicked.connect(self._on_save_lockout_clicked)
        self.delete_role_btn.setEnabled(False)
        self.reload()

    def reload(self) -> None:
        self.pool.submit(lambda: self.accounts.security_settings(self.principal), on_done=self._on_loaded,
                         on_error=self._on_failed)

    def _on_loaded(self, overview: SecurityOverview) -> None:
        self.overview = overview
        self.table.set_rows(list(overview.roles))
        self.lockout.setValue(overview.max_failed_logins)

    def checked_permissions(self) -> set[str]:
        return {str(self.permissions.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.permissions.count())
                if self.permissions.item(i).checkState() == Qt.CheckState.Checked}

    def set_permissions(self, keys: set[str] | tuple[str, ...]) -> None:
        for i in range(self.permissions.count()):
            item = self.permissions.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in keys
                               else Qt.CheckState.Unchecked)

    def _on_table_row_selected(self, row: Any) -> None:
        if not isinstance(row, RoleInfo):
            self.delete_role_btn.setEnabled(False)
            return
        self.name.setText("" if row.builtin else row.name)  # a built-in role can be copied, not changed
        self.label.setText("" if row.builtin else row.label)
        self.scoped.setChecked(row.department_scoped)
        self.set_permissions(row.permissions)
        self.delete_role_btn.setEnabled(not row.builtin)

    def _run(self, work: Any, done_text: str) -> None:
        def done(overview: SecurityOverview) -> None:
            self._on_loaded(overview)
            self.message.setStyleSheet("")
            self.message.setText(done_text)

        def failed(exc: Any) -> None:
            self._on_failed(exc)
            self.reload()  # after a conflict: show what the other workstation saved

        self.pool.submit(work, on_done=done, on_error=failed)

    def _on_save_role_clicked(self) -> None:
        if self.overview is None:
            return
        name, label, perms, scoped = (self.name.text().strip(), self.label.text().strip(),
                                      self.checked_permissions(), self.scoped.isChecked())
        version = self.overview.roles_version
        self._run(lambda: self.accounts.save_role(self.principal, name, label, perms, department_scoped=scoped,
                                                  expected_version=version),
                  _("Role {role} saved; it applies from each account's next sign-in.").format(role=label or name))

    def _on_delete_role_clicked(self) -> None:
        if self.overview is None:
            return
        name, version = self.name.text().strip(), self.overview.roles_version
        self._run(lambda: self.accounts.delete_role(self.principal, name, expected_version=version),
                  _("Role {role} deleted.").format(role=name))

    def _on_save_lockout_clicked(self) -> None:
        if self.overview is None:
            return
        value, version = self.lockout.value(), self.overview.login_version
        self._run(lambda: self.accounts.set_lockout(self.principal, value, expected_version=version),
                  _("Accounts now lock after {n} wrong passwords.").format(n=value))

    def _on_failed(self, exc: Any) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(_error_text(exc))
