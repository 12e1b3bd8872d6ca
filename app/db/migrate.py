"""Alembic driven from code: back up the database file, then ``upgrade head``.

SQLite: a file backup is taken before an older schema is upgraded. PostgreSQL: DDL is transactional, so a
failed migration leaves the old schema untouched; a session advisory lock serialises workstations that
start at the same moment (the second waits, then finds the schema current and does nothing). The lock
is released when the migration ends or the connection drops."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from app.db.locks import lock_key

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
KEEP_BACKUPS = 10


MIGRATION_LOCK = ("hrdesk", "schema-migration")


def alembic_config(engine: Engine, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def all_revisions() -> list[str]:
    """Revision ids from the first to head."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(db_path: Path, backup_dir: Path, reason: str) -> Path:
    """Consistent copy with SQLite's online backup API (safe while the database is open)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{db_path.stem}-{stamp}-{reason}.sqlite3"
    src = sqlite3.connect(str(db_path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    _rotate(backup_dir, db_path.stem, reason)
    return target


def _rotate(backup_dir: Path, stem: str, reason: str) -> None:
    old = sorted(backup_dir.glob(f"{stem}-*-{reason}.sqlite3"))
    for path in old[:-KEEP_BACKUPS]:
        path.unlink(missing_ok=True)


def upgrade(engine: Engine, revision: str = "head", *, db_path: Path | None = None, backup_dir: Path | None = None) -> bool:
    """Bring the schema to ``revision``; back the file up first when it holds an older schema.

    Returns True when a migration ran.
    """
    target = head_revision() if revision == "head" else revision
    if engine.dialect.name == "postgresql":
        return _upgrade_pg(engine, revision, target)
    current = current_revision(engine)
    if current == target:
        return False
    if current is not None and db_path is not None and backup_dir is not None and db_path.exists():
        path = backup_sqlite(db_path, backup_dir, f"pre-migrate-{current[:8]}")
        log.info("backed up database before migration to %s", path.name)
    command.upgrade(alembic_config(engine), revision)
    log.info("database migrated from %s to %s", current, target)
    return True


def _upgrade_pg(engine: Engine, revision: str, target: str) -> bool:
    key = lock_key(*MIGRATION_LOCK)
    with engine.connect() as conn:
        conn.execute(text("SET statement_timeout = 0"))  # a long data migration is not a hung statement
        conn.execute(text("SET lock_timeout = 0"))  # wait for the workstation that is migrating
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            current = MigrationContext.configure(conn).get_current_revision()
            conn.commit()
            if current == target:
                return False
            log.info("migrating the PostgreSQL database from %s to %s", current, target)
            command.upgrade(alembic_config(engine, conn), revision)
            conn.commit()
            log.info("database migrated from %s to %s", current, target)
            return True
        finally:
            try:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.execute(text("RESET statement_timeout"))  # the pooled connection gets its limits back
                conn.execute(text("RESET lock_timeout"))
                conn.commit()
            except Exception:  # noqa: BLE001 - a dropped connection releases the lock by itself
                log.debug("advisory unlock failed", exc_info=True)
