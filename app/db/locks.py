"""Named locks that one workstation holds for the length of a unit of work.

A month's payroll run, an attendance lock and the audit chain's append must not run on two workstations
at once. On SQLite the database has one write lock: a write unit of work (``unit_of_work(write=True)``)
holds it from BEGIN, and :func:`exclusive` takes it at once in any other unit of work (an empty write
statement), so the rest of the unit runs alone whichever way it was opened. On PostgreSQL it takes a
transaction-scoped advisory lock (``pg_advisory_xact_lock``): released at commit, at rollback, and
when a crashed workstation's connection drops — never left behind. Waiting is bounded by the
connection's ``lock_timeout`` (``app.db.engine``); the unit of work then reports that another
workstation is busy with the same thing.

Use it as the first statement of the unit of work::

    with self._uow(write=True) as s:
        exclusive(s, "payroll", month)
        ...
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(*parts: object) -> int:
    """A stable signed 64-bit key for the lock name (same on every workstation and Python version)."""
    name = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)


def exclusive(session: Session, *parts: object) -> None:
    """Hold the lock named by ``parts`` until the surrounding transaction ends (waits for it if needed)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(*parts)})
    elif bind.dialect.name == "sqlite":
        # A write statement that changes nothing still takes SQLite's write lock (a no-op under BEGIN IMMEDIATE).
        session.execute(text("DELETE FROM meta WHERE 0"))
