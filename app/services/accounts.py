"""User accounts: first administrator, login with lock-out, password changes, user management.

Only ``users.manage`` (系统管理员) creates, edits, unlocks or resets accounts and edits custom roles and
the lock-out threshold. Every change and every login (successful, failed, locked) goes into the audit
log in the same transaction.

Custom roles and the lock-out threshold are hospital-wide settings in the database
(``app.security.permissions.read_db_settings``): every workstation reads the same ones. They are read
afresh at each login (the signed-in ``Principal`` keeps its permissions for the session) and cached for
listings until this service changes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from app.db.tables import User
from app.errors import AppError, Conflict, InvalidInput, NotFound
from app.i18n import _
from app.security import passwords
from app.security.permissions import BUILTIN_ROLES, DEPARTMENT_SCOPED
from app.security.permissions import (
    Principal,
    SecuritySettings,
    all_roles,
    check_custom_role,
    principal_for,
    read_db_settings,
    require,
    role_label,
    write_db_login,
    write_db_roles,
)
from app.services.audit import record
from app.services.base import Service
from app.tasks import ChangeSet

log = logging.getLogger(__name__)

DEFAULT_ADMIN = "admin"


class LoginFailed(AppError):
    """Wrong user name or password, a disabled account, or a locked account."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    department_id: int | None
    active: bool
    locked: bool
    must_change_password: bool
    failed_logins: int
    version: int


@dataclass(frozen=True)
class RoleInfo:
    name: str
    label: str
    permissions: tuple[str, ...]
    department_scoped: bool
    builtin: bool
    users: int  # accounts holding the role


@dataclass(frozen=True)
class SecurityOverview:
    roles: tuple[RoleInfo, ...]
    roles_version: int  # pass back as expected_version when saving roles
    max_failed_logins: int
    login_version: int


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    must_change_password: bool


