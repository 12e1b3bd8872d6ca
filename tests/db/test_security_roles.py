"""Custom roles and the lock-out threshold are hospital-wide (app_settings), versioned and audited.

Two "workstations" are two contexts opened on one database file, each with its own services (and
caches), as two PCs on one shared database would be.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from app.context import open_app
from app.errors import Conflict, InvalidInput
from app.security.permissions import PermissionDenied, principal_for, read_db_settings, role_label
from app.services.accounts import LoginFailed
from app.services.audit import AuditFilter
from tests.unit.security.matrix import principal

ADMIN = principal("admin", username="admin")
PW = "Quality-2026q"


@pytest.fixture()
def two(ctx):  # type: ignore[no-untyped-def]
    """(workstation A, workstation B) on the same database file."""
    other = open_app(ctx.data)
    yield ctx, other
    other.close()


def _accounts(c):  # type: ignore[no-untyped-def]
    from app.services.guard import unwrap

    return unwrap(c.services.accounts)


def test_a_role_made_on_one_workstation_is_used_by_the_other(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    acc_a, acc_b = _accounts(a), _accounts(b)
    assert acc_b.security_settings(ADMIN).roles_version == 0  # B has read (and cached) before A's change
    over = acc_a.save_role(ADMIN, "quality", "质控专员", {"staff.view", "audit.view"}, department_scoped=True,
                           expected_version=0)
    assert over.roles_version == 1
    # B creates an account with the role A defined, and the account signs in on B with the role's permissions
    acc_b.create_user(ADMIN, "zhikong", "quality", PW, department_id=None)
    login = acc_b.login("zhikong", PW)
    assert login.principal.permissions == {"staff.view", "audit.view"}
    assert login.principal.department_scoped
    assert login.principal.role_name == "质控专员"
    listed = {r.name: r for r in acc_b.security_settings(ADMIN).roles}
    assert listed["quality"].users == 1 and not listed["quality"].builtin
    assert listed["hr"].builtin and "staff.edit" in listed["hr"].permissions
    # a refusal names the custom role by its label (read from the database, not a file)
    with pytest.raises(PermissionDenied) as err:
        b.services.identity.sign_in(login.principal)
        b.services.payroll.runs()
    assert "质控专员" in err.value.message


def test_a_conflicting_edit_is_refused_and_nothing_is_lost(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    acc_a, acc_b = _accounts(a), _accounts(b)
    seen_a = acc_a.security_settings(ADMIN)
    seen_b = acc_b.security_settings(ADMIN)
    acc_a.save_role(ADMIN, "quality", "质控专员", {"staff.view"}, expected_version=seen_a.roles_version)
    with pytest.raises(Conflict) as err:  # B edited the list it read before A saved
        acc_b.save_role(ADMIN, "archive", "档案员", {"staff.view"}, expected_version=seen_b.roles_version)
    assert "security.roles" in err.value.message and "另一台" in err.value.message
    names = [r.name for r in acc_b.security_settings(ADMIN).roles if not r.builtin]
    assert names == ["quality"]  # A's role kept, B's not half-saved
    # B reloads and saves again: both roles now
    fresh = acc_b.security_settings(ADMIN)
    acc_b.save_role(ADMIN, "archive", "档案员", {"staff.view"}, expected_version=fresh.roles_version)
    assert {r.name for r in acc_a.security_settings(ADMIN).roles if not r.builtin} == {"quality", "archive"}
    # the lock-out threshold: the same rule
    acc_a.set_lockout(ADMIN, 3, expected_version=seen_a.login_version)
    with pytest.raises(Conflict):
        acc_b.set_lockout(ADMIN, 8, expected_version=seen_b.login_version)
    assert acc_b.security_settings(ADMIN).max_failed_logins == 3


def test_lockout_threshold_from_the_database_applies_on_every_workstation(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    acc_a, acc_b = _accounts(a), _accounts(b)
    acc_a.create_user(ADMIN, "liqing", "hr", PW)
    acc_b.login("liqing", PW)  # B caches the default threshold (5)
    acc_a.set_lockout(ADMIN, 3, expected_version=0)
    for _ in range(2):
        with pytest.raises(LoginFailed):
            acc_b.login("liqing", "wrong-pass-1")
    with pytest.raises(LoginFailed) as err:
        acc_b.login("liqing", "wrong-pass-1")
    assert "锁定" in err.value.message and "3" in err.value.message
    with pytest.raises(InvalidInput):
        acc_a.set_lockout(ADMIN, 1, expected_version=1)


def test_a_role_still_held_is_not_deleted(ctx) -> None:  # type: ignore[no-untyped-def]
    acc = _accounts(ctx)
    acc.save_role(ADMIN, "quality", "质控专员", {"staff.view"}, expected_version=0)
    for n in ("zk1", "zk2"):
        acc.create_user(ADMIN, n, "quality", PW)
    version = acc.security_settings(ADMIN).roles_version
    with pytest.raises(Conflict) as err:
        acc.delete_role(ADMIN, "quality", expected_version=version)
    assert "2" in err.value.message and "质控专员" in err.value.message
    for n in ("zk1", "zk2"):
        acc.update_user(ADMIN, n, role="hr")
    over = acc.delete_role(ADMIN, "quality", expected_version=version)
    assert not [r for r in over.roles if not r.builtin]
    with pytest.raises(InvalidInput):
        acc.create_user(ADMIN, "zk3", "quality", PW)
    actions = [e.action for e in ctx.services.audit.query(ADMIN, AuditFilter(action="roles."))]
    assert actions.count("roles.create") == 1 and actions.count("roles.delete") == 1


def test_role_changes_need_user_management_and_bypass_is_closed(ctx) -> None:  # type: ignore[no-untyped-def]
    services = ctx.services
    services.identity.sign_in(principal_for("kq", "hr"))
    with pytest.raises(PermissionDenied):
        services.accounts.save_role(principal_for("kq", "hr"), "x", "x", {"users.manage"}, expected_version=0)
    # a clerk allowed to write attendance settings cannot write the roles through the generic settings service
    services.identity.sign_in(principal("admin", username="admin"))
    with pytest.raises(InvalidInput) as err:
        services.settings.put("security.roles", [{"name": "x", "permissions": ["users.manage"]}])
    assert "用户管理" in err.value.message
    with pytest.raises(InvalidInput):
        services.settings.delete("security.login")


def test_legacy_file_is_imported_once_and_left_in_place(ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "workstation-config"
    config.mkdir()
    legacy = config / "security.json"
    legacy.write_text(json.dumps({"max_failed_logins": 4, "custom_roles": [
        {"name": "quality", "label": "质控专员", "permissions": ["staff.view", "no.such"], "department_scoped": True}
    ]}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("HRDESK_CONFIG_DIR", str(config))
    with caplog.at_level(logging.WARNING, logger="app.security.permissions"):
        again = open_app(ctx.data)
    again.close()
    assert legacy.exists()
    assert any("left in place" in r.getMessage() for r in caplog.records)
    with ctx.session_factory() as s:
        stored = read_db_settings(s)
    assert stored.max_failed_logins == 4 and stored.roles_version == 1
    assert [(r.name, r.label, r.permissions) for r in stored.custom_roles] == [("quality", "质控专员",
                                                                               frozenset({"staff.view"}))]
    assert role_label("quality") == "质控专员"
    # once: an edit made in the database is not overwritten by the file on the next start
    acc = _accounts(ctx)
    acc.delete_role(ADMIN, "quality", expected_version=1)
    open_app(ctx.data).close()
    with ctx.session_factory() as s:
        assert read_db_settings(s).custom_roles == ()
    entries = ctx.services.audit.query(ADMIN, AuditFilter(action="security.import_legacy"))
    assert len(entries) == 1
