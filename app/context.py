"""Composition root of the core: paths → engine → backup + migrate → services.

``ui/bootstrap.py`` and the CLI call ``open_app()`` once and pass the ``AppContext`` down through
constructors. Nothing here is global.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

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
    try:
        data.ensure()
    except OSError as exc:
        raise StorageError(
            _("Cannot use the data folder {path}: {reason}. Choose another folder with --data-dir.").format(
                path=data.root, reason=exc.strerror or exc
            )
        ) from exc
    url = resolve_database_url(data, settings, database_url)
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
