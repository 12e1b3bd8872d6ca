"""Rotating log file in the user log folder. Never log personal data (names, ID numbers, pay)."""

from __future__ import annotations

import logging
import logging.handlers
import os

from app import paths

_configured = False
LOG_FILE_NAME = "hrdesk.log"


def configure_logging(*, console: bool = False, level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    root = logging.getLogger()
    root.setLevel(level)
    # A log that cannot be written (disk full, file too large) must stay silent rather than spill
    # tracebacks over the user's terminal; the failure itself is reported by the operation that hit it.
    logging.raiseExceptions = False
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        log_dir = paths.user_log_dir()
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / LOG_FILE_NAME, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError:
        pass  # an unwritable log folder must never stop the program
    if console or os.environ.get("HRDESK_LOG_CONSOLE"):
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        root.addHandler(stream)
    _configured = True


def log_file() -> str:
    return str(paths.user_log_dir() / LOG_FILE_NAME)
