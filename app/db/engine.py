"""Engine and session factory. SQLite: WAL, foreign keys, busy timeout on every connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{Path(path).as_posix()}"


def make_engine(url_or_path: str | Path, *, echo: bool = False) -> Engine:
    url = url_or_path if isinstance(url_or_path, str) and "://" in url_or_path else sqlite_url(Path(url_or_path))
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,  # error messages and logs never carry personal data
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit transactions break SAVEPOINT and DDL).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


IMMEDIATE = "hrdesk_begin_immediate"


def _sqlite_on_begin(conn: Any) -> None:
    # Reads begin DEFERRED (WAL readers never block anyone). A unit of work that will write asks
    # for IMMEDIATE (execution option IMMEDIATE), taking the write lock up front so two writers wait
    # on busy_timeout instead of failing half-way with "database is locked" on lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
