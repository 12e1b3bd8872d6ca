"""Base for services: each public method is one unit of work and returns frozen DTOs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.db.base import Base
from app.db.uow import unit_of_work
from app.errors import Conflict, NotFound
from app.i18n import _

M = TypeVar("M", bound=Base)


class Service:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    @contextmanager
    def _uow(self, *, write: bool = False) -> Iterator[Session]:
        with unit_of_work(self._factory, write=write) as session:
            yield session


def load_for_update(session: Session, model: type[M], row_id: int, expected_version: int, what: str) -> M:
    """The row to change, provided nobody saved it since the caller read ``expected_version``.

    ``what`` names the record for the message (e.g. "科室 心血管内科").
    """
    from app.domain.timeutil import to_local

    row = session.get(model, row_id, with_for_update=session.bind is not None and session.bind.dialect.name != "sqlite")
    if row is None:
        raise NotFound(_("{what} no longer exists; someone deleted it. Reload the list.").format(what=what))
    current = getattr(row, "version")
    if current != expected_version:
        changed = getattr(row, "updated_at", None)
        when = to_local(changed).strftime("%Y-%m-%d %H:%M") if changed else "?"
        raise Conflict(
            _("{what} was changed on another workstation at {when} (version {mine} → {theirs}). "
              "Reload it, check the change, and make yours again; nothing was saved.").format(
                what=what, when=when, mine=expected_version, theirs=current)
        )
    return row
