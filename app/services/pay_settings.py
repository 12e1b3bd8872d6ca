"""Dated pay settings (``pay_settings``): the pay structure and the city settings as TOML documents.

Each document has a kind (``structure`` | ``city``) and an effective month; a payroll run for month M
uses, of each kind, the latest document with ``effective_month`` ≤ M, else the default shipped in
``resources/payroll/`` (``effective_in``), and records the ids it used in ``payroll_runs.settings``.

A document is checked before it is stored (TOML, the structure/city checks, a dry run on sample
profiles; see ``app.payroll.documents``). Versions are never edited in place once a locked run used
them: a change is a new document with a later effective month. A document that no locked run has
used may be replaced (optimistic version) or deleted.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.tables import PayrollRun, PaySetting
from app.domain.org import Month
from app.errors import Conflict, InvalidInput, NotFound, StorageError
from app.i18n import N_, _
from app.payroll.documents import (
    KINDS,
    Validation,
    default_text,
    parse_city_text,
    parse_structure_text,
    validate_document,
)
from app.payroll.social import CitySettings
from app.payroll.structure import PayStructure
from app.services.base import Service
from app.tasks import ChangeSet

log = logging.getLogger(__name__)

KIND_LABELS = {"structure": N_("Pay structure"), "city": N_("City social insurance and housing fund")}
MAX_BODY = 500_000


@dataclass(frozen=True)
class PaySettingInfo:
    id: int
    kind: str
    effective_month: str
    name: str
    note: str
    created_by: str
    created_at: datetime | None
    version: int
    used_by: tuple[str, ...]  # months of runs that used it
    locked_by: tuple[str, ...]  # of which locked (the document can no longer be replaced)


@dataclass(frozen=True)
class PaySettingDocument:
    info: PaySettingInfo | None  # None: the shipped default
    kind: str
    effective_month: str
    body: str


@dataclass(frozen=True)
class EffectiveSettings:
    """What a run of ``month`` uses: parsed documents and the ids (None: the shipped default)."""

    month: str
    structure: PayStructure
    city: CitySettings
    structure_id: int | None
    city_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {"structure": self.structure_id, "city": self.city_id}


class _ParsedCache:
    """Parsed documents by kind and the SHA-256 of their text (several databases may be open in one process,
    so ids are no key). Bounded: the oldest entries go first."""

    SIZE = 32

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, body: str) -> Any:
        key = (kind, hashlib.sha256(body.encode("utf-8")).hexdigest())
        with self._lock:
            if key in self._items:
                return self._items[key]
        parsed = parse_structure_text(body) if kind == "structure" else parse_city_text(body)
        with self._lock:
            self._items[key] = parsed
            while len(self._items) > self.SIZE:
                self._items.pop(next(iter(self._items)))
        return parsed


_cache = _ParsedCache()


def _month(text: str) -> str:
    try:
        return str(Month.parse(text.strip()))
    except (ValueError, AttributeError):
        raise InvalidInput(_("A month looks like 2026-10; got {value}.").format(value=text)) from None


def _latest(s: Session, kind: str, month: str) -> PaySetting | None:
    return s.scalar(
        select(PaySetting)
        .where(PaySetting.kind == kind, PaySetting.effective_month <= month)
        .order_by(PaySetting.effective_month.desc())
        .limit(1)
    )


def effective_in(s: Session, month: str) -> EffectiveSettings:
    """The settings in force for ``month`` inside a unit of work (parsed documents are cached)."""
    rows = {kind: _latest(s, kind, month) for kind in KINDS}
    parsed: dict[str, Any] = {}
    for kind in KINDS:
        row = rows[kind]
        if row is not None:
            parsed[kind] = _cache.get(kind, row.body)
        else:
            parsed[kind] = _cache.get(kind, default_text(kind))
    return EffectiveSettings(
        month, parsed["structure"], parsed["city"],
        rows["structure"].id if rows["structure"] else None, rows["city"].id if rows["city"] else None,
    )


def settings_by_ids(s: Session, ids: dict[str, Any], month: str) -> EffectiveSettings:
    """The settings a stored run recorded (falls back to the month's settings for runs stored before)."""
    if not ids:
        return effective_in(s, month)
    parsed: dict[str, Any] = {}
    for kind in KINDS:
        row_id = ids.get(kind)
        row = s.get(PaySetting, row_id) if row_id else None
        if row is not None:
            parsed[kind] = _cache.get(kind, row.body)
        else:
            parsed[kind] = _cache.get(kind, default_text(kind))
    return EffectiveSettings(month, parsed["structure"], parsed["city"], ids.get("structure"), ids.get("city"))


class PaySettingsService(Service):
    # ---------------------------------------------------------------- queries
    def versions(self, kind: str | None = None) -> list[PaySettingInfo]:
        with self._uow() as s:
            stmt = select(PaySetting).order_by(PaySetting.kind, PaySetting.effective_month.desc())
            if kind is not None:
                stmt = stmt.where(PaySetting.kind == kind)
            usage = _usage(s)
            return [_info(r, usage) for r in s.scalars(stmt).all()]

    def document(self, setting_id: int) -> PaySettingDocument:
        with self._uow() as s:
            row = s.get(PaySetting, setting_id)
            if row is None:
                raise NotFound(_("These pay settings no longer exist; reload the list."))
            return PaySettingDocument(_info(row, _usage(s)), row.kind, row.effective_month, row.body)

    def effective_document(self, kind: str, month: str) -> PaySettingDocument:
        """The document of ``kind`` in force for ``month`` (the shipped default when none is stored)."""
        month = _month(month)
        _kind(kind)
        with self._uow() as s:
            row = _latest(s, kind, month)
            if row is None:
                return PaySettingDocument(None, kind, "", default_text(kind))
            return PaySettingDocument(_info(row, _usage(s)), row.kind, row.effective_month, row.body)

    def effective(self, month: str) -> EffectiveSettings:
        month = _month(month)
        with self._uow() as s:
            return effective_in(s, month)

    # ---------------------------------------------------------------- checking and saving
    def validate(self, kind: str, body: str, effective_month: str) -> Validation:
        """Parse, check formulas and dry-run the document against the other kind in force that month."""
        _kind(kind)
        if len(body) > MAX_BODY:
            return Validation(False, (_("The document is too long ({n} characters).").format(n=len(body)),), "")
        try:
            month = _month(effective_month)
        except InvalidInput as exc:
            return Validation(False, (exc.message,), "")
        with self._uow() as s:
            current = effective_in(s, month)
        if kind == "structure":
            return validate_document(kind, body, month, city=current.city)
        return validate_document(kind, body, month, structure=current.structure)

    def save(self, kind: str, effective_month: str, body: str, *, name: str = "", note: str = "", user: str = "",
             expected_version: int | None = None) -> tuple[PaySettingInfo, ChangeSet]:
        """Store a checked document for ``effective_month``. Replacing the document of the same month needs
        ``expected_version`` and is refused once a locked run used it."""
        month = _month(effective_month)
        result = self.validate(kind, body, month)
        if not result.ok:
            raise InvalidInput(_("The pay settings were not saved: {problems}").format(problems="；".join(result.problems)))
        name = name.strip()[:100] or _default_name(kind, body)
        with self._uow(write=True) as s:
            row = s.scalar(select(PaySetting).where(PaySetting.kind == kind, PaySetting.effective_month == month))
            if row is None:
                row = PaySetting(kind=kind, effective_month=month, name=name, body=body, note=note.strip(),
                                 created_by=user)
                s.add(row)
            else:
                if expected_version is None or expected_version != row.version:
                    raise Conflict(_("There are already pay settings of this kind effective from {month} (version "
                                     "{version}). Open them and edit, or choose another month; nothing was saved.")
                                   .format(month=month, version=row.version))
                locked = _usage(s).get(row.id, {}).get("locked", [])
                if locked:
                    raise Conflict(_("These settings paid the locked month {months}; they cannot be changed. Save "
                                     "the change as a new version effective from a later month.")
                                   .format(months=", ".join(locked)))
                row.body, row.name, row.note, row.created_by = body, name, note.strip(), user
            s.flush()
            info = _info(row, _usage(s))
        log.info("pay settings %s saved for %s (id %s)", kind, month, info.id)
        return info, ChangeSet.of("pay_settings")

    def delete(self, setting_id: int, *, expected_version: int) -> ChangeSet:
        with self._uow(write=True) as s:
            row = s.get(PaySetting, setting_id)
            if row is None:
                raise NotFound(_("These pay settings no longer exist; reload the list."))
            if row.version != expected_version:
                raise Conflict(_("These pay settings were changed on another workstation; reload them."))
            used = _usage(s).get(row.id, {}).get("all", [])
            if used:
                raise Conflict(_("These settings were used by the payroll of {months}; they are kept for the record.")
                               .format(months=", ".join(used)))
            s.delete(row)
        return ChangeSet.of("pay_settings")

    # ---------------------------------------------------------------- files
    def import_file(self, path: Path) -> str:
        """Read a TOML file for the editor (it is checked and stored only on save)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InvalidInput(_("File not found: {path}.").format(path=path)) from None
        except OSError as exc:
            raise InvalidInput(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
        if len(data) > MAX_BODY:
            raise InvalidInput(_("The document is too long ({n} characters).").format(n=len(data)))
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("{path} is not UTF-8 text; save it as UTF-8 and import again.").format(path=path)) from None

    def export_file(self, body: str, path: Path) -> Path:
        try:
            path.write_text(body, encoding="utf-8")
        except OSError as exc:
            raise StorageError(_("Could not write {path}: {error}. Check the folder exists and the file is not open in "
                                 "Excel.").format(path=path, error=exc.strerror or exc)) from exc
        return path


def _kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(_("Unknown kind of pay settings {kind}; use structure or city.").format(kind=kind))


def _default_name(kind: str, body: str) -> str:
    if kind == "structure":
        try:
            return parse_structure_text(body).name[:100]
        except InvalidInput:
            pass
    return _(KIND_LABELS[kind])


def _usage(s: Session) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = {}
    for month, state, settings in s.execute(select(PayrollRun.month, PayrollRun.state, PayrollRun.settings)).all():
        for kind in KINDS:
            sid = (settings or {}).get(kind)
            if sid:
                entry = out.setdefault(int(sid), {"all": [], "locked": []})
                entry["all"].append(month)
                if state == "locked":
                    entry["locked"].append(month)
    for entry in out.values():
        entry["all"].sort()
        entry["locked"].sort()
    return out


def _info(row: PaySetting, usage: dict[int, dict[str, list[str]]]) -> PaySettingInfo:
    used = usage.get(row.id, {})
    return PaySettingInfo(row.id, row.kind, row.effective_month, row.name, row.note, row.created_by,
                          row.created_at, row.version, tuple(used.get("all", [])), tuple(used.get("locked", [])))

