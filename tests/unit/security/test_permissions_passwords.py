from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import AppError, InvalidInput
from app.security import passwords
from app.security.permissions import (
    BUILTIN_ROLES,
    PERMISSIONS,
    PermissionDenied,
    define_custom_role,
    load_settings,
    principal_for,
    require,
    save_settings,
    SecuritySettings,
)
from tests.unit.security.matrix import outcome, principal, run_matrix


def test_every_role_uses_only_catalogue_permissions_and_admin_has_all() -> None:
    for perms in BUILTIN_ROLES.values():
        assert perms <= set(PERMISSIONS)
    assert BUILTIN_ROLES["admin"] == frozenset(PERMISSIONS)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("admin", "users.manage", True),
        ("hr", "users.manage", False),
        ("hr", "audit.view", True),
        ("payroll", "audit.view", False),
        ("payroll", "pay.run", True),
        ("hr", "pay.view_individual", False),
        ("interviewer", "interviews.view_all", False),
        ("interviewer", "interviews.view_assigned", True),
        ("dept_head", "export.all", False),
    ],
)
def test_role_permission_table(role: str, permission: str, allowed: bool) -> None:
    assert outcome(lambda p: require(p, permission), principal(role)) is allowed


def test_refusal_is_a_chinese_app_error_naming_the_operation() -> None:
    with pytest.raises(PermissionDenied) as err:
        require(principal("interviewer"), "users.manage")
    assert isinstance(err.value, AppError)
    assert "管理用户账户" in err.value.message
    assert "面试官" in err.value.message


def test_department_scoped_roles_only_reach_their_own_department() -> None:
    head = principal("dept_head", department_id=7)
    require(head, "export.department", department_id=7)
    with pytest.raises(PermissionDenied) as err:
        require(head, "export.department", department_id=8)
    assert "本部门" in err.value.message
    require(principal("hr"), "export.department", department_id=8)  # HR is not scoped


def test_matrix_helper_reports_a_wrong_expectation() -> None:
    ops = {"manage users": lambda p: require(p, "users.manage")}
    right = {"manage users": {r: r == "admin" for r in BUILTIN_ROLES}}
    assert run_matrix(right, ops) == []
    wrong = {"manage users": {"hr": True}}
    assert run_matrix(wrong, ops) == ["hr may not: manage users (expected the opposite)"]


def test_custom_roles_round_trip_through_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "security.json"
    save_settings(SecuritySettings(max_failed_logins=3), path)
    define_custom_role("quality", "质控专员", {"staff.view", "audit.view"}, department_scoped=True, path=path)
    settings = load_settings(path)
    assert settings.max_failed_logins == 3
    p = principal_for("u", "quality", 5, settings=settings)
    assert p.permissions == {"staff.view", "audit.view"}
    require(p, "audit.view")
    with pytest.raises(PermissionDenied):
        require(p, "pay.run")
    with pytest.raises(InvalidInput):
        define_custom_role("hr", "x", {"staff.view"}, path=path)
    with pytest.raises(InvalidInput):
        define_custom_role("x", "x", {"no.such"}, path=path)


def test_unknown_role_has_no_permission(tmp_path: Path) -> None:
    p = principal_for("u", "ghost", settings=load_settings(tmp_path / "none.json"))
    assert p.permissions == frozenset()


def test_damaged_settings_file_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "security.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_settings(path) == SecuritySettings()


def test_argon2id_hash_and_verify() -> None:
    h = passwords.hash_password("Ward-2026x")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "Ward-2026x")
    assert not passwords.verify_password(h, "Ward-2026y")
    assert not passwords.verify_password("", "anything1")
    assert not passwords.verify_password("garbage", "anything1")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short1!", "8"), ("zhangwei2026", "用户名"), ("abcdefghij", "两种"), ("aaaa1111", "简单"),
     (" padded123 ", "空格")],
)
def test_password_rules(password: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        passwords.check_password_rules(password, "zhangwei")
    assert fragment in err.value.message


def test_good_password_passes_rules() -> None:
    passwords.check_password_rules("Ke$hi-2026", "zhangwei")
