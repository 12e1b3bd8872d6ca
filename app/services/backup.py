"""Backups of a data folder, their verification and restore.

One backup is a folder ``<data>/backups/backup-<UTC stamp>[-label]/`` holding

- ``hrdesk.sqlite3``: a consistent copy made with SQLite's online backup API (safe while the
  program writes: the copy is one committed state);
- ``manifest.json``: program version, schema revision, the copy's size and SHA-256, the audit chain
  head, and every file under ``<data>/archive/`` with size and SHA-256 (the archive itself is not
  copied: recordings are large; the manifest lets a restore say which originals differ).

Verify = manifest readable, copy matches its SHA-256, ``PRAGMA integrity_check`` is ``ok``, and the
schema revision is one this program knows (not from a newer program). Restore verifies first, then
keeps a safety copy of the current database, then copies the backup into the live database with
the backup API (no file is swapped under open connections). Automatic rotation keeps the newest N
regular backups; safety copies made before a restore are kept apart (newest N as well).

These backups are of the SQLite file only. With the database on a PostgreSQL server, create, verify and
restore refuse (``PostgresBackupRefused``) and say how: ``pg_dump`` on the server, or
``python -m app db copy`` into a SQLite file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app import __version__
from app.db.migrate import all_revisions
from app.errors import AppError, InvalidInput, NotFound, StorageError
from app.i18n import _
from app.paths import DataDir
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

PREFIX = "backup-"
SAFETY_LABEL = "before-restore"
MANIFEST = "manifest.json"
DB_FILE = "hrdesk.sqlite3"
FORMAT = 1
DEFAULT_KEEP = 10
_CHUNK = 1 << 20


class BackupDamaged(AppError):
    """The backup cannot be used (damaged, incomplete, or from a newer program)."""


class PostgresBackupRefused(InvalidInput):
    """The database is on a PostgreSQL server: this program's backups copy a SQLite file only."""


@dataclass(frozen=True)
class ArchiveDiff:
    missing: tuple[str, ...] = ()  # in the manifest, not in the archive now
    changed: tuple[str, ...] = ()  # size or content differs
    added: tuple[str, ...] = ()  # in the archive now, not in the manifest


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    name: str
    created_at: datetime | None
    label: str
    size_bytes: int
    schema_revision: str
    program_version: str
    archive_files: int


@dataclass(frozen=True)
class VerifyReport:
    path: Path
    ok: bool
    problems: tuple[str, ...]
    info: BackupInfo | None
    archive: ArchiveDiff = field(default_factory=ArchiveDiff)

    def message(self) -> str:
        if self.ok:
            return _("The backup {name} is complete and readable.").format(name=self.path.name)
        return _("The backup {name} cannot be used: {problems}").format(
            name=self.path.name, problems="; ".join(self.problems))


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_copy: Path | None
    archive: ArchiveDiff
    schema_revision: str


def sha256_file(path: Path, cancel: CancelToken = NEVER_CANCELLED) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            cancel.raise_if_cancelled()
            h.update(chunk)
    return h.hexdigest()


def archive_manifest(archive: Path, cancel: CancelToken = NEVER_CANCELLED) -> dict[str, dict[str, object]]:
    """relative posix path -> {size, sha256} for every file under ``archive``."""
    out: dict[str, dict[str, object]] = {}
    if not archive.exists():
        return out
    for p in sorted(archive.rglob("*")):
        cancel.raise_if_cancelled()
        if p.is_file():
            out[p.relative_to(archive).as_posix()] = {"size": p.stat().st_size, "sha256": sha256_file(p, cancel)}
    return out


def compare_archive(recorded: dict[str, dict[str, object]], archive: Path,
                    cancel: CancelToken = NEVER_CANCELLED) -> ArchiveDiff:
    now = archive_manifest(archive, cancel)
    missing = tuple(k for k in recorded if k not in now)
    changed = tuple(k for k in recorded if k in now and now[k] != recorded[k])
    added = tuple(k for k in now if k not in recorded)
    return ArchiveDiff(missing, changed, added)


