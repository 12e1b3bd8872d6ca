"""Test set-up: offscreen Qt, isolated user folders, migrated and demo databases.

Backends: with ``HRDESK_TEST_PG_URL`` set (``source .ci/postgres.sh``), the ``ctx``/``demo_ctx`` tests of the
modules in ``PG_MODULES`` run twice, ``[sqlite]`` and ``[pg]``; the PostgreSQL run gets a fresh database per
test and ``HRDESK_DATABASE_URL`` pointing at it, so a second ``open_app`` in the test (a second
workstation) opens the same database."""

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
os.environ["HRDESK_KEY_FILE"] = str(_SESSION_HOME / "config" / "field-keys.json")
os.environ.setdefault("HRDESK_LANG", "zh_CN")
os.environ.pop("HRDESK_DATABASE_URL", None)  # tests choose their database themselves
os.environ.pop("HRDESK_ARCHIVE_DIR", None)

# Service-layer modules whose ctx/demo_ctx tests also run on PostgreSQL when HRDESK_TEST_PG_URL is set.
PG_MODULES = frozenset({
    "tests/db/test_org_service.py",
    "tests/db/test_positions_service.py",
    "tests/db/test_payroll_service.py",
    "tests/db/test_attendance_service.py",
    "tests/db/test_shared_settings.py",
    "tests/db/test_services_and_uow.py",
    "tests/db/test_migrations.py",
})
SQLITE_ONLY_TESTS = frozenset({"test_pragmas_on_every_connection"})  # checks SQLite's PRAGMAs themselves

DEMO_TODAY = date(2026, 11, 22)


@pytest.fixture(scope="session")
def session_home() -> Path:
    return _SESSION_HOME


@pytest.fixture()
def data_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    from app.paths import DataDir

    return DataDir(tmp_path / "data")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not os.environ.get("HRDESK_TEST_PG_URL", "").strip():
        return
    if "backend" in metafunc.fixturenames and not any(m.name == "parametrize" and "backend" in str(m.args[0])
                                                      for m in metafunc.definition.iter_markers()):
        rel = Path(str(metafunc.definition.fspath)).resolve().relative_to(Path(__file__).resolve().parent.parent)
        if rel.as_posix() in PG_MODULES and metafunc.definition.originalname not in SQLITE_ONLY_TESTS:
            metafunc.parametrize("backend", ["sqlite", "pg"], indirect=True)


@pytest.fixture()
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite' (default) or 'pg' (see PG_MODULES)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture()
def pg_database(backend: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """For backend 'pg': a fresh database name (created from ``template`` by the caller), else None."""
    if backend != "pg":
        yield None
        return
    from tests.pg import support

    support.require_pg()
    names: list[str] = []

    def make(template: str) -> str:
        name = support.create_database(template=template)
        names.append(name)
        monkeypatch.setenv("HRDESK_DATABASE_URL", support.database_url(name))
        return support.database_url(name)

    yield make
    for name in names:
        support.drop_database(name)


@pytest.fixture()
def ctx(data_dir, backend, pg_database):  # type: ignore[no-untyped-def]
    """An empty database migrated to head in a fresh data folder (SQLite, or PostgreSQL for backend 'pg')."""
    from app.context import open_app

    if backend == "pg":
        from tests.pg import support

        pg_database(support.migrated_template())
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
def demo_ctx(demo_template: Path, tmp_path: Path, backend, pg_database):  # type: ignore[no-untyped-def]
    """A private copy of the demo hospital, opened (its archive files copied too)."""
    from app.context import open_app

    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    if backend == "pg":
        from app.paths import DataDir
        from tests.pg import support

        pg_database(support.demo_template_db(str(DataDir(demo_template).db_path)))
    context = open_app(target)
    yield context
    context.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:  # noqa: ARG001
    if os.environ.get("HRDESK_TEST_PG_URL", "").strip():
        from tests.pg import support

        support.drop_templates()
