"""Alembic is the only way the schema changes, and upgrades keep data."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.context import open_app
from app.db import tables  # noqa: F401
from sqlalchemy import String, Text, TypeDecorator

from app.db.base import Base
from app.db.engine import make_engine
from app.db.migrate import all_revisions, current_revision, head_revision, upgrade
from app.paths import DataDir

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "data").glob("db_*.sqlite3"))


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):  # type: ignore[no-untyped-def]
    """Types must match, except a VARCHAR length, which SQLite does not enforce: migration 0006 widens
    the encrypted columns on other backends only (a SQLite table rebuild of ``people`` would cascade).
    A ``TypeDecorator`` (``EncryptedString``) compares as the type it stores."""
    if isinstance(metadata_type, TypeDecorator):
        metadata_type = metadata_type.impl_instance
    if isinstance(inspected_type, String) and isinstance(metadata_type, String) and \
            type(inspected_type).__name__ in ("VARCHAR", "String") and not isinstance(metadata_type, Text):
        return False
    return None  # Alembic's own comparison


def test_orm_matches_the_migrations(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "x.sqlite3")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": _compare_type}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_pragmas_on_every_connection(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_migrations_step_one_revision_at_a_time(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "steps.sqlite3")
    for rev in all_revisions():
        upgrade(engine, rev)
        assert current_revision(engine) == rev
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_database_from_an_earlier_commit_upgrades_without_losing_data(fixture: Path, tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(fixture, folder / DataDir.DB_NAME)
    before = _row_counts(folder / DataDir.DB_NAME)
    con = sqlite3.connect(folder / DataDir.DB_NAME)
    (old_revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    con.close()
    revisions = all_revisions()
    ctx = open_app(folder)
    try:
        assert current_revision(ctx.engine) == head_revision()
        after = _row_counts(folder / DataDir.DB_NAME)
        for table, n in before.items():
            if table != "alembic_version":
                assert after.get(table, 0) >= n, table
        people = ctx.services.people.employees()
        assert [(p.staff_no, p.name) for p in people] == [("E0001", "张晓明")]
        if revisions.index(old_revision) < revisions.index("0003_payroll_profiles"):
            con = sqlite3.connect(folder / DataDir.DB_NAME)
            category = con.execute("SELECT category FROM pay_profiles WHERE employee_id = 1").fetchone()
            con.close()
            assert category == ("医师",)  # 0003 derives the staff category from the post
        if "questions" in before:
            # an interview keeps the question version it asked (v1), though the bank is at v2
            con = sqlite3.connect(folder / DataDir.DB_NAME)
            asked = con.execute(
                "SELECT v.number, v.text FROM interview_questions iq JOIN question_versions v "
                "ON v.id = iq.question_version_id WHERE iq.interview_id = 1"
            ).fetchall()
            con.close()
            assert asked == [(1, "患者家属要求查看病历，你如何处理？")]
        if ctx.migrated:
            assert list(ctx.data.backups.glob("*pre-migrate*")), "a backup is taken before migrating"
    finally:
        ctx.close()


def test_fixture_exists_for_the_head_revision() -> None:
    """Each schema revision leaves a fixture (tests/data/make_fixture_db.py) for later upgrade tests."""
    assert any(head_revision() in p.stem for p in FIXTURES)


def _row_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
