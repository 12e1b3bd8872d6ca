"""人才画像: employees, licences, one person's profile, search, the talent pool, onboarding approval
and probation reviews — each a page of its own. Double-clicking a person anywhere opens the profile."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import LICENCE_STATE_LABELS
from app.i18n import N_, _
from app.services.people import EmployeeRow, LicenceRow
from app.services.talent import (
    OUTCOMES,
    STEP_LABELS,
    ArchiveItem,
    AssessmentRow,
    CoefficientRow,
    EvidenceRow,
    InterviewInfo,
    LicenceInfo,
    OnboardingRow,
    PersonHit,
    PoolRow,
    ProbationContext,
    ProbationRow,
    Profile,
    ProposedCoefficient,
    RetentionItem,
    SavedSearchRow,
    SearchQuery,
    TrainingRow,
    form_state_label,
    signer_name,
)
from app.talent.competency import DimensionPicture, SummaryPhrase
from app.talent.licences import LicenceFinding
from app.talent.probation import contract_label, rule_label
from app.tasks import ChangeSet
from ui.dialogs.onboarding import OnboardingDialog
from ui.tablemodels.base import ROW_ROLE, RIGHT, Column
from ui.tablemodels.labels import join_clauses, join_list, recommendation_label
from ui.tabs.base import Tab
from ui.tabs.interview_review import fill_radar, radar_view
from ui.widgets.table import FilterTable

STATE_COLOURS = {"expired": "#f8c9c5", "expiring_30": "#fde0b8", "expiring_90": "#fff3c4"}
EMPLOYEE_STATUS = {"probation": N_("probation"), "active": N_("active"), "left": N_("left")}
STAGES = {"candidate": N_("candidate"), "onboarding": N_("in onboarding approval"), "probation": N_("on probation"),
          "employee": N_("employee"), "left": N_("left"), "pool": N_("talent pool")}
CANDIDATE_STATUS = {"new": N_("new"), "screened": N_("screened"), "interview": N_("interview"), "offer": N_("offer"),
                    "hired": N_("hired"), "rejected": N_("rejected"), "pool": N_("talent pool")}
PHRASE_COLOURS = {"strength": "#dcefd8", "gap": "#f8dcd8", "trend": "#e4ecf7"}
COEFF_STATUS = {"proposed": N_("proposed"), "approved": N_("approved"), "rejected": N_("rejected")}
SOURCES = {"interview": N_("interview assessment"), "assessment": N_("assessment"), "training": N_("training"), "quiz": N_("quiz"),
           "scenario": N_("scenario"), "project": N_("project")}
ENROLMENT_STATUS = {"assigned": N_("assigned"), "in_progress": N_("in progress"), "done": N_("done")}


def licence_label(state: str) -> str:
    return _(LICENCE_STATE_LABELS[state]) if state in LICENCE_STATE_LABELS else ""


def label(table: dict[str, str], code: str | None) -> str:
    return _(table[code]) if code in table else (code or "")


def num(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class TalentPage(Tab):
    """A page of the talent tab; ``open_profile`` is set by the tab."""

    open_profile: Callable[[int], None] | None = None
    today: date | None = None

    def _today(self) -> date:
        return self.today or date.today()

    def _publish(self, changes: ChangeSet) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(changes)
        else:
            self.parent_tab_changed(changes)

    def parent_tab_changed(self, changes: ChangeSet) -> None:
        tab = self.parent()
        while tab is not None and not isinstance(tab, TalentTab):
            tab = tab.parent()
        if isinstance(tab, TalentTab):
            tab.on_data_changed(changes)
        else:
            self.on_data_changed(changes)

    def _open_from(self, table: FilterTable, attr: str = "person_id") -> None:
        table.view.doubleClicked.connect(lambda index: self._open_row(index.data(ROW_ROLE), attr))

    def _open_row(self, row: Any, attr: str) -> None:
        if row is not None and self.open_profile is not None:
            self.open_profile(int(getattr(row, attr)))


# ================================================================================================ lists


class EmployeesPage(TalentPage):
    KEY = "employees"
    TABLES = frozenset({"people", "employees", "licences"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = FilterTable(
            [
                Column[EmployeeRow]("staff_no", _("Staff no.")),
                Column[EmployeeRow]("name", _("Name")),
                Column[EmployeeRow]("gender", _("Gender")),
                Column[EmployeeRow]("age", _("Age"), align=RIGHT),
                Column[EmployeeRow]("department", _("Department")),
                Column[EmployeeRow]("position", _("Position")),
                Column[EmployeeRow]("professional_title", _("Title")),
                Column[EmployeeRow]("highest_degree", _("Degree")),
                Column[EmployeeRow]("hire_date", _("Hired")),
                Column[EmployeeRow]("status", _("Status"), fmt=lambda v: label(EMPLOYEE_STATUS, v)),
                Column[EmployeeRow]("licence_state", _("Licences"), fmt=licence_label,
                                    color=lambda r: STATE_COLOURS.get(r.licence_state)),
            ],
            title=_("Employees (double-click opens the profile)"),
            parent=self,
        )
        self._open_from(self.people)
        layout = QVBoxLayout(self)
        layout.addWidget(self.people)

    def title(self) -> str:
        return _("Employees")

    def reload(self) -> None:
        people = self.services.people
        self.load(people.employees, self.people.set_rows)


class LicencesPage(TalentPage):
    KEY = "licences"
    TABLES = frozenset({"people", "employees", "licences"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.licences = FilterTable(
            [
                Column[LicenceRow]("staff_no", _("Staff no.")),
                Column[LicenceRow]("name", _("Name")),
                Column[LicenceRow]("department", _("Department")),
                Column[LicenceRow]("kind", _("Licence")),
                Column[LicenceRow]("number", _("Number")),
                Column[LicenceRow]("expiry_date", _("Expires")),
                Column[LicenceRow]("days_left", _("Days left"), align=RIGHT),
                Column[LicenceRow]("state", _("State"), fmt=licence_label, color=lambda r: STATE_COLOURS.get(r.state)),
            ],
            title=_("Licences expiring within 90 days or expired"),
            sort=("days_left", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        self._open_from(self.licences)
        layout = QVBoxLayout(self)
        layout.addWidget(self.licences)

    def title(self) -> str:
        return _("Licences")

    def reload(self) -> None:
        people = self.services.people
        self.load(lambda: people.licences(within_days=90), self.licences.set_rows)


# ================================================================================================ profile


class AssessmentDialog(QDialog):
    def __init__(self, dimensions: Sequence[str], row: AssessmentRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Edit assessment") if row else _("Add assessment"))
        self.name = QLineEdit(row.name if row else "", self)
        self.kind = QComboBox(self)
        for code, text in (("cognitive", _("cognitive")), ("personality", _("personality")), ("skills", _("skills")),
                           ("other", _("other"))):
            self.kind.addItem(text, code)
        self.kind.setCurrentIndex(max(0, self.kind.findData(row.kind if row else "other")))
        self.taken = QDateEdit(self)
        self.taken.setCalendarPopup(True)
        self.taken.setDisplayFormat("yyyy-MM-dd")
        self.taken.setDate(qdate(row.taken_on if row else date.today()))
        self.score = QDoubleSpinBox(self)
        self.score.setRange(0, 1000)
        self.score.setDecimals(1)
        self.score.setValue(row.score or 0.0 if row else 0.0)
        self.max_score = QDoubleSpinBox(self)
        self.max_score.setRange(0, 1000)
        self.max_score.setDecimals(1)
        self.max_score.setSpecialValueText(_("0–10 scale"))
        self.max_score.setValue(row.max_score or 0.0 if row else 0.0)
        self.dimension = QComboBox(self)
        self.dimension.addItem(_("(no dimension)"), "")
        for d in dimensions:
            self.dimension.addItem(d, d)
        if row and row.dimension:
            i = self.dimension.findData(row.dimension)
            if i < 0:
                self.dimension.addItem(row.dimension, row.dimension)
                i = self.dimension.count() - 1
            self.dimension.setCurrentIndex(i)
        self.notes = QPlainTextEdit(row.notes if row else "", self)
        self.notes.setMaximumHeight(80)
        form = QFormLayout(self)
        form.addRow(_("Name"), self.name)
        form.addRow(_("Kind"), self.kind)
        form.addRow(_("Date"), self.taken)
        form.addRow(_("Score"), self.score)
        form.addRow(_("Maximum score"), self.max_score)
        form.addRow(_("Competency dimension"), self.dimension)
        form.addRow(_("Notes"), self.notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {"name": self.name.text(), "kind": self.kind.currentData(), "taken_on": pydate(self.taken.date()),
                "score": self.score.value(), "max_score": self.max_score.value() or None,
                "dimension": self.dimension.currentData(), "notes": self.notes.toPlainText()}


class ProfilePage(TalentPage):
    KEY = "profile"
    TABLES = frozenset({"people", "employees", "licences", "assessments", "competency_evidence", "performance_coefficients",
                        "pay_profiles", "documents", "interview_recordings", "candidates", "onboarding_forms",
                        "probation_reviews", "interview_decisions", "enrollments"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_id: int | None = None
        self.profile: Profile | None = None
        self.header = QLabel(_("Double-click a person in any list to open the profile."), self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.pdf_btn = QPushButton(_("Export PDF…"), self)
        self.pool_btn = QPushButton(_("Move to talent pool…"), self)
        self.onboard_btn = QPushButton(_("Start onboarding…"), self)
        for b in (self.pdf_btn, self.pool_btn, self.onboard_btn):
            b.setEnabled(False)
        self.radar = radar_view(self)
        self.dimensions = FilterTable([
            Column[DimensionPicture]("dimension", _("Dimension")),
            Column[DimensionPicture]("latest", _("Latest"), fmt=num, align=RIGHT,
                                     color=lambda r: "#f8dcd8" if r.latest is not None and r.latest < r.bar else None),
            Column[DimensionPicture]("trend", _("Trend"), fmt=lambda v: "" if v is None else f"{v:+.1f}", align=RIGHT),
            Column[DimensionPicture]("bar", _("Pass bar"), fmt=num, align=RIGHT),
            Column[DimensionPicture]("count", _("Evidence"), align=RIGHT),
        ], title=_("Competencies"), sort=("dimension", Qt.SortOrder.AscendingOrder), parent=self)
        self.phrases = FilterTable([
            Column[SummaryPhrase]("text", _("Summary (click a phrase to see its evidence)"),
                                  color=lambda r: PHRASE_COLOURS.get(r.kind)),
        ], title=_("Strengths and gaps"), sort=("text", Qt.SortOrder.AscendingOrder), parent=self)
        self.phrases.view.setSortingEnabled(False)
        self.evidence = FilterTable([
            Column[EvidenceRow]("observed_on", _("Date")),
            Column[EvidenceRow]("dimension", _("Dimension")),
            Column[EvidenceRow]("score", _("Score"), fmt=num, align=RIGHT),
            Column[EvidenceRow]("source", _("Source"), fmt=lambda v: label(SOURCES, v)),
            Column[EvidenceRow]("note", _("Note")),
        ], title=_("Evidence"), sort=("observed_on", Qt.SortOrder.DescendingOrder), parent=self)
        self.interviews = FilterTable([
            Column[InterviewInfo]("when", _("Date")),
            Column[InterviewInfo]("position", _("Position")),
            Column[InterviewInfo]("total", _("Total"), fmt=num, align=RIGHT),
            Column[InterviewInfo]("dimensions", _("Dimension scores"),
                                  fmt=lambda v: join_list(f"{n} {num(s)}" for n, s, _b in v)),
            Column[InterviewInfo]("recommendation", _("Recommendation"), fmt=recommendation_label),
            Column[InterviewInfo]("decision", _("Decision"), fmt=recommendation_label),
            Column[InterviewInfo]("decided_by", _("Decided by")),
            Column[InterviewInfo]("decision_reason", _("Reason")),
        ], parent=self)
        self.assessments = FilterTable([
            Column[AssessmentRow]("taken_on", _("Date")),
            Column[AssessmentRow]("name", _("Name")),
            Column[AssessmentRow]("score", _("Score"), fmt=num, align=RIGHT),
            Column[AssessmentRow]("max_score", _("Maximum score"), fmt=num, align=RIGHT),
            Column[AssessmentRow]("dimension", _("Dimension")),
            Column[AssessmentRow]("notes", _("Notes")),
        ], sort=("taken_on", Qt.SortOrder.DescendingOrder), parent=self)
        self.add_assessment_btn = QPushButton(_("Add…"), self)
        self.edit_assessment_btn = QPushButton(_("Edit…"), self)
        self.delete_assessment_btn = QPushButton(_("Delete"), self)
        self.licences = FilterTable([
            Column[LicenceInfo]("kind", _("Licence")),
            Column[LicenceInfo]("number", _("Number")),
            Column[LicenceInfo]("expiry_date", _("Expires")),
            Column[LicenceInfo]("state", _("State"), fmt=licence_label, color=lambda r: STATE_COLOURS.get(r.state)),
        ], parent=self)
        self.training = FilterTable([
            Column[TrainingRow]("course", _("Course")),
            Column[TrainingRow]("status", _("Status"), fmt=lambda v: label(ENROLMENT_STATUS, v)),
            Column[TrainingRow]("score", _("Score"), fmt=num, align=RIGHT),
            Column[TrainingRow]("completed_on", _("Completed")),
        ], parent=self)
        self.coefficients = FilterTable([
            Column[CoefficientRow]("effective_month", _("Effective month")),
            Column[CoefficientRow]("coefficient", _("Coefficient"), fmt=lambda v: f"{v:.2f}", align=RIGHT),
            Column[CoefficientRow]("status", _("Status"), fmt=lambda v: label(COEFF_STATUS, v)),
            Column[CoefficientRow]("reason", _("Reason")),
            Column[CoefficientRow]("decided_by", _("Decided by")),
        ], sort=("effective_month", Qt.SortOrder.AscendingOrder), parent=self)
        self.archive = FilterTable([
            Column[ArchiveItem]("kind", _("Kind"), fmt=archive_kind),
            Column[ArchiveItem]("label", _("File or record")),
            Column[ArchiveItem]("added_by", _("Added by")),
            Column[ArchiveItem]("added_at", _("Added")),
            Column[ArchiveItem]("size_bytes", _("Bytes"), align=RIGHT),
            Column[ArchiveItem]("exists", _("Present"), fmt=lambda v: _("yes") if v else _("missing")),
        ], parent=self)
        self.open_file_btn = QPushButton(_("Open"), self)
        self.add_file_btn = QPushButton(_("Add file…"), self)
        self.zip_btn = QPushButton(_("Export archive (zip)…"), self)
        self.resume = QPlainTextEdit(self)
        self.resume.setReadOnly(True)
        self._build()
        self._connect_signals()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        for b in (self.onboard_btn, self.pool_btn, self.pdf_btn):
            top.addWidget(b)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.radar)
        left.addWidget(self.dimensions)
        left.addWidget(self.phrases)
        left.addWidget(self.evidence)
        left.setSizes([260, 150, 110, 150])
        self.details = QTabWidget(self)
        self.details.addTab(self.interviews, _("Interviews"))
        self.details.addTab(_with_buttons(self.assessments, self.add_assessment_btn, self.edit_assessment_btn,
                                          self.delete_assessment_btn), _("Assessments"))
        self.details.addTab(self.licences, _("Licences"))
        self.details.addTab(self.training, _("Training"))
        self.details.addTab(self.coefficients, _("Performance coefficients"))
        self.details.addTab(_with_buttons(self.archive, self.open_file_btn, self.add_file_btn, self.zip_btn), _("Archive"))
        self.details.addTab(self.resume, _("Resume data"))
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.details)
        split.setSizes([480, 900])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def _connect_signals(self) -> None:
        self.phrases.row_selected.connect(self._on_phrases_row_selected)
        self.dimensions.row_selected.connect(self._on_dimensions_row_selected)
        self.pdf_btn.clicked.connect(self._on_pdf_clicked)
        self.pool_btn.clicked.connect(self._on_pool_clicked)
        self.onboard_btn.clicked.connect(self._on_onboard_clicked)
        self.add_assessment_btn.clicked.connect(lambda: self._edit_assessment(None))
        self.edit_assessment_btn.clicked.connect(self._on_edit_assessment_clicked)
        self.assessments.view.doubleClicked.connect(self._on_edit_assessment_clicked)
        self.delete_assessment_btn.clicked.connect(self._on_delete_assessment_clicked)
        self.open_file_btn.clicked.connect(self._on_open_file_clicked)
        self.archive.view.doubleClicked.connect(self._on_open_file_clicked)
        self.add_file_btn.clicked.connect(self._on_add_file_clicked)
        self.zip_btn.clicked.connect(self._on_zip_clicked)

    def title(self) -> str:
        return _("Profile")

    def show_person(self, person_id: int) -> None:
        self.person_id = person_id
        self._loaded = True
        self.reload()

    def reload(self) -> None:
        if self.person_id is None:
            return
        talent, pid, today = self.services.talent, self.person_id, self._today()
        self.load(lambda: (talent.profile(pid, today), talent.archive(pid)), self._on_loaded)

    def _on_loaded(self, result: tuple[Profile, list[ArchiveItem]]) -> None:
        p, archive = result
        self.profile = p
        where = " · ".join(escape(x) for x in (p.department, p.position, p.staff_no, p.professional_title, p.highest_degree) if x)
        pay = ""
        if p.pay_grade:
            pay = _("Pay grade {grade}, salary level {level}, performance coefficient {coefficient}").format(
                grade=escape(p.pay_grade), level=p.salary_level, coefficient=f"{p.performance_coefficient:.2f}")
        summary_label = _("Summary:")
        probation = _("probation until {date}").format(date=p.probation_end) if p.stage == "probation" and p.probation_end else ""
        self.header.setText(
            f"<span style='font-size:15pt'><b>{escape(p.name)}</b></span> &nbsp; [{escape(label(STAGES, p.stage))}] &nbsp; {where}<br>"
            f"{escape(p.phone)} {escape(p.email)} &nbsp; {escape(pay)} {escape(probation)}<br>"
            f"<b>{escape(summary_label)}</b> {escape(p.summary or '—')}")
        self.pdf_btn.setEnabled(True)
        is_candidate = p.stage in ("candidate", "pool")
        self.pool_btn.setEnabled(p.stage == "candidate")
        self.onboard_btn.setEnabled(is_candidate)
        axes = [d.dimension for d in p.picture]
        series = [(_("Latest"), [d.latest for d in p.picture])]
        if any(d.trend is not None for d in p.picture):
            series.append((_("First"), [d.first for d in p.picture]))
        fill_radar(self.radar, axes, series, [d.bar for d in p.picture])
        self.dimensions.set_rows(p.picture)
        self.phrases.set_rows(p.phrases)
        self.evidence.set_rows(p.evidence)
        self.evidence.set_filter_predicate(None)
        self.interviews.set_rows(p.interviews)
        self.assessments.set_rows(p.assessments)
        self.licences.set_rows(p.licences)
        self.training.set_rows(p.training)
        self.coefficients.set_rows(p.coefficients)
        self.archive.set_rows(archive)
        self.resume.setPlainText("\n".join(
            f"{k}{' *' if k in p.resume_corrected else ''}: {v}" for k, v in p.resume.items()) or _("No resume data."))

    def _on_phrases_row_selected(self, phrase: SummaryPhrase | None) -> None:
        if phrase is None:
            return
        ids = set(phrase.evidence_ids)
        self.evidence.set_filter_predicate(lambda r: r.id in ids)

    def _on_dimensions_row_selected(self, d: DimensionPicture | None) -> None:
        if d is None:
            return
        ids = set(d.evidence_ids)
        self.evidence.set_filter_predicate(lambda r: r.id in ids)

    def _on_pdf_clicked(self) -> None:
        if self.profile is None:
            return
        path, _f = QFileDialog.getSaveFileName(self, _("Export profile"), _("talent_profile_{name}.pdf").format(name=self.profile.name), "PDF (*.pdf)")
        if path:
            talent, pid, today = self.services.talent, self.profile.person_id, self._today()
            self.pool.submit(lambda: talent.export_profile_pdf(pid, Path(path), today), lane="io",
                             on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                             on_error=self.show_error)

    def _on_pool_clicked(self) -> None:
        if self.profile is None:
            return
        reason, ok = QInputDialog.getText(self, _("Talent pool"), _("Why does the candidate go to the talent pool?"))
        if not ok:
            return
        talent, pid = self.services.talent, self.profile.person_id
        user = acting_name(self.services)

        def work() -> ChangeSet:
            hits = [h for h in talent.search(SearchQuery()) if h.person_id == pid and h.candidate_id is not None]
            if not hits:
                return ChangeSet()
            return talent.move_to_pool(int(hits[0].candidate_id), reason, user=user)  # type: ignore[arg-type]

        self.pool.submit(work, on_done=self._publish, on_error=self.show_error)

    def _on_onboard_clicked(self) -> None:
        if self.profile is None:
            return
        pid = self.profile.person_id
        talent = self.services.talent
        self.load(talent.hire_candidates, lambda rows: start_onboarding(self, [r for r in rows if r.person_id == pid] or rows))

    def _edit_assessment(self, row: AssessmentRow | None) -> None:
        if self.profile is None:
            return
        dialog = AssessmentDialog([d.dimension for d in self.profile.picture], row, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        v = dialog.values()
        talent, pid = self.services.talent, self.profile.person_id
        self.pool.submit(lambda: talent.save_assessment(pid, assessment_id=row.id if row else None,
                                                        version=row.version if row else None, **v)[1],
                         on_done=self._publish, on_error=self.show_error)

    def _on_edit_assessment_clicked(self, *_a: Any) -> None:
        row = _current(self.assessments)
        if row is not None:
            self._edit_assessment(row)

    def _on_delete_assessment_clicked(self) -> None:
        row = _current(self.assessments)
        if row is None:
            return
        if QMessageBox.question(self, _("HR Desk"), _("Delete the assessment {name}?").format(name=row.name)) \
                != QMessageBox.StandardButton.Yes:
            return
        talent = self.services.talent
        self.pool.submit(lambda: talent.delete_assessment(row.id), on_done=self._publish, on_error=self.show_error)

    def _on_open_file_clicked(self, *_a: Any) -> None:
        item = _current(self.archive)
        if item is None:
            return
        if not item.path:
            self.details.setCurrentIndex(0)  # records kept in the database: the interview list shows them
            return
        if item.document_id is not None:
            talent = self.services.talent
            self.load(lambda: talent.document_path(int(item.document_id)),  # type: ignore[arg-type]
                      lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))))
        else:
            data = self.services.talent.data
            self.load(lambda: data.resolve(item.path), lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))))

    def _on_add_file_clicked(self) -> None:
        if self.profile is None:
            return
        path, _f = QFileDialog.getOpenFileName(self, _("Add a file to the archive"))
        if not path:
            return
        kinds = [_("certificate"), _("contract"), _("resume"), _("other")]
        codes = ["certificate", "contract", "resume", "other"]
        kind, ok = QInputDialog.getItem(self, _("Archive"), _("Kind of document"), kinds, 0, False)
        if not ok:
            return
        talent, pid, user = self.services.talent, self.profile.person_id, acting_name(self.services)
        self.pool.submit(lambda: talent.add_document(pid, Path(path), kind=codes[kinds.index(kind)], user=user)[1],
                         on_done=self._publish, on_error=self.show_error)

    def _on_zip_clicked(self) -> None:
        if self.profile is None:
            return
        path, _f = QFileDialog.getSaveFileName(self, _("Export archive"), _("archive_{name}.zip").format(name=self.profile.name), "Zip (*.zip)")
        if path:
            talent, pid = self.services.talent, self.profile.person_id
            self.pool.submit(lambda: talent.export_archive(pid, Path(path)), lane="io",
                             on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                             on_error=self.show_error)


ARCHIVE_KINDS = {"audio": N_("interview audio"), "video": N_("interview video"), "transcript": N_("transcript"),
                 "report": N_("assessment report"), "consent": N_("consent record")}
DOCUMENT_KINDS = {"resume": N_("resume"), "certificate": N_("certificate"), "contract": N_("contract"),
                  "recording": N_("recording"), "report": N_("report"), "other": N_("other")}


def archive_kind(code: str) -> str:
    if code.startswith("document:"):
        return label(DOCUMENT_KINDS, code.split(":", 1)[1])
    return label(ARCHIVE_KINDS, code)


def _with_buttons(table: FilterTable, *buttons: QPushButton) -> QWidget:
    w = QWidget()
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    layout = QVBoxLayout(w)
    layout.addLayout(row)
    layout.addWidget(table, 1)
    return w


def _current(table: FilterTable) -> Any:
    index = table.view.currentIndex()
    return index.data(ROW_ROLE) if index.isValid() else None


def signed_in(services: Any) -> Any:
    """The signed-in principal when the services carry an identity (None before login is wired)."""
    return getattr(getattr(services, "identity", None), "principal", None)


def acting_name(services: Any) -> str:
    """Who is acting, for "added by"/"run by" records: the signed-in person, else the OS user."""
    return signer_name(signed_in(services), getpass.getuser())


def use_signed_in_name(services: Any, field: QLineEdit) -> None:
    """With a signed-in person a signature carries their account's name (the field is not editable);
    otherwise the typed name is kept."""
    name = signer_name(signed_in(services), "")
    if name:
        field.setText(name)
    field.setReadOnly(bool(name))


def licence_findings_html(findings: Sequence[LicenceFinding]) -> str:
    """Refusals (red) and warnings (amber) of a form in approval, each naming its licence."""
    lines = []
    for f in findings:
        refuse = f.severity == "refuse"
        label = _("Cannot be approved:") if refuse else _("Warning:")
        colour = "#b3261e" if refuse else "#8a5a00"
        lines.append(f"<span style='color:{colour}'><b>{escape(label)}</b> {escape(f.message)}</span>")
    return "<br>".join(lines)


def start_onboarding(page: TalentPage, candidates: Sequence[PoolRow], selected: int | None = None) -> None:
    if not candidates:
        QMessageBox.information(page, _("HR Desk"), _("No candidate can be onboarded: interview someone first."))
        return
    dialog = OnboardingDialog(candidates, page, selected_candidate=selected or candidates[0].candidate_id, today=page._today())
    use_signed_in_name(page.services, dialog.user)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    v = dialog.values()
    talent = page.services.talent
    cid, user = v.pop("candidate_id"), v.pop("user")
    page.pool.submit(lambda: talent.create_onboarding(cid, user=user, **v)[1], on_done=page._publish, on_error=page.show_error)


# ================================================================================================ search


class SearchPage(TalentPage):
    KEY = "search"
    TABLES = frozenset({"people", "employees", "candidates", "licences", "saved_searches"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = QLineEdit(self)
        self.skill = QLineEdit(self)
        self.licence = QLineEdit(self)
        self.title_edit = QLineEdit(self)
        self.department = QLineEdit(self)
        self.score_min = QDoubleSpinBox(self)
        self.score_max = QDoubleSpinBox(self)
        for box, value in ((self.score_min, 0.0), (self.score_max, 100.0)):
            box.setRange(0, 100)
            box.setDecimals(1)
            box.setValue(value)
        self.role = QComboBox(self)
        for code, text in (("", _("everyone")), ("employee", _("employees")), ("candidate", _("candidates"))):
            self.role.addItem(text, code)
        self.search_btn = QPushButton(_("Search"), self)
        self.clear_btn = QPushButton(_("Clear"), self)
        self.saved = QComboBox(self)
        self.save_btn = QPushButton(_("Save search…"), self)
        self.delete_btn = QPushButton(_("Delete saved search"), self)
        self.export_btn = QPushButton(_("Export to Excel…"), self)
        self.results = FilterTable([
            Column[PersonHit]("name", _("Name")),
            Column[PersonHit]("role", _("Role"), fmt=lambda v: _("employee") if v == "employee" else _("candidate")),
            Column[PersonHit]("status", _("Status"), fmt=lambda v: label({**EMPLOYEE_STATUS, **CANDIDATE_STATUS}, v)),
            Column[PersonHit]("staff_no", _("Staff no.")),
            Column[PersonHit]("department", _("Department")),
            Column[PersonHit]("position", _("Position")),
            Column[PersonHit]("professional_title", _("Title")),
            Column[PersonHit]("highest_degree", _("Degree")),
            Column[PersonHit]("licences", _("Licences")),
            Column[PersonHit]("score", _("Score"), fmt=num, align=RIGHT),
        ], title=_("People found (double-click opens the profile)"), parent=self)
        self._open_from(self.results)
        grid = QGridLayout()
        fields = ((_("Name"), self.name), (_("Skill or keyword"), self.skill), (_("Licence"), self.licence),
                  (_("Title"), self.title_edit), (_("Department"), self.department), (_("People"), self.role))
        for i, (text, w) in enumerate(fields):
            grid.addWidget(QLabel(text, self), i // 3, (i % 3) * 2)
            grid.addWidget(w, i // 3, (i % 3) * 2 + 1)
        grid.addWidget(QLabel(_("Score from"), self), 2, 0)
        grid.addWidget(self.score_min, 2, 1)
        grid.addWidget(QLabel(_("to"), self), 2, 2)
        grid.addWidget(self.score_max, 2, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.search_btn)
        buttons.addWidget(self.clear_btn)
        buttons.addSpacing(20)
        buttons.addWidget(QLabel(_("Saved searches"), self))
        buttons.addWidget(self.saved, 1)
        buttons.addWidget(self.save_btn)
        buttons.addWidget(self.delete_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.export_btn)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.results, 1)
        self._saved: list[SavedSearchRow] = []
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.search_btn.clicked.connect(self.run_search)
        self.clear_btn.clicked.connect(self._on_clear_clicked)
        for w in (self.name, self.skill, self.licence, self.title_edit, self.department):
            w.returnPressed.connect(self.run_search)
        self.saved.activated.connect(self._on_saved_activated)
        self.save_btn.clicked.connect(self._on_save_clicked)
        self.delete_btn.clicked.connect(self._on_delete_clicked)
        self.export_btn.clicked.connect(self._on_export_clicked)

    def title(self) -> str:
        return _("Search")

    def query(self) -> SearchQuery:
        lo, hi = self.score_min.value(), self.score_max.value()
        return SearchQuery(self.name.text().strip(), self.skill.text().strip(), self.licence.text().strip(),
                           self.title_edit.text().strip(), self.department.text().strip(),
                           lo if lo > 0 else None, hi if hi < 100 else None, self.role.currentData() or "")

    def set_query(self, q: SearchQuery) -> None:
        self.name.setText(q.name)
        self.skill.setText(q.skill)
        self.licence.setText(q.licence)
        self.title_edit.setText(q.title)
        self.department.setText(q.department)
        self.score_min.setValue(q.score_min or 0.0)
        self.score_max.setValue(q.score_max if q.score_max is not None else 100.0)
        self.role.setCurrentIndex(max(0, self.role.findData(q.role)))

    def reload(self) -> None:
        talent, q = self.services.talent, self.query()
        self.load(lambda: (talent.search(q), talent.saved_searches()), self._on_loaded)

    def run_search(self) -> None:
        talent, q = self.services.talent, self.query()
        self.load(lambda: talent.search(q), self.results.set_rows)

    def _on_loaded(self, result: tuple[list[PersonHit], list[SavedSearchRow]]) -> None:
        hits, saved = result
        self.results.set_rows(hits)
        self._saved = saved
        current = self.saved.currentText()
        self.saved.clear()
        self.saved.addItem(_("(choose)"), None)
        for s in saved:
            self.saved.addItem(s.name, s.id)
        self.saved.setCurrentIndex(max(0, self.saved.findText(current)))

    def _on_clear_clicked(self) -> None:
        self.set_query(SearchQuery())
        self.run_search()

    def _on_saved_activated(self, index: int) -> None:
        sid = self.saved.itemData(index)
        found = next((s for s in self._saved if s.id == sid), None)
        if found is not None:
            self.set_query(found.query)
            self.run_search()

    def _on_save_clicked(self) -> None:
        name, ok = QInputDialog.getText(self, _("Save search"), _("Name of the search"), text=self.saved.currentText()
                                        if self.saved.currentIndex() > 0 else "")
        if ok:
            talent, q = self.services.talent, self.query()
            self.pool.submit(lambda: talent.save_search(name, q)[1], on_done=self._publish, on_error=self.show_error)

    def _on_delete_clicked(self) -> None:
        sid = self.saved.currentData()
        if sid is not None:
            talent = self.services.talent
            self.pool.submit(lambda: talent.delete_search(int(sid)), on_done=self._publish, on_error=self.show_error)

    def _on_export_clicked(self) -> None:
        proxy = self.results.proxy
        hits = [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]
        path, _f = QFileDialog.getSaveFileName(self, _("Export to Excel"), _("people.xlsx"), "Excel (*.xlsx)")
        if path:
            talent = self.services.talent
            self.pool.submit(lambda: talent.export_people(hits, Path(path)), lane="io",
                             on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                             on_error=self.show_error)


# ================================================================================================ pool


class PoolPage(TalentPage):
    KEY = "pool"
    TABLES = frozenset({"candidates", "interview_decisions", "interview_recordings", "documents", "retention_log"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = FilterTable([
            Column[PoolRow]("name", _("Name")),
            Column[PoolRow]("position", _("Position applied for")),
            Column[PoolRow]("highest_degree", _("Degree")),
            Column[PoolRow]("professional_title", _("Title")),
            Column[PoolRow]("score", _("Score"), fmt=num, align=RIGHT),
            Column[PoolRow]("reason", _("Reason kept")),
            Column[PoolRow]("applied_at", _("Applied")),
        ], title=_("Talent pool: good candidates not hired this time"), parent=self)
        self._open_from(self.table)
        self.onboard_btn = QPushButton(_("Start onboarding…"), self)
        self.retention = FilterTable([
            Column[RetentionItem]("ended_on", _("Recorded")),
            Column[RetentionItem]("candidate_status", _("Status"), fmt=lambda v: label(CANDIDATE_STATUS, v)),
            Column[RetentionItem]("files", _("Files")),
            Column[RetentionItem]("bytes", _("Bytes"), align=RIGHT),
        ], title=_("Recordings past the retention period (candidates not hired)"), parent=self)
        self._open_from(self.retention)
        self.days = QSpinBox(self)
        self.days.setRange(1, 3650)
        self.days.setValue(180)
        self.days.setSuffix(_(" days"))
        self.preview_btn = QPushButton(_("Preview"), self)
        self.delete_btn = QPushButton(_("Delete these recordings…"), self)
        self.delete_btn.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.onboard_btn)
        row.addStretch(1)
        row.addWidget(QLabel(_("Keep recordings for"), self))
        row.addWidget(self.days)
        row.addWidget(self.preview_btn)
        row.addWidget(self.delete_btn)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.retention)
        split.setSizes([500, 250])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        self.onboard_btn.clicked.connect(self._on_onboard_clicked)
        self.preview_btn.clicked.connect(self._on_preview_clicked)
        self.delete_btn.clicked.connect(self._on_delete_clicked)

    def title(self) -> str:
        return _("Talent pool")

    def reload(self) -> None:
        from app.config import load

        talent, today = self.services.talent, self._today()

        def work() -> tuple[list[PoolRow], list[RetentionItem], int]:
            days = load().recording_retention_days
            return talent.pool(), talent.retention_preview(days, today), days

        self.load(work, self._on_loaded)

    def _on_loaded(self, result: tuple[list[PoolRow], list[RetentionItem], int]) -> None:
        rows, items, days = result
        self.table.set_rows(rows)
        self.days.setValue(days)
        self.retention.set_rows(items)
        self.delete_btn.setEnabled(bool(items))

    def _on_onboard_clicked(self) -> None:
        row = _current(self.table)
        talent = self.services.talent
        self.load(talent.hire_candidates, lambda rows: start_onboarding(self, rows, row.candidate_id if row else None))

    def _on_preview_clicked(self) -> None:
        talent, days, today = self.services.talent, self.days.value(), self._today()
        self.load(lambda: talent.retention_preview(days, today), self._on_preview_loaded)

    def _on_preview_loaded(self, items: list[RetentionItem]) -> None:
        self.retention.set_rows(items)
        self.delete_btn.setEnabled(bool(items))

    def _on_delete_clicked(self) -> None:
        n = self.retention.model.rowCount()
        if QMessageBox.question(self, _("HR Desk"), _("Delete {n} recordings of candidates not hired? Files and records are "
                                                        "removed for good; the run is logged.").format(n=n)) \
                != QMessageBox.StandardButton.Yes:
            return
        talent, days, today, user = self.services.talent, self.days.value(), self._today(), acting_name(self.services)
        self.pool.submit(lambda: talent.run_retention(days, user=user, today=today).changes,
                         on_done=self._publish, on_error=self.show_error)


# ================================================================================================ onboarding


class OnboardingPage(TalentPage):
    KEY = "onboarding"
    TABLES = frozenset({"onboarding_forms", "candidates", "employees", "licences", "positions"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.forms = FilterTable([
            Column[OnboardingRow]("id", _("Form"), align=RIGHT),
            Column[OnboardingRow]("name", _("Name")),
            Column[OnboardingRow]("department", _("Department")),
            Column[OnboardingRow]("position", _("Position")),
            Column[OnboardingRow]("grade", _("Post grade")),
            Column[OnboardingRow]("start_date", _("Start date")),
            Column[OnboardingRow]("contract_type", _("Contract"), fmt=contract_label),
            Column[OnboardingRow]("probation_months", _("Probation (months)"), align=RIGHT),
            Column[OnboardingRow]("contract_wage_fen", _("Contract wage"), fmt=yuan, align=RIGHT),
            Column[OnboardingRow]("probation_wage_fen", _("Probation wage"), fmt=yuan, align=RIGHT),
            Column[OnboardingRow]("state", _("State"), fmt=form_state_label,
                                  color=lambda r: "#fff3c4" if r.state in ("hr", "dept_head", "hr_manager") else None),
        ], title=_("Onboarding approval forms"), sort=("id", Qt.SortOrder.DescendingOrder), parent=self)
        self._open_from(self.forms)
        self.steps = FilterTable([
            Column[dict]("role", _("Step"), value=lambda s: s.get("role", ""),
                         fmt=lambda v: _(STEP_LABELS[v]) if v in STEP_LABELS else _("Prepared")),
            Column[dict]("by", _("Signed by"), value=lambda s: s.get("by", "")),
            Column[dict]("at", _("Time"), value=lambda s: str(s.get("at", ""))[:16].replace("T", " ")),
            Column[dict]("decision", _("Decision"), value=lambda s: s.get("decision", ""),
                         fmt=lambda v: {"approve": _("approve"), "reject": _("reject")}.get(v, "")),
            Column[dict]("note", _("Note"), value=lambda s: s.get("note", "")),
            Column[dict]("licence_warnings", _("Licence warnings at signing"),
                         value=lambda s: join_clauses(s.get("licence_warnings") or ())),
        ], title=_("Approval steps"), sort=("at", Qt.SortOrder.AscendingOrder), parent=self)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.licences = QLabel(self)
        self.licences.setWordWrap(True)
        self.licences.setTextFormat(Qt.TextFormat.RichText)
        self.new_btn = QPushButton(_("New form…"), self)
        self.user = QLineEdit(getpass.getuser(), self)
        self.user.setToolTip(_("The name recorded with your signature. When you are signed in to HR Desk, your "
                               "account's name is used."))
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(_("Note (required to reject)"))
        self.approve_btn = QPushButton(_("Approve step"), self)
        self.reject_btn = QPushButton(_("Reject"), self)
        self.print_btn = QPushButton(_("Print form (PDF)…"), self)
        row = QHBoxLayout()
        row.addWidget(self.new_btn)
        row.addSpacing(20)
        row.addWidget(QLabel(_("Signing as"), self))
        row.addWidget(self.user)
        row.addWidget(self.note, 1)
        row.addWidget(self.approve_btn)
        row.addWidget(self.reject_btn)
        row.addWidget(self.print_btn)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.addWidget(self.detail)
        lower_layout.addWidget(self.licences)
        lower_layout.addWidget(self.steps, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.forms)
        split.addWidget(lower)
        split.setSizes([420, 330])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        self._connect_signals()
        self._on_forms_row_selected(None)

    def _connect_signals(self) -> None:
        self.forms.row_selected.connect(self._on_forms_row_selected)
        self.new_btn.clicked.connect(self._on_new_clicked)
        self.approve_btn.clicked.connect(lambda: self.sign(True))
        self.reject_btn.clicked.connect(lambda: self.sign(False))
        self.print_btn.clicked.connect(self._on_print_clicked)

    def title(self) -> str:
        return _("Onboarding")

    def reload(self) -> None:
        talent = self.services.talent
        self._use_signed_in_name()
        self.load(talent.onboarding_forms, self._on_loaded)

    def _principal(self) -> Any:
        return signed_in(self.services)

    def _use_signed_in_name(self) -> None:
        use_signed_in_name(self.services, self.user)

    def _on_loaded(self, rows: list[OnboardingRow]) -> None:
        current = _current(self.forms)
        self.forms.set_rows(rows)
        if current is not None:
            for r in range(self.forms.proxy.rowCount()):
                if self.forms.proxy.index(r, 0).data(ROW_ROLE).id == current.id:
                    self.forms.view.selectRow(r)
                    return
        self.forms.select_first()

    def _on_forms_row_selected(self, form: OnboardingRow | None) -> None:
        open_ = form is not None and form.state in ("draft", "hr", "dept_head", "hr_manager")
        refused = form is not None and any(f.severity == "refuse" for f in form.licence_findings)
        self.approve_btn.setEnabled(open_ and not refused)
        self.approve_btn.setToolTip(_("The licences required for the post are not in order; see above.") if refused else "")
        self.reject_btn.setEnabled(open_)
        self.print_btn.setEnabled(form is not None)
        self.licences.setText(licence_findings_html(form.licence_findings) if form is not None else "")
        self.licences.setVisible(form is not None and bool(form.licence_findings))
        if form is None:
            self.steps.set_rows([])
            self.detail.setText("")
            return
        self.steps.set_rows(form.steps)
        items = join_list(f"{k} {yuan(v)}" for k, v in form.pay_items.items() if isinstance(v, int))
        self.detail.setText(_("{name}: {position}, {department}; start {start}; {contract}; probation {months} months "
                              "({rule}); pay items {items}; probation wage {wage} ({basis}); state: {state}").format(
            name=form.name, position=form.position, department=form.department, start=form.start_date,
            contract=contract_label(form.contract_type), months=form.probation_months, rule=rule_label(form.probation_rule),
            items=items, wage=yuan(form.probation_wage_fen), basis=form.pay_items.get("probation_basis", ""),
            state=form_state_label(form.state)))

    def _on_new_clicked(self) -> None:
        talent = self.services.talent
        self.load(talent.hire_candidates, lambda rows: start_onboarding(self, rows))

    def sign(self, approve: bool) -> None:
        form = _current(self.forms)
        if form is None:
            return
        talent, user, note, signer = self.services.talent, self.user.text(), self.note.text(), self._principal()
        warnings = [f.message for f in form.licence_findings if f.severity == "warn"]
        if approve and warnings:
            text = _("The licences required for the post have these problems:\n\n{problems}\n\nSign anyway? The "
                     "warnings are kept with your signature.").format(problems="\n".join(f"· {w}" for w in warnings))
            answer = QMessageBox.question(self, _("Licences"), text)
            if answer != QMessageBox.StandardButton.Yes:
                return

        def done(changes: ChangeSet) -> None:
            self.note.clear()
            self._publish(changes)

        self.pool.submit(lambda: talent.sign_onboarding(form.id, form.version, user=user, approve=approve, note=note,
                                                        signer=signer)[1],
                         on_done=done, on_error=self.show_error)

    def _on_print_clicked(self) -> None:
        form = _current(self.forms)
        if form is None:
            return
        path, _f = QFileDialog.getSaveFileName(self, _("Print form"), _("onboarding_form_{id}_{name}.pdf").format(id=form.id, name=form.name), "PDF (*.pdf)")
        if path:
            talent = self.services.talent
            self.pool.submit(lambda: talent.export_onboarding_pdf(form.id, Path(path)), lane="io",
                             on_done=lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))), on_error=self.show_error)


# ================================================================================================ probation


class ProbationPage(TalentPage):
    KEY = "probation"
    TABLES = frozenset({"probation_reviews", "employees", "performance_coefficients", "pay_profiles"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.within = QSpinBox(self)
        self.within.setRange(0, 400)
        self.within.setValue(30)
        self.within.setSuffix(_(" days"))
        self.reviews = FilterTable([
            Column[ProbationRow]("staff_no", _("Staff no.")),
            Column[ProbationRow]("name", _("Name")),
            Column[ProbationRow]("department", _("Department")),
            Column[ProbationRow]("hire_date", _("Hired")),
            Column[ProbationRow]("probation_end", _("Probation ends")),
            Column[ProbationRow]("due_date", _("Review due")),
            Column[ProbationRow]("days_left", _("Days left"), align=RIGHT,
                                 color=lambda r: "#f8c9c5" if r.days_left < 0 else ("#fde0b8" if r.days_left <= 7 else None)),
        ], title=_("Probation reviews due"), sort=("due_date", Qt.SortOrder.AscendingOrder), parent=self)
        self._open_from(self.reviews)
        self.interview = FilterTable([
            Column[tuple]("dimension", _("Dimension"), value=lambda t: t[0]),
            Column[tuple]("score", _("Interview score"), value=lambda t: t[1], fmt=num, align=RIGHT,
                          color=lambda t: "#f8dcd8" if t[1] is not None and t[2] is not None and t[1] < t[2] else None),
            Column[tuple]("bar", _("Pass bar"), value=lambda t: t[2], fmt=num, align=RIGHT),
        ], title=_("Interview assessment (reference)"), parent=self)
        self.training = FilterTable([
            Column[TrainingRow]("course", _("Course")),
            Column[TrainingRow]("status", _("Status"), fmt=lambda v: label(ENROLMENT_STATUS, v)),
            Column[TrainingRow]("score", _("Score"), fmt=num, align=RIGHT),
        ], title=_("Training"), parent=self)
        self.attendance = QLabel(self)
        self.attendance.setWordWrap(True)
        self.outcome = QComboBox(self)
        for code, text in OUTCOMES.items():
            self.outcome.addItem(_(text), code)
        self.extend_to = QDateEdit(self)
        self.extend_to.setCalendarPopup(True)
        self.extend_to.setDisplayFormat("yyyy-MM-dd")
        self.coefficient = QDoubleSpinBox(self)
        self.coefficient.setRange(0.1, 3.0)
        self.coefficient.setSingleStep(0.05)
        self.notes = QLineEdit(self)
        self.user = QLineEdit(getpass.getuser(), self)
        self.decide_btn = QPushButton(_("Record decision"), self)
        self.decide_btn.setEnabled(False)
        self.proposed = FilterTable([
            Column[ProposedCoefficient]("staff_no", _("Staff no.")),
            Column[ProposedCoefficient]("name", _("Name")),
            Column[ProposedCoefficient]("current", _("Current"), fmt=lambda v: f"{v:.2f}", align=RIGHT),
            Column[ProposedCoefficient]("proposed", _("Proposed"), fmt=lambda v: f"{v:.2f}", align=RIGHT),
            Column[ProposedCoefficient]("effective_month", _("Effective month")),
            Column[ProposedCoefficient]("reason", _("Reason")),
        ], title=_("Proposed performance coefficients"), parent=self)
        self.approve_coeff_btn = QPushButton(_("Approve coefficient"), self)
        self.reject_coeff_btn = QPushButton(_("Reject coefficient"), self)
        self._context: ProbationContext | None = None
        self._build()
        self._connect_signals()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Due within"), self))
        top.addWidget(self.within)
        top.addStretch(1)
        form = QFormLayout()
        form.addRow(_("Outcome"), self.outcome)
        form.addRow(_("Extend probation to"), self.extend_to)
        form.addRow(_("New performance coefficient"), self.coefficient)
        form.addRow(_("Notes"), self.notes)
        form.addRow(_("Decided by"), self.user)
        form.addRow(self.decide_btn)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.addWidget(self.interview, 2)
        rl.addWidget(self.training, 2)
        rl.addWidget(self.attendance)
        rl.addLayout(form)
        upper = QSplitter(Qt.Orientation.Horizontal, self)
        upper.addWidget(self.reviews)
        upper.addWidget(right)
        upper.setSizes([700, 600])
        coeff_buttons = QHBoxLayout()
        coeff_buttons.addStretch(1)
        coeff_buttons.addWidget(self.approve_coeff_btn)
        coeff_buttons.addWidget(self.reject_coeff_btn)
        lower = QWidget(self)
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.proposed, 1)
        ll.addLayout(coeff_buttons)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([560, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def _connect_signals(self) -> None:
        self.within.valueChanged.connect(lambda _v: self.reload())
        self.reviews.row_selected.connect(self._on_reviews_row_selected)
        self.outcome.currentIndexChanged.connect(self._on_outcome_changed)
        self.decide_btn.clicked.connect(self._on_decide_clicked)
        self.approve_coeff_btn.clicked.connect(lambda: self._decide_coefficient(True))
        self.reject_coeff_btn.clicked.connect(lambda: self._decide_coefficient(False))

    def title(self) -> str:
        return _("Probation")

    def reload(self) -> None:
        use_signed_in_name(self.services, self.user)
        talent, today, within = self.services.talent, self._today(), self.within.value()
        self.load(lambda: (talent.probation_due(today, within), talent.proposed_coefficients()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[ProbationRow], list[ProposedCoefficient]]) -> None:
        rows, proposed = result
        self.reviews.set_rows(rows)
        self.proposed.set_rows(proposed)
        self.reviews.select_first()
        if not rows:
            self._show_context(None)

    def _on_reviews_row_selected(self, row: ProbationRow | None) -> None:
        if row is None:
            self._show_context(None)
            return
        talent, today = self.services.talent, self._today()
        self.load(lambda: talent.probation_context(row.review_id, today), self._show_context)

    def _show_context(self, c: ProbationContext | None) -> None:
        self._context = c
        self.decide_btn.setEnabled(c is not None)
        if c is None:
            self.interview.set_rows([])
            self.training.set_rows([])
            self.attendance.setText(_("No review selected."))
            return
        self.interview.set_rows(list(c.interview.dimensions) if c.interview else [])
        self.training.set_rows(c.training)
        a = c.attendance
        summary = join_clauses(p.text for p in c.phrases) or "—"
        self.attendance.setText(_("Attendance since hiring ({months} months): {worked} days worked, {absent} days absent, "
                                  "{late} late arrivals, {leave} days of leave. Competencies: {summary}").format(
            months=int(a.get("months", 0)), worked=f"{a.get('days_worked', 0):g}", absent=f"{a.get('absent_days', 0):g}",
            late=int(a.get("late_count", 0)), leave=f"{a.get('leave_days', 0):g}", summary=summary))
        self.coefficient.setValue(c.proposed_coefficient)
        end = c.latest_extension or c.row.probation_end or self._today()
        self.extend_to.setDate(qdate(end))
        if c.latest_extension:
            self.extend_to.setMaximumDate(qdate(c.latest_extension))
        self._on_outcome_changed()

    def _on_outcome_changed(self, *_a: Any) -> None:
        code = self.outcome.currentData()
        self.extend_to.setEnabled(code == "extend")
        self.coefficient.setEnabled(code == "confirm")

    def _on_decide_clicked(self) -> None:
        c = self._context
        if c is None:
            return
        talent, today = self.services.talent, self._today()
        outcome = self.outcome.currentData()
        kwargs: dict[str, Any] = {"outcome": outcome, "user": self.user.text(), "notes": self.notes.text(), "today": today}
        if outcome == "extend":
            kwargs["extend_to"] = pydate(self.extend_to.date())
        if outcome == "confirm" and abs(self.coefficient.value() - c.current_coefficient) > 1e-9:
            kwargs["new_coefficient"] = round(self.coefficient.value(), 2)
        if outcome == "end" and QMessageBox.question(
                self, _("HR Desk"), _("End the employment of {name} at the probation review?").format(name=c.row.name)) \
                != QMessageBox.StandardButton.Yes:
            return
        self.pool.submit(lambda: talent.decide_probation(c.row.review_id, c.row.version, **kwargs),
                         on_done=self._publish, on_error=self.show_error)

    def _decide_coefficient(self, approve: bool) -> None:
        row = _current(self.proposed)
        if row is None:
            return
        talent, user, today = self.services.talent, self.user.text(), self._today()
        self.pool.submit(lambda: talent.approve_coefficient(row.id, user=user, approve=approve, today=today),
                         on_done=self._publish, on_error=self.show_error)


# ================================================================================================ the tab

PAGE_CLASSES: tuple[type[TalentPage], ...] = (EmployeesPage, ProfilePage, SearchPage, PoolPage, OnboardingPage,
                                              ProbationPage, LicencesPage)


class TalentTab(Tab):
    """Pages are built when first shown (or asked for through :meth:`page`), so opening the tab costs
    only the employee list."""

    KEY = "talent"
    TABLES = frozenset().union(*(cls.TABLES for cls in PAGE_CLASSES))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._today_override: date | None = None
        self.pages_widget = QTabWidget(self)
        self._built: dict[str, TalentPage] = {}
        self._holders: list[QWidget] = []
        for cls in PAGE_CLASSES:
            holder = QWidget(self.pages_widget)
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            self._holders.append(holder)
            self.pages_widget.addTab(holder, _(PAGE_TITLES[cls.KEY]))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages_widget)
        self.pages_widget.currentChanged.connect(self._on_pages_current_changed)

    @property
    def pages(self) -> list[TalentPage]:
        return [self._built[c.KEY] for c in PAGE_CLASSES if c.KEY in self._built]

    # the old single-page API, kept for callers and tests
    @property
    def people(self) -> FilterTable:
        return self.page("employees").people  # type: ignore[attr-defined,no-any-return]

    @property
    def licences(self) -> FilterTable:
        return self.page("licences").licences  # type: ignore[attr-defined,no-any-return]

    def title(self) -> str:
        return _("Talent profiles")

    def page(self, key: str) -> TalentPage:
        if key not in self._built:
            i = next(i for i, c in enumerate(PAGE_CLASSES) if c.KEY == key)
            holder = self._holders[i]
            page = PAGE_CLASSES[i](self.services, self.pool, holder)
            page.open_profile = self.open_profile
            page.today = self._today_override
            holder.layout().addWidget(page)
            self._built[key] = page
        return self._built[key]

    def set_today(self, today: date) -> None:
        self._today_override = today
        for p in self._built.values():
            p.today = today

    def reload(self) -> None:
        self.page(PAGE_CLASSES[self.pages_widget.currentIndex()].KEY).ensure_loaded()

    def on_data_changed(self, changes: ChangeSet) -> None:
        for page in list(self._built.values()):
            page.on_data_changed(changes)

    def open_profile(self, person_id: int) -> None:
        profile = self.page("profile")
        assert isinstance(profile, ProfilePage)
        self.pages_widget.setCurrentWidget(profile.parentWidget())
        profile.show_person(person_id)

    def show_page(self, key: str) -> TalentPage:
        page = self.page(key)
        self.pages_widget.setCurrentWidget(page.parentWidget())
        page.ensure_loaded()
        return page

    def _on_pages_current_changed(self, index: int) -> None:
        if 0 <= index < len(PAGE_CLASSES):
            self.page(PAGE_CLASSES[index].KEY).ensure_loaded()


PAGE_TITLES = {"employees": N_("Employees"), "profile": N_("Profile"), "search": N_("Search"), "pool": N_("Talent pool"),
               "onboarding": N_("Onboarding"), "probation": N_("Probation"), "licences": N_("Licences")}
