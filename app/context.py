"""Composition root of the core: paths → engine → backup + migrate → services.

``ui/bootstrap.py`` and the CLI call ``open_app()`` once and pass the ``AppContext`` down through
constructors. Nothing here is global.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app import config, paths
from app.db.engine import backend_name, make_engine, make_sessionmaker, normalise_url, redact
from app.db.migrate import upgrade
from app.db.uow import translate_db_error
from app.errors import StorageError
from app.i18n import _
from app.services.registry import Services

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    data: paths.DataDir
    engine: Engine
    session_factory: sessionmaker[Session]
    settings: config.Settings
    services: Services
    migrated: bool = False
    extras: dict[str, object] = field(default_factory=dict)
    database_url: str = ""

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def db_path(self) -> Path:
        return self.data.db_path

    def close(self) -> None:
        self.engine.dispose()


def resolve_data_dir(explicit: str | Path | None = None, settings: config.Settings | None = None) -> paths.DataDir:
    archive = resolve_archive_dir(settings)
    if explicit:
        return paths.DataDir(Path(explicit), archive)
    if settings is not None and settings.data_dir and not _env_overrides_data_dir():
        return paths.DataDir(Path(settings.data_dir), archive)
    return paths.DataDir(paths.user_data_dir(), archive)


def resolve_archive_dir(settings: config.Settings | None = None) -> Path | None:
    """``HRDESK_ARCHIVE_DIR``, else the ``archive_dir`` setting, else None (``archive/`` in the data folder)."""
    env = paths.env_archive_dir()
    if env is not None:
        return env
    if settings is not None and settings.archive_dir.strip():
        return Path(settings.archive_dir.strip())
    return None


def resolve_database_url(data: paths.DataDir, settings: config.Settings | None = None,
                         explicit: str | None = None) -> str:
    """``explicit``, else ``HRDESK_DATABASE_URL``, else the ``database_url`` setting, else the data folder's file."""
    for candidate in (explicit, paths.env_database_url(), settings.database_url if settings else ""):
        if candidate and candidate.strip():
            return normalise_url(candidate.strip())
    return normalise_url(data.db_path)


def _env_overrides_data_dir() -> bool:
    import os

    return bool(os.environ.get("HRDESK_DATA_DIR", "").strip())


def database_exists(data: paths.DataDir, settings: config.Settings | None = None) -> bool:
    """True when there is a database to open: a configured server (checked when opening), else the data
    folder's SQLite file. The first-run dialog is shown only when this is False."""
    if backend_name(resolve_database_url(data, settings)) != "sqlite":
        return True
    return data.db_path.exists() and data.db_path.stat().st_size > 0


def open_app(data_dir: str | Path | paths.DataDir | None = None, *, settings: config.Settings | None = None,
             database_url: str | None = None) -> AppContext:
    """Open (creating if needed) the database and bring it to the latest schema.

    The database is ``database_url``, ``HRDESK_DATABASE_URL``, the ``database_url`` setting or, by default,
    ``hrdesk.sqlite3`` in ``data_dir``. The data folder is always local (backups, logs, work files); with
    PostgreSQL the archive should be a shared folder (``archive_dir``) so every workstation sees the files.
    """
    settings = settings or config.load()
    data = data_dir if isinstance(data_dir, paths.DataDir) else resolve_data_dir(data_dir, settings)
    url = resolve_database_url(data, settings, database_url)
    if backend_name(url) == "sqlite" and normalise_url(data.db_path) == url and _read_only_folder(data):
        return _open_read_only(data, settings, url)
    try:
        data.ensure()
    except OSError as exc:
        raise StorageError(
            _("Cannot use the data folder {path}: {reason}. Choose another folder with --data-dir.").format(
                path=data.root, reason=exc.strerror or exc
            )
        ) from exc
    engine = make_engine(url)
    try:
        if backend_name(url) == "sqlite":
            migrated = upgrade(engine, db_path=data.db_path, backup_dir=data.backups)
        else:
            migrated = upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        translated = translate_db_error(exc)
        if translated is exc:
            raise
        log.warning("cannot open database %s: %s", redact(url), type(exc.orig).__name__)
        raise StorageError(
            _("Cannot open the database {url}: {reason}").format(url=redact(url), reason=translated)
        ) from exc
    except Exception:
        engine.dispose()
        raise
    if backend_name(url) == "postgresql" and not data.shared_archive:
        log.warning("PostgreSQL database with a local archive folder: other workstations will not see "
                    "resumes, recordings and documents stored here; set archive_dir")
    problem = data.archive_problem()
    if problem:
        log.warning("shared archive folder not reachable at start-up")
    factory = make_sessionmaker(engine)
    services = Services(factory, data)
    ctx = AppContext(data, engine, factory, settings, services, migrated, database_url=url)
    from app.security.startup import secure_database  # encrypts plaintext left from before; refuses a wrong key

    try:
        secure_database(ctx)
    except Exception:
        engine.dispose()
        raise
    return ctx


def read_only_message(data: paths.DataDir) -> str:
    return _("The data folder {path} is read-only: HR Desk shows the saved data but cannot save any change. "
             "Ask IT for write access to this folder (or copy it to a writable folder and open the copy); "
             "nothing already saved is affected.").format(path=data.root)


def _read_only_folder(data: paths.DataDir) -> bool:
    """True when the data folder holds a database but nothing can be written there (permissions, a
    read-only share or medium). Tested by creating a file: permission bits alone miss ACLs and mounts."""
    if not data.db_path.is_file():
        return False
    import errno
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=data.root, prefix=".hrdesk-write-test-"):
            pass
        with open(data.db_path, "r+b"):
            pass
    except OSError as exc:
        return isinstance(exc, PermissionError) or exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    return False


def _open_read_only(data: paths.DataDir, settings: config.Settings, url: str) -> AppContext:
    """Open a SQLite database in a read-only folder for reading only: SQLite's ``immutable`` mode (a WAL
    database otherwise needs its -shm file created beside it), no migration, no start-up writes; every
    unit of work that would write is refused with :func:`read_only_message` naming the folder."""
    import sys

    from sqlalchemy import event, text

    from app.db.engine import IMMEDIATE
    from app.db.migrate import head_revision
    from app.security.startup import secure_database

    message = read_only_message(data)
    engine = make_engine(f"sqlite+pysqlite:///file:{data.db_path.as_posix()}?mode=ro&immutable=1&uri=true")

    def refuse_writes(conn: Any) -> None:
        if conn.get_execution_options().get(IMMEDIATE):
            raise StorageError(message)

    event.listen(engine, "begin", refuse_writes, insert=True)
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        engine.dispose()
        raise StorageError(_("Cannot read the database in the read-only data folder {path}: {reason}. Ask IT for "
                             "write access to the folder.").format(path=data.root, reason=translate_db_error(exc))
                           ) from exc
    if current != head_revision():
        engine.dispose()
        raise StorageError(_("The database in {path} must be upgraded to this version of HR Desk, but the folder is "
                             "read-only. Ask IT for write access to the folder; nothing was changed.").format(
            path=data.root))
    log.warning("data folder is read-only: opened for reading only")
    factory = make_sessionmaker(engine)
    ctx = AppContext(data, engine, factory, settings, Services(factory, data), False, database_url=url)
    ctx.extras["read_only"] = message
    try:
        secure_database(ctx)
    except Exception:
        engine.dispose()
        raise
    print(message, file=sys.stderr)  # the command line says it at once; the GUI reads ctx.extras["read_only"]
    return ctx
