"""Typed settings stored as TOML in the user config folder, with ordered schema migrations.

Only window geometry lives in QSettings (ui side); everything else is here.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from app import paths

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FILE_NAME = "settings.toml"


@dataclass
class Settings:
    schema_version: int = SCHEMA_VERSION
    language: str = "zh_CN"
    data_dir: str = ""  # empty: the default user data folder
    # empty: hrdesk.sqlite3 in the data folder; else postgresql+psycopg://user@server:5432/hrdesk (keep the
    # password in the libpq password file, not here). HRDESK_DATABASE_URL overrides it.
    database_url: str = ""
    # empty: archive/ in the data folder; else the shared folder (mapped drive or network path) holding
    # resumes, recordings and documents for every workstation. HRDESK_ARCHIVE_DIR overrides it.
    archive_dir: str = ""
    recent_data_dirs: list[str] = field(default_factory=list)
    speech_engine: str = "whisper"  # whisper | vosk
    speech_model: str = ""  # empty: best model found
    licence_warn_days: list[int] = field(default_factory=lambda: [90, 30])
    nurse_registration_years: int = 5
    nurse_renewal_days_before: int = 30
    physician_assessment_years: int = 3
    recording_retention_days: int = 180
    nonverbal_weight_pct: float = 5.0

    def remember_data_dir(self, path: str, keep: int = 8) -> None:
        items = [p for p in self.recent_data_dirs if p != path]
        self.recent_data_dirs = [path, *items][:keep]


# Ordered migrations: index i upgrades a dict from schema i+1 to i+2.
_MIGRATIONS: list[Any] = []


def settings_path() -> Path:
    return paths.user_config_dir() / FILE_NAME


def load(path: Path | None = None) -> Settings:
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("settings unreadable, using defaults: %s", exc)
        return Settings()
    version = int(raw.get("schema_version", 1))
    for migrate in _MIGRATIONS[version - 1 :]:
        raw = migrate(raw)
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in raw.items() if k in known}
    values["schema_version"] = SCHEMA_VERSION
    try:
        return Settings(**values)
    except TypeError as exc:
        log.warning("settings invalid, using defaults: %s", exc)
        return Settings()


def save(settings: Settings, path: Path | None = None) -> None:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(asdict(settings)), encoding="utf-8")
    tmp.replace(path)