class AccountsService(Service):
    def __init__(self, factory, settings_loader=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(factory)
        self._settings_loader = settings_loader  # tests: a fixed SecuritySettings; None: the database
        self._cached: SecuritySettings | None = None

    def settings(self) -> SecuritySettings:
        """Custom roles and the lock-out threshold (cached; refreshed at every login and after a change)."""
        if self._settings_loader is not None:
            return self._settings_loader()
        cached = self._cached
        if cached is None:
            with self._uow() as s:
                cached = self._cached = read_db_settings(s)
        return cached

    def _fresh(self, s) -> SecuritySettings:  # type: ignore[no-untyped-def]
        if self._settings_loader is not None:
            return self._settings_loader()
        self._cached = read_db_settings(s)
        return self._cached

    @property
    def max_failed(self) -> int:
        return self.settings().max_failed_logins

    # ---------------------------------------------------------------- first run
    def has_users(self) -> bool:
        with self._uow() as s:
            return bool(s.scalar(select(func.count()).select_from(User)))

    def ensure_admin(self, password: str, *, username: str = DEFAULT_ADMIN, display_name: str = "") -> bool:
        """On first run (no account at all) create the administrator with a one-time password that
        must be changed at the first login. Returns False if accounts already exist."""
        passwords.check_password_rules(password, username)
        with self._uow(write=True) as s:
            if s.scalar(select(func.count()).select_from(User)):
                return False
            user = User(username=username, display_name=display_name or _("Administrator"), role="admin",
                        password_hash=passwords.hash_password(password), must_change_password=True,
                        failed_logins=0, active=True)
            s.add(user)
            s.flush()
            record(s, "system", "users.create_admin", "user", user.id, {"username": username})
        log.info("first administrator account created")
        return True

    # ---------------------------------------------------------------- login
    def login(self, username: str, password: str) -> LoginResult:
        username = username.strip()
        with self._uow(write=True) as s:
            settings = self._fresh(s)  # roles edited on another workstation count from this sign-in
            limit = settings.max_failed_logins
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                passwords.burn_time(password)
                record(s, username or "?", "login.failed", "user", "", {"reason": "unknown user"})
                outcome: str | None = "bad"
            elif not user.active:
                passwords.burn_time(password)
                record(s, username, "login.refused", "user", user.id, {"reason": "disabled"})
                outcome = "disabled"
            elif user.failed_logins >= limit:
                passwords.burn_time(password)
                record(s, username, "login.refused", "user", user.id, {"reason": "locked"})
                outcome = "locked"
            elif not passwords.verify_password(user.password_hash, password):
                user.failed_logins += 1
                now_locked = user.failed_logins >= limit
                record(s, username, "login.locked" if now_locked else "login.failed", "user", user.id,
                       {"failed_logins": user.failed_logins})
                outcome = "now_locked" if now_locked else "bad"
                left = limit - user.failed_logins
            else:
                if passwords.needs_rehash(user.password_hash):
                    user.password_hash = passwords.hash_password(password)
                if user.failed_logins:
                    user.failed_logins = 0
                record(s, username, "login.ok", "user", user.id)
                outcome = None
                result = LoginResult(
                    principal_for(user.username, user.role, user.department_id, display_name=user.display_name,
                                  settings=settings),
                    user.must_change_password,
                )
        if outcome is None:
            return result
        if outcome in ("locked", "now_locked"):
            raise LoginFailed(_("The account {user} is locked after {n} wrong passwords. Ask an administrator "
                                "to unlock it.").format(user=username, n=limit))
        if outcome == "disabled":
            raise LoginFailed(_("The account {user} is disabled. Ask an administrator.").format(user=username))
        if user is not None and 0 < left <= 2:
            raise LoginFailed(_("Wrong user name or password. {n} more wrong attempts lock the account.").format(
                n=left))
        raise LoginFailed(_("Wrong user name or password."))

    def change_password(self, username: str, old_password: str, new_password: str) -> ChangeSet:
        """The user changes their own password (required at first login)."""
        passwords.check_password_rules(new_password, username)
        if old_password == new_password:
            raise InvalidInput(_("The new password must differ from the old one."))
        with self._uow(write=True) as s:
            user = s.scalar(select(User).where(User.username == username.strip()))
            if user is None or not user.active or user.failed_logins >= self.max_failed \
                    or not passwords.verify_password(user.password_hash, old_password):
                raise LoginFailed(_("The current password is wrong; the password was not changed."))
            user.password_hash = passwords.hash_password(new_password)
            user.must_change_password = False
            record(s, user.username, "users.change_password", "user", user.id)
        return ChangeSet.of("users")

    # ---------------------------------------------------------------- administration
    def users(self, principal: Principal) -> list[UserInfo]:
        require(principal, "users.manage")
        with self._uow() as s:
            return [self._info(u) for u in s.scalars(select(User).order_by(User.username)).all()]

    def create_user(self, principal: Principal, username: str, role: str, initial_password: str, *,
                    display_name: str = "", department_id: int | None = None) -> UserInfo:
        require(principal, "users.manage")
        username = username.strip()
        if not username or len(username) > 40:
            raise InvalidInput(_("The user name must have 1 to 40 characters."))
        self._check_role(role)
        passwords.check_password_rules(initial_password, username)
        with self._uow(write=True) as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise Conflict(_("The user name {user} is taken.").format(user=username))
            user = User(username=username, display_name=display_name or username, role=role,
                        department_id=department_id, password_hash=passwords.hash_password(initial_password),
                        must_change_password=True, failed_logins=0, active=True)
            s.add(user)
            s.flush()
            record(s, principal, "users.create", "user", user.id, {"username": username, "role": role})
            return self._info(user)

    def update_user(self, principal: Principal, username: str, *, role: str | None = None,
                    department_id: int | None = None, active: bool | None = None,
                    display_name: str | None = None) -> UserInfo:
        require(principal, "users.manage")
        if role is not None:
            self._check_role(role)
        with self._uow(write=True) as s:
            user = self._get(s, username)
            changes: dict[str, object] = {}
            if role is not None and role != user.role:
                self._keep_one_admin(s, user, leaving=role != "admin")
                changes["role"] = [user.role, role]
                user.role = role
            if active is not None and active != user.active:
                if not active:
                    self._keep_one_admin(s, user, leaving=True)
                changes["active"] = active
                user.active = active
            if department_id is not None and department_id != user.department_id:
                changes["department_id"] = department_id
                user.department_id = department_id
            if display_name is not None and display_name != user.display_name:
                changes["display_name"] = True
                user.display_name = display_name
            if changes:
                record(s, principal, "users.update", "user", user.id, changes)
            s.flush()
            return self._info(user)

    def unlock(self, principal: Principal, username: str) -> UserInfo:
        require(principal, "users.manage")
        with self._uow(write=True) as s:
            user = self._get(s, username)
            user.failed_logins = 0
            record(s, principal, "users.unlock", "user", user.id)
            s.flush()
            return self._info(user)

    def reset_password(self, principal: Principal, username: str, new_password: str) -> UserInfo:
        """An administrator sets a one-time password; the user must change it at the next login."""
        require(principal, "users.manage")
        passwords.check_password_rules(new_password, username)
        with self._uow(write=True) as s:
            user = self._get(s, username)
            user.password_hash = passwords.hash_password(new_password)
            user.must_change_password = True
            user.failed_logins = 0
            record(s, principal, "users.reset_password", "user", user.id)
            s.flush()
            return self._info(user)

    # ---------------------------------------------------------------- roles and lock-out (hospital-wide)
    def security_settings(self, principal: Principal) -> SecurityOverview:
        """Every role (built-in and custom) with its permissions and how many accounts hold it, and the
        lock-out threshold, with the versions to pass back when saving."""
        require(principal, "users.manage")
        with self._uow() as s:
            settings = self._fresh(s)
            counts = dict(s.execute(select(User.role, func.count()).group_by(User.role)).all())
        roles = [RoleInfo(name, role_label(name), tuple(sorted(perms)), name in DEPARTMENT_SCOPED, True,
                          int(counts.get(name, 0))) for name, perms in BUILTIN_ROLES.items()]
        roles += [RoleInfo(r.name, r.label, tuple(sorted(r.permissions)), r.department_scoped, False,
                           int(counts.get(r.name, 0))) for r in settings.custom_roles]
        return SecurityOverview(tuple(roles), settings.roles_version, settings.max_failed_logins,
                                settings.login_version)

    def save_role(self, principal: Principal, name: str, label: str, permissions: set[str] | frozenset[str], *,
                  department_scoped: bool = False, expected_version: int) -> SecurityOverview:
        """Add or change a custom role. ``expected_version``: ``roles_version`` of the overview the user
        edited; another workstation's save in between is refused (``Conflict``) and nothing is saved."""
        require(principal, "users.manage")
        role = check_custom_role(name, label, permissions, department_scoped)
        with self._uow(write=True) as s:
            settings = read_db_settings(s)
            old = settings.role(role.name)
            others = tuple(r for r in settings.custom_roles if r.name != role.name)
            write_db_roles(s, (*others, role), expected_version=expected_version, user=principal.username)
            detail: dict[str, object] = {"label": role.label, "permissions": sorted(role.permissions),
                                         "department_scoped": role.department_scoped}
            if old is not None:
                detail["before"] = {"label": old.label, "permissions": sorted(old.permissions),
                                    "department_scoped": old.department_scoped}
            record(s, principal, "roles.update" if old else "roles.create", "role", role.name, detail)
        self._cached = None
        return self.security_settings(principal)

    def delete_role(self, principal: Principal, name: str, *, expected_version: int) -> SecurityOverview:
        """Remove a custom role; refused while accounts hold it (their number is named)."""
        require(principal, "users.manage")
        with self._uow(write=True) as s:
            settings = read_db_settings(s)
            if settings.role(name) is None:
                raise NotFound(_("There is no custom role {role}; reload the list.").format(role=name))
            holders = s.scalar(select(func.count()).select_from(User).where(User.role == name)) or 0
            if holders:
                raise Conflict(_("The role {role} is still held by {n} accounts. Give them another role first; "
                                 "nothing was deleted.").format(role=role_label(name, settings), n=holders))
            write_db_roles(s, tuple(r for r in settings.custom_roles if r.name != name),
                           expected_version=expected_version, user=principal.username)
            record(s, principal, "roles.delete", "role", name)
        self._cached = None
        return self.security_settings(principal)

    def set_lockout(self, principal: Principal, max_failed_logins: int, *, expected_version: int) -> SecurityOverview:
        """Change the number of wrong passwords that locks an account (every workstation)."""
        require(principal, "users.manage")
        with self._uow(write=True) as s:
            before = read_db_settings(s).max_failed_logins
            write_db_login(s, int(max_failed_logins), expected_version=expected_version, user=principal.username)
            record(s, principal, "security.lockout", "setting", "security.login",
                   {"before": before, "after": int(max_failed_logins)})
        self._cached = None
        return self.security_settings(principal)

    # ---------------------------------------------------------------- helpers
    def _check_role(self, role: str) -> None:
        self._cached = None  # a role added on another workstation a moment ago is accepted
        if role not in all_roles(self.settings()):
            raise InvalidInput(_("Unknown role {role}. Choose one of: {roles}.").format(
                role=role, roles=", ".join(all_roles(self.settings()))))

    def _get(self, s, username: str) -> User:  # type: ignore[no-untyped-def]
        user = s.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise NotFound(_("There is no account {user}.").format(user=username))
        return user

    def _keep_one_admin(self, s, user: User, *, leaving: bool) -> None:  # type: ignore[no-untyped-def]
        if not leaving or user.role != "admin" or not user.active:
            return
        others = s.scalar(select(func.count()).select_from(User).where(
            User.role == "admin", User.active.is_(True), User.id != user.id))
        if not others:
            raise Conflict(_("{user} is the last active administrator; make another administrator first.").format(
                user=user.username))

    def _info(self, u: User) -> UserInfo:
        settings = self.settings()
        return UserInfo(u.id, u.username, u.display_name, u.role, role_label(u.role, settings), u.department_id,
                        u.active, u.failed_logins >= settings.max_failed_logins, u.must_change_password,
                        u.failed_logins, u.version)
