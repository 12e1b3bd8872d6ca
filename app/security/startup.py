"""Security steps when a database is opened: field encryption of values left in plaintext.

``secure_database(ctx)`` is called by ``app.context.open_app`` after the migration. It

1. refuses to continue when the database holds values encrypted with a key that is not in the key
   file (``HRDESK_KEY_FILE`` or ``<user config>/field-keys.json``): reading them would fail later
   in unrelated places, so it says clearly which key file is needed;
2. encrypts plaintext ID numbers and bank accounts left from before encryption (or written by an
   older version), in committed batches, so an interrupted run is simply run again;
3. imports custom roles and the lock-out threshold from a per-workstation ``security.json`` (where
   older versions kept them) into the database, once, when the database has none of its own; the file
   is left in place and a note goes into the log.

The key file is created on first use. It is NOT in the database backups: back it up separately.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.i18n import _
from app.security.crypto import (
    DEFAULT_TARGETS,
    EncryptionError,
    encrypt_existing,
    key_file_path,
    keyring,
    keys_in_use,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SecureReport:
    encrypted_now: int  # plaintext values encrypted by this call
    keys_in_use: dict[str, int]  # key id (or "plaintext") -> values


def secure_database(ctx: Any) -> SecureReport:
    """Check the key file against the database and encrypt leftover plaintext (see module doc)."""
    engine = ctx.engine
    used = keys_in_use(engine, DEFAULT_TARGETS)
    encrypted_kids = {k for k in used if k != "plaintext"}
    if encrypted_kids:
        ring = keyring()  # EncryptionError (in Chinese) when the key file is missing or damaged
        missing = sorted(encrypted_kids - set(ring.keys))
        if missing:
            raise EncryptionError(_(
                "The database holds ID numbers and bank accounts encrypted with key {keys}, which the key file "
                "{path} does not have. Copy this database's key file back (or point HRDESK_KEY_FILE at it); "
                "nothing was changed.").format(keys=", ".join(missing), path=key_file_path()))
    changed = 0
    if ctx.extras.get("read_only"):  # a read-only data folder: check the key only, change nothing
        return SecureReport(0, used)
    if used.get("plaintext"):
        changed = sum(r.changed for r in encrypt_existing(engine, DEFAULT_TARGETS))
        log.info("field encryption: %d plaintext values encrypted", changed)
        used = keys_in_use(engine, DEFAULT_TARGETS)
    _import_legacy_roles(ctx)
    return SecureReport(changed, used)


def _import_legacy_roles(ctx: Any) -> None:
    from app.db.uow import unit_of_work
    from app.security.permissions import import_legacy, read_db_settings, settings_path

    if not settings_path().exists():
        return
    with unit_of_work(ctx.session_factory) as s:  # a read first: no write lock (nor a write) on most starts
        stored = read_db_settings(s)
    if stored.roles_version or stored.login_version:
        return
    with unit_of_work(ctx.session_factory, write=True) as s:
        import_legacy(s)