def _online_copy(src_path: Path, dst_path: Path, cancel: CancelToken, progress: ProgressFn, label: str) -> None:
    src = sqlite3.connect(f"file:{src_path.as_posix()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(dst_path), timeout=30)
        try:
            def step(status: int, remaining: int, total: int) -> None:
                cancel.raise_if_cancelled()
                progress(total - remaining, total, label)

            src.backup(dst, pages=256, progress=step)
            dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        finally:
            dst.close()
    finally:
        src.close()


def _schema_revision(db: Path) -> str:
    con = sqlite3.connect(f"file:{db.as_posix()}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else ""
    except sqlite3.DatabaseError:
        return ""
    finally:
        con.close()


def _audit_head(db: Path) -> str:
    con = sqlite3.connect(f"file:{db.as_posix()}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        return str(row[0]) if row else ""
    except sqlite3.DatabaseError:
        return ""
    finally:
        con.close()


class BackupService:
    def __init__(self, data: DataDir, *, keep: int = DEFAULT_KEEP, database_url: str | None = None) -> None:
        """``database_url``: the database in use; None resolves it like ``open_app`` does
        (``HRDESK_DATABASE_URL``, then the ``database_url`` setting, then the data folder's file)."""
        self.data = data
        self.keep = keep
        self._database_url = database_url

    def _url(self) -> str:
        if self._database_url is None:
            from app import config
            from app.context import resolve_database_url

            self._database_url = resolve_database_url(self.data, config.load())
        return self._database_url

    def _require_sqlite(self) -> None:
        """Refuse (PostgresBackupRefused) when the database is on a PostgreSQL server."""
        from app.db.engine import backend_name, redact

        url = self._url()
        if backend_name(url) == "sqlite":
            return
        raise PostgresBackupRefused(_(
            "The database is on the PostgreSQL server {url}; HR Desk's backups copy only a SQLite database "
            "file. Back up the server with pg_dump on the server (ask IT to schedule it), or make a checked "
            "copy into a file with: python -m app db copy --from {url} --to FILE.sqlite3").format(url=redact(url)))

    # ---------------------------------------------------------------- create
    def create(self, *, label: str = "", progress: ProgressFn = no_progress,
               cancel: CancelToken = NEVER_CANCELLED) -> BackupInfo:
        self._require_sqlite()
        db = self.data.db_path
        if not db.exists():
            raise NotFound(_("There is no database in {path} to back up.").format(path=self.data.root))
        now = datetime.now(UTC)
        name = PREFIX + now.strftime("%Y%m%dT%H%M%S%fZ") + (f"-{label}" if label else "")
        final = self.data.backups / name
        work = self.data.backups / (name + ".partial")
        try:
            work.mkdir(parents=True, exist_ok=False)
            _online_copy(db, work / DB_FILE, cancel, progress, _("Copying the database"))
            progress(0, 0, _("Listing the archive"))
            archive = archive_manifest(self.data.archive, cancel)
            copy = work / DB_FILE
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "label": label,
                "program_version": __version__,
                "schema_revision": _schema_revision(copy),
                "database": {"file": DB_FILE, "size": copy.stat().st_size, "sha256": sha256_file(copy, cancel)},
                "audit_head": _audit_head(copy),
                "archive": archive,
            }
            (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(work, final)
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise StorageError(_("The backup could not be written to {path}: {reason}. Free some space or "
                                 "choose another folder.").format(path=self.data.backups,
                                                                    reason=exc.strerror or exc)) from exc
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        log.info("backup created: %s", final.name)
        self.rotate()
        return self._info(final, manifest)

    def ensure_recent(self, max_age_hours: float = 24.0, *, progress: ProgressFn = no_progress,
                      cancel: CancelToken = NEVER_CANCELLED) -> BackupInfo | None:
        """The scheduled backup: a new one (label ``auto``) when the newest regular backup is older than
        ``max_age_hours`` or there is none; None when a recent one exists."""
        now = datetime.now(UTC)
        for info in self.list():  # newest first
            if info.name.endswith(SAFETY_LABEL) or info.created_at is None:
                continue
            created = info.created_at if info.created_at.tzinfo else info.created_at.replace(tzinfo=UTC)
            if (now - created).total_seconds() < max_age_hours * 3600:
                return None
            break
        return self.create(label="auto", progress=progress, cancel=cancel)

    def rotate(self) -> list[Path]:
        """Delete the oldest backups beyond ``keep`` (regular and safety copies counted apart)."""
        removed: list[Path] = []
        all_dirs = self._dirs()
        for group in ([d for d in all_dirs if not d.name.endswith(SAFETY_LABEL)],
                      [d for d in all_dirs if d.name.endswith(SAFETY_LABEL)]):
            for old in sorted(group, key=lambda d: d.name)[:-self.keep] if self.keep > 0 else []:
                shutil.rmtree(old, ignore_errors=True)
                removed.append(old)
        for stale in self.data.backups.glob(PREFIX + "*.partial"):  # left by a crash
            shutil.rmtree(stale, ignore_errors=True)
        return removed

    # ---------------------------------------------------------------- list and verify
    def _dirs(self) -> list[Path]:
        if not self.data.backups.exists():
            return []
        return [d for d in self.data.backups.iterdir()
                if d.is_dir() and d.name.startswith(PREFIX) and not d.name.endswith(".partial")]

    def list(self) -> list[BackupInfo]:
        """Backups, newest first (unreadable ones are listed with empty facts)."""
        out = []
        for d in sorted(self._dirs(), key=lambda d: d.name, reverse=True):
            try:
                manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
                out.append(self._info(d, manifest))
            except (OSError, ValueError, TypeError, AttributeError):
                out.append(BackupInfo(d, d.name, None, "", 0, "", "", 0))
        return out

    def resolve(self, which: str | Path | None) -> Path:
        """A backup folder from a path (folder or its manifest), a folder name, or None (newest)."""
        if which is None or str(which) == "":
            backups = self.list()
            if not backups:
                raise NotFound(_("There is no backup in {path}.").format(path=self.data.backups))
            return backups[0].path
        p = Path(which)
        if p.is_file() and p.name == MANIFEST:
            p = p.parent
        if not p.exists() and (self.data.backups / str(which)).exists():
            p = self.data.backups / str(which)
        if not p.is_dir():
            raise NotFound(_("The backup {path} does not exist.").format(path=which))
        return p.resolve()

    def verify(self, which: str | Path | None = None, *, check_archive: bool = True,
               progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> VerifyReport:
        self._require_sqlite()
        path = self.resolve(which)
        problems: list[str] = []
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or not isinstance(manifest.get("database"), dict):
                raise ValueError("manifest shape")
        except (OSError, ValueError) as exc:
            log.warning("backup manifest unreadable: %s", type(exc).__name__)
            return VerifyReport(path, False, (_("the manifest is missing or damaged"),), None)
        info = self._info(path, manifest)
        db = path / str(manifest["database"].get("file", DB_FILE))
        if not db.is_file():
            return VerifyReport(path, False, (_("the database copy is missing"),), info)
        progress(0, 3, _("Checking the copy"))
        if db.stat().st_size != manifest["database"].get("size") or \
                sha256_file(db, cancel) != manifest["database"].get("sha256"):
            problems.append(_("the database copy differs from the manifest (damaged or altered)"))
        progress(1, 3, _("Checking the database"))
        if not problems:
            problems.extend(_integrity(db))
        revision = _schema_revision(db) if not problems else ""
        if not problems:
            known = all_revisions()
            if not revision:
                problems.append(_("the copy has no schema version; it is not an HR Desk database"))
            elif revision not in known:
                problems.append(_("it was made by a newer version of HR Desk (schema {rev}); update the program "
                                  "first").format(rev=revision))
            elif revision != manifest.get("schema_revision"):
                problems.append(_("the schema version differs from the manifest"))
        progress(2, 3, _("Checking the archive"))
        recorded = manifest.get("archive") or {}
        diff = compare_archive(recorded, self.data.archive, cancel) if check_archive and isinstance(recorded, dict) \
            else ArchiveDiff()
        progress(3, 3, "")
        return VerifyReport(path, not problems, tuple(problems), info, diff)

    # ---------------------------------------------------------------- restore
    def restore(self, which: str | Path | None, *, progress: ProgressFn = no_progress,
                cancel: CancelToken = NEVER_CANCELLED) -> RestoreResult:
        """Replace the current database with a verified backup, after a safety copy of the current one.

        Other windows holding the database open see the restored content on their next read; the
        program should reopen its context (to migrate an older schema) after a restore."""
        self._require_sqlite()
        report = self.verify(which, progress=progress, cancel=cancel)
        if not report.ok or report.info is None:
            raise BackupDamaged(_("The backup {name} was not restored: {problems}. The current data is "
                                  "unchanged.").format(name=report.path.name, problems="; ".join(report.problems)))
        cancel.raise_if_cancelled()
        safety: Path | None = None
        if self.data.db_path.exists() and self.data.db_path.stat().st_size > 0:
            try:
                safety = self.create(label=SAFETY_LABEL, progress=progress, cancel=cancel).path
            except AppError:
                raise
            except sqlite3.DatabaseError as exc:
                log.warning("current database unreadable, restoring without a safety copy: %s", exc)
                damaged = self.data.backups / f"damaged-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sqlite3"
                shutil.copy2(self.data.db_path, damaged)
                safety = damaged
        cancel.raise_if_cancelled()
        self.data.ensure()
        src_db = report.path / DB_FILE
        src = sqlite3.connect(f"file:{src_db.as_posix()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(str(self.data.db_path), timeout=30)
            try:
                src.backup(dst)  # one step: the live database changes atomically
                problems = _integrity_con(dst)
            finally:
                dst.close()
        except sqlite3.DatabaseError as exc:
            raise StorageError(_("The restore failed: {reason}. The safety copy {name} holds the data from "
                                 "before.").format(reason=exc, name=safety.name if safety else "-")) from exc
        finally:
            src.close()
        if problems:
            raise StorageError(_("The restored database failed its check; restore the safety copy {name}.").format(
                name=safety.name if safety else "-"))
        log.info("database restored from backup %s", report.path.name)
        return RestoreResult(report.path, safety, report.archive, report.info.schema_revision)

    def changes(self) -> ChangeSet:
        """Every table may have changed after a restore."""
        from app.db.base import Base

        return ChangeSet.of(list(Base.metadata.tables))

    def _info(self, path: Path, manifest: dict[str, object]) -> BackupInfo:
        created: datetime | None
        try:
            created = datetime.fromisoformat(str(manifest.get("created_at")))
        except ValueError:
            created = None
        db = manifest.get("database") if isinstance(manifest.get("database"), dict) else {}
        archive = manifest.get("archive") if isinstance(manifest.get("archive"), dict) else {}
        return BackupInfo(path, path.name, created, str(manifest.get("label", "")),
                          int(db.get("size", 0) or 0) if isinstance(db, dict) else 0,  # type: ignore[arg-type]
                          str(manifest.get("schema_revision", "")), str(manifest.get("program_version", "")),
                          len(archive) if isinstance(archive, dict) else 0)


def _integrity(db: Path) -> list[str]:
    try:
        con = sqlite3.connect(f"file:{db.as_posix()}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        return [_("the database copy cannot be opened")]
    try:
        return _integrity_con(con)
    finally:
        con.close()


def _integrity_con(con: sqlite3.Connection) -> list[str]:
    try:
        rows = [str(r[0]) for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        log.warning("integrity check failed: %s", exc)
        return [_("the database copy is not a readable SQLite database")]
    if rows == ["ok"]:
        return []
    log.warning("integrity check: %d problems", len(rows))
    return [_("the database check found {n} problems").format(n=len(rows))]


def require_valid(report: VerifyReport) -> None:
    if not report.ok:
        raise InvalidInput(report.message())
