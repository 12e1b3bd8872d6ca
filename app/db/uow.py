"""One unit of work per operation: commit on success, roll back on error, always close.

Database errors that have a cause the user can act on (another workstation saved first, the server is
unreachable, the disk is full, a deadlock) leave here as ``Conflict``/``StorageError`` with a Chinese
message saying what to do; anything else (a programming error) propagates unchanged.

Isolation on PostgreSQL is READ COMMITTED: editable records are protected by their version column
(``UPDATE ... WHERE version = :read``) and ``SELECT ... FOR UPDATE`` in ``load_for_update``; work over
a whole month takes a named advisory lock (``app.db.locks.exclusive``); unique constraints stop the
same import from two PCs. SERIALIZABLE would instead make ordinary saves fail at random under load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.db.engine import IMMEDIATE
from app.errors import Conflict, StorageError
from app.i18n import _

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    write: Callable[[Session], object]
    done: bool = False


_pending: ContextVar[tuple[_Pending, ...]] = ContextVar("hrdesk_pending_with_change", default=())


@contextmanager
def with_next_change(write: Callable[[Session], object]) -> Iterator[Callable[[], bool]]:
    """Inside this block, the next write unit of work of the same thread runs ``write(session)`` just before it
    commits, so what it adds (the audit entry of an operation) commits or rolls back with the change itself.
    Yields a function that says whether that happened; if the block wrote nothing, the caller writes it alone."""
    box = _Pending(write)
    token = _pending.set((*_pending.get(), box))
    try:
        yield lambda: box.done
    finally:
        _pending.reset(token)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """``write=True`` takes SQLite's write lock at BEGIN (use it for read-then-write work).

    On PostgreSQL a write unit needs no lock up front: rows are locked as they are loaded for update.
    """
    session = factory()
    try:
        if write and session.bind is not None and session.bind.dialect.name == "sqlite":
            session.connection(execution_options={IMMEDIATE: True})
        yield session
        written = [box for box in _pending.get() if not box.done] if write else []
        for box in written:
            box.write(session)
        session.commit()
        for box in written:
            box.done = True
    except StaleDataError as exc:
        _rollback(session)
        raise Conflict(
            _("Someone else changed this record after you opened it. Reload it and make your change again.")
        ) from exc
    except DBAPIError as exc:
        _rollback(session)
        translated = translate_db_error(exc)
        if translated is exc:
            raise
        raise translated from exc
    except BaseException:
        _rollback(session)
        raise
    finally:
        try:
            session.close()
        except Exception:  # noqa: BLE001 - closing after a lost connection must not hide the real error
            log.debug("session close failed after an error", exc_info=True)


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the server rolls back by itself
        log.debug("rollback failed (connection lost?)", exc_info=True)


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    return str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")


def translate_db_error(exc: DBAPIError) -> Exception:
    """A user-facing error for ``exc``, or ``exc`` itself when it is not one the user can act on."""
    state = _sqlstate(exc)
    if state:
        return _translate_pg(exc, state)
    if _is_pg(exc):
        return _translate_pg_connection(exc)
    if isinstance(exc, IntegrityError):
        return _translate_integrity(str(exc.orig).lower() if exc.orig is not None else str(exc).lower()) or exc
    if isinstance(exc, OperationalError):
        return translate_operational_error(exc)
    return exc


def translate_operational_error(exc: OperationalError) -> Exception:
    """SQLite's operational errors (kept by name: callers outside this module use it)."""
    if _sqlstate(exc):
        return _translate_pg(exc, _sqlstate(exc))
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "disk" in text and "full" in text or "database or disk is full" in text:
        return StorageError(_("The disk is full. Free some space and try again; nothing was saved."))
    if "disk i/o error" in text or "file too large" in text:
        return StorageError(_("Writing to the disk failed: the disk may be full or the storage device faulty. "
                              "Free some space or check the disk, then try again; nothing was saved."))
    if "unable to open database file" in text:
        return StorageError(_("The database file cannot be opened: the data folder may have been moved, the "
                              "network drive disconnected or the disk full. Check the folder and try again."))
    if "readonly" in text or "read-only" in text:
        return StorageError(
            _("The data folder is read-only. Ask IT for write access to the folder; nothing was saved.")
        )
    if "locked" in text or "busy" in text:
        return StorageError(
            _("The database is busy in another window or workstation. Wait a moment and try again.")
        )
    return exc


def _is_pg(exc: DBAPIError) -> bool:
    return type(exc.orig).__module__.startswith("psycopg") if exc.orig is not None else False


def _translate_pg_connection(exc: DBAPIError) -> Exception:
    """psycopg errors without a SQLSTATE: the server could not be reached or the connection dropped."""
    text = str(exc.orig).lower() if exc.orig is not None else ""
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        if "password" in text or "authentication" in text:
            return StorageError(
                _("The database server refused the user name or password. Check the connection settings or ask IT.")
            )
        if "connection failed" in text or "could not connect" in text or "refused" in text or "timeout" in text \
                or "could not translate host" in text or "name or service" in text:
            return StorageError(
                _("Cannot reach the database server. Check the network cable and that the server is running, "
                  "or ask IT; nothing was saved.")
            )
        return StorageError(
            _("The connection to the database server was lost. Nothing was saved; check the network and "
              "try again.")
        )
    return exc


def _translate_integrity(text: str) -> Exception | None:
    if "unique" in text or "duplicate" in text:
        return Conflict(
            _("This record already exists: it was probably saved or imported on another workstation at the same "
              "time. Reload the list and check before saving again; nothing was saved.")
        )
    if "foreign key" in text:
        return Conflict(
            _("A record this change refers to was deleted on another workstation. Reload and try again; "
              "nothing was saved.")
        )
    return None


def _translate_pg(exc: DBAPIError, state: str) -> Exception:
    """Map a PostgreSQL SQLSTATE to a message (https://www.postgresql.org/docs/current/errcodes-appendix.html)."""
    if state == "23505":
        return _translate_integrity("unique") or exc
    if state == "23503":
        return _translate_integrity("foreign key") or exc
    if state in ("40001", "40P01"):
        return Conflict(
            _("Another workstation was changing the same records at the same moment, so the database stopped "
              "this change. Nothing was saved; do it again.")
        )
    if state == "55P03":
        return StorageError(
            _("Another workstation is working on the same records (for example running the same month). "
              "Wait until it has finished and try again; nothing was saved.")
        )
    if state == "57014":
        return StorageError(
            _("The database server stopped an operation that took too long. Nothing was saved; try again, "
              "and ask IT to check the server if it happens again.")
        )
    if state == "25P03":
        return StorageError(
            _("The database server ended a transaction that stayed open too long. Nothing was saved; try again.")
        )
    if state in ("53100",):
        return StorageError(
            _("The database server's disk is full. Nothing was saved; ask IT to free space on the server.")
        )
    if state.startswith("53"):
        return StorageError(
            _("The database server is out of resources (memory or connections). Wait a moment and try again; "
              "ask IT if it happens again.")
        )
    if state in ("25006",):
        return StorageError(
            _("The database server is read-only (a standby or maintenance mode). Ask IT; nothing was saved.")
        )
    if state.startswith("08") or state in ("57P01", "57P02", "57P03"):
        return StorageError(
            _("The connection to the database server was lost. Nothing was saved; check the network and "
              "try again.")
        )
    if state.startswith("28"):
        return StorageError(
            _("The database server refused the user name or password. Check the connection settings or ask IT.")
        )
    return exc
