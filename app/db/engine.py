"""Engine and session factory for the two supported backends.

- SQLite (default, one workstation): WAL, foreign keys, busy timeout on every connection; a write unit
  of work takes the write lock at BEGIN (``BEGIN IMMEDIATE``).
- PostgreSQL (several workstations on a hospital server, ``postgresql+psycopg://...``): READ COMMITTED,
  row locks (``SELECT ... FOR UPDATE`` in ``load_for_update``) plus optimistic version columns on
  editable records, advisory locks for month-wide work (``app.db.locks``). Every connection says who it
  is (``application_name``) and carries time limits so a hung workstation cannot hold locks forever.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.orm import Session, sessionmaker

from app.errors import InvalidInput
from app.i18n import _

BUSY_TIMEOUT_MS = 10_000

# PostgreSQL limits (per connection). A statement that runs 10 minutes is a fault, not work; a lock
# awaited 60 s means another workstation is busy with the same month (the user is told to wait);
# a transaction left idle 10 minutes belongs to a hung or crashed program and is ended by the server.
PG_STATEMENT_TIMEOUT_MS = 600_000
PG_LOCK_TIMEOUT_MS = 60_000
PG_IDLE_IN_TRANSACTION_MS = 600_000
PG_CONNECT_TIMEOUT_S = 10
PG_POOL_SIZE = 4  # a desktop program: the GUI worker pool plus one spare
PG_MAX_OVERFLOW = 4
PG_POOL_RECYCLE_S = 1800  # below typical firewall idle cut-offs on hospital networks

SUPPORTED_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{Path(path).as_posix()}"


def normalise_url(url_or_path: str | Path) -> str:
    """A SQLAlchemy URL for a path, ``sqlite:`` or ``postgresql:`` URL (psycopg 3 is the only PG driver)."""
    if not (isinstance(url_or_path, str) and "://" in url_or_path):
        return sqlite_url(Path(url_or_path))
    try:
        url = make_url(url_or_path)
    except Exception as exc:  # noqa: BLE001 - any parse error is the user's typo
        raise InvalidInput(
            _("The database address {url} is not valid. Use postgresql+psycopg://user:password@server:5432/hrdesk "
              "or a SQLite file path.").format(url=redact(str(url_or_path)))
        ) from exc
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    elif url.drivername not in ("sqlite", "sqlite+pysqlite"):
        raise InvalidInput(
            _("HR Desk works with SQLite or PostgreSQL, not {scheme}. Use a postgresql+psycopg:// address.").format(
                scheme=url.drivername)
        )
    return url.render_as_string(hide_password=False)


def redact(url: str | URL) -> str:
    """The URL with the password hidden, for messages and logs."""
    try:
        return make_url(str(url) if isinstance(url, URL) else url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<invalid address>"


def backend_name(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def make_engine(url_or_path: str | Path, *, echo: bool = False, application_name: str | None = None) -> Engine:
    url = normalise_url(url_or_path)
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
    return _make_pg_engine(url, echo=echo, application_name=application_name)


def _make_pg_engine(url: str, *, echo: bool, application_name: str | None) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        from app.errors import StorageError

        raise StorageError(
            _("The PostgreSQL driver (psycopg) is not installed with this copy of HR Desk. "
              "Install the full package or ask IT.")
        ) from exc
    name = application_name or f"HR Desk @ {socket.gethostname()[:40]}"
    options = (
        f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS} -c lock_timeout={PG_LOCK_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS} -c TimeZone=UTC"
    )
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,  # a connection the server or network dropped is replaced, not handed out
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_MAX_OVERFLOW,
        pool_recycle=PG_POOL_RECYCLE_S,
        pool_timeout=30,
        connect_args={
            "application_name": name,
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            "options": options,
        },
    )
    event.listen(engine, "do_executemany", _pg_copy_executemany)
    return engine


COPY_MIN_ROWS = 500


def _pg_copy_executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """Large plain ``INSERT`` executemany (a payroll run stores ~25 lines per employee) as one ``COPY``.

    psycopg otherwise sends one pipelined INSERT per row, which makes a 5,000-employee payroll run
    twice as slow as on SQLite. Only a plain INSERT of column values qualifies: no RETURNING, no
    ON CONFLICT, no INSERT ... SELECT, every parameter a column of the table. Returns False (SQLAlchemy
    runs the executemany as usual) for anything else. Errors (e.g. a unique violation) surface exactly
    like the INSERT's would, with the same SQLSTATE.
    """
    if len(parameters) < COPY_MIN_ROWS or not getattr(context, "isinsert", False):
        return False
    compiled = getattr(context, "compiled", None)
    stmt = getattr(compiled, "statement", None)
    if stmt is None or getattr(stmt, "_returning", None) or getattr(stmt, "_post_values_clause", None) is not None \
            or getattr(stmt, "select", None) is not None or getattr(compiled, "effective_returning", None):
        return False
    table = getattr(stmt, "table", None)
    first = parameters[0]
    if table is None or not isinstance(first, dict):
        return False
    names = list(first)
    columns = table.c
    if not names or any(n not in columns or columns[n].name != n for n in names):
        return False
    if any(list(p) != names for p in parameters):
        return False
    prep = context.dialect.identifier_preparer
    sql = f"COPY {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for p in parameters:
            copy.write_row([p[n] for n in names])
    context._rowcount = len(parameters)  # noqa: SLF001 - what executemany would have reported
    return True


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
