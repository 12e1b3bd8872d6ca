"""Run a long ``app`` function in the background behind a modal progress dialog with Cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.errors import AppError, Cancelled
from app.i18n import _
from ui.workers import WorkerPool


def run_with_progress(
    parent: QWidget,
    pool: WorkerPool,
    label: str,
    fn: Callable[..., Any],
    on_done: Callable[[Any], None],
    *,
    lane: str = "db",
) -> None:
    """``fn(progress, cancel)`` runs off the GUI thread; errors are shown in Chinese, nothing is lost."""
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progressed(done: int, total: int, message: str) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(done)
        if message:
            dialog.setLabelText(f"{label}\n{message}")

    def finished(result: Any) -> None:
        dialog.close()
        on_done(result)

    def failed(exc: BaseException) -> None:
        dialog.close()
        if isinstance(exc, Cancelled):
            return
        if isinstance(exc, AppError):
            QMessageBox.warning(parent, _("HR Desk"), exc.message)
        else:
            QMessageBox.critical(
                parent, _("HR Desk"),
                _("The operation failed: {reason}. Nothing was saved; the details are in the log file.").format(reason=exc),
            )

    job = pool.submit(fn, lane=lane, on_done=finished, on_error=failed, on_progress=progressed)
    dialog.canceled.connect(job.cancel)
    if not job.finished:
        dialog.show()
