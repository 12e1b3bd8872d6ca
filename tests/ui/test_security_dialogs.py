from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.security.permissions import SecuritySettings
from app.services.accounts import AccountsService
from app.services.backup import BackupService
from ui.dialogs.backup import BackupDialog
from ui.dialogs.login import LoginDialog
from ui.workers import SyncPool


@pytest.fixture()
def accounts(ctx):  # type: ignore[no-untyped-def]
    svc = AccountsService(ctx.session_factory, settings_loader=lambda: SecuritySettings(max_failed_logins=2))
    svc.ensure_admin("First-2026xy")
    return svc


def test_login_with_required_password_change(qtbot, accounts) -> None:  # type: ignore[no-untyped-def]
    dlg = LoginDialog(accounts, SyncPool(), username="admin")
    qtbot.addWidget(dlg)
    dlg.password.setText("First-2026xy")
    dlg.ok.click()
    assert dlg.pages.currentIndex() == LoginDialog.CHANGE and dlg.principal is None
    dlg.new_password.setText("short")
    dlg.repeat.setText("short")
    dlg.ok.click()
    assert "8" in dlg.message.text() and dlg.principal is None
    dlg.new_password.setText("Second-2026xy")
    dlg.repeat.setText("Second-2026xy")
    dlg.ok.click()
    assert dlg.principal is not None and dlg.principal.role == "admin"
    assert dlg.result() == LoginDialog.DialogCode.Accepted
    assert not accounts.login("admin", "Second-2026xy").must_change_password


def test_login_shows_lock_out_in_chinese(qtbot, accounts) -> None:  # type: ignore[no-untyped-def]
    dlg = LoginDialog(accounts, SyncPool())
    qtbot.addWidget(dlg)
    dlg.user.setText("admin")
    for _ in range(2):
        dlg.password.setText("wrong-pass1")
        dlg.ok.click()
    assert "锁定" in dlg.message.text() and "系统管理员" in dlg.message.text()
    assert dlg.password.text() == "" and dlg.principal is None
    dlg.password.setText("First-2026xy")
    dlg.ok.click()
    assert "锁定" in dlg.message.text() and dlg.principal is None


def test_backup_dialog_create_list_and_restore(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    service = BackupService(ctx.data)
    dlg = BackupDialog(service, SyncPool())
    qtbot.addWidget(dlg)
    assert dlg.table.model.rowCount() == 0
    dlg.create_btn.click()
    rows = dlg.table.model.rows()
    assert len(rows) == 1 and rows[0].ok and rows[0].status == "完整"
    (rows[0].info.path / "hrdesk.sqlite3").write_bytes(b"damaged")
    dlg.create_btn.click()
    rows = sorted(dlg.table.model.rows(), key=lambda r: r.name)
    assert [r.ok for r in rows] == [False, True]
    dlg._on_table_row_selected(rows[0])
    assert not dlg.restore_btn.isEnabled()
    dlg._on_table_row_selected(rows[1])
    assert dlg.restore_btn.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dlg.restore_btn.click()
    assert dlg.restored is None
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a: shown.append(text))
    dlg.restore_btn.click()
    assert dlg.restored is not None and dlg.restored.safety_copy is not None
    assert "已从" in shown[0]
    assert any(r.kind == "恢复前的安全副本" for r in dlg.table.model.rows())
