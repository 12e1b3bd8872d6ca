"""面试: the interview schedule, and the assessment and review of interviews, each a page of its own."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout

from app import models_registry
from app.i18n import N_, _
from app.services.recruiting import InterviewRow
from ui.tablemodels.base import RIGHT, Column
from ui.tablemodels.labels import recommendation_label
from ui.tabs.interview_capture import InterviewCapturePage
from ui.tabs.base import Tab
from ui.tabs.paged import PagedTab
from ui.tabs.interview_review import InterviewReviewPage
from ui.widgets.table import FilterTable

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
        layout = QVBoxLayout(self)
        layout.addWidget(split)

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
        """At start-up: offer to recover recordings a crash or power cut interrupted."""
        capture = self.page(InterviewCapturePage.KEY)
        assert isinstance(capture, InterviewCapturePage)
        capture.offer_recovery()

    def shutdown(self) -> None:
        for page in self.pages:
            if isinstance(page, InterviewCapturePage):
                page.shutdown()
