"""The one place that knows where things live.

- bundle dir: ``sys._MEIPASS`` when frozen by PyInstaller, the repository root otherwise;
- user data / config / log dirs: platformdirs, each overridable by an environment variable
  (``HRDESK_DATA_DIR``, ``HRDESK_CONFIG_DIR``, ``HRDESK_LOG_DIR``) so the app can run portable;
- models dir: ``HRDESK_MODELS_DIR``, then ``models/`` beside the executable, then ``<repo>/models``.

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


class DataDir:
    """Layout of one data folder (what ``--data-dir`` points at)."""

    DB_NAME = "hrdesk.sqlite3"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

    @property
    def db_path(self) -> Path:
        return self.root / self.DB_NAME

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def archive(self) -> Path:
        """Originals kept with people: resumes, recordings, certificates."""
        return self.root / "archive"

    def ensure(self) -> DataDir:
        for d in (self.root, self.backups, self.archive):
            d.mkdir(parents=True, exist_ok=True)
        return self

    def __repr__(self) -> str:
        return f"DataDir({str(self.root)!r})"
