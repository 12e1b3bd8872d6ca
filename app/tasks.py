"""Plumbing for long operations: cancel tokens, progress callbacks and change sets.

Long functions in ``app/`` take ``progress: ProgressFn`` and ``cancel: CancelToken`` and call
``cancel.raise_if_cancelled()`` in every loop. They stay plain Python: the UI adapts them to
Qt signals in ``ui/workers.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.errors import Cancelled

ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, message) — total 0 means unknown."""


def no_progress(done: int, total: int, message: str = "") -> None:  # noqa: ARG001
    return None


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            from app.i18n import _

            raise Cancelled(_("The operation was cancelled; nothing was saved."))


NEVER_CANCELLED = CancelToken()


@dataclass(frozen=True)
class ChangeSet:
    """Which tables a write touched, so tabs reload only what they show."""

    tables: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *tables: str | Iterable[str]) -> ChangeSet:
        names: set[str] = set()
        for t in tables:
            if isinstance(t, str):
                names.add(t)
            else:
                names.update(t)
        return cls(frozenset(names))

    def touches(self, *tables: str) -> bool:
        return bool(self.tables.intersection(tables))

    def __or__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(self.tables | other.tables)
