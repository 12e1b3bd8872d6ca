"""Permission catalogue, built-in roles, custom roles, ``Principal`` and ``require``.

Built-in roles map to fixed permission sets. Custom roles are a named set of catalogue permissions
kept as JSON in the user config folder (``security.json``), together with the lock-out threshold.
Roles marked *department-scoped* (部门主任, 面试官) may use a permission only for their own
department when the caller names one (``require(..., department_id=...)``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import paths
from app.errors import AppError, InvalidInput
from app.i18n import N_, _

log = logging.getLogger(__name__)

SETTINGS_FILE = "security.json"
DEFAULT_MAX_FAILED_LOGINS = 5

# permission -> description (msgid, translated where shown)
PERMISSIONS: dict[str, str] = {
    "positions.view": N_("view positions"),
    "positions.edit": N_("edit positions"),
    "candidates.view": N_("view candidates"),
    "candidates.edit": N_("edit candidates"),
    "interviews.view_all": N_("view all interviews"),
    "interviews.view_assigned": N_("view the interviews assigned to you"),
    "interviews.score": N_("score interviews"),
    "staff.view": N_("view staff records"),
    "staff.edit": N_("edit staff records"),
    "staff.import": N_("import staff data from another system"),
    "attendance.view": N_("view attendance"),
    "attendance.edit": N_("edit attendance"),
    "pay.view_individual": N_("view individual pay"),
    "pay.run": N_("run payroll"),
    "training.manage": N_("manage training"),
    "onboarding.approve": N_("approve onboarding forms"),
    "users.manage": N_("manage user accounts"),
    "settings.manage": N_("change settings"),
    "audit.view": N_("view the audit log"),
    "backup.manage": N_("create and restore backups"),
    "export.department": N_("export department data"),
    "export.all": N_("export data of all departments"),
}

ROLE_LABELS: dict[str, str] = {  # msgids: translate where shown (role_label); custom role names are data
    "admin": N_("System administrator"),
    "hr": N_("HR officer"),
    "interviewer": N_("Interviewer"),
    "dept_head": N_("Head of department"),
    "payroll": N_("Payroll officer"),
}

BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "hr": frozenset({
        "positions.view", "positions.edit", "candidates.view", "candidates.edit", "interviews.view_all",
        "interviews.score", "staff.view", "staff.edit", "staff.import", "attendance.view", "attendance.edit",
        "training.manage", "onboarding.approve", "audit.view", "export.department", "export.all",
    }),
    "interviewer": frozenset({"positions.view", "candidates.view", "interviews.view_assigned", "interviews.score"}),
    "dept_head": frozenset({
        "positions.view", "candidates.view", "interviews.view_assigned", "interviews.score", "staff.view",
        "attendance.view", "onboarding.approve", "export.department",
    }),
    "payroll": frozenset({
        "staff.view", "attendance.view", "pay.view_individual", "pay.run", "export.department", "export.all",
    }),
}

DEPARTMENT_SCOPED: frozenset[str] = frozenset({"interviewer", "dept_head"})


class PermissionDenied(AppError):
    """The signed-in user's role does not allow the operation."""


@dataclass(frozen=True)
class CustomRole:
    name: str
    label: str
    permissions: frozenset[str]
    department_scoped: bool = False


