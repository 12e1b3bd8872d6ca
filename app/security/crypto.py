"""Field encryption: AES-256-GCM for sensitive columns (ID numbers, bank accounts).

Stored form: ``v1:<key id>:<nonce>:<ciphertext+tag>`` (URL-safe base64 without padding). The
associated data binds a value to its column (``people.id_number``), so a ciphertext copied into
another column does not decrypt. Keys live outside the database in a JSON key file
(``HRDESK_KEY_FILE``, default ``<user config>/field-keys.json``, mode 0600 on POSIX; on Windows the
user's profile folder is private to the user). Losing the key file makes the encrypted columns
unreadable: back it up separately from the database backups.

Rotation (``rotate_key``): a new key becomes current, rows are re-encrypted in batches, and old
keys stay in the file until no row uses them (``retire_unused_keys``). ``encrypt_existing`` turns
plaintext values left from before encryption into ciphertext.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, String, TypeDecorator, column, select, table, update

from app import paths
from app.errors import AppError
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

PREFIX = "v1"
KEY_FILE_NAME = "field-keys.json"
DEFAULT_TARGETS: tuple[tuple[str, str], ...] = (("people", "id_number"), ("pay_profiles", "bank_account"))


class EncryptionError(AppError):
    """A value cannot be decrypted, or the key file is missing or unusable."""


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_file_path() -> Path:
    env = os.environ.get("HRDESK_KEY_FILE", "").strip()
    return Path(env).expanduser() if env else paths.user_config_dir() / KEY_FILE_NAME


def is_encrypted(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":") and value.count(":") == 3


@dataclass
class KeyRing:
    """The keys of one key file: ``current`` encrypts; every key listed can decrypt."""

    path: Path
    current: str
    keys: dict[str, bytes]

    # -------------------------------------------------------------- file
    @classmethod
    def load(cls, path: Path | None = None, *, create: bool = False) -> KeyRing:
        path = path or key_file_path()
        if not path.exists():
            if not create:
                raise EncryptionError(_(
                    "The encryption key file {path} is missing. Copy the key file back from its backup "
                    "(or set HRDESK_KEY_FILE); without it ID numbers and bank accounts cannot be read."
                ).format(path=path))
            ring = cls(path, "", {})
            ring.add_key()
            log.info("created a new field-encryption key file")
            return ring
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            keys = {str(k): _b64d(str(v)) for k, v in raw["keys"].items()}
            current = str(raw["current"])
            if current not in keys or any(len(v) != 32 for v in keys.values()):
                raise ValueError("bad key file")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EncryptionError(_(
                "The encryption key file {path} is damaged. Copy it back from its backup."
            ).format(path=path)) from exc
        return cls(path, current, keys)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": 1, "current": self.current, "keys": {k: _b64e(v) for k, v in self.keys.items()}}
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, self.path)
        if os.name == "posix":
            os.chmod(self.path, 0o600)

    def add_key(self) -> str:
        """A new random key becomes current (old keys are kept); the file is saved."""
        kid = secrets.token_hex(4)
        while kid in self.keys:
            kid = secrets.token_hex(4)
        self.keys[kid] = AESGCM.generate_key(bit_length=256)
        self.current = kid
        self.save()
        return kid

    def drop_keys(self, kids: Sequence[str]) -> None:
        for kid in kids:
            if kid != self.current:
                self.keys.pop(kid, None)
        self.save()

    # -------------------------------------------------------------- values
    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = secrets.token_bytes(12)
        ct = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode("utf-8"), _aad(context, self.current))
        return f"{PREFIX}:{self.current}:{_b64e(nonce)}:{_b64e(ct)}"

    def decrypt(self, stored: str, context: str) -> str:
        try:
            version, kid, nonce_b64, ct_b64 = stored.split(":")
        except ValueError:
            raise EncryptionError(_("An encrypted value in {column} is malformed; restore it from a backup.").format(
                column=context)) from None
        if version != PREFIX:
            raise EncryptionError(_("An encrypted value in {column} uses an unknown format {version}; "
                                    "update the program.").format(column=context, version=version))
        key = self.keys.get(kid)
        if key is None:
            raise EncryptionError(_(
                "A value in {column} was encrypted with key {key}, which is not in the key file {path}. "
                "Use the key file that belongs to this database."
            ).format(column=context, key=kid, path=self.path))
        try:
            plain = AESGCM(key).decrypt(_b64d(nonce_b64), _b64d(ct_b64), _aad(context, kid))
        except (InvalidTag, ValueError) as exc:
            raise EncryptionError(_(
                "A value in {column} cannot be decrypted: it was altered or damaged, or the key file does not "
                "belong to this database. Restore the value or the key file from a backup."
            ).format(column=context)) from exc
        return plain.decode("utf-8")


def _aad(context: str, kid: str) -> bytes:
    return f"hrdesk|{PREFIX}|{kid}|{context}".encode()


_lock = threading.Lock()
_cached: KeyRing | None = None


def keyring(*, create: bool = False) -> KeyRing:
    """The process-wide key ring for ``key_file_path()`` (reloaded if the path changes)."""
    global _cached
    with _lock:
        path = key_file_path()
        if _cached is None or _cached.path != path:
            _cached = KeyRing.load(path, create=create)
        return _cached


def reset_keyring_cache() -> None:
    global _cached
    with _lock:
        _cached = None


class EncryptedString(TypeDecorator[str]):
    """A string column stored encrypted; ``context`` is ``"table.column"`` (bound into the ciphertext).

    Reading a plaintext value (a database from before encryption) returns it unchanged; run
    ``encrypt_existing`` once to encrypt such values. Needs about 80 characters of storage for an
    18-character value (SQLite does not enforce VARCHAR lengths).
    """

    impl = String
    cache_ok = True

    def __init__(self, length: int | None = None, *, context: str, **kw: Any) -> None:
        super().__init__(length, **kw)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        if is_encrypted(value):
            return value
        return keyring(create=True).encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or not is_encrypted(value):
            return value
        return keyring().decrypt(value, self.context)


# -------------------------------------------------------------------- bulk work (SQLAlchemy Core)

@dataclass(frozen=True)
class BulkResult:
    table: str
    column: str
    changed: int
    key_id: str


def _rewrite(engine: Engine, table_name: str, column_name: str, ring: KeyRing, needs_work: Any,
             batch: int, progress: ProgressFn, cancel: CancelToken) -> int:
    t = table(table_name, column("id"), column(column_name))
    col = t.c[column_name]
    context = f"{table_name}.{column_name}"
    changed = 0
    last_id = 0
    while True:
        cancel.raise_if_cancelled()
        with engine.begin() as conn:
            rows = conn.execute(
                select(t.c.id, col).where(t.c.id > last_id, col.is_not(None), col != "").order_by(t.c.id).limit(batch)
            ).all()
            if not rows:
                break
            for row_id, value in rows:
                if needs_work(value):
                    plain = ring.decrypt(value, context) if is_encrypted(value) else value
                    conn.execute(update(t).where(t.c.id == row_id).values({column_name: ring.encrypt(plain, context)}))
                    changed += 1
            last_id = rows[-1][0]
        progress(changed, 0, context)
    return changed


def encrypt_existing(engine: Engine, targets: Sequence[tuple[str, str]] = DEFAULT_TARGETS, *, batch: int = 500,
                     progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[BulkResult]:
    """Encrypt plaintext values of the given (table, column) pairs; encrypted values are left alone.

    Each batch commits on its own, so an interrupted run is simply run again."""
    ring = keyring(create=True)
    out = []
    for table_name, column_name in targets:
        n = _rewrite(engine, table_name, column_name, ring, lambda v: not is_encrypted(v), batch, progress, cancel)
        log.info("encrypted %d plaintext values in %s.%s", n, table_name, column_name)
        out.append(BulkResult(table_name, column_name, n, ring.current))
    return out


def rotate_key(engine: Engine, targets: Sequence[tuple[str, str]] = DEFAULT_TARGETS, *, batch: int = 500,
               progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
               new_key: bool = True) -> list[BulkResult]:
    """Make a new key current and re-encrypt every value (and plaintext) with it, in batches.

    Old keys remain in the key file; call ``retire_unused_keys`` afterwards. If a rotation is
    interrupted, call again with ``new_key=False`` to finish with the key already current."""
    ring = keyring(create=True)
    if new_key:
        ring.add_key()
    prefix = f"{PREFIX}:{ring.current}:"
    out = []
    for table_name, column_name in targets:
        n = _rewrite(engine, table_name, column_name, ring, lambda v: not str(v).startswith(prefix), batch,
                     progress, cancel)
        log.info("re-encrypted %d values in %s.%s", n, table_name, column_name)
        out.append(BulkResult(table_name, column_name, n, ring.current))
    return out


def keys_in_use(engine: Engine, targets: Sequence[tuple[str, str]] = DEFAULT_TARGETS) -> dict[str, int]:
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table_name, column_name in targets:
            t = table(table_name, column(column_name))
            for (value,) in conn.execute(select(t.c[column_name]).where(t.c[column_name].is_not(None),
                                                                         t.c[column_name] != "")):
                kid = value.split(":")[1] if is_encrypted(value) else "plaintext"
                counts[kid] = counts.get(kid, 0) + 1
    return counts


def retire_unused_keys(engine: Engine, targets: Sequence[tuple[str, str]] = DEFAULT_TARGETS) -> list[str]:
    """Remove from the key file every old key that no value of ``targets`` still uses."""
    ring = keyring()
    used = keys_in_use(engine, targets)
    unused = [k for k in ring.keys if k != ring.current and k not in used]
    if unused:
        ring.drop_keys(unused)
    return unused
