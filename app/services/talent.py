"""Talent: one person's profile from candidate to employee, search and the talent pool, the
onboarding approval (入职审批单) that turns a candidate into an employee, probation reviews, the
personal archive and the retention of recordings.

**Onboarding flow.** ``create_onboarding`` pre-fills a form (state ``hr``) from the candidate's
profile, position and interview. Three signatures follow, each recorded in ``steps`` as
{role, by, at, decision, note}: HR clerk (``hr`` → ``dept_head``), department head
(``dept_head`` → ``hr_manager``), HR manager (``hr_manager`` → ``approved``). Any step may reject
(→ ``rejected``). One person cannot sign two steps of the same form. The HR manager's approval hires
the candidate in the same transaction: staff number, ``employees``, ``pay_profiles`` (probation
wage inputs, category, post grade, initial 绩效系数), the initial coefficient in
``performance_coefficients``, a ``learning_paths`` draft from the interview gaps, and the first
``probation_reviews`` row. The interview assessment stays the review's reference through
``onboarding_forms.interview_id``/``employee_id``.

**Coefficients.** A probation review proposes a coefficient (status ``proposed``) effective from the
month after the decision. ``approve_coefficient`` approves it; ``apply_coefficients(month)`` copies,
for every employee, the latest approved coefficient whose ``effective_month`` ≤ ``month`` into
``pay_profiles.performance_coefficient``. Payroll does not depend on that copy: a payroll run reads
the approved coefficient effective for its month from ``performance_coefficients`` itself (issue #5's
``app/services/payroll.py``), so nothing has to run before a payroll draft. ``apply_coefficients`` keeps
the pay profile's figure — what the profile, the pay-profile editor and exports show as "current" —
in step: it runs when a coefficient is approved (for months already begun) and can be run for a month
(``talent apply-coefficients --month YYYY-MM``); it is idempotent and only ever copies approved rows.

**Licences.** Each approving signature checks the licences the post requires against the person's
licence register on the form's start date (:mod:`app.talent.licences`): a missing qualification
certificate or an expired practising registration refuses the signature with a message naming the
licence; other gaps (a registration still to be filed, a training certificate, one expiring soon) are
warnings kept in the step's ``licence_warnings`` and returned to the signer.

**Signers.** ``sign_onboarding`` takes the signer's name from ``signer`` (the signed-in
:class:`app.security.permissions.Principal`: display name, else user name) when one is given and is a
real person, and falls back to the typed ``user`` (command line, demo, the local system principal).

**Pool reason.** ``candidates`` has no reason column: the reason is kept in
``candidates.corrections["pool_reason"]`` as {reason, by, at} — read and written only through
:func:`pool_reason` / :func:`with_pool_reason` — and also as an ``interview_decisions`` row when the
candidate was interviewed. The key is outside screening's correctable fields, so screening neither shows
nor overwrites it. A column would only pay off for searching or reporting by reason, which nothing does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.tables import (
    Assessment,
    AttendanceMonth,
    Candidate,
    CompetencyEvidence,
    Course,
    Department,
    Document,
    Employee,
    Enrollment,
    Interview,
    InterviewAssessment,
    InterviewDecision,
    InterviewRecording,
    LearningPath,
    Licence,
    OnboardingForm,
    PathItem,
    PayProfile,
    PerformanceCoefficient,
    Person,
    Position,
    PositionCompetency,
    ProbationReview,
    RetentionLog,
    SavedSearch,
    TranscriptSegment,
    utcnow,
)
from app.domain.org import Month, licence_state
from app.domain.timeutil import to_local
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, _
from app.paths import ARCHIVE_PREFIX, DataDir
from app.services.base import Service, load_for_update
from app.talent import probation as prob
from app.talent.licences import HeldLicence, LicenceCheck, LicenceFinding, check_licences, refusal_message
from app.talent.competency import (
    CourseInfo,
    DimensionPicture,
    EvidencePoint,
    SummaryPhrase,
    competency_picture,
    interview_gaps,
    proposed_coefficient,
    suggest_path,
    summary_phrases,
    summary_text,
)
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

if TYPE_CHECKING:
    from app.security.permissions import Principal

log = logging.getLogger(__name__)

STEP_ROLES = ("hr", "dept_head", "hr_manager")
STEP_LABELS = {"hr": N_("HR clerk"), "dept_head": N_("Department head"), "hr_manager": N_("HR manager")}
FORM_STATES = {
    "draft": N_("draft"), "hr": N_("awaiting HR clerk"), "dept_head": N_("awaiting department head"),
    "hr_manager": N_("awaiting HR manager"), "approved": N_("approved"), "rejected": N_("rejected"),
}
NEXT_STATE = {"draft": "dept_head", "hr": "dept_head", "dept_head": "hr_manager", "hr_manager": "approved"}
OUTCOMES = {"confirm": N_("confirm"), "extend": N_("extend"), "end": N_("end employment")}
FAMILY_CATEGORY = {"physician": "医师", "nursing": "护士", "medtech": "医技", "admin": "行政"}
NOT_HIRED = ("new", "screened", "interview", "rejected", "pool")
DEFAULT_PROBATION_COEFFICIENT = 0.8
POOL_REASON_KEY = "pool_reason"
SYSTEM_USERNAMES = frozenset({"system"})


def pool_reason(corrections: dict[str, Any] | None) -> str:
    """The reason a candidate was put in the talent pool ("" when none), from ``candidates.corrections``."""
    entry = (corrections or {}).get(POOL_REASON_KEY)
    return str(entry.get("reason", "")) if isinstance(entry, dict) else ""


def with_pool_reason(corrections: dict[str, Any] | None, reason: str, *, by: str, at: datetime) -> dict[str, Any]:
    """``corrections`` with the pool reason set (a new dict: JSON columns are replaced, not mutated)."""
    return {**(corrections or {}), POOL_REASON_KEY: {"reason": reason, "by": by, "at": at.isoformat(timespec="seconds")}}


def resume_corrections(corrections: dict[str, Any] | None) -> dict[str, Any]:
    """The resume corrections alone (without the pool reason kept beside them)."""
    return {k: v for k, v in (corrections or {}).items() if k != POOL_REASON_KEY}


def signer_name(signer: Principal | None, typed: str) -> str:
    """Who signs: the signed-in person's display name (else user name); the typed name when nobody real is
    signed in (no principal, or the local system principal of the command line and demo)."""
    if signer is not None and signer.username not in SYSTEM_USERNAMES:
        name = (signer.display_name or signer.username).strip()
        if name:
            return name
    return typed.strip()


def form_state_label(code: str) -> str:
    return _(FORM_STATES[code]) if code in FORM_STATES else code


# ------------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class PersonHit:
    person_id: int
    name: str
    role: str  # employee/candidate
    status: str
    staff_no: str
    department: str
    position: str
    professional_title: str
    highest_degree: str
    licences: tuple[str, ...]
    score: float | None
    candidate_id: int | None
    employee_id: int | None


@dataclass(frozen=True)
class SearchQuery:
    name: str = ""
    skill: str = ""
    licence: str = ""
    title: str = ""
    department: str = ""
    score_min: float | None = None
    score_max: float | None = None
    role: str = ""  # ""/employee/candidate

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchQuery:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class SavedSearchRow:
    id: int
    name: str
    query: SearchQuery


@dataclass(frozen=True)
class PoolRow:
    candidate_id: int
    person_id: int
    name: str
    position: str
    highest_degree: str
    professional_title: str
    score: float | None
    reason: str
    applied_at: date | None


@dataclass(frozen=True)
class LicenceInfo:
    id: int
    kind: str
    number: str
    expiry_date: date | None
    state: str


@dataclass(frozen=True)
class InterviewInfo:
    id: int
    candidate_id: int
    position: str
    when: datetime | None
    total: float | None
    recommendation: str
    decision: str
    decided_by: str
    decision_reason: str
    dimensions: tuple[tuple[str, float | None, float | None], ...]  # name, blended, bar


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    version: int
    kind: str
    name: str
    taken_on: date
    score: float | None
    max_score: float | None
    dimension: str
    notes: str


@dataclass(frozen=True)
class TrainingRow:
    course: str
    status: str
    score: float | None
    completed_on: date | None


@dataclass(frozen=True)
class CoefficientRow:
    id: int
    effective_month: str
    coefficient: float
    reason: str
    source: str
    status: str
    decided_by: str


@dataclass(frozen=True)
class ProposedCoefficient:
    id: int
    employee_id: int
    staff_no: str
    name: str
    current: float
    proposed: float
    effective_month: str
    reason: str


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    dimension: str
    score: float
    source: str
    observed_on: date
    note: str


@dataclass(frozen=True)
class Profile:
    person_id: int
    name: str
    gender: str
    birth_date: date | None
    phone: str
    email: str
    highest_degree: str
    school: str
    major: str
    professional_title: str
    stage: str  # candidate/onboarding/probation/employee/left/pool
    staff_no: str
    employee_id: int | None
    department: str
    position: str
    position_id: int | None
    hire_date: date | None
    probation_end: date | None
    pay_grade: str
    salary_level: int | None
    performance_coefficient: float | None
    resume: dict[str, Any]  # extracted merged with corrections (corrections win)
    resume_corrected: tuple[str, ...]  # keys HR corrected
    licences: tuple[LicenceInfo, ...]
    interviews: tuple[InterviewInfo, ...]
    assessments: tuple[AssessmentRow, ...]
    training: tuple[TrainingRow, ...]
    coefficients: tuple[CoefficientRow, ...]
    picture: tuple[DimensionPicture, ...]
    phrases: tuple[SummaryPhrase, ...]
    summary: str
    evidence: tuple[EvidenceRow, ...]

    def evidence_for(self, ids: Sequence[int]) -> list[EvidenceRow]:
        wanted = set(ids)
        return [e for e in self.evidence if e.id in wanted]


@dataclass(frozen=True)
class OnboardingRow:
    id: int
    version: int
    candidate_id: int
    person_id: int
    name: str
    department: str
    position: str
    grade: str
    salary_level: int
    start_date: date
    contract_type: str
    contract_years: float
    probation_months: int
    probation_rule: str
    contract_wage_fen: int
    probation_wage_fen: int
    pay_items: dict[str, Any]
    state: str
    steps: tuple[dict[str, Any], ...]
    employee_id: int | None
    interview_id: int | None
    # for a form in approval: the post's licences against the register on the start date (refusals block
    # the next approving signature; warnings are shown and kept with it)
    licence_findings: tuple[LicenceFinding, ...] = ()


@dataclass(frozen=True)
class HireResult:
    employee_id: int
    staff_no: str
    learning_path_id: int | None
    path_courses: tuple[str, ...]
    review_id: int | None
    licence_warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProbationRow:
    review_id: int
    version: int
    employee_id: int
    person_id: int
    staff_no: str
    name: str
    department: str
    hire_date: date
    probation_end: date | None
    due_date: date
    days_left: int
    outcome: str


@dataclass(frozen=True)
class ProbationContext:
    row: ProbationRow
    interview: InterviewInfo | None
    training: tuple[TrainingRow, ...]
    attendance: dict[str, float]  # days_worked, absent_days, late_count, leave_days over probation
    current_coefficient: float
    proposed_coefficient: float
    latest_extension: date | None
    phrases: tuple[SummaryPhrase, ...]


@dataclass(frozen=True)
class ArchiveItem:
    kind: str  # document/audio/video/transcript/report/consent
    label: str
    path: str  # as stored in the database: archive/<path> ("" for records kept in the database)
    added_by: str
    added_at: datetime | None
    size_bytes: int
    exists: bool
    interview_id: int | None = None
    document_id: int | None = None


@dataclass(frozen=True)
class RetentionItem:
    interview_id: int | None
    document_id: int | None
    recording_id: int | None
    person_id: int
    candidate_status: str
    ended_on: date
    files: tuple[str, ...]
    bytes: int


@dataclass(frozen=True)
class RetentionResult:
    items: tuple[RetentionItem, ...]
    deleted: bool
    log_id: int | None
    changes: ChangeSet = field(default_factory=ChangeSet)


# ------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return text.strip().lower()


def _dec_yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class TalentService(Service):
    def __init__(self, factory: Any, data: DataDir | None = None) -> None:
        super().__init__(factory)
        self._data = data

    @property
    def data(self) -> DataDir:
        if self._data is None:
            raise InvalidInput(_("No data folder is open."))
        return self._data

    # ======================================================================== profile
    def profile(self, person_id: int, today: date | None = None) -> Profile:
        today = today or date.today()
        with self._uow() as s:
            p = s.get(Person, person_id)
            if p is None:
                raise NotFound(_("Person {id} does not exist. Reload the list.").format(id=person_id))
            emp = s.scalar(select(Employee).where(Employee.person_id == person_id))
            cands = s.scalars(select(Candidate).where(Candidate.person_id == person_id).order_by(Candidate.id)).all()
            pay = s.scalar(select(PayProfile).where(PayProfile.employee_id == emp.id)) if emp else None
            position_id = emp.position_id if emp and emp.position_id else (cands[-1].position_id if cands else None)
            position = s.get(Position, position_id) if position_id else None
            dept = s.get(Department, emp.department_id if emp else position.department_id) if (emp or position) else None
            resume: dict[str, Any] = {}
            corrected: list[str] = []
            for c in cands:
                resume.update(c.extracted or {})
                corr = resume_corrections(c.corrections)
                resume.update(corr)
                corrected += list(corr)
            licences = tuple(
                LicenceInfo(lic.id, lic.kind, lic.number, lic.expiry_date, licence_state(lic.expiry_date, today).value)
                for lic in s.scalars(select(Licence).where(Licence.person_id == person_id).order_by(Licence.kind)).all()
            )
            interviews = tuple(self._interviews(s, [c.id for c in cands]))
            assessments = tuple(
                AssessmentRow(a.id, a.version, a.kind, a.name, a.taken_on, a.score, a.max_score, a.dimension, a.notes)
                for a in s.scalars(select(Assessment).where(Assessment.person_id == person_id)
                                   .order_by(Assessment.taken_on.desc(), Assessment.id)).all()
            )
            training = tuple(self._training(s, person_id))
            coefficients: tuple[CoefficientRow, ...] = ()
            if emp:
                coefficients = tuple(
                    CoefficientRow(c.id, c.effective_month, c.coefficient, c.reason, c.source, c.status, c.decided_by)
                    for c in s.scalars(select(PerformanceCoefficient).where(PerformanceCoefficient.employee_id == emp.id)
                                       .order_by(PerformanceCoefficient.effective_month, PerformanceCoefficient.id)).all()
                )
            dims: list[tuple[str, float, int]] = []
            if position is not None:
                dims = [(c.name, c.pass_bar, c.weight) for c in s.scalars(
                    select(PositionCompetency).where(PositionCompetency.position_id == position.id)
                    .order_by(PositionCompetency.sort_order)).all()]
            ev_rows = s.scalars(select(CompetencyEvidence).where(CompetencyEvidence.person_id == person_id)
                                .order_by(CompetencyEvidence.observed_on, CompetencyEvidence.id)).all()
            evidence = tuple(EvidenceRow(e.id, e.dimension, e.score, e.source, e.observed_on, e.note) for e in ev_rows)
            picture = competency_picture(dims, (EvidencePoint(e.id, e.dimension, e.score, e.source, e.observed_on, e.note)
                                                for e in evidence))
            phrases = summary_phrases(picture)
            stage = self._stage(s, emp, cands)
            return Profile(
                p.id, p.name, p.gender, p.birth_date, p.phone or "", p.email or "", p.highest_degree, p.school, p.major,
                p.professional_title, stage, emp.staff_no if emp else "", emp.id if emp else None,
                dept.name if dept else "", position.title if position else "", position.id if position else None,
                emp.hire_date if emp else None, emp.probation_end if emp else None,
                pay.post_grade if pay else "", pay.salary_level if pay else None,
                pay.performance_coefficient if pay else None,
                resume, tuple(dict.fromkeys(corrected)), licences, interviews, assessments, training, coefficients,
                tuple(picture), tuple(phrases), summary_text(phrases), evidence,
            )

    def _stage(self, s: Session, emp: Employee | None, cands: Sequence[Candidate]) -> str:
        if emp is not None:
            return {"probation": "probation", "left": "left"}.get(emp.status, "employee")
        if not cands:
            return "candidate"
        pending = s.scalar(select(func.count()).select_from(OnboardingForm).where(
            OnboardingForm.candidate_id.in_([c.id for c in cands]),
            OnboardingForm.state.in_(("draft", "hr", "dept_head", "hr_manager"))))
        if pending:
            return "onboarding"
        if any(c.status == "pool" for c in cands):
            return "pool"
        return "candidate"

    def _interviews(self, s: Session, candidate_ids: Sequence[int]) -> list[InterviewInfo]:
        if not candidate_ids:
            return []
        out = []
        rows = s.execute(select(Interview, Position.title).join(Position, Interview.position_id == Position.id)
                         .where(Interview.candidate_id.in_(candidate_ids)).order_by(Interview.scheduled_at, Interview.id)).all()
        for iv, title in rows:
            a = s.scalar(select(InterviewAssessment).where(InterviewAssessment.interview_id == iv.id))
            d = s.scalar(select(InterviewDecision).where(InterviewDecision.interview_id == iv.id)
                         .order_by(InterviewDecision.decided_at.desc(), InterviewDecision.id.desc()).limit(1))
            dims = tuple((name, v.get("blended"), v.get("bar")) for name, v in (a.dimensions if a else {}).items())
            out.append(InterviewInfo(
                iv.id, iv.candidate_id, title, iv.scheduled_at,
                a.total if a and a.total is not None else iv.total_score,
                (a.recommendation if a else "") or (iv.recommendation or ""),
                d.decision if d else (iv.decision or ""), d.decided_by if d else iv.decided_by,
                d.reason if d else iv.decision_reason, dims,
            ))
        return out

    def _training(self, s: Session, person_id: int) -> list[TrainingRow]:
        return [TrainingRow(title, e.status, e.score, e.completed_on) for e, title in s.execute(
            select(Enrollment, Course.title).join(Course, Enrollment.course_id == Course.id)
            .where(Enrollment.person_id == person_id).order_by(Enrollment.completed_on, Course.code)).all()]

    # ======================================================================== assessments
    def save_assessment(
        self, person_id: int, *, name: str, taken_on: date, score: float | None, notes: str = "",
        kind: str = "other", max_score: float | None = None, dimension: str = "",
        assessment_id: int | None = None, version: int | None = None,
    ) -> tuple[int, ChangeSet]:
        """Add (``assessment_id`` None) or edit an HR assessment. A dimension and a score on a 0–10 (or
        0–``max_score``) scale also add a ``competency_evidence`` row (source ``assessment``)."""
        name = name.strip()
        if not name:
            raise InvalidInput(_("Give the assessment a name."))
        if score is not None and (score < 0 or (max_score is not None and score > max_score)):
            raise InvalidInput(_("The score {score} is outside 0–{max}.").format(score=score, max=max_score))
        with self._uow(write=True) as s:
            if s.get(Person, person_id) is None:
                raise NotFound(_("Person {id} does not exist. Reload the list.").format(id=person_id))
            if assessment_id is None:
                row = Assessment(person_id=person_id, kind=kind, name=name, taken_on=taken_on)
                s.add(row)
            else:
                row = load_for_update(s, Assessment, assessment_id, version or 0, _("Assessment {name}").format(name=name))
            row.kind, row.name, row.taken_on, row.score, row.max_score = kind, name, taken_on, score, max_score
            row.dimension, row.notes = dimension, notes
            s.flush()
            s.execute(delete(CompetencyEvidence).where(CompetencyEvidence.source == "assessment",
                                                       CompetencyEvidence.source_id == row.id))
            if dimension and score is not None:
                scaled = score * 10.0 / max_score if max_score else score
                if scaled > 10:
                    raise InvalidInput(_("Give a maximum score: {score} is not on the 0–10 scale.").format(score=score))
                s.add(CompetencyEvidence(person_id=person_id, dimension=dimension, score=round(scaled, 2),
                                         source="assessment", source_id=row.id, observed_on=taken_on, note=name[:200]))
            return row.id, ChangeSet.of("assessments", "competency_evidence")

    def delete_assessment(self, assessment_id: int) -> ChangeSet:
        with self._uow(write=True) as s:
            s.execute(delete(CompetencyEvidence).where(CompetencyEvidence.source == "assessment",
                                                       CompetencyEvidence.source_id == assessment_id))
            s.execute(delete(Assessment).where(Assessment.id == assessment_id))
        return ChangeSet.of("assessments", "competency_evidence")

    def export_profile_pdf(self, person_id: int, path: Path, today: date | None = None) -> Path:
        from app.reports.profile_pdf import write_profile_pdf

        return write_profile_pdf(self.profile(person_id, today), path)

    def export_onboarding_pdf(self, form_id: int, path: Path) -> Path:
        from app.reports.onboarding_pdf import write_onboarding_pdf

        form = self.onboarding_form(form_id)
        labels = {k: _(v) for k, v in STEP_LABELS.items()}
        labels.update({"created": _("Prepared"), "approve": _("approve"), "reject": _("reject")})
        return write_onboarding_pdf(form, path, step_labels=labels, state_label=form_state_label(form.state),
                                    contract_label=prob.contract_label(form.contract_type),
                                    rule_label=prob.rule_label(form.probation_rule))

    # ======================================================================== search
    def search(self, q: SearchQuery) -> list[PersonHit]:
        with self._uow() as s:
            people = {p.id: p for p in s.scalars(select(Person)).all()}
            emps = {e.person_id: e for e in s.scalars(select(Employee)).all()}
            cands: dict[int, Candidate] = {}
            for c in s.scalars(select(Candidate).order_by(Candidate.id)).all():
                cands[c.person_id] = c  # latest application
            depts = dict(s.execute(select(Department.id, Department.name)).all())
            positions = {p.id: (p.title, p.department_id) for p in s.scalars(select(Position)).all()}
            licences: dict[int, list[str]] = {}
            for pid, kind in s.execute(select(Licence.person_id, Licence.kind)).all():
                licences.setdefault(pid, []).append(kind)
            totals: dict[int, float] = {}
            for cid, total, _when in s.execute(select(Interview.candidate_id, Interview.total_score, Interview.scheduled_at)
                                               .where(Interview.total_score.is_not(None))
                                               .order_by(Interview.scheduled_at, Interview.id)).all():
                totals[cid] = float(total)
        out = []
        for pid, p in people.items():
            e, c = emps.get(pid), cands.get(pid)
            if e is None and c is None:
                continue
            role = "employee" if e else "candidate"
            if q.role and q.role != role:
                continue
            pos_id = e.position_id if e and e.position_id else (c.position_id if c else None)
            title, pos_dept = positions.get(pos_id, ("", None)) if pos_id else ("", None)
            dept = depts.get(e.department_id if e else pos_dept, "") if (e or pos_dept) else ""
            score = (totals.get(c.id) if c else None)
            if score is None and c is not None and c.screening_score is not None:
                score = float(c.screening_score)
            if q.name and _norm(q.name) not in _norm(p.name):
                continue
            if q.title and _norm(q.title) not in _norm(p.professional_title):
                continue
            if q.department and _norm(q.department) not in _norm(dept):
                continue
            if q.licence and not any(_norm(q.licence) in _norm(k) for k in licences.get(pid, [])):
                continue
            if q.skill:
                hay = " ".join([p.major, p.school, c.resume_text if c else "", json.dumps(c.extracted if c else {}, ensure_ascii=False),
                                json.dumps(c.corrections if c else {}, ensure_ascii=False)])
                if _norm(q.skill) not in _norm(hay):
                    continue
            if q.score_min is not None and (score is None or score < q.score_min):
                continue
            if q.score_max is not None and (score is None or score > q.score_max):
                continue
            out.append(PersonHit(pid, p.name, role, e.status if e else (c.status if c else ""), e.staff_no if e else "",
                                 dept, title, p.professional_title, p.highest_degree, tuple(licences.get(pid, [])),
                                 score, c.id if c else None, e.id if e else None))
        out.sort(key=lambda h: (h.role != "employee", h.staff_no, h.name, h.person_id))
        return out

    def saved_searches(self) -> list[SavedSearchRow]:
        with self._uow() as s:
            return [SavedSearchRow(r.id, r.name, SearchQuery.from_json(r.query))
                    for r in s.scalars(select(SavedSearch).order_by(SavedSearch.name)).all()]

    def save_search(self, name: str, q: SearchQuery) -> tuple[int, ChangeSet]:
        name = name.strip()
        if not name:
            raise InvalidInput(_("Give the search a name."))
        with self._uow(write=True) as s:
            row = s.scalar(select(SavedSearch).where(SavedSearch.name == name))
            if row is None:
                row = SavedSearch(name=name)
                s.add(row)
            row.query = q.to_json()
            s.flush()
            return row.id, ChangeSet.of("saved_searches")

    def delete_search(self, search_id: int) -> ChangeSet:
        with self._uow(write=True) as s:
            s.execute(delete(SavedSearch).where(SavedSearch.id == search_id))
        return ChangeSet.of("saved_searches")

    def export_people(self, hits: Sequence[PersonHit], path: Path) -> Path:
        """An Excel list of the (filtered) people, headings in the UI language."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook(write_only=False)
        ws = wb.active
        ws.title = _("People")
        heads = [_("Name"), _("Role"), _("Status"), _("Staff no."), _("Department"), _("Position"), _("Title"),
                 _("Degree"), _("Licences"), _("Score")]
        ws.append(heads)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for h in hits:
            ws.append([h.name, _("employee") if h.role == "employee" else _("candidate"), h.status, h.staff_no,
                       h.department, h.position, h.professional_title, h.highest_degree, "、".join(h.licences),
                       round(h.score, 1) if h.score is not None else None])
        for col, width in zip("ABCDEFGHIJ", (10, 8, 10, 10, 16, 18, 12, 8, 30, 8), strict=True):
            ws.column_dimensions[col].width = width
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    # ======================================================================== talent pool
    def pool(self) -> list[PoolRow]:
        with self._uow() as s:
            rows = s.execute(select(Candidate, Person, Position.title).join(Person, Candidate.person_id == Person.id)
                             .outerjoin(Position, Candidate.position_id == Position.id)
                             .where(Candidate.status == "pool").order_by(Candidate.applied_at.desc(), Candidate.id)).all()
            out = []
            for c, p, title in rows:
                iv = s.scalar(select(Interview).where(Interview.candidate_id == c.id)
                              .order_by(Interview.scheduled_at.desc(), Interview.id.desc()).limit(1))
                reason = pool_reason(c.corrections)
                score = c.screening_score
                if iv is not None:
                    score = iv.total_score if iv.total_score is not None else score
                    d = s.scalar(select(InterviewDecision).where(InterviewDecision.interview_id == iv.id)
                                 .order_by(InterviewDecision.decided_at.desc()).limit(1))
                    if not reason and d is not None:
                        reason = d.reason
                out.append(PoolRow(c.id, p.id, p.name, title or "", p.highest_degree, p.professional_title,
                                   score, reason, c.applied_at))
            return out

    def move_to_pool(self, candidate_id: int, reason: str, *, user: str) -> ChangeSet:
        reason = reason.strip()
        if not reason:
            raise InvalidInput(_("Say why the candidate goes to the talent pool (e.g. no vacancy this time)."))
        with self._uow(write=True) as s:
            c = s.get(Candidate, candidate_id)
            if c is None:
                raise NotFound(_("Candidate {id} does not exist. Reload the list.").format(id=candidate_id))
            if c.status == "hired":
                raise Conflict(_("The candidate was hired; a hired candidate cannot go to the talent pool."))
            c.status = "pool"
            c.corrections = with_pool_reason(c.corrections, reason, by=user, at=utcnow())
            iv = s.scalar(select(Interview).where(Interview.candidate_id == c.id)
                          .order_by(Interview.scheduled_at.desc(), Interview.id.desc()).limit(1))
            if iv is not None:
                s.add(InterviewDecision(interview_id=iv.id, decision="hold", reason=reason, decided_by=user))
        return ChangeSet.of("candidates", "interview_decisions")

    # ======================================================================== onboarding
    def _pay_tables(self) -> tuple[Any, Decimal]:
        from app.payroll.social import load_city_settings
        from app.payroll.structure import load_structure

        structure = load_structure()
        cities = load_city_settings()
        city = cities.get("default") or next(iter(cities.values()))
        return structure, city.at(date.today()).minimum_wage

    def _contract_wage(self, structure: Any, grade: str, level: int) -> tuple[Decimal, Decimal, dict[str, int]]:
        post_t, level_t = structure.tables.get("岗位工资"), structure.tables.get("薪级工资")
        post = post_t.lookup(grade) if post_t else None
        if post is None:
            raise InvalidInput(_("The post grade {grade} is not in the pay structure's 岗位工资 table.").format(grade=grade))
        lvl = level_t.lookup(str(level)) if level_t else None
        if lvl is None:
            raise InvalidInput(_("The salary level {level} is not in the pay structure's 薪级工资 table.").format(level=level))
        lowest = level_t.lookup("1") if level_t else None
        items = {"岗位工资": _fen(post), "薪级工资": _fen(lvl)}
        return post + lvl, post + (lowest or Decimal(0)), items

    def create_onboarding(
        self, candidate_id: int, *, start_date: date, user: str, contract_type: str = "fixed_3y",
        contract_years: float | None = None, public_institution: bool = True, first_employment: bool = True,
        grade: str | None = None, salary_level: int = 1, probation_ratio: str = "0.8",
        probation_months: int | None = None, performance_coefficient: float = DEFAULT_PROBATION_COEFFICIENT,
    ) -> tuple[int, ChangeSet]:
        """A new 入职审批单 pre-filled from the candidate, the post and the interview (state ``hr``)."""
        structure, minimum = self._pay_tables()
        with self._uow(write=True) as s:
            c = s.get(Candidate, candidate_id)
            if c is None:
                raise NotFound(_("Candidate {id} does not exist. Reload the list.").format(id=candidate_id))
            if c.status == "hired" or s.scalar(select(Employee.id).where(Employee.person_id == c.person_id)):
                raise Conflict(_("This person is already an employee; there is nothing to onboard."))
            open_form = s.scalar(select(OnboardingForm.id).where(OnboardingForm.candidate_id == c.id,
                                                                 OnboardingForm.state.in_(tuple(NEXT_STATE))))
            if open_form:
                raise Conflict(_("An onboarding form for this candidate is already in approval (form {id}).").format(id=open_form))
            if c.position_id is None:
                raise InvalidInput(_("The candidate has no position; set the position before onboarding."))
            pos = s.get(Position, c.position_id)
            assert pos is not None
            iv = s.scalar(select(Interview).where(Interview.candidate_id == c.id)
                          .order_by(Interview.scheduled_at.desc(), Interview.id.desc()).limit(1))
            years = contract_years if contract_years is not None else prob.CONTRACT_TYPES.get(contract_type, ("", None))[1]
            term = prob.probation_term(contract_type, years, public_institution=public_institution,
                                       first_employment=first_employment)
            months = term.months if probation_months is None else probation_months
            if months < 0 or months > term.months:
                raise InvalidInput(_("A probation of {months} months is longer than the law allows here ({max} months: {basis}).").format(
                    months=months, max=term.months, basis=term.basis))
            grade = grade or _default_grade(pos, structure)
            contract, lowest, items = self._contract_wage(structure, grade, salary_level)
            try:
                ratio = Decimal(probation_ratio)
            except ArithmeticError:
                raise InvalidInput(_("The probation pay ratio must be a number between 0.8 and 1.")) from None
            pay = prob.probation_pay(contract, minimum, lowest, ratio)
            form = OnboardingForm(
                candidate_id=c.id, interview_id=iv.id if iv else None, department_id=pos.department_id, position_id=pos.id,
                grade=grade, salary_level=salary_level, start_date=start_date, contract_type=contract_type,
                contract_years=years or 0.0, probation_months=months, probation_rule=term.rule,
                contract_wage_fen=_fen(contract), probation_wage_fen=_fen(pay.amount) if months else _fen(contract),
                pay_items={**items, "probation_ratio": str(ratio), "probation_basis": pay.floor_reason,
                           "performance_coefficient": performance_coefficient, "category": FAMILY_CATEGORY.get(pos.job_family, "")},
                state="hr", steps=[{"role": "created", "by": user, "at": utcnow().isoformat(timespec="seconds"),
                                    "decision": "created", "note": term.basis}],
            )
            s.add(form)
            c.status = "offer"
            s.flush()
            return form.id, ChangeSet.of("onboarding_forms", "candidates")

    def onboarding_forms(self, *, open_only: bool = False) -> list[OnboardingRow]:
        with self._uow() as s:
            stmt = (select(OnboardingForm, Person, Department.name, Position.title)
                    .join(Candidate, OnboardingForm.candidate_id == Candidate.id)
                    .join(Person, Candidate.person_id == Person.id)
                    .join(Department, OnboardingForm.department_id == Department.id)
                    .join(Position, OnboardingForm.position_id == Position.id)
                    .order_by(OnboardingForm.start_date.desc(), OnboardingForm.id.desc()))
            if open_only:
                stmt = stmt.where(OnboardingForm.state.in_(tuple(NEXT_STATE)))
            return [_form_row(f, p, d, t, self._findings(s, f)) for f, p, d, t in s.execute(stmt).all()]

    def onboarding_form(self, form_id: int) -> OnboardingRow:
        with self._uow() as s:
            row = s.execute(select(OnboardingForm, Person, Department.name, Position.title)
                            .join(Candidate, OnboardingForm.candidate_id == Candidate.id)
                            .join(Person, Candidate.person_id == Person.id)
                            .join(Department, OnboardingForm.department_id == Department.id)
                            .join(Position, OnboardingForm.position_id == Position.id)
                            .where(OnboardingForm.id == form_id)).first()
            if row is None:
                raise NotFound(_("Onboarding form {id} does not exist. Reload the list.").format(id=form_id))
            return _form_row(*row, self._findings(s, row[0]))

    def _findings(self, s: Session, form: OnboardingForm) -> tuple[LicenceFinding, ...]:
        """Licence findings of a form still in approval (decided forms keep theirs in their steps)."""
        return self._licence_check(s, form).findings if form.state in NEXT_STATE else ()

    @staticmethod
    def _licence_check(s: Session, form: OnboardingForm) -> LicenceCheck:
        pos = s.get(Position, form.position_id)
        cand = s.get(Candidate, form.candidate_id)
        required = (pos.requirements or {}).get("licences") if pos is not None else None
        if isinstance(required, str):
            required = [x for x in required.replace("，", "、").replace(",", "、").split("、")]
        held = [HeldLicence(lic.kind, lic.number, lic.issue_date, lic.expiry_date, lic.next_assessment)
                for lic in s.scalars(select(Licence).where(Licence.person_id == cand.person_id)).all()] if cand else []
        return check_licences(list(required or ()), held, form.start_date)

    def sign_onboarding(
        self, form_id: int, version: int, *, user: str = "", approve: bool, note: str = "",
        signer: Principal | None = None,
    ) -> tuple[HireResult | None, ChangeSet]:
        """The current step's signature. The HR manager's approval hires the candidate atomically.

        ``signer``: the signed-in person (their name is used); ``user``: the typed name otherwise. An approval
        is refused while the post's licences are not in order (see :mod:`app.talent.licences`); warnings are
        kept in the step and, on the final approval, returned in :attr:`HireResult.licence_warnings`."""
        user = signer_name(signer, user)
        if not user:
            raise InvalidInput(_("Enter who signs this step."))
        with self._uow(write=True) as s:
            form = load_for_update(s, OnboardingForm, form_id, version, _("Onboarding form {id}").format(id=form_id))
            if form.state not in NEXT_STATE:
                raise Conflict(_("The onboarding form is {state}; it cannot be signed any more.").format(
                    state=form_state_label(form.state)))
            role = "hr" if form.state == "draft" else form.state
            signers = {st.get("by") for st in form.steps if st.get("role") in STEP_ROLES}
            if user in signers:
                raise Conflict(_("{user} already signed this form; another person must sign the {role} step.").format(
                    user=user, role=_(STEP_LABELS[role])))
            if not approve and not note.strip():
                raise InvalidInput(_("Give a reason for the rejection."))
            step: dict[str, Any] = {"role": role, "by": user, "at": utcnow().isoformat(timespec="seconds"),
                                    "decision": "approve" if approve else "reject", "note": note.strip()}
            warnings: tuple[str, ...] = ()
            if approve:
                check = self._licence_check(s, form)
                if check.refusals:
                    raise InvalidInput(refusal_message(check))
                warnings = tuple(f.message for f in check.warnings)
                if warnings:
                    step["licence_warnings"] = list(warnings)
            form.steps = [*form.steps, step]
            changes = ChangeSet.of("onboarding_forms")
            result = None
            if not approve:
                form.state = "rejected"
                cand = s.get(Candidate, form.candidate_id)
                if cand is not None and cand.status == "offer":
                    cand.status = "interview" if form.interview_id else "screened"
                return None, changes | ChangeSet.of("candidates")
            form.state = NEXT_STATE[form.state]
            if form.state == "approved":
                result = self._hire(s, form, user, warnings)
                changes = changes | ChangeSet.of("people", "employees", "pay_profiles", "candidates", "learning_paths",
                                                 "path_items", "probation_reviews", "performance_coefficients")
            return result, changes

    def _hire(self, s: Session, form: OnboardingForm, user: str, warnings: tuple[str, ...] = ()) -> HireResult:
        cand = s.get(Candidate, form.candidate_id)
        assert cand is not None
        if s.scalar(select(Employee.id).where(Employee.person_id == cand.person_id)):
            raise Conflict(_("This person is already an employee; there is nothing to onboard."))
        numbers = [int(n[1:]) for n in s.scalars(select(Employee.staff_no)).all() if n[:1] == "E" and n[1:].isdigit()]
        staff_no = f"E{(max(numbers) + 1) if numbers else 10001}"
        end = prob.probation_end(form.start_date, form.probation_months)
        pos = s.get(Position, form.position_id)
        emp = Employee(person_id=cand.person_id, staff_no=staff_no, department_id=form.department_id,
                       position_id=form.position_id, hire_date=form.start_date, contract_type=form.contract_type,
                       probation_end=end, status="probation" if end else "active",
                       nursing_start=form.start_date if pos is not None and pos.job_family == "nursing" else None)
        s.add(emp)
        s.flush()
        coeff = float(form.pay_items.get("performance_coefficient", DEFAULT_PROBATION_COEFFICIENT)) if end else 1.0
        s.add(PayProfile(employee_id=emp.id, post_grade=form.grade, salary_level=form.salary_level,
                         contract_wage_fen=form.contract_wage_fen, performance_coefficient=coeff,
                         category=str(form.pay_items.get("category", "")),
                         si_base_fen=form.contract_wage_fen, hf_base_fen=form.contract_wage_fen))
        s.add(PerformanceCoefficient(employee_id=emp.id, effective_month=str(Month(form.start_date.year, form.start_date.month)),
                                     coefficient=coeff, reason=_("Initial coefficient at hiring"),
                                     source="probation", status="approved", decided_by=user))
        cand.status = "hired"
        form.employee_id = emp.id
        # learning path from the interview's gaps
        path_id, codes = None, ()
        assessment = s.scalar(select(InterviewAssessment).where(InterviewAssessment.interview_id == form.interview_id)) \
            if form.interview_id else None
        gaps = interview_gaps(assessment.dimensions) if assessment else []
        if gaps:
            courses = [CourseInfo(c.id, c.code, c.title, c.level, tuple(c.dimensions or ()), tuple(c.prerequisites or ()))
                       for c in s.scalars(select(Course).order_by(Course.code)).all()]
            suggestions = suggest_path(gaps, courses)
            if suggestions:
                path = LearningPath(person_id=cand.person_id, title=_("Onboarding: interview gaps"), status="draft",
                                    created_by=user, source="onboarding")
                s.add(path)
                s.flush()
                due = form.start_date + timedelta(days=90)
                for i, sug in enumerate(suggestions):
                    s.add(PathItem(path_id=path.id, course_id=sug.course_id, sort_order=i, reason=sug.reason[:200], due_date=due))
                path_id, codes = path.id, tuple(x.course_code for x in suggestions)
        review_id = None
        if end:
            review = ProbationReview(employee_id=emp.id, due_date=prob.review_due_date(end),
                                     notes=_("Reference: interview {id}").format(id=form.interview_id) if form.interview_id else "")
            s.add(review)
            s.flush()
            review_id = review.id
        log.info("onboarding form %s approved: employee %s created", form.id, emp.id)
        return HireResult(emp.id, staff_no, path_id, tuple(codes), review_id, warnings)

    # ======================================================================== probation
    def probation_due(self, today: date | None = None, within_days: int | None = 30) -> list[ProbationRow]:
        """Open probation reviews, soonest first; ``within_days`` limits to those due by then (overdue included)."""
        today = today or date.today()
        with self._uow() as s:
            stmt = (select(ProbationReview, Employee, Person.name, Department.name)
                    .join(Employee, ProbationReview.employee_id == Employee.id)
                    .join(Person, Employee.person_id == Person.id)
                    .join(Department, Employee.department_id == Department.id)
                    .where(ProbationReview.outcome == "").order_by(ProbationReview.due_date, Employee.staff_no))
            if within_days is not None:
                stmt = stmt.where(ProbationReview.due_date <= today + timedelta(days=within_days))
            return [_probation_row(r, e, n, d, today) for r, e, n, d in s.execute(stmt).all()]

    def probation_context(self, review_id: int, today: date | None = None) -> ProbationContext:
        today = today or date.today()
        with self._uow() as s:
            row = s.execute(select(ProbationReview, Employee, Person.name, Department.name)
                            .join(Employee, ProbationReview.employee_id == Employee.id)
                            .join(Person, Employee.person_id == Person.id)
                            .join(Department, Employee.department_id == Department.id)
                            .where(ProbationReview.id == review_id)).first()
            if row is None:
                raise NotFound(_("Probation review {id} does not exist. Reload the list.").format(id=review_id))
            review, emp, name, dept = row
            form = s.scalar(select(OnboardingForm).where(OnboardingForm.employee_id == emp.id))
            interview = None
            cand_ids = list(s.scalars(select(Candidate.id).where(Candidate.person_id == emp.person_id)).all())
            infos = self._interviews(s, cand_ids)
            if form is not None and form.interview_id:
                interview = next((i for i in infos if i.id == form.interview_id), None)
            if interview is None and infos:
                interview = infos[-1]
            months = s.scalars(select(AttendanceMonth).where(AttendanceMonth.employee_id == emp.id,
                                                             AttendanceMonth.month >= emp.hire_date.strftime("%Y-%m"))).all()
            att = {"months": float(len(months)), "days_worked": sum(m.days_worked for m in months),
                   "absent_days": sum(m.absent_days for m in months), "late_count": float(sum(m.late_count for m in months)),
                   "leave_days": sum(sum((m.leave_days or {}).values()) for m in months)}
            pay = s.scalar(select(PayProfile).where(PayProfile.employee_id == emp.id))
            current = pay.performance_coefficient if pay else 1.0
            rule = form.probation_rule if form else prob.RULE_LABOUR_LAW
            years = form.contract_years if form else None
            latest = prob.latest_extension_end(emp.hire_date, rule, emp.contract_type if emp.contract_type in prob.CONTRACT_TYPES else "fixed_3y", years)
            training = tuple(self._training(s, emp.person_id))
        prof = self.profile(emp.person_id, today)
        return ProbationContext(_probation_row(review, emp, name, dept, today), interview, training, att, current,
                                proposed_coefficient(current, prof.picture), latest, prof.phrases)

    def decide_probation(
        self, review_id: int, version: int, *, outcome: str, user: str, notes: str = "",
        extend_to: date | None = None, new_coefficient: float | None = None, today: date | None = None,
    ) -> ChangeSet:
        """confirm / extend (within the legal maximum) / end. Confirm proposes ``new_coefficient`` for the
        month after ``today`` (status ``proposed``; approve it with :meth:`approve_coefficient`)."""
        today = today or date.today()
        if outcome not in OUTCOMES:
            raise InvalidInput(_("Unknown outcome {outcome}: use confirm, extend or end.").format(outcome=outcome))
        if not user.strip():
            raise InvalidInput(_("Enter who decides the probation review."))
        if new_coefficient is not None and not (0.0 < new_coefficient <= 3.0):
            raise InvalidInput(_("A performance coefficient must be above 0 and at most 3, not {value}.").format(value=new_coefficient))
        with self._uow(write=True) as s:
            review = load_for_update(s, ProbationReview, review_id, version, _("Probation review {id}").format(id=review_id))
            if review.outcome:
                raise Conflict(_("This probation review was already decided."))
            emp = s.get(Employee, review.employee_id)
            assert emp is not None
            changes = ChangeSet.of("probation_reviews", "employees")
            review.outcome, review.notes, review.decided_by, review.decided_at = outcome, notes, user, utcnow()
            if outcome == "extend":
                if extend_to is None:
                    raise InvalidInput(_("Give the new end date of the probation."))
                form = s.scalar(select(OnboardingForm).where(OnboardingForm.employee_id == emp.id))
                rule = form.probation_rule if form else prob.RULE_LABOUR_LAW
                ctype = emp.contract_type if emp.contract_type in prob.CONTRACT_TYPES else "fixed_3y"
                prob.check_extension(emp.hire_date, emp.probation_end, extend_to, rule, ctype, form.contract_years if form else None)
                review.extended_to = extend_to
                emp.probation_end = extend_to
                s.add(ProbationReview(employee_id=emp.id, due_date=prob.review_due_date(extend_to, 7),
                                      notes=_("Follow-up of the extended probation")))
            elif outcome == "confirm":
                emp.status = "active"
                if emp.probation_end is None or emp.probation_end > today:
                    emp.probation_end = today  # confirmed early: probation ends today
                if new_coefficient is not None:
                    review.new_coefficient = new_coefficient
                    s.add(PerformanceCoefficient(
                        employee_id=emp.id, effective_month=str(Month(today.year, today.month).next()),
                        coefficient=new_coefficient, reason=_("Probation review {id}").format(id=review.id),
                        source="probation", status="proposed", decided_by=""))
                    changes = changes | ChangeSet.of("performance_coefficients")
            else:
                emp.status = "left"
                emp.leave_date = today
            return changes

    def approve_coefficient(self, coefficient_id: int, *, user: str, approve: bool = True, today: date | None = None) -> ChangeSet:
        today = today or date.today()
        with self._uow(write=True) as s:
            c = s.get(PerformanceCoefficient, coefficient_id)
            if c is None:
                raise NotFound(_("Coefficient {id} does not exist. Reload the list.").format(id=coefficient_id))
            if c.status != "proposed":
                raise Conflict(_("Only a proposed coefficient can be approved or rejected."))
            c.status, c.decided_by = ("approved" if approve else "rejected"), user
            s.flush()
            self._apply(s, str(Month(today.year, today.month)), [c.employee_id])
        return ChangeSet.of("performance_coefficients", "pay_profiles")

    def proposed_coefficients(self) -> list[ProposedCoefficient]:
        with self._uow() as s:
            rows = s.execute(select(PerformanceCoefficient, Employee.staff_no, Person.name, PayProfile.performance_coefficient)
                             .join(Employee, PerformanceCoefficient.employee_id == Employee.id)
                             .join(Person, Employee.person_id == Person.id)
                             .outerjoin(PayProfile, PayProfile.employee_id == Employee.id)
                             .where(PerformanceCoefficient.status == "proposed")
                             .order_by(PerformanceCoefficient.effective_month, Employee.staff_no)).all()
            return [ProposedCoefficient(c.id, c.employee_id, staff_no, name, current if current is not None else 1.0,
                                        c.coefficient, c.effective_month, c.reason) for c, staff_no, name, current in rows]

    def apply_coefficients(self, month: str) -> tuple[int, ChangeSet]:
        """Copy each employee's latest approved coefficient effective by ``month`` into the pay profile."""
        try:
            Month.parse(month)
        except Exception:
            raise InvalidInput(_("Write the month as YYYY-MM, e.g. 2026-12.")) from None
        with self._uow(write=True) as s:
            n = self._apply(s, month, None)
        return n, ChangeSet.of("pay_profiles")

    def _apply(self, s: Session, month: str, employee_ids: Sequence[int] | None) -> int:
        stmt = (select(PerformanceCoefficient).where(PerformanceCoefficient.status == "approved",
                                                     PerformanceCoefficient.effective_month <= month)
                .order_by(PerformanceCoefficient.effective_month, PerformanceCoefficient.id))
        if employee_ids is not None:
            stmt = stmt.where(PerformanceCoefficient.employee_id.in_(employee_ids))
        latest: dict[int, float] = {}
        for c in s.scalars(stmt).all():
            latest[c.employee_id] = c.coefficient
        changed = 0
        for emp_id, value in latest.items():
            pay = s.scalar(select(PayProfile).where(PayProfile.employee_id == emp_id))
            if pay is not None and pay.performance_coefficient != value:
                pay.performance_coefficient = value
                changed += 1
        return changed

    # ======================================================================== archive
    def _file(self, stored: str) -> Path:
        """The file of a path stored in the database (``archive/...`` lives in the archive folder, which may
        be a share: StorageError when it is unreachable); refuses paths that leave their folder."""
        return _stored_file(self.data, stored)

    def archive(self, person_id: int) -> list[ArchiveItem]:
        with self._uow() as s:
            if s.get(Person, person_id) is None:
                raise NotFound(_("Person {id} does not exist. Reload the list.").format(id=person_id))
            items: list[ArchiveItem] = []
            for d in s.scalars(select(Document).where(Document.person_id == person_id).order_by(Document.added_at, Document.id)).all():
                f = self._file(d.stored_path)
                items.append(ArchiveItem("document:" + d.kind, d.filename, d.stored_path, d.added_by, d.added_at,
                                         d.size_bytes, f.is_file(), None, d.id))
            ivs = s.execute(select(Interview, Candidate.id).join(Candidate, Interview.candidate_id == Candidate.id)
                            .where(Candidate.person_id == person_id).order_by(Interview.id)).all()
            for iv, _cid in ivs:
                for rec in s.scalars(select(InterviewRecording).where(InterviewRecording.interview_id == iv.id)).all():
                    if rec.audio_path:
                        f = self._file(rec.audio_path)
                        items.append(ArchiveItem("audio", Path(rec.audio_path).name, rec.audio_path, rec.engine, rec.started_at,
                                                 f.stat().st_size if f.is_file() else 0, f.is_file(), iv.id))
                    if rec.video_dir:
                        d = self._file(rec.video_dir)
                        for vf in sorted(d.rglob("*")) if d.is_dir() else []:
                            if vf.is_file():
                                rel = f"{rec.video_dir.rstrip('/')}/{vf.relative_to(d).as_posix()}"
                                items.append(ArchiveItem("video", vf.name, rel, rec.engine, rec.started_at, vf.stat().st_size, True, iv.id))
                n_seg = s.scalar(select(func.count()).select_from(TranscriptSegment).where(TranscriptSegment.interview_id == iv.id))
                if n_seg:
                    items.append(ArchiveItem("transcript", _("Transcript of interview {id}").format(id=iv.id), "", "", iv.updated_at, 0, True, iv.id))
                if s.scalar(select(InterviewAssessment.id).where(InterviewAssessment.interview_id == iv.id)):
                    items.append(ArchiveItem("report", _("Assessment of interview {id}").format(id=iv.id), "", "", iv.updated_at, 0, True, iv.id))
                if iv.consent_at is not None or iv.consent_audio is not None:
                    items.append(ArchiveItem("consent", _("Consent for interview {id}").format(id=iv.id), "", "", iv.consent_at, 0, True, iv.id))
            return items

    def document_path(self, document_id: int) -> Path:
        with self._uow() as s:
            d = s.get(Document, document_id)
            if d is None:
                raise NotFound(_("Document {id} does not exist. Reload the list.").format(id=document_id))
            path = self._file(d.stored_path)
        if not path.is_file():
            raise NotFound(_("The file {name} is missing from the archive folder.").format(name=d.filename))
        return path

    def add_document(self, person_id: int, source: Path, *, kind: str, user: str) -> tuple[int, ChangeSet]:
        """Copy a file into ``archive/person_<id>/`` and record who added it and when."""
        if not source.is_file():
            raise InvalidInput(_("The file {path} does not exist.").format(path=source))
        data = source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        folder = self.data.archive / f"person_{person_id}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{digest[:12]}_{source.name}"
        stored = self.data.relative(target)
        target.write_bytes(data)
        with self._uow(write=True) as s:
            if s.get(Person, person_id) is None:
                target.unlink(missing_ok=True)
                raise NotFound(_("Person {id} does not exist. Reload the list.").format(id=person_id))
            doc = Document(person_id=person_id, kind=kind, filename=source.name,
                           stored_path=stored, sha256=digest,
                           size_bytes=len(data), added_by=user)
            s.add(doc)
            s.flush()
            return doc.id, ChangeSet.of("documents")

    def export_archive(self, person_id: int, out: Path, *, cancel: CancelToken = NEVER_CANCELLED,
                       progress: ProgressFn = no_progress) -> Path:
        """One person's archive as a zip for an inspection: every file and record, listed in
        ``index.csv`` and ``index.json`` (entry name, kind, label, added by/at, bytes, sha256)."""
        items = self.archive(person_id)
        entries: list[dict[str, Any]] = []
        tmp = out.with_suffix(out.suffix + ".part")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z, self._uow() as s:
            for n, it in enumerate(items):
                cancel.raise_if_cancelled()
                progress(n, len(items), it.label)
                payload: bytes | None = None
                if it.path:
                    f = self._file(it.path)
                    if f.is_file():
                        payload = f.read_bytes()
                    name = f"files/{it.path}"
                elif it.kind == "transcript":
                    segs = s.scalars(select(TranscriptSegment).where(TranscriptSegment.interview_id == it.interview_id)
                                     .order_by(TranscriptSegment.version, TranscriptSegment.start_s)).all()
                    payload = "\n".join(f"[{x.version}] {x.start_s:8.1f}-{x.end_s:8.1f} {x.speaker}: {x.text}" for x in segs).encode("utf-8")
                    name = f"records/interview_{it.interview_id}_transcript.txt"
                elif it.kind == "report":
                    a = s.scalar(select(InterviewAssessment).where(InterviewAssessment.interview_id == it.interview_id))
                    assert a is not None
                    decisions = s.scalars(select(InterviewDecision).where(InterviewDecision.interview_id == it.interview_id)).all()
                    payload = json.dumps({"dimensions": a.dimensions, "total": a.total, "recommendation": a.recommendation,
                                          "risk_flags": a.risk_flags, "answers": a.answers,
                                          "decisions": [{"decision": d.decision, "reason": d.reason, "by": d.decided_by,
                                                         "at": d.decided_at.isoformat()} for d in decisions]},
                                         ensure_ascii=False, indent=1, default=str).encode("utf-8")
                    name = f"records/interview_{it.interview_id}_assessment.json"
                else:  # consent
                    iv = s.get(Interview, it.interview_id)
                    assert iv is not None
                    payload = json.dumps({"interview_id": iv.id, "audio": iv.consent_audio, "video": iv.consent_video,
                                          "ai": iv.consent_ai, "at": iv.consent_at.isoformat() if iv.consent_at else None},
                                         ensure_ascii=False, indent=1).encode("utf-8")
                    name = f"records/interview_{it.interview_id}_consent.json"
                if payload is not None:
                    z.writestr(name, payload)
                entries.append({"entry": name if payload is not None else "", "kind": it.kind, "label": it.label,
                                "source": it.path, "interview_id": it.interview_id, "document_id": it.document_id,
                                "added_by": it.added_by, "added_at": it.added_at.isoformat() if it.added_at else "",
                                "bytes": len(payload) if payload is not None else 0,
                                "sha256": hashlib.sha256(payload).hexdigest() if payload is not None else "",
                                "status": "included" if payload is not None else "missing"})
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(entries[0]) if entries else ["entry"])
            w.writeheader()
            w.writerows(entries)
            z.writestr("index.csv", "\ufeff" + buf.getvalue())
            z.writestr("index.json", json.dumps({"person_id": person_id, "exported_at": utcnow().isoformat(timespec="seconds"),
                                                 "entries": entries}, ensure_ascii=False, indent=1))
        tmp.replace(out)
        return out

    # ======================================================================== retention
    def retention_preview(self, retention_days: int, today: date | None = None) -> list[RetentionItem]:
        """Recordings (and recording documents) of people never hired, older than ``retention_days``.
        Employees' records are always kept; so are those of candidates with an offer in progress."""
        today = today or date.today()
        cutoff = today - timedelta(days=retention_days)
        out: list[RetentionItem] = []
        with self._uow() as s:
            employees = set(s.scalars(select(Employee.person_id)).all())
            rows = s.execute(select(InterviewRecording, Interview, Candidate)
                             .join(Interview, InterviewRecording.interview_id == Interview.id)
                             .join(Candidate, Interview.candidate_id == Candidate.id)
                             .where(Candidate.status.in_(NOT_HIRED)).order_by(InterviewRecording.id)).all()
            for rec, iv, cand in rows:
                if cand.person_id in employees:
                    continue
                ended = rec.ended_at or rec.started_at or rec.created_at
                ended_day = to_local(ended).date()
                if ended_day > cutoff:
                    continue
                files: list[str] = []
                size = 0
                if rec.audio_path:
                    f = self._file(rec.audio_path)
                    files.append(rec.audio_path)
                    size += f.stat().st_size if f.is_file() else 0
                if rec.video_dir:
                    d = self._file(rec.video_dir)
                    for vf in sorted(d.rglob("*")) if d.is_dir() else []:
                        if vf.is_file():
                            files.append(f"{rec.video_dir.rstrip('/')}/{vf.relative_to(d).as_posix()}")
                            size += vf.stat().st_size
                out.append(RetentionItem(iv.id, None, rec.id, cand.person_id, cand.status, ended_day, tuple(files), size))
            docs = s.execute(select(Document, Candidate.status).join(Candidate, Candidate.person_id == Document.person_id)
                             .where(Document.kind == "recording", Candidate.status.in_(NOT_HIRED))).all()
            seen: set[int] = set()
            for doc, status in docs:
                if doc.id in seen or doc.person_id in employees:
                    continue
                seen.add(doc.id)
                day = to_local(doc.added_at).date()
                if day > cutoff:
                    continue
                assert doc.person_id is not None
                out.append(RetentionItem(None, doc.id, None, doc.person_id, status, day, (doc.stored_path,), doc.size_bytes))
        # a person with any candidacy still at offer/hired keeps everything
        with self._uow() as s:
            keep = set(s.scalars(select(Candidate.person_id).where(Candidate.status.in_(("offer", "hired")))).all())
        return [it for it in out if it.person_id not in keep]

    def run_retention(self, retention_days: int, *, user: str, dry_run: bool = False, today: date | None = None,
                      cancel: CancelToken = NEVER_CANCELLED) -> RetentionResult:
        items = self.retention_preview(retention_days, today)
        if dry_run or not items:
            return RetentionResult(tuple(items), False, None)
        with self._uow(write=True) as s:
            logged = []
            for it in items:
                cancel.raise_if_cancelled()
                if it.recording_id is not None:
                    s.execute(delete(InterviewRecording).where(InterviewRecording.id == it.recording_id))
                if it.document_id is not None:
                    s.execute(delete(Document).where(Document.id == it.document_id))
                logged.append({"interview_id": it.interview_id, "document_id": it.document_id,
                               "recording_id": it.recording_id, "files": list(it.files), "bytes": it.bytes})
            entry = RetentionLog(run_by=user, deleted=logged)
            s.add(entry)
            s.flush()
            log_id = entry.id
            # files go only after the rows are gone in this transaction; a failure here rolls the rows back
            for it in items:
                rec_dirs: set[Path] = set()
                for rel in it.files:
                    f = self._file(rel)
                    if f.is_file():
                        f.unlink()
                    rec_dirs.add(f.parent)
                # emptied recording folders go too (deepest first), never the archive or data folder itself
                for d in sorted(rec_dirs, key=lambda x: len(x.parts), reverse=True):
                    if d.resolve() not in _bases(self.data) and d.is_dir() and not any(d.iterdir()):
                        shutil.rmtree(d, ignore_errors=True)
        log.info("retention run removed %d recordings", len(items))
        return RetentionResult(tuple(items), True, log_id,
                               ChangeSet.of("interview_recordings", "documents", "retention_log"))

    def retention_log(self) -> list[dict[str, Any]]:
        with self._uow() as s:
            return [{"id": r.id, "run_at": r.run_at.isoformat(timespec="seconds"), "run_by": r.run_by, "deleted": r.deleted}
                    for r in s.scalars(select(RetentionLog).order_by(RetentionLog.run_at.desc())).all()]

    # ======================================================================== lists for the pickers
    def hire_candidates(self) -> list[PoolRow]:
        """Candidates who can be onboarded (interviewed, offered or pooled; not hired yet)."""
        with self._uow() as s:
            rows = s.execute(select(Candidate, Person, Position.title).join(Person, Candidate.person_id == Person.id)
                             .outerjoin(Position, Candidate.position_id == Position.id)
                             .where(Candidate.status.in_(("interview", "offer", "pool", "screened")))
                             .order_by(Person.name, Candidate.id)).all()
            return [PoolRow(c.id, p.id, p.name, t or "", p.highest_degree, p.professional_title, c.screening_score,
                            c.status, c.applied_at) for c, p, t in rows]


