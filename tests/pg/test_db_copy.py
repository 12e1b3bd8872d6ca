"""``db copy``: every table moved in FK order, verified by counts and checksums; refusals, cancel, ``db info``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.context import open_app
from app.db.copy import copy_database, copy_tables, database_info, table_checksums
from app.db.engine import make_engine, sqlite_url
from app.db.tables import Department, Employee
from app.db.uow import unit_of_work
from app.errors import Cancelled, Conflict, InvalidInput
from app.paths import DataDir
from app.tasks import CancelToken


def _checksums(url: str) -> list:  # type: ignore[type-arg]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return table_checksums(conn)
    finally:
        engine.dispose()


def _small_db(ctx) -> None:  # type: ignore[no-untyped-def]
    org = ctx.services.org
    root = org.create_department("NK", "内科", None)
    org.create_department("NK-XN", "心血管内科", root)
    with unit_of_work(ctx.session_factory) as s:  # a child saved before its parent (ids out of order)
        child = Department(code="WK-GK", name="骨科")
        s.add(child)
        s.flush()
        parent = Department(code="WK", name="外科")
        s.add(parent)
        s.flush()
        child.parent_id = parent.id


def test_sqlite_to_sqlite_copy_is_exact_and_refuses_a_full_target(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _small_db(ctx)
    src = sqlite_url(ctx.db_path)
    target = tmp_path / "copy.sqlite3"
    progress: list[tuple[int, int, str]] = []
    report = copy_database(src, str(target), progress=lambda d, t, m: progress.append((d, t, m)))
    rows = sum(database_info(src).counts.values())
    assert rows >= 4 and report.rows == rows and {t.table for t in report.tables} == {t.name for t in copy_tables()}
    assert _checksums(sqlite_url(target)) == _checksums(src) == list(report.tables)
    assert progress[-1][0] == progress[-1][1] == rows
    with pytest.raises(Conflict) as info:
        copy_database(src, str(target))
    assert "--replace" in info.value.message
    assert copy_database(src, str(target), replace=True).replaced
    with pytest.raises(InvalidInput):
        copy_database(src, src)


def test_a_cancelled_copy_leaves_the_target_empty(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _small_db(ctx)
    cancel = CancelToken()
    target = tmp_path / "cancelled.sqlite3"

    def progress(done: int, total: int, message: str) -> None:
        if done >= 1:
            cancel.cancel()

    with pytest.raises(Cancelled):
        copy_database(sqlite_url(ctx.db_path), str(target), progress=progress, cancel=cancel, batch_rows=1)
    assert sum(database_info(str(target)).counts.values()) == 0


def test_checksums_see_a_changed_value(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _small_db(ctx)
    target = tmp_path / "c.sqlite3"
    copy_database(sqlite_url(ctx.db_path), str(target))
    engine = make_engine(target)
    with engine.begin() as conn:
        conn.execute(Department.__table__.update().where(Department.code == "WK").values(name="外科一"))
    engine.dispose()
    before, after = _checksums(sqlite_url(ctx.db_path)), _checksums(sqlite_url(target))
    changed = [b.table for b, a in zip(before, after, strict=True) if b != a]
    assert changed == ["departments"]


@pytest.mark.slow
def test_the_demo_hospital_round_trips_sqlite_postgresql_sqlite(demo_template: Path, pg_db: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    original = sqlite_url(DataDir(demo_template).db_path)
    back = tmp_path / "back.sqlite3"
    assert main(["db", "copy", "--from", original, "--to", pg_db, "--json"]) == 0
    there = json.loads(capsys.readouterr().out)
    assert main(["db", "copy", "--from", pg_db, "--to", str(back), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert there["rows"] > 50_000 and there["archive_references"] > 0
    assert there["tables"] == again["tables"]  # same counts and checksums in both directions
    assert [t.as_dict() for t in _checksums(original)] == there["tables"]  # recomputed independently
    assert _checksums(sqlite_url(back)) == _checksums(original)

    assert main(["db", "info", "--database", pg_db, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["backend"] == "postgresql" and info["up_to_date"] and info["rows"] == there["rows"]

    # the PostgreSQL copy is a working database: sequences continue after the copied ids
    ctx = open_app(tmp_path / "ws", database_url=pg_db)
    try:
        with unit_of_work(ctx.session_factory) as s:
            staff = s.scalar(select(func.count()).select_from(Employee))
            top = s.scalar(select(func.max(Department.id)))
        created = ctx.services.org.create_department("TEST-NEW", "新科室", None)
        assert created == top + 1 and staff == len(ctx.services.people.employees())
    finally:
        ctx.close()
    assert main(["db", "copy", "--from", original, "--to", pg_db]) == 1  # not empty any more
    assert "--replace" in capsys.readouterr().err


def test_cli_info_and_copy_on_sqlite(ctx, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _small_db(ctx)
    data = str(ctx.data.root)
    assert main(["db", "info", "--data-dir", data]) == 0
    out = capsys.readouterr().out
    assert "数据库：sqlite" in out and "（最新）" in out and "departments" in out and "仅本工作站可见" in out
    target = tmp_path / "backup.sqlite3"
    assert main(["db", "copy", "--data-dir", data, "--to", str(target)]) == 0
    captured = capsys.readouterr()
    assert "校验和全部一致" in captured.out and "正在复制 departments" in captured.err
    assert main(["db", "info", "--database", str(target), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["counts"]["departments"] == 4 and info["up_to_date"]
    assert main(["db", "copy", "--data-dir", data, "--to", "mysql://x@y/z"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
