"""Permission catalogue, built-in roles, custom roles, ``Principal`` and ``require``.

Built-in roles map to fixed permission sets. Custom roles are a named set of catalogue permissions.
They and the lock-out threshold are hospital-wide: kept in the database (``app_settings`` keys
``security.roles`` and ``security.login``, versioned, see :func:`read_db_settings`) so every workstation
on a shared PostgreSQL server sees the same roles. A per-workstation ``security.json`` (where older
versions kept them) is imported once when a database has none (:func:`import_legacy`) and left in place.
Roles marked *department-scoped* (部门主任, 面试官) may use a permission only for their own
department when the caller names one (``require(..., department_id=...)``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import paths
from app.errors import AppError, InvalidInput
from app.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    roles_version: int = 0  # app_settings versions the values were read at (0: not stored yet)
    login_version: int = 0

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
    role_name: str = ""  # the role's label at sign-in (custom roles: data from the database)

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


_LABELS: dict[str, str] = {}  # custom role -> label, as last read from the database (display only)
_LABELS_LOCK = threading.Lock()


def _remember_labels(settings: SecuritySettings) -> None:
    with _LABELS_LOCK:
        _LABELS.clear()
        _LABELS.update({r.name: r.label for r in settings.custom_roles})


def role_label(role: str, settings: SecuritySettings | None = None) -> str:
    """The role's name for people: built-in roles translated, custom roles their label. Without
    ``settings`` a custom role's label is the one last read from the database in this process."""
    if role in ROLE_LABELS:
        return _(ROLE_LABELS[role])
    if settings is not None:
        custom = settings.role(role)
        return custom.label if custom else role
    with _LABELS_LOCK:
        return _LABELS.get(role, role)


def principal_label(principal: Principal) -> str:
    return principal.role_name or role_label(principal.role)


def role_permissions(role: str, settings: SecuritySettings | None = None) -> tuple[frozenset[str], bool]:
    """(permissions, department_scoped) of a role; an unknown role has no permission at all. Custom roles
    need ``settings`` (read from the database with :func:`read_db_settings`); without them a custom role
    has no permission."""
    if role in BUILTIN_ROLES:
        return BUILTIN_ROLES[role], role in DEPARTMENT_SCOPED
    custom = settings.role(role) if settings is not None else None
    if custom is None:
        log.warning("unknown role %r: no permissions", role)
        return frozenset(), True
    return custom.permissions, custom.department_scoped


def principal_for(username: str, role: str, department_id: int | None = None, *,
                  display_name: str = "", settings: SecuritySettings | None = None) -> Principal:
    perms, scoped = role_permissions(role, settings)
    return Principal(username, role, department_id, perms, scoped, display_name, role_label(role, settings))


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
              "Ask HR or an administrator.").format(user=principal.username, role=principal_label(principal),
                                                    what=what)
        )
    raise PermissionDenied(
        _("Your account ({user}, {role}) is not allowed to {what}. Ask an administrator for this "
          "permission.").format(user=principal.username, role=principal_label(principal), what=what)
    )


# ---------------------------------------------------------------------------- legacy settings file

def settings_path() -> Path:
    """The per-workstation file older versions kept custom roles in (read only for the one-time import)."""
    return paths.user_config_dir() / SETTINGS_FILE


def _roles_from_json(raw: Any) -> tuple[CustomRole, ...]:
    return tuple(
        CustomRole(str(r["name"]), str(r.get("label") or r["name"]),
                   frozenset(p for p in r.get("permissions", []) if p in PERMISSIONS),
                   bool(r.get("department_scoped", False)))
        for r in (raw or []) if str(r.get("name", "")).strip() and str(r["name"]) not in BUILTIN_ROLES
    )


def _roles_to_json(roles: tuple[CustomRole, ...]) -> list[dict[str, Any]]:
    return [{"name": r.name, "label": r.label, "permissions": sorted(r.permissions),
             "department_scoped": r.department_scoped} for r in roles]


def load_settings(path: Path | None = None) -> SecuritySettings:
    """The settings in a legacy ``security.json`` (defaults when there is none or it is unreadable)."""
    path = path or settings_path()
    if not path.exists():
        return SecuritySettings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        roles = _roles_from_json(raw.get("custom_roles", []))
        limit = int(raw.get("max_failed_logins", DEFAULT_MAX_FAILED_LOGINS))
        return SecuritySettings(max(1, limit), roles)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("security settings unreadable, using defaults: %s", type(exc).__name__)
        return SecuritySettings()


