"""HR reviews a recommended learning path: gaps, each course with its reason, tick to keep, due dates."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.training import PlannedItem, Recommendation
from ui.tablemodels.labels import join_clauses


class LearningPathDialog(QDialog):
    def __init__(self, rec: Recommendation, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Learning path for {name}").format(name=rec.person.name))
        self.resize(820, 480)
        self.rec = rec
        gaps = join_clauses(g.reason for g in rec.proposal.gaps) or _("none")
        head = QLabel(_("Gaps: {gaps}").format(gaps=gaps), self)
        head.setWordWrap(True)
        self.title_edit = QLineEdit(_("Learning path"), self)
        grid = QGridLayout()
        for c, h in enumerate((_("Keep"), _("Course"), _("Reason"), _("Due"))):
            grid.addWidget(QLabel(f"<b>{h}</b>", self), 0, c)
        self._rows: list[tuple[QCheckBox, QDateEdit, int, str]] = []
        for r, (step, due) in enumerate(zip(rec.proposal.steps, rec.due_dates, strict=True), 1):
            keep = QCheckBox(self)
            keep.setChecked(not step.already_enrolled)
            title = f"{step.code} {step.title}" + (_(" (already enrolled)") if step.already_enrolled else "")
            reason = QLabel(step.reason_text, self)
            reason.setWordWrap(True)
            edit = QDateEdit(QDate(due.year, due.month, due.day), self)
            edit.setCalendarPopup(True)
            edit.setMinimumDate(QDate(today.year, today.month, today.day))
            grid.addWidget(keep, r, 0)
            grid.addWidget(QLabel(title, self), r, 1)
            grid.addWidget(reason, r, 2)
            grid.addWidget(edit, r, 3)
            self._rows.append((keep, edit, step.course_id, step.reason_text))
        notes = QLabel("\n".join(rec.proposal.notes), self)
        notes.setWordWrap(True)
        if not rec.proposal.steps:
            notes.setText(notes.text() + "\n" + _("No course to recommend."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Assign"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(rec.proposal.steps))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.title_edit)
        lay.addLayout(grid)
        lay.addWidget(notes)
        lay.addStretch(1)
        lay.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)

    def path_title(self) -> str:
        return self.title_edit.text().strip()

    def planned(self) -> list[PlannedItem]:
        out = []
        for keep, edit, course_id, reason in self._rows:
            if keep.isChecked():
                d = edit.date()
                out.append(PlannedItem(course_id, date(d.year(), d.month(), d.day()), reason))
        return out
