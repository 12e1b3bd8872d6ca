"""Audit log: ``record`` (called by every service inside its own unit of work), chain verification,
filtered queries and an Excel export. Reading the log needs ``audit.view``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.locks import exclusive
from app.db.tables import AuditEntry, Meta
from app.domain.timeutil import to_local, to_utc
from app.i18n import _
from app.security.audit import GENESIS, ChainEntry, ChainReport, clean_detail, entry_hash, verify_chain
from app.security.permissions import Principal, require
from app.services.base import Service
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

HEAD_KEY = "audit_head"


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    username: str
    action: str
    object_type: str
    object_id: str
    detail: str


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." (e.g. "users.")
    object_type: str | None = None
    object_id: str | None = None
    first_day: date | None = None  # local calendar days, inclusive
    last_day: date | None = None


def _user_name(user: Principal | str | None) -> str:
    if user is None:
        return ""
    return user.username if isinstance(user, Principal) else str(user)


def record(session: Session, user: Principal | str | None, action: str, object_type: str = "",
           object_id: object = "", detail: Any = None) -> int:
    """Append one entry inside the caller's transaction (it commits or rolls back with the change).

    Call it in a write unit of work (``_uow(write=True)``) so the chain head is read under the write
    lock (SQLite), and under the ``audit_log`` advisory lock taken here (PostgreSQL). ``detail`` says what happened, never pay figures, ID numbers or bank accounts: a dict
    with such keys raises ``ValueError``; long digit runs in text are masked.
    """
    text = clean_detail(detail)
    exclusive(session, "audit_log")  # PostgreSQL: one append at a time keeps the chain linear
    last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    prev = last[1] if last else GENESIS
    entry = AuditEntry(at=datetime.now(UTC), username=_user_name(user)[:40], action=action[:40],
                       object_type=object_type[:40], object_id=str(object_id)[:40], detail=text, prev_hash=prev,
                       hash="")
    session.add(entry)
    session.flush()
    entry.hash = entry_hash(prev, entry.id, entry.at, entry.username, entry.action, entry.object_type,
                            entry.object_id, entry.detail)
    head = session.get(Meta, HEAD_KEY)
    value = f"{entry.id}:{entry.hash}"
    if head is None:
        session.add(Meta(key=HEAD_KEY, value=value))
    else:
        head.value = value
    session.flush()
    return entry.id


def chain_head(session: Session) -> tuple[int, str] | None:
    head = session.get(Meta, HEAD_KEY)
    if head is None or ":" not in head.value:
        return None
    kid, h = head.value.split(":", 1)
    try:
        return int(kid), h
    except ValueError:
        return None


class AuditService(Service):
    BATCH = 2000

    def verify(self, principal: Principal, *, progress: ProgressFn = no_progress,
               cancel: CancelToken = NEVER_CANCELLED) -> ChainReport:
        require(principal, "audit.view")
        with self._uow() as s:
            total = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
            head = chain_head(s)

            def entries() -> Iterator[ChainEntry]:
                last = -1
                done = 0
                while True:
                    cancel.raise_if_cancelled()
                    rows = s.scalars(select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)
                                     .limit(self.BATCH)).all()
                    if not rows:
                        return
                    for r in rows:
                        yield ChainEntry(r.id, r.at, r.username, r.action, r.object_type, r.object_id, r.detail,
                                         r.prev_hash, r.hash)
                    last = rows[-1].id
                    done += len(rows)
                    s.expunge_all()
                    progress(done, total, _("Checking the audit log"))

            report = verify_chain(entries(), head)
        if not report.intact:
            log.warning("audit chain broken at entry %s", report.broken_id)
        return report

    def query(self, principal: Principal, flt: AuditFilter | None = None, *, limit: int = 5000) -> list[AuditRow]:
        require(principal, "audit.view")
        flt = flt or AuditFilter()
        stmt = select(AuditEntry)
        if flt.username:
            stmt = stmt.where(AuditEntry.username == flt.username)
        if flt.action:
            stmt = stmt.where(AuditEntry.action.startswith(flt.action) if flt.action.endswith(".")
                              else AuditEntry.action == flt.action)
        if flt.object_type:
            stmt = stmt.where(AuditEntry.object_type == flt.object_type)
        if flt.object_id:
            stmt = stmt.where(AuditEntry.object_id == flt.object_id)
        if flt.first_day:
            stmt = stmt.where(AuditEntry.at >= _local_midnight_utc(flt.first_day))
        if flt.last_day:
            stmt = stmt.where(AuditEntry.at < _local_midnight_utc(flt.last_day + timedelta(days=1)))
        stmt = stmt.order_by(AuditEntry.id.desc()).limit(limit)
        with self._uow() as s:
            return [AuditRow(r.id, r.at, r.username, r.action, r.object_type, r.object_id, r.detail)
                    for r in s.scalars(stmt).all()]

    def export_xlsx(self, principal: Principal, path: Path, flt: AuditFilter | None = None) -> int:
        from app.security.xlsx import write_table

        rows = self.query(principal, flt, limit=1_000_000)
        header = [_("No."), _("Time"), _("User"), _("Action"), _("Object"), _("Object id"), _("Detail")]
        write_table(Path(path), _("Audit log"), header, (
            [r.id, to_local(r.at).strftime("%Y-%m-%d %H:%M:%S"), r.username, r.action, r.object_type, r.object_id,
             r.detail] for r in reversed(rows)))
        with self._uow(write=True) as s:
            record(s, principal, "audit.export", "audit_log", "", {"rows": len(rows)})
        return len(rows)

    def record(self, user: Principal | str | None, action: str, object_type: str = "", object_id: object = "",
               detail: Any = None) -> int:
        """A stand-alone entry in its own unit of work (for events without a data change, e.g. login)."""
        with self._uow(write=True) as s:
            return record(s, user, action, object_type, object_id, detail)


def _local_midnight_utc(day: date) -> datetime:
    return to_utc(datetime(day.year, day.month, day.day))
