"""简历筛选: candidates and their resumes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTextBrowser

from app.i18n import N_, _
from app.services.recruiting import CandidateRow
from ui.tablemodels.base import RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.table import FilterTable

CANDIDATE_STATUS = {
    "new": N_("new"), "screened": N_("screened"), "interview": N_("interview"), "offer": N_("offer"),
    "hired": N_("hired"), "rejected": N_("rejected"), "pool": N_("talent pool"),
}


def status_label(code: str) -> str:
    return _(CANDIDATE_STATUS.get(code, code))


class ScreeningTab(Tab):
    KEY = "screening"
    TABLES = frozenset({"candidates", "people", "documents"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = FilterTable(
            [
                Column[CandidateRow]("name", _("Name")),
                Column[CandidateRow]("gender", _("Gender")),
                Column[CandidateRow]("highest_degree", _("Degree")),
                Column[CandidateRow]("school", _("School")),
                Column[CandidateRow]("professional_title", _("Title")),
                Column[CandidateRow]("position", _("Applied for")),
                Column[CandidateRow]("status", _("Status"), fmt=status_label),
                Column[CandidateRow]("applied_at", _("Applied on")),
                Column[CandidateRow]("screening_score", _("Score"), align=RIGHT),
            ],
            title=_("Candidates"),
            sort=("applied_at", Qt.SortOrder.DescendingOrder),
            parent=self,
        )
        self.preview = QTextBrowser(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setSizes([900, 500])
        layout = QHBoxLayout(self)
        layout.addWidget(split)
        self.table.row_selected.connect(self._on_table_row_selected)

    def title(self) -> str:
        return _("Screening")

    def reload(self) -> None:
        self.load(self.services.recruiting.candidates, self._on_loaded)

    def _on_loaded(self, rows: list[CandidateRow]) -> None:
        self.table.set_rows(rows)
        self.table.select_first()

    def _on_table_row_selected(self, row: CandidateRow | None) -> None:
        if row is None:
            self.preview.clear()
            return
        self.load(lambda: self.services.recruiting.resume_text(row.id), self.preview.setPlainText)
