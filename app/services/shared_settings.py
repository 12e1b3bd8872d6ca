"""Hospital-wide settings kept in the database (``app_settings``), shared by every workstation.

Per-workstation preferences (language, window, data folder) stay in ``settings.toml`` (``app.config``).
What every clerk must see the same — ward cover rules, clock-file column mappings, custom roles — lives
here, one JSON value per key, with an optimistic version so two workstations cannot overwrite each other
silently. Keys are dotted: ``<area>.<name>[.<id>]`` (e.g. ``attendance.ward_rules.12``).

Other services read and write inside their own unit of work with :func:`read_setting` and
:func:`write_setting`; the UI and CLI use :class:`SharedSettingsService`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import Session

from app.db.tables import AppSetting
from app.errors import Conflict, InvalidInput
from app.i18n import _
from app.services.base import Service

MAX_KEY = 120


@dataclass(frozen=True)
class SettingValue:
    key: str
    value: Any
    version: int  # 0: not stored yet (the value is the caller's default)
    updated_at: datetime | None
    updated_by: str


def _check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY or any(ch.isspace() for ch in key):
        raise InvalidInput(_("A setting name must be 1 to {n} characters without spaces.").format(n=MAX_KEY))
    return key


def _check_value(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("This setting cannot be saved: {error}.").format(error=exc)) from exc


def read_setting(session: Session, key: str, default: Any = None) -> SettingValue:
    row = session.scalar(select(AppSetting).where(AppSetting.key == _check_key(key)))
    if row is None:
        return SettingValue(key, default, 0, None, "")
    return SettingValue(row.key, row.value, row.version, row.updated_at, row.updated_by)


def write_setting(session: Session, key: str, value: Any, *, expected_version: int | None = None,
                  user: str = "") -> SettingValue:
    """Store ``value`` under ``key``. ``expected_version`` (the version the caller read; 0 for "not stored
    yet") makes the write refuse when another workstation saved in between; ``None`` overwrites."""
    key, value = _check_key(key), _check_value(value)
    row = session.scalar(select(AppSetting).where(AppSetting.key == key))
    current = row.version if row is not None else 0
    if expected_version is not None and expected_version != current:
        raise Conflict(_("The setting {key} was changed on another workstation (version {mine} → {theirs}). "
                         "Reload it, check the change, and save yours again; nothing was saved.").format(
            key=key, mine=expected_version, theirs=current))
    if row is None:
        row = AppSetting(key=key, value=value, updated_by=user)
        session.add(row)
    else:
        row.value = value
        row.updated_by = user
    try:
        session.flush()  # the version column adds "WHERE version = :read" to the UPDATE
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict(_("The setting {key} was changed on another workstation at the same moment. "
                         "Reload it and save again; nothing was saved.").format(key=key)) from exc
    return SettingValue(row.key, row.value, row.version, row.updated_at, row.updated_by)


def delete_setting(session: Session, key: str) -> bool:
    row = session.scalar(select(AppSetting).where(AppSetting.key == _check_key(key)))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


PROTECTED_KEYS = frozenset({"security.roles", "security.login"})
"""Kept by ``AccountsService`` (needs 用户管理 and is audited there); the generic ``put``/``delete``, open to
attendance and payroll clerks for their own settings, must not reach them (a clerk could widen their own role)."""


def _writable(key: str) -> str:
    key = _check_key(key)
    if key in PROTECTED_KEYS:
        raise InvalidInput(_("The setting {key} is changed only in user management (Security menu).").format(key=key))
    return key


class SharedSettingsService(Service):
    def get(self, key: str, default: Any = None) -> SettingValue:
        with self._uow() as s:
            return read_setting(s, key, default)

    def put(self, key: str, value: Any, *, expected_version: int | None = None, user: str = "") -> SettingValue:
        key = _writable(key)
        with self._uow(write=True) as s:
            return write_setting(s, key, value, expected_version=expected_version, user=user)

    def delete(self, key: str) -> bool:
        key = _writable(key)
        with self._uow(write=True) as s:
            return delete_setting(s, key)

    def keys(self, prefix: str = "") -> list[str]:
        with self._uow() as s:
            query = select(AppSetting.key).order_by(AppSetting.key)
            if prefix:
                query = query.where(AppSetting.key.startswith(prefix, autoescape=True))
            return list(s.scalars(query))