@dataclass(frozen=True)
class SecuritySettings:
    max_failed_logins: int = DEFAULT_MAX_FAILED_LOGINS
    custom_roles: tuple[CustomRole, ...] = ()

    def role(self, name: str) -> CustomRole | None:
        return next((r for r in self.custom_roles if r.name == name), None)


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user, their role, department and effective permissions."""

    username: str
    role: str
    department_id: int | None
    permissions: frozenset[str]
    department_scoped: bool = False
    display_name: str = ""

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """Maintenance from the command line on the server itself: every permission, not scoped."""
        return cls(username=name, role="admin", department_id=None, permissions=frozenset(PERMISSIONS))

    def can(self, permission: str, *, department_id: int | None = None) -> bool:
        if permission not in self.permissions:
            return False
        if department_id is not None and self.department_scoped:
            return self.department_id == department_id
        return True


def role_label(role: str, settings: SecuritySettings | None = None) -> str:
    if role in ROLE_LABELS:
        return _(ROLE_LABELS[role])
    custom = (settings or load_settings()).role(role)
    return custom.label if custom else role


def role_permissions(role: str, settings: SecuritySettings | None = None) -> tuple[frozenset[str], bool]:
    """(permissions, department_scoped) of a role; an unknown role has no permission at all."""
    if role in BUILTIN_ROLES:
        return BUILTIN_ROLES[role], role in DEPARTMENT_SCOPED
    custom = (settings or load_settings()).role(role)
    if custom is None:
        log.warning("unknown role %r: no permissions", role)
        return frozenset(), True
    return custom.permissions, custom.department_scoped


def principal_for(username: str, role: str, department_id: int | None = None, *,
                  display_name: str = "", settings: SecuritySettings | None = None) -> Principal:
    perms, scoped = role_permissions(role, settings)
    return Principal(username, role, department_id, perms, scoped, display_name)


def require(principal: Principal, permission: str, *, department_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` (message in Chinese, naming the operation) unless allowed."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    if principal.can(permission, department_id=department_id):
        return
    what = _(PERMISSIONS[permission])
    if permission in principal.permissions:
        raise PermissionDenied(
            _("Your account ({user}, {role}) may {what} only for its own department. "
              "Ask HR or an administrator.").format(user=principal.username, role=role_label(principal.role),
                                                    what=what)
        )
    raise PermissionDenied(
        _("Your account ({user}, {role}) is not allowed to {what}. Ask an administrator for this "
          "permission.").format(user=principal.username, role=role_label(principal.role), what=what)
    )


# ---------------------------------------------------------------------------- settings file

def settings_path() -> Path:
    return paths.user_config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> SecuritySettings:
    path = path or settings_path()
    if not path.exists():
        return SecuritySettings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        roles = tuple(
            CustomRole(str(r["name"]), str(r.get("label") or r["name"]),
                       frozenset(p for p in r.get("permissions", []) if p in PERMISSIONS),
                       bool(r.get("department_scoped", False)))
            for r in raw.get("custom_roles", [])
        )
        limit = int(raw.get("max_failed_logins", DEFAULT_MAX_FAILED_LOGINS))
        return SecuritySettings(max(1, limit), roles)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("security settings unreadable, using defaults: %s", type(exc).__name__)
        return SecuritySettings()


def save_settings(settings: SecuritySettings, path: Path | None = None) -> Path:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "max_failed_logins": settings.max_failed_logins,
        "custom_roles": [
            {"name": r.name, "label": r.label, "permissions": sorted(r.permissions),
             "department_scoped": r.department_scoped}
            for r in settings.custom_roles
        ],
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def define_custom_role(name: str, label: str, permissions: set[str] | frozenset[str], *,
                       department_scoped: bool = False, path: Path | None = None) -> CustomRole:
    """Add or replace a custom role made of catalogue permissions."""
    name = name.strip()
    if not name or name in BUILTIN_ROLES:
        raise InvalidInput(_("The role name {name} is empty or taken by a built-in role.").format(name=name))
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise InvalidInput(_("Unknown permissions: {names}.").format(names=", ".join(unknown)))
    settings = load_settings(path)
    role = CustomRole(name, label.strip() or name, frozenset(permissions), department_scoped)
    others = tuple(r for r in settings.custom_roles if r.name != name)
    save_settings(SecuritySettings(settings.max_failed_logins, (*others, role)), path)
    return role


def all_roles(settings: SecuritySettings | None = None) -> list[str]:
    settings = settings or load_settings()
    return [*BUILTIN_ROLES, *(r.name for r in settings.custom_roles)]


__all__ = ["PERMISSIONS", "BUILTIN_ROLES", "Principal", "PermissionDenied", "require", "principal_for",
           "SecuritySettings", "CustomRole", "load_settings", "save_settings", "define_custom_role"]