def save_settings(settings: SecuritySettings, path: Path | None = None) -> Path:
    """Write a legacy-format file (tests and the import trial only; the app keeps these in the database)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "max_failed_logins": settings.max_failed_logins,
        "custom_roles": _roles_to_json(settings.custom_roles),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def check_custom_role(name: str, label: str, permissions: set[str] | frozenset[str],
                      department_scoped: bool = False) -> CustomRole:
    """A valid custom role made of catalogue permissions, or ``InvalidInput`` saying what is wrong."""
    name = name.strip()
    if not name or name in BUILTIN_ROLES or len(name) > 40:
        raise InvalidInput(_("The role name {name} is empty, longer than 40 characters or taken by a built-in "
                             "role.").format(name=name))
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise InvalidInput(_("Unknown permissions: {names}.").format(names=", ".join(unknown)))
    if not permissions:
        raise InvalidInput(_("Give the role {name} at least one permission.").format(name=name))
    return CustomRole(name, label.strip() or name, frozenset(permissions), department_scoped)


def define_custom_role(name: str, label: str, permissions: set[str] | frozenset[str], *,
                       department_scoped: bool = False, path: Path | None = None) -> CustomRole:
    """Add or replace a custom role in a legacy-format file (see :func:`save_settings`)."""
    role = check_custom_role(name, label, permissions, department_scoped)
    name = role.name
    settings = load_settings(path)
    others = tuple(r for r in settings.custom_roles if r.name != name)
    save_settings(SecuritySettings(settings.max_failed_logins, (*others, role)), path)
    return role


def all_roles(settings: SecuritySettings | None = None) -> list[str]:
    settings = settings or SecuritySettings()
    return [*BUILTIN_ROLES, *(r.name for r in settings.custom_roles)]


# ---------------------------------------------------------------------------- database (app_settings)

ROLES_KEY = "security.roles"  # [{"name", "label", "permissions", "department_scoped"}]
LOGIN_KEY = "security.login"  # {"max_failed_logins": n}
LEGACY_USER = "security.json import"
MAX_FAILED_RANGE = (3, 20)


def read_db_settings(session: Session) -> SecuritySettings:
    """Custom roles and the lock-out threshold as stored in the database (defaults when not stored)."""
    from app.services.shared_settings import read_setting

    roles = read_setting(session, ROLES_KEY, [])
    login = read_setting(session, LOGIN_KEY, {})
    try:
        custom = _roles_from_json(roles.value)
    except (KeyError, TypeError, AttributeError) as exc:
        log.error("stored custom roles unreadable (%s): none in force", type(exc).__name__)
        custom = ()
    try:
        limit = max(1, int((login.value or {}).get("max_failed_logins", DEFAULT_MAX_FAILED_LOGINS)))
    except (TypeError, ValueError, AttributeError):
        limit = DEFAULT_MAX_FAILED_LOGINS
    settings = SecuritySettings(limit, custom, roles.version, login.version)
    _remember_labels(settings)
    return settings


def write_db_roles(session: Session, roles: tuple[CustomRole, ...], *, expected_version: int | None,
                   user: str) -> int:
    """Store the custom roles; ``Conflict`` (naming the setting) when another workstation saved first."""
    from app.services.shared_settings import write_setting

    return write_setting(session, ROLES_KEY, _roles_to_json(roles), expected_version=expected_version,
                         user=user).version


def write_db_login(session: Session, max_failed_logins: int, *, expected_version: int | None, user: str) -> int:
    low, high = MAX_FAILED_RANGE
    if not low <= max_failed_logins <= high:
        raise InvalidInput(_("The lock-out threshold must be between {low} and {high} wrong passwords.").format(
            low=low, high=high))
    from app.services.shared_settings import write_setting

    return write_setting(session, LOGIN_KEY, {"max_failed_logins": max_failed_logins},
                         expected_version=expected_version, user=user).version


def import_legacy(session: Session, path: Path | None = None) -> bool:
    """Import a per-workstation ``security.json`` once: only into a database that has neither custom roles
    nor a lock-out threshold stored yet. The file is left where it is (other databases may still need it).
    Returns whether anything was imported."""
    path = path or settings_path()
    if not path.exists():
        return False
    current = read_db_settings(session)
    if current.roles_version or current.login_version:
        log.info("security settings are in the database; the legacy file %s is not used", path.name)
        return False
    legacy = load_settings(path)
    if not legacy.custom_roles and legacy.max_failed_logins == DEFAULT_MAX_FAILED_LOGINS:
        return False
    from app.services.audit import record

    write_db_roles(session, legacy.custom_roles, expected_version=0, user=LEGACY_USER)
    limit = min(max(legacy.max_failed_logins, MAX_FAILED_RANGE[0]), MAX_FAILED_RANGE[1])
    write_db_login(session, limit, expected_version=0, user=LEGACY_USER)
    record(session, "system", "security.import_legacy", "setting", ROLES_KEY,
           {"roles": [r.name for r in legacy.custom_roles], "max_failed_logins": limit})
    log.warning("imported %d custom roles and the lock-out threshold from the per-workstation file %s into the "
                "database; the file is left in place and no longer read", len(legacy.custom_roles), path)
    read_db_settings(session)
    return True


__all__ = ["PERMISSIONS", "BUILTIN_ROLES", "Principal", "PermissionDenied", "require", "principal_for",
           "SecuritySettings", "CustomRole", "load_settings", "save_settings", "define_custom_role",
           "read_db_settings", "write_db_roles", "write_db_login", "import_legacy", "check_custom_role"]
