"""PostgreSQL engine set-up, error messages and named locks (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.context import open_app
from app.db.engine import normalise_url, redact
from app.db.locks import exclusive, lock_key
from app.db.tables import Department
from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput, StorageError


def test_connections_carry_name_time_limits_and_read_committed(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    assert pg_ctx.backend == "postgresql"
    with pg_ctx.engine.connect() as conn:
        assert conn.scalar(text("SHOW application_name")).startswith("HR Desk")
        assert conn.scalar(text("SHOW statement_timeout")) == "10min"
        assert conn.scalar(text("SHOW lock_timeout")) == "1min"
        assert conn.scalar(text("SHOW idle_in_transaction_session_timeout")) == "10min"
        assert conn.scalar(text("SHOW transaction_isolation")) == "read committed"
        assert conn.scalar(text("SHOW TimeZone")) == "UTC"


def test_an_unreachable_server_is_reported_in_chinese(tmp_path: Path) -> None:
    # port 1 on loopback: nothing listens there, the refusal is immediate (no PostgreSQL needed)
    with pytest.raises(StorageError) as info:
        open_app(tmp_path / "data", database_url="postgresql+psycopg://hr:secret@127.0.0.1:1/hrdesk")
    message = info.value.message
    assert "无法连接数据库服务器" in message and "secret" not in message and "127.0.0.1:1" in message


def test_database_addresses_are_checked_and_passwords_hidden() -> None:
    assert normalise_url("postgresql://hr@db:5432/hrdesk") == "postgresql+psycopg://hr@db:5432/hrdesk"
    assert normalise_url("/tmp/x.sqlite3").startswith("sqlite+pysqlite:///")
    assert "secret" not in redact("postgresql+psycopg://hr:secret@db/hrdesk")
    with pytest.raises(InvalidInput) as info:
        normalise_url("mysql://hr@db/hrdesk")
    assert "PostgreSQL" in info.value.message


def test_a_duplicate_from_another_workstation_is_a_conflict(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(pg_ctx.session_factory) as s:
        s.add(Department(code="ICU", name="重症医学科"))
    with pytest.raises(Conflict) as info, unit_of_work(pg_ctx.session_factory) as s:
        s.add(Department(code="ICU", name="重症监护室"))
    assert "另一台工作站" in info.value.message
    with unit_of_work(pg_ctx.session_factory) as s:  # the session is usable again, the first row kept
        assert [d.name for d in s.query(Department)] == ["重症医学科"]


def test_exclusive_holds_a_named_lock_until_the_unit_of_work_ends(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    def free(*parts: object) -> bool:
        with pg_ctx.engine.connect() as other:  # another workstation trying without waiting
            return bool(other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(*parts)}))

    with unit_of_work(pg_ctx.session_factory, write=True) as s:
        exclusive(s, "payroll", "2026-10")
        exclusive(s, "payroll", "2026-10")  # re-entrant inside one unit of work
        assert not free("payroll", "2026-10")
        assert free("payroll", "2026-11") and free("attendance", "2026-10")
    assert free("payroll", "2026-10")  # released at commit
    with pytest.raises(RuntimeError), unit_of_work(pg_ctx.session_factory, write=True) as s:
        exclusive(s, "payroll", "2026-10")
        raise RuntimeError("boom")
    assert free("payroll", "2026-10")  # and at rollback


def test_waiting_too_long_for_a_lock_says_another_workstation_is_busy(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(pg_ctx.session_factory, write=True) as holder:
        exclusive(holder, "payroll", "2026-10")
        with pytest.raises(StorageError) as info, unit_of_work(pg_ctx.session_factory, write=True) as s:
            s.execute(text("SET LOCAL lock_timeout = '200ms'"))
            exclusive(s, "payroll", "2026-10")
    assert "另一台工作站" in info.value.message and "未保存" in info.value.message


def test_a_crashed_workstation_releases_its_lock(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    key = lock_key("payroll", "2026-10")
    crashed = pg_ctx.engine.raw_connection()  # holds the lock mid-transaction, then its backend dies
    try:
        cur = crashed.cursor()
        cur.execute("SELECT pg_advisory_xact_lock(%s), pg_backend_pid()", (key,))
        pid = cur.fetchone()[1]
        with pg_ctx.engine.connect() as other:
            assert not other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
            other.rollback()
            assert other.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            other.rollback()
            for _ in range(50):  # the server ends the backend asynchronously
                if other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}):
                    break
                other.rollback()
                import time

                time.sleep(0.1)
            else:
                pytest.fail("the lock of a dead connection was not released")
    finally:
        try:
            crashed.invalidate()
        except Exception:  # noqa: BLE001
            pass


def test_exclusive_on_sqlite_holds_the_write_lock_even_in_a_read_unit(ctx) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    def another_writer_can_start() -> bool:
        con = sqlite3.connect(ctx.db_path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            con.close()

    with unit_of_work(ctx.session_factory) as s:  # deferred: reads alone take no write lock
        s.scalars(select(Department)).all()
        assert another_writer_can_start()
        exclusive(s, "audit_log")
        assert not another_writer_can_start()
        s.add(Department(code="X", name="测试科"))
    assert another_writer_can_start()
    with unit_of_work(ctx.session_factory, write=True) as s:
        exclusive(s, "payroll", "2026-10")  # under BEGIN IMMEDIATE: nothing more to take
        assert not another_writer_can_start()
    assert lock_key("payroll", "2026-10") == lock_key("payroll", "2026-10") != lock_key("payroll", "2026-11")
    assert -(2**63) <= lock_key("payroll", "2026-10") < 2**63


def test_the_lost_connection_message(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    """The server ends a workstation's connection (restart, network cut) in the middle of a save."""
    with pytest.raises(StorageError) as info, unit_of_work(pg_ctx.session_factory, write=True) as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        with pg_ctx.engine.connect() as admin:
            admin.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        s.scalar(select(Department.id))
    assert "连接" in info.value.message
    assert pg_ctx.services.org.department_tree() == []  # the pool hands out a fresh connection afterwards
