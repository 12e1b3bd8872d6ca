"""Composition root of the core: paths → engine → backup + migrate → services.

``ui/bootstrap.py`` and the CLI call ``open_app()`` once and pass the ``AppContext`` down through
constructors. Nothing here is global.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import config, paths
from app.db.engine import make_engine, make_sessionmaker
from app.db.migrate import upgrade
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

    @property
    def db_path(self) -> Path:
        return self.data.db_path

    def close(self) -> None:
        self.engine.dispose()


def resolve_data_dir(explicit: str | Path | None = None, settings: config.Settings | None = None) -> paths.DataDir:
    if explicit:
        return paths.DataDir(Path(explicit))
    if settings is not None and settings.data_dir and not _env_overrides_data_dir():
        return paths.DataDir(Path(settings.data_dir))
    return paths.DataDir(paths.user_data_dir())


def _env_overrides_data_dir() -> bool:
    import os

    return bool(os.environ.get("HRDESK_DATA_DIR", "").strip())


def database_exists(data: paths.DataDir) -> bool:
    return data.db_path.exists() and data.db_path.stat().st_size > 0


def open_app(data_dir: str | Path | paths.DataDir | None = None, *, settings: config.Settings | None = None) -> AppContext:
    """Open (creating if needed) the database in ``data_dir`` and bring it to the latest schema."""
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
    engine = make_engine(data.db_path)
    try:
        migrated = upgrade(engine, db_path=data.db_path, backup_dir=data.backups)
    except Exception:
        engine.dispose()
        raise
    factory = make_sessionmaker(engine)
    services = Services(factory, data)
    return AppContext(data, engine, factory, settings, services, migrated)
