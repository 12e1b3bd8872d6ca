from __future__ import annotations

import pytest

from app.errors import Conflict, InvalidInput
from app.security.permissions import SecuritySettings
from app.services.accounts import AccountsService, LoginFailed
from app.services.audit import AuditFilter
from tests.unit.security.matrix import assert_matrix, principal

ADMIN_PW = "Start-2026a"
ADMIN = principal("admin", username="admin")


@pytest.fixture()
def svc(ctx):  # type: ignore[no-untyped-def]
    service = AccountsService(ctx.session_factory, settings_loader=lambda: SecuritySettings(max_failed_logins=3))
    assert service.ensure_admin(ADMIN_PW)
    return service


def test_first_run_creates_one_admin_who_must_change_the_password(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    assert not svc.ensure_admin("Other-2026b")
    result = svc.login("admin", ADMIN_PW)
    assert result.must_change_password and result.principal.role == "admin"
    assert "users.manage" in result.principal.permissions
    svc.change_password("admin", ADMIN_PW, "Better-2027c")
    assert not svc.login("admin", "Better-2027c").must_change_password
    with pytest.raises(LoginFailed):
        svc.login("admin", ADMIN_PW)


def test_lock_out_after_the_configured_number_of_failures_and_unlock(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    svc.create_user(ADMIN, "liqing", "hr", "Nurse-2026x")
    with pytest.raises(LoginFailed) as err:
        svc.login("liqing", "wrong-1x")
    assert err.value.message == "用户名或密码错误。再错 2 次，账户将被锁定。"
    with pytest.raises(LoginFailed):
        svc.login("liqing", "wrong-2x")
    with pytest.raises(LoginFailed) as err:
        svc.login("liqing", "wrong-3x")
    assert "锁定" in err.value.message and "解锁" in err.value.message
    with pytest.raises(LoginFailed) as err:  # even the right password is refused now
        svc.login("liqing", "Nurse-2026x")
    assert "锁定" in err.value.message
    assert next(u for u in svc.users(ADMIN) if u.username == "liqing").locked
    svc.unlock(ADMIN, "liqing")
    assert svc.login("liqing", "Nurse-2026x").principal.role == "hr"
    actions = [r.action for r in ctx.services.audit.query(ADMIN, AuditFilter(username="liqing"))]
    assert actions.count("login.failed") == 2 and "login.locked" in actions and "login.refused" in actions


def test_success_resets_the_failure_count(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    svc.create_user(ADMIN, "wang", "payroll", "Salary-2026x")
    for _ in range(2):
        with pytest.raises(LoginFailed):
            svc.login("wang", "nope-nope1")
    svc.login("wang", "Salary-2026x")
    assert next(u for u in svc.users(ADMIN) if u.username == "wang").failed_logins == 0


def test_unknown_user_and_disabled_account(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LoginFailed) as err:
        svc.login("ghost", "whatever-1")
    assert err.value.message == "用户名或密码错误。"
    svc.create_user(ADMIN, "zhao", "interviewer", "Panel-2026x", department_id=None)
    svc.update_user(ADMIN, "zhao", active=False)
    with pytest.raises(LoginFailed) as err:
        svc.login("zhao", "Panel-2026x")
    assert "停用" in err.value.message


def test_password_rules_apply_to_new_accounts_and_changes(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        svc.create_user(ADMIN, "chen", "hr", "short1")
    with pytest.raises(InvalidInput):
        svc.create_user(ADMIN, "chen", "hr", "chen12345")
    svc.create_user(ADMIN, "chen", "hr", "Ward-2026x")
    with pytest.raises(InvalidInput):
        svc.change_password("chen", "Ward-2026x", "Ward-2026x")
    with pytest.raises(LoginFailed):
        svc.change_password("chen", "not-it-2026", "Fresh-2026y")
    with pytest.raises(Conflict):
        svc.create_user(ADMIN, "chen", "hr", "Ward-2026x")
    with pytest.raises(InvalidInput):
        svc.create_user(ADMIN, "sun", "no_such_role", "Ward-2026x")


def test_the_last_admin_cannot_be_removed(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict):
        svc.update_user(ADMIN, "admin", role="hr")
    with pytest.raises(Conflict):
        svc.update_user(ADMIN, "admin", active=False)
    svc.create_user(ADMIN, "it2", "admin", "Second-2026x")
    svc.update_user(ADMIN, "admin", role="hr")


def test_reset_password_forces_a_change(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    svc.create_user(ADMIN, "liu", "hr", "Ward-2026x")
    svc.login("liu", "Ward-2026x")
    svc.change_password("liu", "Ward-2026x", "Mine-2026yy")
    svc.reset_password(ADMIN, "liu", "Temp-2026zz")
    assert svc.login("liu", "Temp-2026zz").must_change_password


def test_only_admins_manage_users(ctx, svc) -> None:  # type: ignore[no-untyped-def]
    svc.create_user(ADMIN, "target", "hr", "Aim-2026xyz")
    ops = {
        "list users": lambda p: svc.users(p),
        "create user": lambda p: svc.create_user(p, f"n_{p.role}", "hr", "Create-2026x"),
        "unlock": lambda p: svc.unlock(p, "target"),
        "reset password": lambda p: svc.reset_password(p, "target", "Reset-2026xy"),
        "change role": lambda p: svc.update_user(p, "target", role="payroll"),
    }
    only_admin = {"admin": True, "hr": False, "interviewer": False, "dept_head": False, "payroll": False}
    assert_matrix({name: only_admin for name in ops}, ops)


def test_cli_users(ctx, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    root = str(ctx.data.root)
    monkeypatch.setenv("PW", "Root-2026xy")
    assert main(["users", "init", "--password-env", "PW", "--data-dir", root]) == 0
    assert "已创建" in capsys.readouterr().out
    monkeypatch.setenv("PW2", "Nurse-2026x")
    assert main(["users", "add", "liqing", "--role", "hr", "--password-env", "PW2", "--data-dir", root]) == 0
    assert main(["users", "list", "--data-dir", root, "--json"]) == 0
    out = capsys.readouterr().out
    assert '"liqing"' in out and "HR专员" in out
    assert main(["users", "add", "x", "--role", "boss", "--password-env", "PW2", "--data-dir", root]) == 2
    assert "未知角色" in capsys.readouterr().err
    assert main(["users", "unlock", "liqing", "--data-dir", root]) == 0