def _stored_file(data: DataDir, stored: str) -> Path:
    """``data.resolve(stored)``, refusing a stored path that climbs out of its folder (``archive/../..``):
    ``archive/...`` must stay inside the archive folder (local or shared), anything else inside the data folder."""
    parts = Path(stored).parts
    base = data.archive if parts and parts[0] == ARCHIVE_PREFIX else data.root
    path = data.resolve(stored)
    if base.resolve() not in path.resolve().parents:
        raise InvalidInput(_("The path {path} lies outside the data folder; refusing to touch it.").format(path=stored))
    return path


def _bases(data: DataDir) -> set[Path]:
    """The folders retention must never remove: the data folder and the archive folder."""
    return {data.root.resolve(), data.archive.resolve()}


def _default_grade(pos: Position, structure: Any) -> str:
    """The pay-table row of the post: ``Position.grade`` written as in the 岗位工资 table
    (专业技术十级 → 专技十级); the lowest professional grade when the post names none."""
    table = structure.tables.get("岗位工资")
    grade = (pos.grade or "").replace("专业技术", "专技").replace("管理岗", "管理").strip()
    if table is not None and grade and table.lookup(grade) is not None:
        return grade
    return "专技十二级"


def _form_row(f: OnboardingForm, p: Person, dept: str, title: str,
              findings: tuple[LicenceFinding, ...] = ()) -> OnboardingRow:
    return OnboardingRow(f.id, f.version, f.candidate_id, p.id, p.name, dept, title, f.grade, f.salary_level,
                         f.start_date, f.contract_type, f.contract_years, f.probation_months, f.probation_rule,
                         f.contract_wage_fen, f.probation_wage_fen, dict(f.pay_items or {}), f.state,
                         tuple(dict(x) for x in (f.steps or [])), f.employee_id, f.interview_id, findings)


def _probation_row(r: ProbationReview, e: Employee, name: str, dept: str, today: date) -> ProbationRow:
    return ProbationRow(r.id, r.version, e.id, e.person_id, e.staff_no, name, dept, e.hire_date, e.probation_end,
                        r.due_date, (r.due_date - today).days, r.outcome)
