"""Login at start, the security menu, idle lock, sign-out, user management and the audit viewer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.security.permissions import Principal, principal_for
from ui.bootstrap import DEMO_ADMIN, sign_in_at_start
from ui.dialogs.audit_viewer import AuditViewerDialog
from ui.dialogs.users import CreateAdminDialog, UsersDialog
from ui.main_window import MainWindow
from ui.workers import SyncPool


def test_first_run_creates_the_administrator(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    accounts = ctx.services.accounts
    assert not accounts.has_users()
    dlg = CreateAdminDialog(accounts, SyncPool())
    qtbot.addWidget(dlg)
    dlg.password.setText("Kaishi-2026ab")
    dlg.repeat.setText("Kaishi-2026xx")
    dlg.ok.click()
    assert "不一致" in dlg.message.text()
    dlg.repeat.setText("Kaishi-2026ab")
    dlg.ok.click()
    assert dlg.result() == CreateAdminDialog.DialogCode.Accepted
    result = accounts.login("admin", "Kaishi-2026ab")
    assert result.must_change_password and result.principal.role == "admin"


def test_demo_and_screenshot_runs_sign_in_as_demo_admin(ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.services.identity.sign_out()
    assert sign_in_at_start(ctx, SyncPool(), automatic=True)
    p = ctx.services.identity.principal
    assert p is not None and p.username == DEMO_ADMIN and p.role == "admin"
    assert ctx.extras["idle_lock_minutes"] == 10


@pytest.fixture()
def window(qtbot, demo_ctx, tmp_path: Path):  # type: ignore[no-untyped-def]
    demo_ctx.extras["idle_lock_minutes"] = 1
    win = MainWindow(demo_ctx, SyncPool(), QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    return win


def test_security_menu_follows_the_role_and_lock_asks_again(window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    identity = window.ctx.services.identity
    hr = principal_for("renshi", "hr", display_name="人事甲")
    identity.sign_in(hr)
    window._apply_principal()
    assert not window.users_action.isEnabled() and window.audit_action.isEnabled()
    assert not window.backup_action.isEnabled()
    assert "人事甲" in window.user_label.text() and "HR专员" in window.user_label.text()
    asked: list[str] = []

    def ask(title: str, username: str) -> Principal | None:
        asked.append(username)
        assert identity.principal is None and not window.tabs.isVisible()  # nothing usable while locked
        return hr

    monkeypatch.setattr(window, "_ask_sign_in", ask)
    window._last_input -= 61  # idle for more than the configured minute
    window._on_idle_timer_timeout()
    assert asked == ["renshi"] and identity.principal == hr and window.tabs.isVisible()
    admin = principal_for("admin", "admin")
    monkeypatch.setattr(window, "_ask_sign_in", lambda title, username: admin)
    window.sign_out()
    assert identity.principal == admin and window.users_action.isEnabled()
    monkeypatch.setattr(window, "_ask_sign_in", lambda title, username: None)
    window.lock_screen()
    assert identity.principal is None and not window.isVisible()  # cancelled at the lock: the window closes


def test_user_management_creates_an_account(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    admin = principal_for("admin", "admin")
    dlg = UsersDialog(demo_ctx.services.accounts, admin, SyncPool(), [(1, "内科")])
    qtbot.addWidget(dlg)
    dlg.username.setText("zhuren")
    dlg.display_name.setText("主任乙")
    dlg.role.setCurrentIndex(dlg.role.findData("dept_head"))
    dlg.department.setCurrentIndex(dlg.department.findData(1))
    dlg.password.setText("Keshi-2026!x")
    dlg.create_btn.click()
    assert "zhuren" in dlg.message.text()
    users = {u.username: u for u in demo_ctx.services.accounts.users(admin)}
    assert users["zhuren"].role == "dept_head" and users["zhuren"].department_id == 1
    assert dlg.table.model.rowCount() == len(users)
    hr = principal_for("renshi", "hr")
    refused = UsersDialog(demo_ctx.services.accounts, hr, SyncPool())
    qtbot.addWidget(refused)
    assert "无权" in refused.message.text()


def test_audit_viewer_filters_and_exports(qtbot, demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services = demo_ctx.services
    admin = principal_for("admin", "admin")
    services.identity.sign_in(principal_for("xinchou", "payroll"))
    services.payroll.results("2026-10")
    services.identity.sign_in(admin)
    dlg = AuditViewerDialog(services.audit, admin, SyncPool())
    qtbot.addWidget(dlg)
    dlg.user.setText("xinchou")
    dlg.search_btn.click()
    assert [r.action for r in dlg.rows] == ["payroll.results"]
    dlg.verify_btn.click()
    assert "完好" in dlg.message.text() or "intact" not in dlg.message.text()
    out = tmp_path / "audit.xlsx"
    dlg.export_to(out)
    assert out.exists() and "1" in dlg.message.text()
