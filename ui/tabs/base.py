"""Common behaviour of the six tabs: load through the worker pool, reload on data changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import AppError
from app.i18n import _
from app.services.registry import Services
from app.tasks import ChangeSet
from ui.workers import WorkerPool


class Tab(QWidget):
    #: tables whose change makes this tab reload
    TABLES: frozenset[str] = frozenset()
    #: short ASCII name used for screenshots and settings
    KEY = "tab"

    def __init__(self, services: Services, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pool = pool
        self._loaded = False

    def title(self) -> str:
        raise NotImplementedError

    def reload(self) -> None:
        """Fetch what the tab shows (in the background) and fill the widgets."""
        raise NotImplementedError

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.reload()

    def on_data_changed(self, changes: ChangeSet) -> None:
        if self._loaded and changes.touches(*self.TABLES):
            self.reload()

    def load(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.pool.submit(fn, lane="db", on_done=on_done, on_error=self.show_error)

    def show_error(self, exc: BaseException) -> None:
        if isinstance(exc, AppError):
            QMessageBox.warning(self, _("HR Desk"), exc.message)
        else:
            QMessageBox.critical(
                self, _("HR Desk"),
                _("Loading failed: {reason}. The details are in the log file; your data is unchanged.").format(reason=exc),
            )
