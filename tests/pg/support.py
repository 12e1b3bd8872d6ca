"""A PostgreSQL server for tests: ``HRDESK_TEST_PG_URL`` (``.ci/postgres.sh`` starts one and sets it).

Each test gets its own database, created from a migrated template (``CREATE DATABASE ... TEMPLATE``,
a file copy on the server: much faster than migrating), and dropped afterwards. Without the variable, or
when the server does not answer, PostgreSQL tests skip — unless ``HRDESK_REQUIRE_PG=1`` (CI), where they fail.
"""

from __future__ import annotations

import itertools
import os
from functools import lru_cache

import pytest

_counter = itertools.count(1)
PREFIX = f"hrdesk_t{os.getpid()}"


def pg_url() -> str:
    return os.environ.get("HRDESK_TEST_PG_URL", "").strip()


def required() -> bool:
    return os.environ.get("HRDESK_REQUIRE_PG", "").strip() not in ("", "0")


@lru_cache(maxsize=1)
def _reachable(url: str) -> str | None:
    """None when the server answers, else the reason."""
    try:
        with _admin(url) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"{type(exc).__name__}: {exc}"


def require_pg() -> str:
    """The admin URL, or skip (fail under HRDESK_REQUIRE_PG=1) when no server can be used."""
    url = pg_url()
    if not url:
        reason = "HRDESK_TEST_PG_URL is not set (run: source .ci/postgres.sh)"
    else:
        reason = _reachable(url) or ""
    if reason:
        if required():
            pytest.fail(f"PostgreSQL required (HRDESK_REQUIRE_PG=1) but not usable: {reason}")
        pytest.skip(f"no PostgreSQL server: {reason}")
    return url


def _admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
                           password=u.password, dbname=u.database or "postgres", autocommit=True,
                           connect_timeout=5)


def database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(pg_url()).set(database=name, drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def create_database(template: str | None = None, name: str | None = None) -> str:
    """A new empty (or template-copied) database; returns its name."""
    name = name or f"{PREFIX}_{next(_counter)}"
    with _admin(pg_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_database(name: str) -> None:
    with _admin(pg_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@lru_cache(maxsize=1)
def migrated_template() -> str:
    """A database at the head revision, made once per test process."""
    from app.db.engine import make_engine
    from app.db.migrate import upgrade

    name = create_database(name=f"{PREFIX}_empty")
    engine = make_engine(database_url(name))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return name


_demo_templates: dict[str, str] = {}


def demo_template_db(sqlite_demo: str) -> str:
    """The demo hospital copied into PostgreSQL once per test process (with ``db copy``)."""
    if sqlite_demo not in _demo_templates:
        from app.db.copy import copy_database

        name = create_database(name=f"{PREFIX}_demo")
        copy_database(sqlite_demo, database_url(name))
        _demo_templates[sqlite_demo] = name
    return _demo_templates[sqlite_demo]


def drop_templates() -> None:
    if not pg_url() or _reachable(pg_url()):
        return
    for name in [f"{PREFIX}_empty", f"{PREFIX}_demo"]:
        try:
            drop_database(name)
        except Exception:  # noqa: BLE001
            pass
