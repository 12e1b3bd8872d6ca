"""One unit of work per operation: commit on success, roll back on error, always close."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.db.engine import IMMEDIATE
from app.errors import Conflict, StorageError
from app.i18n import _


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """``write=True`` takes SQLite's write lock at BEGIN (use it for read-then-write work)."""
    session = factory()
    try:
        if write and session.bind is not None and session.bind.dialect.name == "sqlite":
            session.connection(execution_options={IMMEDIATE: True})
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(
            _("Someone else changed this record after you opened it. Reload it and make your change again.")
        ) from exc
    except OperationalError as exc:
        session.rollback()
        raise translate_operational_error(exc) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def translate_operational_error(exc: OperationalError) -> Exception:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "disk" in text and "full" in text or "database or disk is full" in text:
        return StorageError(_("The disk is full. Free some space and try again; nothing was saved."))
    if "readonly" in text or "read-only" in text:
        return StorageError(
            _("The data folder is read-only. Ask IT for write access to the folder; nothing was saved.")
        )
    if "locked" in text or "busy" in text:
        return StorageError(
            _("The database is busy in another window or workstation. Wait a moment and try again.")
        )
    return exc
