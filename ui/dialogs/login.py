"""Login: user name and password; a change-password step when the account requires it.

The dialog runs every check through the worker pool (argon2 and SQL stay off the GUI thread). On
success ``principal`` holds the signed-in ``Principal``; the lead wires it into the main window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError
from app.i18n import _
from app.security.permissions import Principal
from app.services.accounts import AccountsService, LoginResult
from ui.workers import WorkerPool


class LoginDialog(QDialog):
    LOGIN, CHANGE = 0, 1

    def __init__(self, accounts: AccountsService, pool: WorkerPool, parent: QWidget | None = None,
                 *, username: str = "") -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.pool = pool
        self.principal: Principal | None = None
        self._password = ""
        self.setWindowTitle(_("Sign in to HR Desk"))
        self.setMinimumWidth(380)

        self.user = QLineEdit(username, self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        login_page = QWidget(self)
        form = QFormLayout(login_page)
        form.addRow(_("User name"), self.user)
        form.addRow(_("Password"), self.password)

        self.new_password = QLineEdit(self)
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        change_page = QWidget(self)
        cform = QFormLayout(change_page)
        cform.addRow(QLabel(_("This is your first sign-in or your password was reset. Choose a new password: "
                              "at least 8 characters, two kinds of characters, not your user name."), change_page))
        cform.addRow(_("New password"), self.new_password)
        cform.addRow(_("Repeat the new password"), self.repeat)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(login_page)
        self.pages.addWidget(change_page)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Sign in"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._connect_signals()
        (self.password if username else self.user).setFocus()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)

    # ---------------------------------------------------------------- actions
    def _on_ok_clicked(self) -> None:
        if self.pages.currentIndex() == self.LOGIN:
            self._sign_in()
        else:
            self._change()

    def _busy(self, busy: bool) -> None:
        self.ok.setEnabled(not busy)

    def _sign_in(self) -> None:
        user, password = self.user.text().strip(), self.password.text()
        if not user or not password:
            self.message.setText(_("Enter your user name and password."))
            return
        self._busy(True)
        self._password = password
        self.pool.submit(lambda: self.accounts.login(user, password), on_done=self._on_login_done,
                         on_error=self._on_failed)

    def _on_login_done(self, result: LoginResult) -> None:
        self._busy(False)
        if result.must_change_password:
            self.message.setText("")
            self.pages.setCurrentIndex(self.CHANGE)
            self.ok.setText(_("Change password"))
            self.new_password.setFocus()
            return
        self._finish(result.principal)

    def _change(self) -> None:
        new, repeat = self.new_password.text(), self.repeat.text()
        if new != repeat:
            self.message.setText(_("The two new passwords differ."))
            return
        user, old = self.user.text().strip(), self._password
        self._busy(True)

        def work() -> LoginResult:
            self.accounts.change_password(user, old, new)
            return self.accounts.login(user, new)

        self.pool.submit(work, on_done=self._on_changed, on_error=self._on_failed)

    def _on_changed(self, result: LoginResult) -> None:
        self._busy(False)
        self._finish(result.principal)

    def _on_failed(self, exc: Any) -> None:
        self._busy(False)
        if isinstance(exc, AppError):
            self.message.setText(exc.message)
        else:
            self.message.setText(_("Sign-in failed: {reason}. The details are in the log file.").format(reason=exc))
        if self.pages.currentIndex() == self.LOGIN:
            self.password.clear()
            self.password.setFocus()

    def _finish(self, principal: Principal) -> None:
        self._password = ""
        self.principal = principal
        self.accept()
