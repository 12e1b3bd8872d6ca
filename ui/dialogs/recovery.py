"""Start-up offer to recover interview recordings that were interrupted (crash, kill, power cut)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QVBoxLayout, QWidget

from app.domain.timeutil import to_local
from app.i18n import _
from app.services.capture import InterruptedRecording, RecoveryReport
from app.services.registry import Services
from ui.tablemodels.base import Column
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool


def report_text(report: RecoveryReport) -> str:
    lines = [_("Audio: {seconds} seconds kept.").format(seconds=int(report.audio_seconds))]
    if report.video_segments:
        lines.append(_("Video: {frames} frames from {segments} segments joined.").format(
            frames=report.video_frames, segments=report.video_segments))
    lines.append(_("Transcript: {live} segments from the interview, {tail} recognised now from the end of the "
                   "recording.").format(live=report.live_segments, tail=report.tail_segments))
    if report.tail_note:
        lines.append(report.tail_note)
    return "\n".join(lines)


class RecoveryDialog(QDialog):
    """Lists interrupted recordings; Recover repairs the selected one in the background."""

    def __init__(self, services: Services, pool: WorkerPool, items: list[InterruptedRecording],
                 parent: QWidget | None = None, engine_factory: Any = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pool = pool
        self.engine_factory = engine_factory
        self.reports: list[RecoveryReport] = []
        self.setWindowTitle(_("Interrupted interview recordings"))
        self.resize(720, 360)
        info = QLabel(_("The program was closed while these interviews were being recorded. The audio, the video "
                        "and the transcript up to the last second can be recovered now."), self)
        info.setWordWrap(True)
        self.table = FilterTable(
            [
                Column[InterruptedRecording]("started_at", _("Started"),
                                             fmt=lambda v: to_local(v).strftime("%Y-%m-%d %H:%M") if v else ""),
                Column[InterruptedRecording]("candidate", _("Candidate")),
                Column[InterruptedRecording]("position", _("Position")),
                Column[InterruptedRecording]("audio_bytes", _("Audio (s)"), fmt=lambda v: str(max(0, (v - 44)) // 32000)),
                Column[InterruptedRecording]("video_segments", _("Video segments")),
                Column[InterruptedRecording]("segments", _("Transcript segments")),
            ],
            title=_("Recordings"), parent=self,
        )
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.recover_button = self.buttons.addButton(_("Recover"), QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(_("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.items = list(items)
        self._selected: InterruptedRecording | None = None
        self._connect_signals()
        self.table.set_rows(self.items)
        self.table.select_first()

    def _connect_signals(self) -> None:
        self.recover_button.clicked.connect(self._on_recover_clicked)
        self.close_button.clicked.connect(self.reject)
        self.table.row_selected.connect(self._on_table_row_selected)

    def _on_table_row_selected(self, row: InterruptedRecording | None) -> None:
        self._selected = row

    def selected(self) -> InterruptedRecording | None:
        if self._selected is not None and self._selected in self.items:
            return self._selected
        return self.items[0] if self.items else None

    def recover(self, item: InterruptedRecording) -> None:
        capture = self.services.capture
        engine_factory = self.engine_factory

        def job(progress: Any, cancel: Any) -> RecoveryReport:
            engine = None
            if engine_factory is not None:
                try:
                    engine = engine_factory()
                except Exception:  # noqa: BLE001 - a missing model leaves the tail for later
                    engine = None
            return capture.recover(item.recording_id, engine=engine, progress=progress, cancel=cancel)

        run_with_progress(self, self.pool, _("Recovering the recording…"), job, self._on_recovered)

    def _on_recover_clicked(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.recover(item)

    def _on_recovered(self, report: RecoveryReport) -> None:
        self.reports.append(report)
        self.items = [i for i in self.items if i.recording_id != report.recording_id]
        self.table.set_rows(self.items)
        self.status.setText(report_text(report))
        if not self.items:
            self.recover_button.setEnabled(False)
            self.close_button.setText(_("Close"))
            QMessageBox.information(self, _("HR Desk"), report_text(report))


def offer_recovery(services: Services, pool: WorkerPool, parent: QWidget | None = None) -> RecoveryDialog | None:
    """For the start-up code: a dialog when interrupted recordings exist, else None (call it on the db lane
    result of ``services.capture.interrupted()``)."""
    items = services.capture.interrupted()
    return RecoveryDialog(services, pool, items, parent) if items else None
