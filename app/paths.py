"""The one place that knows where things live.

- bundle dir: ``sys._MEIPASS`` when frozen by PyInstaller, the repository root otherwise;
- user data / config / log dirs: platformdirs, each overridable by an environment variable
  (``HRDESK_DATA_DIR``, ``HRDESK_CONFIG_DIR``, ``HRDESK_LOG_DIR``) so the app can run portable;
- models dir: ``HRDESK_MODELS_DIR``, then ``models/`` beside the executable, then ``<repo>/models``;
- database: ``HRDESK_DATABASE_URL`` (or the ``database_url`` setting), else ``hrdesk.sqlite3`` in the data folder;
- archive (resumes, recordings, documents): ``HRDESK_ARCHIVE_DIR`` (or the ``archive_dir`` setting: a mapped
  drive or network path shared by every workstation), else ``archive/`` in the data folder. The database
  stores archive files as ``archive/<relative path>``, so every workstation resolves the same record to
  the same file whatever letter or mount point the share has there.

Nothing is ever written into the bundle dir.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from app import APP_ID

_REPO_ROOT = Path(__file__).resolve().parent.parent


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path:
    """Read-only directory holding resources/ (and migrations inside app/)."""
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if meipass else _REPO_ROOT


def resources_dir() -> Path:
    return bundle_dir() / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def executable_dir() -> Path:
    return Path(sys.executable).resolve().parent if is_frozen() else _REPO_ROOT


def _env_dir(var: str) -> Path | None:
    value = os.environ.get(var, "").strip()
    return Path(value).expanduser().resolve() if value else None


def user_data_dir() -> Path:
    return _env_dir("HRDESK_DATA_DIR") or Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def user_config_dir() -> Path:
    return _env_dir("HRDESK_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_ID, appauthor=False))


def user_log_dir() -> Path:
    return _env_dir("HRDESK_LOG_DIR") or Path(platformdirs.user_log_dir(APP_ID, appauthor=False))


def models_dir_candidates() -> list[Path]:
    found: list[Path] = []
    env = _env_dir("HRDESK_MODELS_DIR")
    if env is not None:
        found.append(env)
    found.append(executable_dir() / "models")
    found.append(_REPO_ROOT / "models")
    unique: list[Path] = []
    for p in found:
        if p not in unique:
            unique.append(p)
    return unique


def find_model(relative: str) -> Path | None:
    """First existing ``<models dir>/<relative>`` in lookup order, or None."""
    for base in models_dir_candidates():
        candidate = base / relative
        if candidate.exists():
            return candidate
    return None


def env_database_url() -> str:
    return os.environ.get("HRDESK_DATABASE_URL", "").strip()


def env_archive_dir() -> Path | None:
    value = os.environ.get("HRDESK_ARCHIVE_DIR", "").strip()
    return Path(value).expanduser() if value else None


ARCHIVE_PREFIX = "archive"
ARCHIVE_MARKER = "HRDESK-ARCHIVE.txt"


class DataDir:
    """Layout of one data folder (what ``--data-dir`` points at), with an optional shared archive folder."""

    DB_NAME = "hrdesk.sqlite3"

    def __init__(self, root: Path, archive_root: Path | str | None = None) -> None:
        self.root = Path(root).expanduser().resolve()
        # A configured share is kept as given (no resolve(): a UNC path or an unmounted drive must not
        # be rewritten into something local).
        self.archive_root = Path(archive_root).expanduser() if archive_root else None

    @property
    def shared_archive(self) -> bool:
        return self.archive_root is not None

    @property
    def db_path(self) -> Path:
        return self.root / self.DB_NAME

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def archive(self) -> Path:
        """Originals kept with people: resumes, recordings, certificates.

        With a shared archive folder configured, raises ``StorageError`` when the share is not reachable
        (never silently writes to a local folder that other workstations cannot see).
        """
        if self.archive_root is None:
            return self.root / ARCHIVE_PREFIX
        self.check_archive()
        return self.archive_root

    def archive_problem(self) -> str | None:
        """A translated sentence when the shared archive folder cannot be used, else None."""
        if self.archive_root is None:
            return None
        from app.i18n import _

        root = self.archive_root
        try:
            if not root.is_dir():
                return _("The shared archive folder {path} cannot be reached. Check that the network drive is "
                         "connected (or ask IT), then try again; recordings and documents are kept there.").format(
                    path=root)
            marker = root / ARCHIVE_MARKER
            if not marker.exists():
                marker.write_text("HR Desk archive folder: resumes, recordings and documents referenced by the "
                                  "database as archive/<path>. Do not move or rename files here.\n", encoding="utf-8")
        except OSError as exc:
            return _("The shared archive folder {path} cannot be used: {reason}. Ask IT for read and write access.").format(
                path=root, reason=exc.strerror or exc)
        return None

    def check_archive(self) -> None:
        problem = self.archive_problem()
        if problem:
            from app.errors import StorageError

            raise StorageError(problem)

    def resolve(self, stored: str) -> Path:
        """The file for a path stored in the database (``archive/...`` or another data-folder path)."""
        parts = Path(stored).parts
        if parts and parts[0] == ARCHIVE_PREFIX:
            return self.archive.joinpath(*parts[1:])
        return self.root / stored

    def relative(self, path: Path) -> str:
        """The path to store in the database for a file inside the archive or the data folder."""
        path = Path(path)
        if self.archive_root is not None:
            try:
                return Path(ARCHIVE_PREFIX, path.relative_to(self.archive_root)).as_posix()
            except ValueError:
                pass
        return path.relative_to(self.root).as_posix()

    def ensure(self) -> DataDir:
        for d in (self.root, self.backups):
            d.mkdir(parents=True, exist_ok=True)
        if self.archive_root is None:
            (self.root / ARCHIVE_PREFIX).mkdir(parents=True, exist_ok=True)
        return self

    def __repr__(self) -> str:
        if self.archive_root is not None:
            return f"DataDir({str(self.root)!r}, archive_root={str(self.archive_root)!r})"
        return f"DataDir({str(self.root)!r})"
