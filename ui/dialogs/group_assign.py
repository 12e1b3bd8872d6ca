"""Assign a learning path to a group (e.g. "all nurses hired this year"): choose the group and the courses,
preview who gets which courses (people already enrolled are skipped with the reason), then assign in one
transaction. Every query runs in the worker pool."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _
from app.services.training import AssignResult, CourseRow, GroupFilter, GroupOptions, GroupPreviewRow, PlannedItem
from ui.tablemodels.base import Column
from ui.tablemodels.labels import bracketed, join_list
from ui.widgets.table import FilterTable

FAMILY_LABELS = {"physician": N_("physicians"), "nursing": N_("nurses"), "medtech": N_("medical technicians"),
                 "admin": N_("administration and logistics"), "ai_medical": N_("AI-medical posts")}
COURSE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class GroupAssignDialog(QDialog):
    """``training``: the training service; ``pool``: the worker pool; ``user``: who assigns (signed-in user)."""

    def __init__(self, training: Any, pool: Any, today: date, user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.training, self.pool, self.today, self.user = training, pool, today, user
        self.result_value: AssignResult | None = None
        self._preview: list[GroupPreviewRow] = []
        self.setWindowTitle(_("Assign a learning path to a group"))
        self.resize(1100, 720)

        group_box = QGroupBox(_("Group"), self)
        form = QFormLayout(group_box)
        self.department = QComboBox(group_box)
        self.position = QComboBox(group_box)
        self.title_combo = QComboBox(group_box)
        self.family = QComboBox(group_box)
        for combo in (self.department, self.position, self.title_combo, self.family):
            combo.addItem(_("(any)"), "")
        for key, label in FAMILY_LABELS.items():
            self.family.addItem(_(label), key)
        self.limit_hire = QCheckBox(_("Hired between"), group_box)
        self.hired_from = QDateEdit(_qdate(date(today.year, 1, 1)), group_box)
        self.hired_to = QDateEdit(_qdate(today), group_box)
        for edit in (self.hired_from, self.hired_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        hire_row = QHBoxLayout()
        hire_row.addWidget(self.limit_hire)
        hire_row.addWidget(self.hired_from)
        hire_row.addWidget(QLabel(_("and"), group_box))
        hire_row.addWidget(self.hired_to)
        hire_row.addStretch(1)
        self.probation_only = QCheckBox(_("Only people on probation"), group_box)
        form.addRow(_("Department"), self.department)
        form.addRow(_("Post"), self.position)
        form.addRow(_("Professional title"), self.title_combo)
        form.addRow(_("Job family"), self.family)
        form.addRow(_("Hire date"), hire_row)
        form.addRow("", self.probation_only)

        course_box = QGroupBox(_("Courses of the path (in this order)"), self)
        self.course_model = QStandardItemModel(self)
        self.course_list = QListView(course_box)
        self.course_list.setModel(self.course_model)
        self.path_title = QLineEdit(course_box)
        self.path_title.setPlaceholderText(_("Title of the path, e.g. 新护士岗前培训"))
        self.due = QDateEdit(_qdate(today + timedelta(days=60)), course_box)
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        cform = QVBoxLayout(course_box)
        cform.addWidget(self.course_list, 1)
        due_row = QHBoxLayout()
        due_row.addWidget(QLabel(_("Due date"), course_box))
        due_row.addWidget(self.due)
        due_row.addStretch(1)
        cform.addLayout(due_row)
        cform.addWidget(self.path_title)

        self.preview_btn = QPushButton(_("Preview"), self)
        self.preview_table = FilterTable(
            [
                Column[GroupPreviewRow]("staff_no", _("Staff no.")),
                Column[GroupPreviewRow]("name", _("Name")),
                Column[GroupPreviewRow]("department", _("Department")),
                Column[GroupPreviewRow]("position", _("Post")),
                Column[GroupPreviewRow]("professional_title", _("Professional title")),
                Column[GroupPreviewRow]("hire_date", _("Hired")),
                Column[GroupPreviewRow]("assign", _("Gets"), fmt=lambda v: join_list(v) if v else "—",
                                        color=lambda r: None if r.gets_path else "#e6e6e6"),
                Column[GroupPreviewRow]("reason", _("Skipped")),
            ],
            title=_("Who gets which courses"), parent=self,
        )
        self.summary = QLabel(_("Choose the group and the courses, then press Preview."), self)
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.assign_btn = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.assign_btn.setText(_("Assign"))
        self.assign_btn.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))

        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(group_box)
        top.addWidget(course_box)
        layout = QVBoxLayout(self)
        layout.addWidget(top, 2)
        row = QHBoxLayout()
        row.addWidget(self.preview_btn)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)
        layout.addWidget(self.preview_table, 3)
        layout.addWidget(self.buttons)

        self.limit_hire.toggled.connect(self.hired_from.setEnabled)
        self.limit_hire.toggled.connect(self.hired_to.setEnabled)
        for combo in (self.department, self.position, self.title_combo, self.family):
            combo.currentIndexChanged.connect(self._invalidate)
        for w in (self.limit_hire, self.probation_only):
            w.toggled.connect(self._invalidate)
        self.hired_from.dateChanged.connect(self._invalidate)
        self.hired_to.dateChanged.connect(self._invalidate)
        self.course_model.itemChanged.connect(self._invalidate)
        self.preview_btn.clicked.connect(self.preview)
        self.buttons.accepted.connect(self.assign)
        self.buttons.rejected.connect(self.reject)
        self.pool.submit(lambda: (training.group_options(), training.courses()), lane="db",
                         on_done=self._on_options, on_error=self._on_error)

    # ---------------------------------------------------------------- loading
    def _on_options(self, result: tuple[GroupOptions, list[CourseRow]]) -> None:
        options, courses = result
        for code, name in options.departments:
            self.department.addItem(f"{name}{bracketed(code)}", code)
        for p in options.positions:
            self.position.addItem(p, p)
        for t in options.titles:
            self.title_combo.addItem(t, t)
        for c in courses:
            item = QStandardItem(f"{c.code} {c.title}" + bracketed(join_list((f"{c.hours:g} h", f"{c.credits:g} {_('credits')}"))))
            item.setCheckable(True)
            item.setEditable(False)
            item.setData(c.id, COURSE_ID_ROLE)
            self.course_model.appendRow(item)

    def _on_error(self, exc: BaseException) -> None:
        from app.errors import AppError

        self.summary.setText(exc.message if isinstance(exc, AppError) else str(exc))

    # ---------------------------------------------------------------- state
    def group(self) -> GroupFilter:
        return GroupFilter(
            department=str(self.department.currentData() or ""), position=str(self.position.currentData() or ""),
            title=str(self.title_combo.currentData() or ""), family=str(self.family.currentData() or ""),
            hired_from=_pydate(self.hired_from.date()) if self.limit_hire.isChecked() else None,
            hired_to=_pydate(self.hired_to.date()) if self.limit_hire.isChecked() else None,
            probation_only=self.probation_only.isChecked(),
        )

    def course_ids(self) -> list[int]:
        out = []
        for r in range(self.course_model.rowCount()):
            item = self.course_model.item(r)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(int(item.data(COURSE_ID_ROLE)))
        return out

    def set_courses(self, course_ids: list[int]) -> None:
        for r in range(self.course_model.rowCount()):
            item = self.course_model.item(r)
            item.setCheckState(Qt.CheckState.Checked if int(item.data(COURSE_ID_ROLE)) in course_ids
                               else Qt.CheckState.Unchecked)

    def planned(self) -> list[PlannedItem]:
        due = _pydate(self.due.date())
        return [PlannedItem(cid, due, _("group assignment")) for cid in self.course_ids()]

    def _invalidate(self, *_args: Any) -> None:
        self._preview = []
        self.assign_btn.setEnabled(False)

    # ---------------------------------------------------------------- actions
    def preview(self) -> None:
        group, ids = self.group(), self.course_ids()
        if not ids:
            self.summary.setText(_("Tick at least one course."))
            return
        self.pool.submit(lambda: self.training.group_preview(group, ids), lane="db", on_done=self._on_preview,
                         on_error=self._on_error)

    def _on_preview(self, rows: list[GroupPreviewRow]) -> None:
        self._preview = rows
        self.preview_table.set_rows(rows)
        getting = [r for r in rows if r.gets_path]
        enrolments = sum(len(r.assign) for r in getting)
        self.summary.setText(_("{n} people in the group: {getting} get a path with {enrolments} new enrolments; "
                               "{skipped} are skipped because they are already enrolled.").format(
            n=len(rows), getting=len(getting), enrolments=enrolments, skipped=len(rows) - len(getting)))
        self.assign_btn.setEnabled(bool(getting))

    def assign(self) -> None:
        if not self._preview:
            return
        group, items = self.group(), self.planned()
        title = self.path_title.text().strip() or _("Group training")
        self.assign_btn.setEnabled(False)
        self.pool.submit(lambda: self.training.assign_group(group, items, title=title, today=self.today,
                                                            user=self.user),
                         lane="db", on_done=self._on_assigned, on_error=self._on_error)

    def _on_assigned(self, result: AssignResult) -> None:
        self.result_value = result
        self.accept()
