"""Background work for the GUI: lanes of thread pools, results back through signals.

- lane ``db``: one thread, so SQLite writes are serialised (Anki's taskman);
- lane ``io``: two threads for exports, PDF generation and model loading.

``submit(fn, on_done=..., on_error=..., on_progress=...)`` runs ``fn(progress, cancel)`` when
``fn`` accepts those arguments (see ``app.tasks``), else ``fn()``. Callbacks run on the GUI
thread. ``SyncPool`` runs jobs inline for tests.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import Cancelled
from app.tasks import CancelToken

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)


class Job:
    """Handle of a submitted job: cancel it, or ask whether it ended."""

    def __init__(self) -> None:
        self.cancel_token = CancelToken()
        self.finished = False

    def cancel(self) -> None:
        self.cancel_token.cancel()


def _wants_task_args(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in params and "cancel" in params


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[..., Any], job: Job, signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.job = job
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            if _wants_task_args(self.fn):
                result = self.fn(progress=self.signals.progressed.emit, cancel=self.job.cancel_token)
            else:
                result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - delivered to on_error on the GUI thread
            if not isinstance(exc, Cancelled):
                log.exception("background job failed")
            self.job.finished = True
            self.signals.failed.emit(exc)
            return
        self.job.finished = True
        self.signals.done.emit(result)


class WorkerPool(QObject):
    LANES = {"db": 1, "io": 2}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {}
        for lane, n in self.LANES.items():
            pool = QThreadPool(self)
            pool.setMaxThreadCount(n)
            self._pools[lane] = pool
        self._jobs: list[tuple[Job, _Signals]] = []

    def submit(
        self,
        fn: Callable[..., Any],
        *,
        lane: str = "db",
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Job:
        job = Job()
        signals = _Signals()  # created on the GUI thread, so its slots run there
        if on_done:
            signals.done.connect(on_done)
        if on_error:
            signals.failed.connect(on_error)
        if on_progress:
            signals.progressed.connect(on_progress)
        signals.done.connect(lambda _r: self._forget(job))
        signals.failed.connect(lambda _e: self._forget(job))
        self._jobs.append((job, signals))
        self._pools[lane].start(_Runnable(fn, job, signals))
        return job

    def _forget(self, job: Job) -> None:
        self._jobs = [(j, s) for j, s in self._jobs if j is not job]

    def busy(self) -> bool:
        return bool(self._jobs)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel everything and wait for the threads (called on quit)."""
        for job, _s in self._jobs:
            job.cancel()
        for pool in self._pools.values():
            pool.waitForDone(timeout_ms)


class SyncPool(WorkerPool):
    """Runs each job inline on the calling thread; for tests."""

    def submit(
        self,
        fn: Callable[..., Any],
        *,
        lane: str = "db",
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Job:
        job = Job()
        progress = on_progress or (lambda _d, _t, _m: None)
        try:
            result = fn(progress=progress, cancel=job.cancel_token) if _wants_task_args(fn) else fn()
        except BaseException as exc:  # noqa: BLE001
            job.finished = True
            if on_error is None:
                raise
            on_error(exc)
            return job
        job.finished = True
        if on_done:
            on_done(result)
        return job

    def busy(self) -> bool:
        return False
