"""PostgreSQL fixtures: a server from HRDESK_TEST_PG_URL, a fresh database per test (see support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import support


@pytest.fixture()
def pg_url() -> str:
    """The maintenance URL of the test server (skips, or fails under HRDESK_REQUIRE_PG=1, without one)."""
    return support.require_pg()


@pytest.fixture()
def pg_db(pg_url: str):  # type: ignore[no-untyped-def]
    """URL of a new, empty database (no tables), dropped after the test."""
    name = support.create_database()
    yield support.database_url(name)
    support.drop_database(name)


@pytest.fixture()
def pg_ctx(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An app context on a new database at head; HRDESK_DATABASE_URL points at it (for second workstations)."""
    from app.context import open_app

    name = support.create_database(template=support.migrated_template())
    url = support.database_url(name)
    monkeypatch.setenv("HRDESK_DATABASE_URL", url)
    ctx = open_app(tmp_path / "data")
    yield ctx
    ctx.close()
    support.drop_database(name)
