"""Test set-up: offscreen Qt, isolated user folders, migrated and demo databases."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

# Before anything imports Qt or app.paths: never touch the real user folders or a display.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="hrdesk-tests-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HRDESK_DATA_DIR"] = str(_SESSION_HOME / "data")
os.environ["HRDESK_CONFIG_DIR"] = str(_SESSION_HOME / "config")
os.environ["HRDESK_LOG_DIR"] = str(_SESSION_HOME / "log")
os.environ.setdefault("HRDESK_LANG", "zh_CN")

DEMO_TODAY = date(2026, 11, 22)


@pytest.fixture(scope="session")
def session_home() -> Path:
    return _SESSION_HOME


@pytest.fixture()
def data_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    from app.paths import DataDir

    return DataDir(tmp_path / "data")


@pytest.fixture()
def ctx(data_dir):  # type: ignore[no-untyped-def]
    """An empty database migrated to head in a fresh data folder."""
    from app.context import open_app

    context = open_app(data_dir)
    yield context
    context.close()


@pytest.fixture(scope="session")
def demo_template(session_home: Path) -> Path:
    """The demo hospital generated once per session; tests get copies."""
    from app.demo.service import create_demo

    folder = session_home / "demo-template"
    context, _stats = create_demo(folder, today=DEMO_TODAY)
    context.close()
    return folder


@pytest.fixture()
def demo_ctx(demo_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A private copy of the demo hospital, opened."""
    from app.context import open_app

    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    context = open_app(target)
    yield context
    context.close()
