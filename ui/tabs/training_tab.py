"""培训: the course catalogue and who is enrolled in what."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout

from app.i18n import N_, _
from app.services.training import CourseRow, EnrollmentRow
from ui.tablemodels.base import RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.table import FilterTable

FORMATS = {"course": "课程", "project": "实践项目", "scenario": "情景演练", "cme": "继续医学教育"}
LEVELS = {"basic": N_("basic"), "intermediate": N_("intermediate"), "advanced": N_("advanced")}
ENROLMENT_STATUS = {"assigned": N_("assigned"), "in_progress": N_("in progress"), "done": N_("completed")}


class TrainingTab(Tab):
    KEY = "training"
    TABLES = frozenset({"courses", "enrollments"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.courses = FilterTable(
            [
                Column[CourseRow]("code", _("Code")),
                Column[CourseRow]("title", _("Course")),
                Column[CourseRow]("format", _("Format"), fmt=lambda v: FORMATS.get(v, v)),
                Column[CourseRow]("level", _("Level"), fmt=lambda v: _(LEVELS.get(v, v))),
                Column[CourseRow]("dimensions", _("Builds")),
                Column[CourseRow]("hours", _("Hours"), align=RIGHT),
                Column[CourseRow]("credits", _("CME credits"), align=RIGHT),
                Column[CourseRow]("prerequisites", _("Prerequisites")),
                Column[CourseRow]("enrolled", _("Enrolled"), align=RIGHT),
                Column[CourseRow]("completed", _("Completed"), align=RIGHT),
            ],
            title=_("Course catalogue"),
            parent=self,
        )
        self.enrollments = FilterTable(
            [
                Column[EnrollmentRow]("staff_no", _("Staff no.")),
                Column[EnrollmentRow]("name", _("Name")),
                Column[EnrollmentRow]("course", _("Course")),
                Column[EnrollmentRow]("status", _("Status"), fmt=lambda v: _(ENROLMENT_STATUS.get(v, v))),
                Column[EnrollmentRow]("progress_pct", _("Progress %"), align=RIGHT),
                Column[EnrollmentRow]("due_date", _("Due")),
                Column[EnrollmentRow]("overdue", _("Overdue"), fmt=lambda v: _("overdue") if v else "",
                                      color=lambda r: "#f8c9c5" if r.overdue else None),
                Column[EnrollmentRow]("reason", _("Reason")),
            ],
            title=_("Enrolments"),
            sort=("due_date", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.courses)
        split.addWidget(self.enrollments)
        split.setSizes([380, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def title(self) -> str:
        return _("Training")

    def reload(self) -> None:
        training = self.services.training
        self.load(lambda: (training.courses(), training.enrollments()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[CourseRow], list[EnrollmentRow]]) -> None:
        courses, enrollments = result
        self.courses.set_rows(courses)
        self.enrollments.set_rows(enrollments)
