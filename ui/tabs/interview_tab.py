"""面试: the interview schedule, and the assessment and review of interviews, each a page of its own."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout

from app import models_registry
from app.i18n import N_, _
from app.services.recruiting import InterviewRow, PanelLinkReport
from app.tasks import ChangeSet
from ui.tablemodels.base import RIGHT, Column
from ui.tablemodels.labels import recommendation_label
from ui.tabs.interview_capture import InterviewCapturePage
from ui.tabs.base import Tab
from ui.tabs.paged import PagedTab
from ui.tabs.interview_review import InterviewReviewPage
from ui.widgets.table import FilterTable

log = logging.getLogger(__name__)

INTERVIEW_STATE = {"planned": N_("planned"), "recorded": N_("recorded"), "analysed": N_("analysed"), "decided": N_("decided")}


class InterviewListPage(Tab):
    KEY = "interview_list"
    TABLES = frozenset({"interviews", "candidates", "transcript_segments"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = FilterTable(
            [
                Column[InterviewRow]("scheduled_at", _("Time")),
                Column[InterviewRow]("candidate", _("Candidate")),
                Column[InterviewRow]("position", _("Position")),
                Column[InterviewRow]("interviewers", _("Interviewers")),
                Column[InterviewRow]("state", _("State"), fmt=lambda v: _(INTERVIEW_STATE.get(v, v))),
                Column[InterviewRow]("total_score", _("Score"), align=RIGHT),
                Column[InterviewRow]("recommendation", _("Recommendation"), fmt=recommendation_label),
                Column[InterviewRow]("decision", _("Decision"), fmt=recommendation_label),
            ],
            title=_("Interviews"),
            sort=("scheduled_at", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        self.readiness = QLabel(self)
        self.readiness.setWordWrap(True)
        self.readiness.setTextFormat(Qt.TextFormat.RichText)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.readiness)
        split.setSizes([600, 160])
        self.panel_button = QPushButton(_("Interview panel…"), self)
        self.panel_button.setToolTip(_("Choose the accounts on the selected interview's panel, its chair and time"))
        self.panel_button.setEnabled(False)
        self.panel_button.clicked.connect(self._on_panel_button_clicked)
        self.table.row_selected.connect(self._on_table_row_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.panel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(split)
        self.selected: InterviewRow | None = None

    def title(self) -> str:
        return _("Interview schedule")

    def reload(self) -> None:
        self.load(lambda: (self.services.recruiting.interviews(), models_registry.status()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[InterviewRow], list[models_registry.ModelStatus]]) -> None:
        rows, models = result
        self.table.set_rows(rows)
        lines = [f"<b>{_('Recording and analysis on this PC')}</b><ul>"]
        for m in models:
            mark = "✔" if m.found else "✘"
            state = escape(str(m.path)) if m.found else _("missing — {purpose} is unavailable").format(purpose=m.purpose)
            lines.append(f"<li>{mark} {escape(m.label)}: {state}</li>")
        lines.append("</ul>")
        self.readiness.setText("".join(lines))
        self._on_table_row_selected(None)

    # ---------------------------------------------------------------- panel
    def can_edit_panels(self) -> bool:
        p = self.services.identity.principal
        return p is not None and self.services.guard.allowed(p, "recruiting", "set_panel")

    def _on_table_row_selected(self, row: InterviewRow | None) -> None:
        self.selected = row
        self.panel_button.setEnabled(row is not None and self.can_edit_panels())

    def open_panel_dialog(self) -> QDialog | None:
        """The panel dialog for the selected interview (not yet shown)."""
        from ui.dialogs.interview_panel import InterviewPanelDialog

        row = self.selected
        if row is None:
            return None
        p = self.services.identity.principal
        heading = _("{candidate} — {position}").format(candidate=row.candidate, position=row.position)
        return InterviewPanelDialog(self.services.recruiting, self.pool, row.id, heading,
                                    user=p.username if p else "", parent=self)

    def _on_panel_button_clicked(self) -> None:
        dialog = self.open_panel_dialog()
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            window = self.window()
            if hasattr(window, "publish_changes"):
                window.publish_changes(ChangeSet.of("interviews", "interview_panel"))
            else:
                self.reload()


PAGE_CLASSES: tuple[type[Tab], ...] = (InterviewListPage, InterviewCapturePage, InterviewReviewPage)


class InterviewTab(PagedTab):
    KEY = "interview"
    PAGE_CLASSES = PAGE_CLASSES

    def title(self) -> str:
        return _("Interview")

    def reload(self) -> None:
        # the list and review pages are light; loading them together keeps the tab's lists filled whichever
        # page is shown. The recording page loads when it is opened.
        for page in self.pages:
            if page.KEY != InterviewCapturePage.KEY:
                page.ensure_loaded()

    def offer_recovery(self) -> None:
        """At start-up: link the panels of interviews planned before panels existed (once per database, in the
        background), and offer to recover recordings a crash or power cut interrupted."""
        self.link_panels_at_start()
        capture = self.page(InterviewCapturePage.KEY)
        assert isinstance(capture, InterviewCapturePage)
        capture.offer_recovery()

    def link_panels_at_start(self) -> None:
        svc = self.services.recruiting

        def done(report: PanelLinkReport) -> None:
            window = self.window()
            if report.interviews_linked and hasattr(window, "publish_changes"):
                window.publish_changes(ChangeSet.of("interviews", "interview_panel"))
            if report.ambiguous_interviews and hasattr(window, "statusBar"):
                window.statusBar().showMessage(_(
                    "{n} interviews list interviewer names that match several accounts; choose their panels with "
                    "the Interview panel button of the interview schedule.").format(n=len(report.ambiguous_interviews)), 30_000)

        def failed(exc: BaseException) -> None:  # the name fallback keeps older interviews visible meanwhile
            log.warning("linking interview panels at start-up failed: %s", type(exc).__name__)

        p = self.services.identity.principal
        user = p.username if p else ""
        self.pool.submit(lambda: svc.link_panels_at_start(user=user), on_done=done, on_error=failed)

    def shutdown(self) -> None:
        for page in self.pages:
            if isinstance(page, InterviewCapturePage):
                page.shutdown()
