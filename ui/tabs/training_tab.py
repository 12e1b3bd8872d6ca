"""培训: catalogue, learning paths from gaps, progress and overdue, quizzes, reports with a chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _
from app.services.training import (
    FALLBACK_SIGNER,
    AttemptRow,
    CourseRow,
    CreditRow,
    EnrollmentRow,
    MaterialRow,
    ModuleRow,
    PathItemRow,
    PathRow,
    PlannedItem,
    ProgressRow,
    ProposalRow,
    QuizRow,
    TrainingReport,
)
from app.tasks import ChangeSet
from app.training.progress import CME_CLASS_LABELS, MODULE_STATUS_LABELS
from ui.tablemodels.base import RIGHT, Column, DtoTableModel
from ui.tablemodels.labels import bracketed
from ui.tabs.base import Tab
from ui.widgets.table import FilterTable

FORMATS = {"course": N_("Course"), "project": N_("Practical project"), "scenario": N_("Scenario drill"),
           "cme": N_("Continuing medical education")}
LEVELS = {"basic": N_("basic"), "intermediate": N_("intermediate"), "advanced": N_("advanced")}
ENROLMENT_STATUS = {"assigned": N_("assigned"), "in_progress": N_("in progress"), "done": N_("completed")}
PATH_STATUS = {"draft": N_("draft"), "assigned": N_("assigned"), "done": N_("completed")}
PROPOSAL_STATUS = {"proposed": N_("proposed"), "approved": N_("approved"), "rejected": N_("rejected")}
OVERDUE_COLOUR = "#f8c9c5"


def _detail_view(columns: list[Column[Any]], parent: QWidget) -> tuple[QTableView, DtoTableModel[Any]]:
    view = QTableView(parent)
    model: DtoTableModel[Any] = DtoTableModel(columns, view)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    return view, model


def _selected(view: QTableView, model: DtoTableModel[Any]) -> Any:
    idx = view.currentIndex()
    return model.row(idx.row()) if idx.isValid() else None


class TrainingTab(Tab):
    KEY = "training"
    TABLES = frozenset({"courses", "course_modules", "course_materials", "enrollments", "module_progress",
                        "learning_paths", "path_items", "quizzes", "quiz_attempts", "competency_evidence",
                        "performance_coefficients"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages = QTabWidget(self)
        self.pages.addTab(self._catalogue_page(), _("Catalogue"))
        self.pages.addTab(self._paths_page(), _("Learning paths"))
        self.pages.addTab(self._progress_page(), _("Progress"))
        self.pages.addTab(self._quiz_page(), _("Quizzes"))
        self.pages.addTab(self._report_page(), _("Reports"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def title(self) -> str:
        return _("Training")

    @staticmethod
    def install_reminder(window: Any, today: date | None = None) -> QLabel:
        """A status-bar label of the main window: how many enrolments are overdue (counted in the background)."""
        label = QLabel(window)
        label.setObjectName("training_overdue")
        window.statusBar().addPermanentWidget(label)
        day = today or date.today()
        services = window.ctx.services

        def show(n: int) -> None:
            label.setText(_("{n} training enrolments overdue").format(n=n) if n else "")

        window.pool.submit(lambda: services.training.overdue_count(day), lane="db", on_done=show,
                           on_error=lambda _exc: None)
        return label

    def today(self) -> date:
        return date.today()

    # ---------------------------------------------------------------- pages
    def _catalogue_page(self) -> QWidget:
        page = QWidget(self)
        self.courses = FilterTable(
            [
                Column[CourseRow]("code", _("Code")),
                Column[CourseRow]("title", _("Course")),
                Column[CourseRow]("format", _("Format"), fmt=lambda v: _(FORMATS[v]) if v in FORMATS else v),
                Column[CourseRow]("level", _("Level"), fmt=lambda v: _(LEVELS.get(v, v))),
                Column[CourseRow]("dimensions", _("Builds")),
                Column[CourseRow]("hours", _("Hours"), align=RIGHT),
                Column[CourseRow]("credits", _("CME credits"), align=RIGHT),
                Column[CourseRow]("cme_class", _("CME class"), fmt=lambda v: CME_CLASS_LABELS.get(v, v)),
                Column[CourseRow]("prerequisites", _("Prerequisites")),
                Column[CourseRow]("modules", _("Modules"), align=RIGHT),
                Column[CourseRow]("enrolled", _("Enrolled"), align=RIGHT),
                Column[CourseRow]("completed", _("Completed"), align=RIGHT),
            ],
            title=_("Course catalogue"), parent=page,
        )
        self.modules_view, self.modules_model = _detail_view([
            Column[ModuleRow]("sort_order", _("No."), align=RIGHT),
            Column[ModuleRow]("title", _("Module")),
            Column[ModuleRow]("hours", _("Hours"), align=RIGHT),
        ], page)
        self.materials_view, self.materials_model = _detail_view([
            Column[MaterialRow]("title", _("Material")),
            Column[MaterialRow]("kind", _("Kind"), fmt=lambda v: _("file") if v == "file" else _("link")),
            Column[MaterialRow]("location", _("Location")),
        ], page)
        self.import_btn = QPushButton(_("Import courses from Excel…"), page)
        self.export_btn = QPushButton(_("Export catalogue…"), page)
        self.material_btn = QPushButton(_("Add material file…"), page)
        self.cme_class_btn = QPushButton(_("CME class…"), page)
        buttons = QHBoxLayout()
        for b in (self.import_btn, self.export_btn, self.material_btn, self.cme_class_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        details = QSplitter(Qt.Orientation.Horizontal, page)
        details.addWidget(self.modules_view)
        details.addWidget(self.materials_view)
        split = QSplitter(Qt.Orientation.Vertical, page)
        split.addWidget(self.courses)
        split.addWidget(details)
        split.setSizes([480, 220])
        lay = QVBoxLayout(page)
        lay.addLayout(buttons)
        lay.addWidget(split)
        self.courses.row_selected.connect(self._on_course_selected)
        self.import_btn.clicked.connect(self._on_import_clicked)
        self.export_btn.clicked.connect(self._on_export_clicked)
        self.material_btn.clicked.connect(self._on_material_clicked)
        self.cme_class_btn.clicked.connect(self._on_cme_class_clicked)
        return page

    def _paths_page(self) -> QWidget:
        page = QWidget(self)
        self.paths = FilterTable(
            [
                Column[PathRow]("staff_no", _("Staff no.")),
                Column[PathRow]("name", _("Name")),
                Column[PathRow]("department", _("Department")),
                Column[PathRow]("title", _("Path")),
                Column[PathRow]("status", _("Status"), fmt=lambda v: _(PATH_STATUS.get(v, v))),
                Column[PathRow]("done", _("Done"), value=lambda r: f"{r.done}/{r.items}", align=RIGHT),
                Column[PathRow]("next_due", _("Next due")),
                Column[PathRow]("created_by", _("Assigned by")),
            ],
            title=_("Learning paths"), parent=page,
        )
        self.items_view, self.items_model = _detail_view([
            Column[PathItemRow]("sort_order", _("No."), align=RIGHT),
            Column[PathItemRow]("code", _("Code")),
            Column[PathItemRow]("title", _("Course")),
            Column[PathItemRow]("status", _("Status"), fmt=lambda v: _(ENROLMENT_STATUS.get(v, v))),
            Column[PathItemRow]("progress_pct", _("Progress %"), align=RIGHT),
            Column[PathItemRow]("due_date", _("Due")),
            Column[PathItemRow]("reason", _("Reason")),
        ], page)
        self.recommend_btn = QPushButton(_("Recommend a path…"), page)
        self.recommend_btn.setToolTip(_("Proposes courses from the person's gaps; you confirm before anything is assigned."))
        self.group_btn = QPushButton(_("Assign to a group…"), page)
        self.group_btn.setToolTip(_("One path for a group, e.g. all nurses hired this year; preview who gets what first."))
        top = QHBoxLayout()
        top.addWidget(self.recommend_btn)
        top.addWidget(self.group_btn)
        top.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical, page)
        split.addWidget(self.paths)
        split.addWidget(self.items_view)
        split.setSizes([420, 280])
        lay = QVBoxLayout(page)
        lay.addLayout(top)
        lay.addWidget(split)
        self.paths.row_selected.connect(self._on_path_selected)
        self.recommend_btn.clicked.connect(self._on_recommend_clicked)
        self.group_btn.clicked.connect(self._on_group_clicked)
        return page

    def _progress_page(self) -> QWidget:
        page = QWidget(self)
        self.enrollments = FilterTable(
            [
                Column[EnrollmentRow]("staff_no", _("Staff no.")),
                Column[EnrollmentRow]("name", _("Name")),
                Column[EnrollmentRow]("department", _("Department")),
                Column[EnrollmentRow]("course", _("Course")),
                Column[EnrollmentRow]("status", _("Status"), fmt=lambda v: _(ENROLMENT_STATUS.get(v, v))),
                Column[EnrollmentRow]("progress_pct", _("Progress %"), align=RIGHT),
                Column[EnrollmentRow]("due_date", _("Due")),
                Column[EnrollmentRow]("days_overdue", _("Days overdue"), fmt=lambda v: str(v) if v else "",
                                      align=RIGHT, color=lambda r: OVERDUE_COLOUR if r.overdue else None),
                Column[EnrollmentRow]("reason", _("Reason")),
            ],
            title=_("Enrolments"), sort=("due_date", Qt.SortOrder.AscendingOrder), parent=page,
        )
        self.overdue_only = QCheckBox(_("Only overdue"), page)
        self.module_view, self.module_model = _detail_view([
            Column[ProgressRow]("sort_order", _("No."), align=RIGHT),
            Column[ProgressRow]("title", _("Module")),
            Column[ProgressRow]("hours", _("Hours"), align=RIGHT),
            Column[ProgressRow]("status", _("Status"), fmt=lambda v: _(MODULE_STATUS_LABELS.get(v, v))),
            Column[ProgressRow]("completed_on", _("Completed on")),
        ], page)
        self.module_done_btn = QPushButton(_("Mark module completed"), page)
        self.complete_btn = QPushButton(_("Complete course with score…"), page)
        self.credits = FilterTable(
            [
                Column[CreditRow]("staff_no", _("Staff no.")),
                Column[CreditRow]("name", _("Name")),
                Column[CreditRow]("department", _("Department")),
                Column[CreditRow]("earned", _("Credits earned"), align=RIGHT),
                Column[CreditRow]("earned_i", _("Class I"), align=RIGHT,
                                  color=lambda r: OVERDUE_COLOUR if r.earned_i < r.required_i else None),
                Column[CreditRow]("earned_ii", _("Class II"), align=RIGHT,
                                  color=lambda r: OVERDUE_COLOUR if r.earned_ii < r.required_ii else None),
                Column[CreditRow]("required", _("Credits required"), align=RIGHT),
                Column[CreditRow]("shortfall", _("Shortfall"), align=RIGHT,
                                  color=lambda r: OVERDUE_COLOUR if not r.met else None),
                Column[CreditRow]("short_text", _("What is short")),
            ],
            title=_("CME credits this year"), sort=("shortfall", Qt.SortOrder.DescendingOrder), parent=page,
        )
        row = QHBoxLayout()
        row.addWidget(self.overdue_only)
        row.addStretch(1)
        row.addWidget(self.module_done_btn)
        row.addWidget(self.complete_btn)
        bottom = QSplitter(Qt.Orientation.Horizontal, page)
        bottom.addWidget(self.module_view)
        bottom.addWidget(self.credits)
        split = QSplitter(Qt.Orientation.Vertical, page)
        split.addWidget(self.enrollments)
        split.addWidget(bottom)
        split.setSizes([430, 270])
        lay = QVBoxLayout(page)
        lay.addLayout(row)
        lay.addWidget(split)
        self.overdue_only.toggled.connect(self._on_overdue_only_toggled)
        self.enrollments.row_selected.connect(self._on_enrollment_selected)
        self.module_done_btn.clicked.connect(self._on_module_done_clicked)
        self.complete_btn.clicked.connect(self._on_complete_clicked)
        return page

    def _quiz_page(self) -> QWidget:
        page = QWidget(self)
        self.quizzes = FilterTable(
            [
                Column[QuizRow]("title", _("Quiz")),
                Column[QuizRow]("course", _("Course")),
                Column[QuizRow]("questions", _("Questions"), align=RIGHT),
                Column[QuizRow]("choice_questions", _("Choice"), align=RIGHT),
                Column[QuizRow]("pass_score", _("Pass mark"), align=RIGHT),
                Column[QuizRow]("attempts", _("Attempts"), align=RIGHT),
                Column[QuizRow]("mean_score", _("Mean score"), align=RIGHT),
            ],
            title=_("Quizzes"), parent=page,
        )
        self.attempts = FilterTable(
            [
                Column[AttemptRow]("taken_at", _("Taken")),
                Column[AttemptRow]("name", _("Name")),
                Column[AttemptRow]("quiz", _("Quiz")),
                Column[AttemptRow]("score", _("Score"), align=RIGHT),
                Column[AttemptRow]("passed", _("Result"), fmt=lambda v: _("passed") if v else _("failed"),
                                   color=lambda r: None if r.passed else OVERDUE_COLOUR),
                Column[AttemptRow]("overridden_by", _("Changed by")),
            ],
            title=_("Attempts"), sort=("taken_at", Qt.SortOrder.DescendingOrder), parent=page,
        )
        self.take_btn = QPushButton(_("Take quiz…"), page)
        self.print_btn = QPushButton(_("Print quiz (PDF)…"), page)
        self.override_btn = QPushButton(_("Change an item's score…"), page)
        self.practice_btn = QPushButton(_("Scenario practice…"), page)
        self.practice_btn.setToolTip(_("Record a role-play of a scenario-drill course and score it like an interview answer."))
        self.show_practice_btn = QPushButton(_("Show practice"), page)
        row = QHBoxLayout()
        for b in (self.take_btn, self.print_btn, self.override_btn, self.practice_btn, self.show_practice_btn):
            row.addWidget(b)
        row.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical, page)
        split.addWidget(self.quizzes)
        split.addWidget(self.attempts)
        lay = QVBoxLayout(page)
        lay.addLayout(row)
        lay.addWidget(split)
        self.take_btn.clicked.connect(self._on_take_clicked)
        self.print_btn.clicked.connect(self._on_print_clicked)
        self.override_btn.clicked.connect(self._on_override_clicked)
        self.practice_btn.clicked.connect(self._on_practice_clicked)
        self.show_practice_btn.clicked.connect(self._on_show_practice_clicked)
        return page

    def _report_page(self) -> QWidget:
        page = QWidget(self)
        self.chart = QChart()
        self.chart.setTitle(_("Completion rate by department (%)"))
        self.chart.legend().hide()
        self.chart_view = QChartView(self.chart, page)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(260)
        self.proposal_view, self.proposal_model = _detail_view([
            Column[ProposalRow]("staff_no", _("Staff no.")),
            Column[ProposalRow]("name", _("Name")),
            Column[ProposalRow]("current", _("Current coefficient"), fmt=lambda v: f"{v:.2f}", align=RIGHT),
            Column[ProposalRow]("coefficient", _("Proposed"), fmt=lambda v: f"{v:.2f}", align=RIGHT),
            Column[ProposalRow]("effective_month", _("From")),
            Column[ProposalRow]("status", _("Status"), fmt=lambda v: _(PROPOSAL_STATUS.get(v, v))),
            Column[ProposalRow]("reason", _("Reason")),
        ], page)
        self.summary = QLabel(page)
        self.summary.setWordWrap(True)
        self.propose_btn = QPushButton(_("Propose coefficient changes"), page)
        self.approve_btn = QPushButton(_("Approve"), page)
        self.reject_btn = QPushButton(_("Reject"), page)
        self.report_btn = QPushButton(_("Export report (Excel)…"), page)
        row = QHBoxLayout()
        for b in (self.propose_btn, self.approve_btn, self.reject_btn):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.report_btn)
        lay = QVBoxLayout(page)
        lay.addWidget(self.summary)
        lay.addWidget(self.chart_view, 3)
        lay.addWidget(QLabel(f"<b>{_('Performance-coefficient proposals from training')}</b>", page))
        lay.addLayout(row)
        lay.addWidget(self.proposal_view, 2)
        self.propose_btn.clicked.connect(self._on_propose_clicked)
        self.approve_btn.clicked.connect(lambda: self._decide(True))
        self.reject_btn.clicked.connect(lambda: self._decide(False))
        self.report_btn.clicked.connect(self._on_report_clicked)
        return page

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        tr, today = self.services.training, self.today()

        def fetch() -> tuple[Any, ...]:
            return (tr.courses(), tr.learning_paths(today), tr.enrollments(today), tr.quizzes(), tr.attempts(),
                    tr.credits(today.year), tr.proposals(today), tr.report(today))

        self.load(fetch, self._on_loaded)

    def _on_loaded(self, result: tuple[Any, ...]) -> None:
        courses, paths, enrollments, quizzes, attempts, credits, proposals, report = result
        self.courses.set_rows(courses)
        self.paths.set_rows(paths)
        self.enrollments.set_rows(enrollments)
        self.quizzes.set_rows(quizzes)
        self.attempts.set_rows(attempts)
        self.credits.set_rows(credits)
        self.proposal_model.set_rows(proposals)
        self._show_report(report)
        for table in (self.courses, self.paths, self.enrollments):
            table.select_first()

    def _show_report(self, report: TrainingReport) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        rows = [r for r in report.by_department if r.enrolled]
        bars = QBarSet(_("Completion rate %"))
        for r in rows:
            bars.append(r.rate)
        series = QBarSeries()
        series.append(bars)
        self.chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append([r.group for r in rows])
        axis_x.setLabelsAngle(-60)
        axis_y = QValueAxis()
        axis_y.setRange(0, 100)
        self.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        enrolled = sum(r.enrolled for r in report.by_course)
        done = sum(r.completed for r in report.by_course)
        short = sum(1 for c in report.credits if not c.met)
        gains = [s.change for s in report.score_changes if s.change is not None]
        self.summary.setText(_("{done} of {enrolled} enrolments completed; {overdue} overdue; {short} people below the "
                               "CME credits of {year}; average score change after a course: {gain}.").format(
            done=done, enrolled=enrolled, overdue=len(report.overdue), short=short, year=report.year,
            gain=f"{sum(gains) / len(gains):+.2f}" if gains else "—"))

    # ---------------------------------------------------------------- catalogue actions
    def _on_course_selected(self, row: CourseRow | None) -> None:
        if row is None:
            self.modules_model.set_rows([])
            self.materials_model.set_rows([])
            return
        tr = self.services.training
        self.load(lambda: (tr.modules(row.id), tr.materials(row.id)), self._on_course_details)

    def _on_course_details(self, result: tuple[list[ModuleRow], list[MaterialRow]]) -> None:
        self.modules_model.set_rows(result[0])
        self.materials_model.set_rows(result[1])
        self.modules_view.resizeColumnsToContents()

    def _on_import_clicked(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Import courses"), "", _("Excel workbook (*.xlsx)"))
        if not path:
            return
        tr = self.services.training

        def done(result: Any) -> None:
            added, updated, read = result
            QMessageBox.information(self, _("Import courses"), _(
                "{added} courses added, {updated} updated; {bad} rows with problems were skipped.").format(
                added=added, updated=updated, bad=read.bad_count))
            self._publish(ChangeSet.of("courses", "course_modules"))

        self.pool.submit(lambda: tr.import_courses(Path(path), only_good=True), lane="db", on_done=done,
                         on_error=self.show_error)

    def _on_export_clicked(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export catalogue"), _("course_catalogue.xlsx"), _("Excel workbook (*.xlsx)"))
        if path:
            tr = self.services.training
            self.pool.submit(lambda: tr.export_courses(Path(path)), lane="db", on_done=lambda _p: None,
                             on_error=self.show_error)

    def _on_material_clicked(self) -> None:
        course = self._current(self.courses)
        if course is None:
            return
        path, _f = QFileDialog.getOpenFileName(self, _("Add material file"))
        if path:
            tr = self.services.training
            self.pool.submit(lambda: tr.add_material(course.id, "", file=Path(path)), lane="db",
                             on_done=lambda _m: self._publish(ChangeSet.of("course_materials")),
                             on_error=self.show_error)

    def _on_cme_class_clicked(self) -> None:
        course = self._current(self.courses)
        if course is None:
            return
        labels = [_("Ⅰ类 (national or provincial CME project)"), _("Ⅱ类 (in-hospital lecture, skills refresher, self-study)"),
                  _("No CME credit class")]
        codes = ["I", "II", ""]
        current = codes.index(course.cme_class) if course.cme_class in codes else 2
        label, ok = QInputDialog.getItem(self, _("CME class"), _("CME credit class of {course}:").format(
            course=course.title), labels, current, False)
        if ok:
            self.set_cme_class(course, codes[labels.index(label)])

    def set_cme_class(self, course: CourseRow, cme_class: str) -> None:
        tr = self.services.training
        self.pool.submit(lambda: tr.set_cme_class(course.id, cme_class, course.version), lane="db",
                         on_done=self._publish, on_error=self.show_error)

    # ---------------------------------------------------------------- path actions
    def _on_path_selected(self, row: PathRow | None) -> None:
        if row is None:
            self.items_model.set_rows([])
            return
        tr = self.services.training
        self.load(lambda: tr.path_items(row.id), self._on_items_loaded)

    def _on_items_loaded(self, rows: list[PathItemRow]) -> None:
        self.items_model.set_rows(rows)
        self.items_view.resizeColumnsToContents()

    def _on_recommend_clicked(self) -> None:
        self.pool.submit(self.services.training.people, lane="db", on_done=self._recommend_for,
                         on_error=self.show_error)

    def _recommend_for(self, people: list[Any]) -> None:
        tr, today = self.services.training, self.today()
        labels = [f"{p.staff_no} {p.name}{bracketed(p.department)}" for p in people]
        choice, ok = QInputDialog.getItem(self, _("Recommend a path"), _("Person"), labels, 0, False)
        if not ok:
            return
        person = people[labels.index(choice)]
        self.pool.submit(lambda: tr.recommend(person.person_id, today), lane="db",
                         on_done=lambda rec: self._confirm_path(person, rec), on_error=self.show_error)

    def _confirm_path(self, person: Any, rec: Any) -> None:
        from ui.dialogs.learning_path import LearningPathDialog

        tr, today = self.services.training, self.today()
        dialog = LearningPathDialog(rec, today, self)
        if dialog.exec() != LearningPathDialog.DialogCode.Accepted:
            return
        items: list[PlannedItem] = dialog.planned()
        if not items:
            return
        self.pool.submit(
            lambda: tr.assign_path([person.person_id], items, title=dialog.path_title(), today=today,
                                   user=self._signer() or FALLBACK_SIGNER),
            lane="db", on_done=lambda _r: self._publish(ChangeSet.of("learning_paths", "enrollments")),
            on_error=self.show_error)

    def _on_group_clicked(self) -> None:
        from ui.dialogs.group_assign import GroupAssignDialog

        dialog = GroupAssignDialog(self.services.training, self.pool, self.today(),
                                   user=self._signer() or FALLBACK_SIGNER, parent=self)
        if dialog.exec() == GroupAssignDialog.DialogCode.Accepted and dialog.result_value is not None:
            r = dialog.result_value
            QMessageBox.information(self, _("Assign to a group"), _(
                "{paths} learning paths assigned with {enrollments} new enrolments; {skipped} courses were skipped "
                "because the person was already enrolled.").format(paths=r.paths, enrollments=r.enrollments,
                                                                   skipped=r.skipped))
            self._publish(ChangeSet.of("learning_paths", "enrollments", "path_items", "module_progress"))

    # ---------------------------------------------------------------- progress actions
    def _on_overdue_only_toggled(self, checked: bool) -> None:
        self.enrollments.set_filter_predicate((lambda r: r.overdue) if checked else None)

    def _on_enrollment_selected(self, row: EnrollmentRow | None) -> None:
        if row is None:
            self.module_model.set_rows([])
            return
        tr = self.services.training
        self.load(lambda: tr.module_progress(row.id), self.module_model.set_rows)

    def _on_module_done_clicked(self) -> None:
        row = _selected(self.module_view, self.module_model)
        if row is None:
            return
        tr, today = self.services.training, self.today()
        self.pool.submit(lambda: tr.set_module_status(row.id, "done", today), lane="db",
                         on_done=self._publish, on_error=self.show_error)

    def _on_complete_clicked(self) -> None:
        row = self._current(self.enrollments)
        if row is None or row.status == "done":
            return
        score, ok = QInputDialog.getDouble(self, _("Complete course"), _("Assessment score (0–100)"), 80, 0, 100, 1)
        if not ok:
            return
        tr, today = self.services.training, self.today()
        self.pool.submit(lambda: tr.complete_enrollment(row.id, today, score), lane="db",
                         on_done=self._publish, on_error=self.show_error)

    # ---------------------------------------------------------------- quiz actions
    def _on_take_clicked(self) -> None:
        quiz = self._current(self.quizzes)
        if quiz is None:
            return
        tr = self.services.training
        self.pool.submit(lambda: (tr.quiz_questions(quiz.id), tr.people()), lane="db",
                         on_done=lambda r: self._take_quiz(quiz, r[0], r[1]), on_error=self.show_error)

    def _take_quiz(self, quiz: Any, loaded: Any, people: list[Any]) -> None:
        from ui.dialogs.quiz import QuizDialog

        tr, today = self.services.training, self.today()
        title, _pass, questions = loaded
        dialog = QuizDialog(title, questions, people, self)
        if dialog.exec() != QuizDialog.DialogCode.Accepted or dialog.person_id() is None:
            return
        pid, answers = dialog.person_id(), dialog.answers()

        def done(detail: Any) -> None:
            QMessageBox.information(self, _("Quiz graded"), _("Score {score:.1f} / 100 — {result}.").format(
                score=detail.row.score or 0.0, result=_("passed") if detail.row.passed else _("failed")))
            self._publish(ChangeSet.of("quiz_attempts", "competency_evidence"))

        self.pool.submit(lambda: tr.submit_attempt(quiz.id, pid, answers, today=today), lane="db", on_done=done,
                         on_error=self.show_error)

    def _on_print_clicked(self) -> None:
        quiz = self._current(self.quizzes)
        if quiz is None:
            return
        path, _f = QFileDialog.getSaveFileName(self, _("Print quiz"), f"{quiz.title}.pdf", _("PDF (*.pdf)"))
        if path:
            tr = self.services.training
            self.pool.submit(lambda: tr.quiz_pdf(quiz.id, Path(path)), lane="db", on_done=lambda _p: None,
                             on_error=self.show_error)

    def _on_override_clicked(self) -> None:
        attempt = self._current(self.attempts)
        if attempt is None:
            return
        tr = self.services.training
        self.pool.submit(lambda: tr.attempt(attempt.id), lane="db", on_done=lambda d: self._override(attempt, d),
                         on_error=self.show_error)

    def _override(self, attempt: Any, detail: Any) -> None:
        tr, today = self.services.training, self.today()
        labels = [f"{i + 1}. {q.text[:40]} — {it.final * 100:.0f}%" for i, (q, it) in
                  enumerate(zip(detail.questions, detail.grade.items, strict=False))]
        choice, ok = QInputDialog.getItem(self, _("Change an item's score"), _("Question"), labels, 0, False)
        if not ok:
            return
        item = detail.grade.items[labels.index(choice)]
        pct, ok = QInputDialog.getDouble(self, _("Change an item's score"), _("Score (%)"), item.final * 100, 0, 100, 0)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, _("Change an item's score"), _("Reason"))
        if not ok:
            return
        signer = self._signer()
        self.pool.submit(lambda: tr.override_score(attempt.id, item.version_id, pct, reason=reason, today=today,
                                                   signer=signer),
                         lane="db", on_done=lambda _d: self._publish(ChangeSet.of("quiz_attempts", "competency_evidence")),
                         on_error=self.show_error)

    def _on_practice_clicked(self) -> None:
        from ui.dialogs.scenario_practice import ScenarioPracticeDialog

        dialog = ScenarioPracticeDialog(self.services.training, self.pool, self.today(), parent=self)
        dialog.exec()
        if dialog.record is not None:
            self._publish(ChangeSet.of("quiz_attempts", "competency_evidence"))

    def _on_show_practice_clicked(self) -> None:
        from ui.dialogs.scenario_practice import ScenarioPracticeDialog

        attempt = self._current(self.attempts)
        if attempt is None:
            return
        tr, today = self.services.training, self.today()

        def show(record: Any) -> None:
            ScenarioPracticeDialog(tr, self.pool, today, record=record, parent=self).exec()

        self.pool.submit(lambda: tr.practice(attempt.id), lane="db", on_done=show, on_error=self.show_error)

    # ---------------------------------------------------------------- report actions
    def _on_propose_clicked(self) -> None:
        tr, today = self.services.training, self.today()
        self.pool.submit(lambda: tr.propose_coefficients(today), lane="db",
                         on_done=lambda _r: self._publish(ChangeSet.of("performance_coefficients")),
                         on_error=self.show_error)

    def _decide(self, approve: bool) -> None:
        row = _selected(self.proposal_view, self.proposal_model)
        if row is None or row.status != "proposed":
            return
        tr = self.services.training
        user = self._signer() or FALLBACK_SIGNER
        self.pool.submit(lambda: tr.decide_proposal(row.id, approve, user=user), lane="db",
                         on_done=self._publish, on_error=self.show_error)

    def _on_report_clicked(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export report"), _("training_report.xlsx"), _("Excel workbook (*.xlsx)"))
        if path:
            tr, today = self.services.training, self.today()
            self.pool.submit(lambda: tr.export_report(Path(path), today), lane="db", on_done=lambda _p: None,
                             on_error=self.show_error)

    # ---------------------------------------------------------------- helpers
    def _signer(self) -> str | None:
        """The signed-in user's name (None without one: the service signs with the HR office)."""
        identity = getattr(self.services, "identity", None)
        principal = getattr(identity, "principal", None) if identity is not None else None
        if principal is None or principal.username == "system":
            return None
        return principal.display_name or principal.username

    def _current(self, table: FilterTable) -> Any:
        idx = table.view.currentIndex()
        if not idx.isValid():
            return None
        return table.model.row(table.proxy.mapToSource(idx).row())

    def _publish(self, changes: ChangeSet) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(changes)
        else:
            self.on_data_changed(changes)


__all__ = ["TrainingTab"]
