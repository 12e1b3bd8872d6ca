"""Training: catalogue (courses, modules, materials), learning paths from gaps, enrolments and module
progress, CME credits, quizzes from the question bank, and the feedback of results into the
competency profile and the performance coefficient. Rules live in ``app.training``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.tables import (
    CompetencyEvidence,
    Course,
    CourseMaterial,
    CourseModule,
    Department,
    Employee,
    Enrollment,
    LearningPath,
    Licence,
    ModuleProgress,
    PathItem,
    PayProfile,
    PerformanceCoefficient,
    Person,
    Position,
    PositionCompetency,
    ProbationReview,
    Question,
    QuestionVersion,
    Quiz,
    QuizAttempt,
)
from app.domain.timeutil import to_local
from app.errors import Conflict, InvalidInput, NotFound, StorageError
from app.i18n import _
from app.paths import ARCHIVE_PREFIX, DataDir
from app.services.base import Service, load_for_update
from app.talent.competency import EvidencePoint, latest_scores
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress
from app.training import excel as course_excel
from app.training import feedback, progress as prog
from app.training.quiz import GradedItem, QuizGrade, QuizQuestion, grade_quiz, override_item
from app.training.recommend import (
    CatalogueCourse,
    Gap,
    PathProposal,
    check_catalogue,
    cme_status_gap,
    default_due_dates,
    dimension_gaps,
    licence_gap,
    probation_gap,
    recommend,
)
from app.training.rules import TrainingRules, default_rules
from app.training.scenario import PRACTICE_KEY, PracticeSegment

log = logging.getLogger(__name__)

FAMILY_BY_DEPT_KIND = {"clinical": "physician", "nursing": "nursing", "medtech": "medtech", "admin": "admin"}
GROUP_KINDS = ("department", "probation", "family", "ai_medical")
EVIDENCE_SOURCES = ("training", "quiz", "scenario")
FALLBACK_SIGNER = "人事科"
"""Who signs a change when the caller names nobody (the command line, or no one signed in)."""


def signer_or_fallback(signer: str | None) -> str:
    """The signed-in user's name, or the HR office when the caller has no identity to give."""
    name = (signer or "").strip()
    return name[:40] if name else FALLBACK_SIGNER


# --------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class CourseRow:
    id: int
    code: str
    title: str
    format: str
    level: str
    dimensions: tuple[str, ...]
    hours: float
    credits: float
    prerequisites: tuple[str, ...]
    enrolled: int
    completed: int
    modules: int = 0
    materials: int = 0
    version: int = 1
    cme_class: str = ""  # "I" / "II" / ""


@dataclass(frozen=True)
class EnrollmentRow:
    id: int
    person_id: int
    name: str
    staff_no: str
    course: str
    status: str
    progress_pct: int
    due_date: date | None
    overdue: bool
    reason: str
    department: str = ""
    course_id: int = 0
    days_overdue: int = 0
    score: float | None = None
    completed_on: date | None = None


@dataclass(frozen=True)
class ModuleRow:
    id: int
    course_id: int
    sort_order: int
    title: str
    hours: float


@dataclass(frozen=True)
class MaterialRow:
    id: int
    course_id: int
    title: str
    kind: str  # file / link
    location: str  # relative to the data folder, or a URL


@dataclass(frozen=True)
class ProgressRow:
    id: int
    enrollment_id: int
    module_id: int
    sort_order: int
    title: str
    hours: float
    status: str
    completed_on: date | None


@dataclass(frozen=True)
class PersonRef:
    person_id: int
    name: str
    staff_no: str
    department: str
    position: str
    family: str
    status: str
    dept_code: str = ""
    job_family: str = ""  # of the post (physician/nursing/medtech/admin), also for AI-medical posts: the CME duty


@dataclass(frozen=True)
class Recommendation:
    person: PersonRef
    proposal: PathProposal
    due_dates: tuple[date, ...]


@dataclass(frozen=True)
class PlannedItem:
    """One course of a path as HR confirmed it."""

    course_id: int
    due_date: date | None
    reason: str = ""


@dataclass(frozen=True)
class PathRow:
    id: int
    person_id: int
    name: str
    staff_no: str
    department: str
    title: str
    status: str
    source: str
    items: int
    done: int
    next_due: date | None
    created_by: str
    version: int


@dataclass(frozen=True)
class PathItemRow:
    id: int
    path_id: int
    sort_order: int
    course_id: int
    code: str
    title: str
    reason: str
    due_date: date | None
    status: str
    progress_pct: int


@dataclass(frozen=True)
class AssignResult:
    paths: int
    enrollments: int
    skipped: int  # courses the person was already enrolled in


@dataclass(frozen=True)
class QuizRow:
    id: int
    title: str
    course: str
    questions: int
    choice_questions: int
    pass_score: float
    attempts: int
    mean_score: float | None


@dataclass(frozen=True)
class AttemptRow:
    id: int
    quiz_id: int
    quiz: str
    person_id: int
    name: str
    taken_at: datetime
    score: float | None
    passed: bool
    overridden_by: str


@dataclass(frozen=True)
class AttemptDetail:
    row: AttemptRow
    questions: tuple[QuizQuestion, ...]
    grade: QuizGrade


@dataclass(frozen=True)
class CreditRow:
    person_id: int
    name: str
    staff_no: str
    department: str
    family: str
    year: int
    earned: float
    required: float
    shortfall: float
    met: bool
    earned_i: float = 0.0  # Ⅰ类 credits of the year
    earned_ii: float = 0.0  # Ⅱ类
    required_i: float = 0.0
    required_ii: float = 0.0
    short_text: str = ""  # what is short, e.g. "Ⅰ类学分 3.0 < 5.0"


@dataclass(frozen=True)
class ProposalRow:
    id: int
    employee_id: int
    name: str
    staff_no: str
    effective_month: str
    coefficient: float
    current: float
    reason: str
    status: str
    decided_by: str


@dataclass(frozen=True)
class CompletionRow:
    group: str
    enrolled: int
    completed: int
    overdue: int

    @property
    def rate(self) -> float:
        return round(100.0 * self.completed / self.enrolled, 1) if self.enrolled else 0.0


@dataclass(frozen=True)
class ScoreChangeRow:
    code: str
    course: str
    people: int  # completions with a score before and after
    mean_before: float | None
    mean_after: float | None

    @property
    def change(self) -> float | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return round(self.mean_after - self.mean_before, 2)


@dataclass(frozen=True)
class TrainingReport:
    today: date
    year: int
    by_department: tuple[CompletionRow, ...]
    by_course: tuple[CompletionRow, ...]
    overdue: tuple[EnrollmentRow, ...]
    credits: tuple[CreditRow, ...]
    score_changes: tuple[ScoreChangeRow, ...]


@dataclass(frozen=True)
class EvidenceRow:
    dimension: str
    score: float
    source: str
    observed_on: date
    note: str


@dataclass(frozen=True)
class GroupFilter:
    """A group of employees (every field optional; all given ones must match).

    ``department``: code or name (sub-departments not included); ``position``: post title or code;
    ``title``: professional title (职称) such as 护师; ``family``: job family (physician, nursing, medtech,
    admin, ai_medical); ``hired_from``/``hired_to``: hire date range, both days included."""

    department: str = ""
    position: str = ""
    title: str = ""
    family: str = ""
    hired_from: date | None = None
    hired_to: date | None = None
    probation_only: bool = False

    @property
    def empty(self) -> bool:
        return not (self.department or self.position or self.title or self.family or self.hired_from
                    or self.hired_to or self.probation_only)


@dataclass(frozen=True)
class GroupOptions:
    departments: tuple[tuple[str, str], ...]  # (code, name)
    positions: tuple[str, ...]
    titles: tuple[str, ...]
    families: tuple[str, ...]


@dataclass(frozen=True)
class GroupPreviewRow:
    person_id: int
    name: str
    staff_no: str
    department: str
    position: str
    professional_title: str
    hire_date: date | None
    assign: tuple[str, ...]  # course titles that get a new enrolment
    skipped: tuple[str, ...]  # "course (status)" already enrolled
    reason: str  # why nothing is assigned, or which courses are skipped

    @property
    def gets_path(self) -> bool:
        return bool(self.assign)


@dataclass(frozen=True)
class ScenarioRow:
    quiz_id: int
    title: str
    course_id: int
    course: str
    questions: int
    key_points: int
    enrolled: int
    practices: int
    pass_score: float


@dataclass(frozen=True)
class PracticeConsent:
    """The person's answers before a practice (个人信息保护法 第二十八、二十九条: the voice is sensitive
    personal information). ``analysis``: the speech may be transcribed and scored (needed to practise
    here); ``keep_recording``: the sound file may be kept in the archive for the trainer to listen to."""

    analysis: bool
    keep_recording: bool
    at: datetime


@dataclass(frozen=True)
class PracticeRecord:
    attempt: AttemptDetail
    transcript: tuple[PracticeSegment, ...]
    audio_seconds: float
    recording: Path | None  # None: not kept (no consent) or since deleted
    engine: str
    consent_at: str
    source: str  # microphone / file name
    scenario: ScenarioRow | None = None


# --------------------------------------------------------------------------------------------


class TrainingService(Service):
    def __init__(self, factory, data: DataDir | None = None, rules: TrainingRules | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(factory)
        self._data = data
        self._rules = rules

    @property
    def rules(self) -> TrainingRules:
        if self._rules is None:
            self._rules = default_rules()
        return self._rules

    # ================================================================ catalogue
    def courses(self) -> list[CourseRow]:
        with self._uow() as s:
            counts: dict[int, tuple[int, int]] = {}
            for cid, status, n in s.execute(
                select(Enrollment.course_id, Enrollment.status, func.count()).group_by(Enrollment.course_id, Enrollment.status)
            ).all():
                total, done = counts.get(cid, (0, 0))
                counts[cid] = (total + n, done + (n if status == "done" else 0))
            mods = dict(s.execute(select(CourseModule.course_id, func.count()).group_by(CourseModule.course_id)).all())
            mats = dict(s.execute(select(CourseMaterial.course_id, func.count()).group_by(CourseMaterial.course_id)).all())
            return [
                CourseRow(c.id, c.code, c.title, c.format, c.level, tuple(c.dimensions), c.hours, c.credits,
                          tuple(c.prerequisites), *counts.get(c.id, (0, 0)), mods.get(c.id, 0), mats.get(c.id, 0),
                          c.version, c.cme_class or "")
                for c in s.scalars(select(Course).order_by(Course.code)).all()
            ]

    def modules(self, course_id: int) -> list[ModuleRow]:
        with self._uow() as s:
            return [ModuleRow(m.id, m.course_id, m.sort_order, m.title, m.hours)
                    for m in s.scalars(select(CourseModule).where(CourseModule.course_id == course_id)
                                       .order_by(CourseModule.sort_order)).all()]

    def materials(self, course_id: int) -> list[MaterialRow]:
        with self._uow() as s:
            return [MaterialRow(m.id, m.course_id, m.title, m.kind, m.location)
                    for m in s.scalars(select(CourseMaterial).where(CourseMaterial.course_id == course_id)
                                       .order_by(CourseMaterial.id)).all()]

    def set_modules(self, course_id: int, modules: Sequence[tuple[str, float]]) -> ChangeSet:
        """Replace a course's modules (title, hours) when nobody has progress on them yet."""
        cleaned = [(t.strip(), float(h)) for t, h in modules if t.strip()]
        if not cleaned:
            raise InvalidInput(_("A course needs at least one module."))
        with self._uow(write=True) as s:
            course = s.get(Course, course_id)
            if course is None:
                raise NotFound(_("The course no longer exists. Reload the list."))
            self._replace_modules(s, course, cleaned)
        return ChangeSet.of("course_modules", "module_progress")

    def set_cme_class(self, course_id: int, cme_class: str, version: int) -> ChangeSet:
        """The course's 继续医学教育 credit class: "I"/Ⅰ类, "II"/Ⅱ类 or "" (a course with CME credits needs
        one). ``version``: the course version as read (optimistic)."""
        with self._uow(write=True) as s:
            course = s.get(Course, course_id)
            if course is None:
                raise NotFound(_("The course no longer exists. Reload the list."))
            course = load_for_update(s, Course, course_id, version, course.title)
            course.cme_class = prog.check_cme_class(cme_class, course.credits)
            log.info("course %s: CME class set", course_id)
        return ChangeSet.of("courses")

    def _replace_modules(self, s: Session, course: Course, modules: Sequence[tuple[str, float]]) -> None:
        old = s.scalars(select(CourseModule).where(CourseModule.course_id == course.id)).all()
        if old:
            used = s.scalar(select(func.count()).select_from(ModuleProgress)
                            .where(ModuleProgress.module_id.in_([m.id for m in old]), ModuleProgress.status != "todo"))
            if used:
                raise Conflict(_("People have already worked on the modules of {course}; its modules can no longer be "
                                 "replaced. Create a new course version instead.").format(course=course.title))
            s.execute(delete(ModuleProgress).where(ModuleProgress.module_id.in_([m.id for m in old])))
            s.execute(delete(CourseModule).where(CourseModule.course_id == course.id))
            s.flush()
        new = [CourseModule(course_id=course.id, title=t[:100], sort_order=i, hours=h) for i, (t, h) in enumerate(modules, 1)]
        s.add_all(new)
        s.flush()
        # open enrolments get a progress row per new module
        for e in s.scalars(select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.status != "done")).all():
            s.add_all(ModuleProgress(enrollment_id=e.id, module_id=m.id, status="todo") for m in new)

    def add_material(self, course_id: int, title: str, *, file: Path | None = None, link: str = "") -> MaterialRow:
        """A file is copied into ``<archive>/courses/<code>/`` (the original stays where it is; the archive
        folder may be a share) and stored as ``archive/courses/...``; a link is kept as given."""
        if (file is None) == (not link.strip()):
            raise InvalidInput(_("Give either a file or a link for the material."))
        with self._uow(write=True) as s:
            course = s.get(Course, course_id)
            if course is None:
                raise NotFound(_("The course no longer exists. Reload the list."))
            if file is not None:
                location = self._store_material(course.code, Path(file))
                kind = "file"
                title = title.strip() or Path(file).name
            else:
                location, kind = link.strip(), "link"
                title = title.strip() or location
            m = CourseMaterial(course_id=course_id, title=title[:200], kind=kind, location=location[:500])
            s.add(m)
            s.flush()
            return MaterialRow(m.id, m.course_id, m.title, m.kind, m.location)

    def _store_material(self, code: str, src: Path) -> str:
        if self._data is None:
            raise StorageError(_("No data folder is open; materials cannot be stored."))
        if not src.is_file():
            raise InvalidInput(_("File not found: {path}.").format(path=src))
        safe_code = re.sub(r"[^\w.-]", "_", code)
        folder = self._data.archive / "courses" / safe_code
        digest = hashlib.sha256(src.read_bytes()).hexdigest()[:12]
        safe_name = re.sub(r'[\\/:*?<>|]', "_", src.name)
        target = folder / f"{digest}_{safe_name}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copy2(src, target)
        except OSError as exc:
            raise StorageError(_("Cannot copy {path} into the data folder: {error}").format(
                path=src, error=exc.strerror or exc)) from exc
        return self._data.relative(target)

    def material_path(self, material: MaterialRow) -> Path | None:
        """The absolute file of a stored material (None for links); StorageError when a shared archive
        folder is unreachable, InvalidInput for a stored path that leaves its folder."""
        if material.kind != "file" or self._data is None:
            return None
        return _archive_file(self._data, material.location)

    def catalogue(self) -> list[CatalogueCourse]:
        with self._uow() as s:
            return _catalogue(s)

    def export_courses(self, path: Path) -> Path:
        with self._uow() as s:
            courses = s.scalars(select(Course).order_by(Course.code)).all()
            mods: dict[int, list[CourseModule]] = defaultdict(list)
            for m in s.scalars(select(CourseModule).order_by(CourseModule.course_id, CourseModule.sort_order)).all():
                mods[m.course_id].append(m)
            records = [
                course_excel.CourseRecord(
                    c.code, c.title, c.format, c.level, tuple(c.dimensions), c.hours, c.credits,
                    tuple(c.prerequisites), c.description,
                    tuple(course_excel.ModuleRecord(m.sort_order, m.title, m.hours) for m in mods[c.id]),
                    c.cme_class or "",
                )
                for c in courses
            ]
        return course_excel.write_courses(path, records)

    def read_course_file(self, path: Path) -> course_excel.ImportResult[course_excel.CourseRecord]:
        with self._uow() as s:
            known = {c.code: list(c.prerequisites) for c in s.scalars(select(Course)).all()}
        return course_excel.read_courses(path, known_codes=set(known), known_prerequisites=known)

    def import_courses(self, path: Path, *, only_good: bool = False, progress: ProgressFn = no_progress,
                       cancel: CancelToken = NEVER_CANCELLED) -> tuple[int, int, course_excel.ImportResult]:  # type: ignore[type-arg]
        """Store the file's courses (new codes added, known codes updated). Unless ``only_good``, a file with
        any problem stores nothing. Returns (added, updated, the read result)."""
        result = self.read_course_file(path)
        if not result.clean and not only_good:
            raise InvalidInput(_("{n} problem(s) in {name}; nothing was imported. First: {first}").format(
                n=len(result.problems), name=Path(path).name, first=result.problems[0]))
        added = updated = 0
        with self._uow(write=True) as s:
            existing = {c.code: c for c in s.scalars(select(Course)).all()}
            for i, rec in enumerate(result.rows):
                cancel.raise_if_cancelled()
                progress(i, len(result.rows), _("Importing courses"))
                c = existing.get(rec.code)
                if c is None:
                    c = Course(code=rec.code)
                    s.add(c)
                    added += 1
                else:
                    updated += 1
                c.title, c.format, c.level = rec.title, rec.format, rec.level
                c.dimensions, c.hours, c.credits = list(rec.dimensions), rec.hours, rec.credits
                if rec.cme_class is not None:  # None: the file had no class column
                    c.cme_class = rec.cme_class
                c.prerequisites, c.description = list(rec.prerequisites), rec.description
                s.flush()
                existing[rec.code] = c
                if rec.modules:
                    current = [(m.title, m.hours) for m in s.scalars(
                        select(CourseModule).where(CourseModule.course_id == c.id).order_by(CourseModule.sort_order))]
                    wanted = [(m.title, m.hours) for m in rec.modules]
                    if current != wanted:
                        self._replace_modules(s, c, wanted)
            check_catalogue(_catalogue(s))  # the stored catalogue must stay acyclic; else roll back
        return added, updated, result

    # ================================================================ people and gaps
    def people(self, group: str = "", value: str = "") -> list[PersonRef]:
        """Employees (not left), optionally a group: department code, 'probation', a job family, AI-medical posts."""
        with self._uow() as s:
            refs = _people(s)
        if not group:
            return refs
        if group not in GROUP_KINDS:
            raise InvalidInput(_("Unknown group {group}.").format(group=group))
        if group == "department":
            return [r for r in refs if r.department == value or r.dept_code == value]
        if group == "probation":
            return [r for r in refs if r.status == "probation"]
        if group == "family":
            return [r for r in refs if r.family == value]
        return [r for r in refs if r.family == "ai_medical"]

    def person(self, person_id: int) -> PersonRef:
        with self._uow() as s:
            for r in _people(s, person_id):
                return r
        raise NotFound(_("No employee with person id {id}.").format(id=person_id))

    def gaps(self, person_id: int, today: date) -> tuple[list[Gap], list[str]]:
        """The person's gaps and notes (dimensions with no score yet)."""
        with self._uow() as s:
            return self._gaps(s, person_id, today)

    def _gaps(self, s: Session, person_id: int, today: date) -> tuple[list[Gap], list[str]]:
        emp = s.scalar(select(Employee).where(Employee.person_id == person_id))
        if emp is None:
            raise NotFound(_("No employee with person id {id}.").format(id=person_id))
        bars: dict[str, float] = {}
        if emp.position_id is not None:
            bars = {c.name: c.pass_bar for c in s.scalars(
                select(PositionCompetency).where(PositionCompetency.position_id == emp.position_id)
                .order_by(PositionCompetency.sort_order)).all()}
        latest = _latest_scores(s, person_id)
        gaps, unknown = dimension_gaps(latest, bars)
        notes = [_("No score yet for {dimension}; assess it to include it.").format(dimension=d) for d in unknown]
        status = self._credit_status(s, person_id, today.year, self.rules.cme_required_for(_cme_family(s, emp)))
        g = cme_status_gap(status)
        if g:
            gaps.append(g)
        for lic in s.scalars(select(Licence).where(Licence.person_id == person_id)).all():
            lg = licence_gap(lic.kind, lic.expiry_date, today, self.rules.licence_warn_days)
            if lg:
                gaps.append(lg)
        review = s.scalar(select(ProbationReview).where(ProbationReview.employee_id == emp.id)
                          .order_by(ProbationReview.due_date.desc()))
        if review is not None and bars:
            scored = {d: latest[d] - bars[d] for d in bars if d in latest}
            weakest = min(scored, key=lambda d: scored[d]) if scored else next(iter(bars))
            pg = probation_gap(review.outcome, review.notes, weakest)
            if pg:
                gaps.append(pg)
        return gaps, notes

    def recommend(self, person_id: int, today: date) -> Recommendation:
        """The proposed path for one person (nothing is stored; HR edits it and then assigns it)."""
        with self._uow() as s:
            person = next(iter(_people(s, person_id)), None)
            if person is None:
                raise NotFound(_("No employee with person id {id}.").format(id=person_id))
            gaps, notes = self._gaps(s, person_id, today)
            catalogue = _catalogue(s)
            taken = s.execute(select(Course.code, Enrollment.status).join(Enrollment, Enrollment.course_id == Course.id)
                              .where(Enrollment.person_id == person_id)).all()
        check_catalogue(catalogue)
        proposal = recommend(gaps, catalogue, done=[c for c, st in taken if st == "done"],
                             enrolled=[c for c, st in taken if st != "done"], per_gap=self.rules.courses_per_gap)
        proposal = PathProposal(proposal.gaps, proposal.steps, tuple(notes) + proposal.notes)
        dues = default_due_dates(proposal.steps, today, hours_per_week=self.rules.hours_per_week,
                                 min_days=self.rules.min_days)
        return Recommendation(person, proposal, tuple(dues))

    # ================================================================ assigning
    def assign_path(self, person_ids: Iterable[int], items: Sequence[PlannedItem], *, title: str, today: date,
                    user: str = "", source: str = "gaps", progress: ProgressFn = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED) -> AssignResult:
        """One learning path per person with the confirmed courses in the given order; an enrolment (with
        module progress rows) for each course the person is not already enrolled in. Atomic."""
        ids = list(dict.fromkeys(person_ids))
        if not ids:
            raise InvalidInput(_("Choose at least one person."))
        if not items:
            raise InvalidInput(_("The path has no courses; keep at least one."))
        if len({i.course_id for i in items}) != len(items):
            raise InvalidInput(_("A course appears twice in the path."))
        for it in items:
            if it.due_date is not None and it.due_date < today:
                raise InvalidInput(_("A due date lies in the past ({date}); choose a later day.").format(
                    date=it.due_date.isoformat()))
        paths = enrolments = skipped = 0
        with self._uow(write=True) as s:
            courses = {c.id: c for c in s.scalars(select(Course).where(Course.id.in_([i.course_id for i in items])))}
            missing = [i.course_id for i in items if i.course_id not in courses]
            if missing:
                raise NotFound(_("A course of the path no longer exists. Reload the catalogue."))
            position = {c.code: n for n, c in enumerate(courses[i.course_id] for i in items)}
            for it in items:
                for p in courses[it.course_id].prerequisites:
                    if p in position and position[p] > position[courses[it.course_id].code]:
                        raise InvalidInput(_("{course} needs {prerequisite} first; move it down in the path.").format(
                            course=courses[it.course_id].title, prerequisite=p))
            modules: dict[int, list[int]] = defaultdict(list)
            for m in s.scalars(select(CourseModule).where(CourseModule.course_id.in_(list(courses)))
                               .order_by(CourseModule.sort_order)).all():
                modules[m.course_id].append(m.id)
            known = set(s.scalars(select(Employee.person_id).where(Employee.person_id.in_(ids))))
            if len(known) != len(ids):
                raise NotFound(_("Some of the chosen people are no longer employees. Reload the list."))
            for n, pid in enumerate(ids):
                cancel.raise_if_cancelled()
                progress(n, len(ids), _("Assigning learning paths"))
                lp = LearningPath(person_id=pid, title=title.strip()[:100] or _("Learning path"), status="assigned",
                                  created_by=user, source=source)
                s.add(lp)
                s.flush()
                paths += 1
                existing = {e.course_id: e for e in s.scalars(select(Enrollment).where(Enrollment.person_id == pid))}
                for order, it in enumerate(items, 1):
                    s.add(PathItem(path_id=lp.id, course_id=it.course_id, sort_order=order, reason=it.reason[:200],
                                   due_date=it.due_date))
                    if it.course_id in existing:
                        skipped += 1
                        e = existing[it.course_id]
                        if e.status != "done" and it.due_date and (e.due_date is None or it.due_date < e.due_date):
                            e.due_date = it.due_date
                        continue
                    e = Enrollment(person_id=pid, course_id=it.course_id, status="assigned", due_date=it.due_date,
                                   progress_pct=0, reason=it.reason[:200])
                    s.add(e)
                    s.flush()
                    s.add_all(ModuleProgress(enrollment_id=e.id, module_id=mid, status="todo")
                              for mid in modules[it.course_id])
                    enrolments += 1
            progress(len(ids), len(ids), _("Assigning learning paths"))
        log.info("paths assigned: %d paths, %d enrolments", paths, enrolments)
        return AssignResult(paths, enrolments, skipped)

    def learning_paths(self, today: date | None = None) -> list[PathRow]:
        today = today or date.today()
        with self._uow() as s:
            names = _names(s)
            status = {(e.person_id, e.course_id): e.status for e in s.scalars(select(Enrollment)).all()}
            items: dict[int, list[PathItem]] = defaultdict(list)
            for it in s.scalars(select(PathItem).order_by(PathItem.path_id, PathItem.sort_order)).all():
                items[it.path_id].append(it)
            out = []
            for lp in s.scalars(select(LearningPath).order_by(LearningPath.id.desc())).all():
                its = items[lp.id]
                done = sum(1 for it in its if status.get((lp.person_id, it.course_id)) == "done")
                open_dues = [it.due_date for it in its
                             if it.due_date and status.get((lp.person_id, it.course_id)) != "done"]
                name, staff_no, dept = names.get(lp.person_id, ("?", "", ""))
                path_status = "done" if its and done == len(its) else lp.status
                out.append(PathRow(lp.id, lp.person_id, name, staff_no, dept, lp.title, path_status, lp.source,
                                   len(its), done, min(open_dues) if open_dues else None, lp.created_by, lp.version))
            return out

    def path_items(self, path_id: int) -> list[PathItemRow]:
        with self._uow() as s:
            lp = s.get(LearningPath, path_id)
            if lp is None:
                raise NotFound(_("The learning path no longer exists. Reload the list."))
            enrol = {e.course_id: e for e in s.scalars(select(Enrollment).where(Enrollment.person_id == lp.person_id))}
            out = []
            for it, c in s.execute(select(PathItem, Course).join(Course, PathItem.course_id == Course.id)
                                   .where(PathItem.path_id == path_id).order_by(PathItem.sort_order)).all():
                e = enrol.get(c.id)
                out.append(PathItemRow(it.id, path_id, it.sort_order, c.id, c.code, c.title, it.reason, it.due_date,
                                       e.status if e else "assigned", e.progress_pct if e else 0))
            return out

    # ================================================================ progress
    def enrollments(self, today: date | None = None) -> list[EnrollmentRow]:
        today = today or date.today()
        with self._uow() as s:
            stmt = (
                select(Enrollment, Person.name, Employee.staff_no, Course.title, Department.name)
                .join(Person, Enrollment.person_id == Person.id)
                .outerjoin(Employee, Employee.person_id == Person.id)
                .outerjoin(Department, Employee.department_id == Department.id)
                .join(Course, Enrollment.course_id == Course.id)
                .order_by(Enrollment.due_date, Person.name)
            )
            return [
                EnrollmentRow(
                    e.id, e.person_id, name, staff_no or "", title, e.status, e.progress_pct, e.due_date,
                    prog.is_overdue(e.status, e.due_date, today), e.reason, dept or "", e.course_id,
                    prog.days_overdue(e.status, e.due_date, today), e.score, e.completed_on,
                )
                for e, name, staff_no, title, dept in s.execute(stmt).all()
            ]

    def overdue(self, today: date) -> list[EnrollmentRow]:
        rows = [r for r in self.enrollments(today) if r.overdue]
        return sorted(rows, key=lambda r: (-r.days_overdue, r.name))

    def overdue_count(self, today: date) -> int:
        """Enrolments not completed whose due day has passed (for the start-up reminder)."""
        with self._uow() as s:
            return s.scalar(select(func.count()).select_from(Enrollment)
                            .where(Enrollment.status != "done", Enrollment.due_date < today)) or 0

    def module_progress(self, enrollment_id: int) -> list[ProgressRow]:
        with self._uow() as s:
            return [
                ProgressRow(p.id, p.enrollment_id, m.id, m.sort_order, m.title, m.hours, p.status, p.completed_on)
                for p, m in s.execute(select(ModuleProgress, CourseModule)
                                      .join(CourseModule, ModuleProgress.module_id == CourseModule.id)
                                      .where(ModuleProgress.enrollment_id == enrollment_id)
                                      .order_by(CourseModule.sort_order)).all()
            ]

    def set_module_status(self, progress_id: int, status: str, today: date, *, score: float | None = None) -> ChangeSet:
        """Mark one module; the enrolment's status and percentage follow. Completing the last module
        completes the enrolment (``score``: the course assessment 0–100, which becomes evidence)."""
        prog.check_module_status(status)
        with self._uow(write=True) as s:
            p = s.get(ModuleProgress, progress_id)
            if p is None:
                raise NotFound(_("The module record no longer exists. Reload the list."))
            p.status = status
            p.completed_on = today if status == "done" else None
            s.flush()
            self._refresh_enrollment(s, p.enrollment_id, today, score)
        return ChangeSet.of("module_progress", "enrollments", "competency_evidence", "learning_paths")

    def complete_enrollment(self, enrollment_id: int, today: date, score: float | None = None) -> ChangeSet:
        """Mark every module done on ``today`` and the enrolment completed with its assessment score."""
        if score is not None and not 0 <= score <= 100:
            raise InvalidInput(_("The course score must be from 0 to 100."))
        with self._uow(write=True) as s:
            e = s.get(Enrollment, enrollment_id)
            if e is None:
                raise NotFound(_("The enrolment no longer exists. Reload the list."))
            if e.status == "done":
                raise Conflict(_("The course is already completed."))
            for p in s.scalars(select(ModuleProgress).where(ModuleProgress.enrollment_id == e.id)).all():
                if p.status != "done":
                    p.status, p.completed_on = "done", today
            s.flush()
            self._refresh_enrollment(s, e.id, today, score, force_done=True)
        return ChangeSet.of("module_progress", "enrollments", "competency_evidence", "learning_paths")

    def _refresh_enrollment(self, s: Session, enrollment_id: int, today: date, score: float | None,
                            force_done: bool = False) -> None:
        e = s.get(Enrollment, enrollment_id)
        assert e is not None
        rows = s.execute(select(ModuleProgress.status, CourseModule.hours, ModuleProgress.completed_on)
                         .join(CourseModule, ModuleProgress.module_id == CourseModule.id)
                         .where(ModuleProgress.enrollment_id == enrollment_id)).all()
        state = prog.enrollment_progress([tuple(r) for r in rows])  # type: ignore[misc]
        was_done = e.status == "done"
        if force_done and not rows:
            state = prog.ProgressState("done", 100, today)
        e.status, e.progress_pct = state.status, state.progress_pct
        e.completed_on = state.completed_on or (today if state.status == "done" else None)
        if state.status == "done" and not was_done:
            if score is not None:
                e.score = round(score, 1)
            course = s.get(Course, e.course_id)
            assert course is not None
            self._write_evidence(s, e.person_id, "enrollment", e.id, feedback.completion_evidence(
                course.title, course.format, course.dimensions, e.score, e.completed_on or today))
        elif state.status != "done" and was_done:
            e.score = None
            self._write_evidence(s, e.person_id, "enrollment", e.id, [])

    def _write_evidence(self, s: Session, person_id: int, what: str, source_id: int,
                        drafts: Sequence[feedback.EvidenceDraft]) -> None:
        """Replace the evidence one enrolment, quiz attempt or scenario practice produced (so re-grading never
        doubles it). Each kind has its own source, so ids of different tables never collide."""
        sources = {"enrollment": ("training",), "quiz": ("quiz",), "scenario": ("scenario",)}[what]
        s.execute(delete(CompetencyEvidence).where(CompetencyEvidence.person_id == person_id,
                                                   CompetencyEvidence.source.in_(sources),
                                                   CompetencyEvidence.source_id == source_id))
        s.add_all(CompetencyEvidence(person_id=person_id, dimension=d.dimension, score=d.score, source=d.source,
                                     source_id=source_id, observed_on=d.observed_on, note=d.note) for d in drafts)

    def evidence(self, person_id: int) -> list[EvidenceRow]:
        with self._uow() as s:
            return [EvidenceRow(e.dimension, e.score, e.source, e.observed_on, e.note)
                    for e in s.scalars(select(CompetencyEvidence).where(CompetencyEvidence.person_id == person_id)
                                       .order_by(CompetencyEvidence.observed_on, CompetencyEvidence.id)).all()]

    # ================================================================ credits
    def _credit_status(self, s: Session, person_id: int, year: int, required: float) -> prog.CreditStatus:
        rows = s.execute(select(Enrollment.completed_on, Course.credits, Course.cme_class)
                         .join(Course, Enrollment.course_id == Course.id)
                         .where(Enrollment.person_id == person_id, Enrollment.status == "done")).all()
        return prog.credit_status(((d, c, k or "") for d, c, k in rows), year, required, self.rules.cme_class_minimum)

    def credits(self, year: int) -> list[CreditRow]:
        """CME credits per employee in ``year`` against the amount their job family requires: the total and
        the Ⅰ类/Ⅱ类 minimums (the classes cannot replace each other)."""
        with self._uow() as s:
            earned: dict[int, list[tuple[date | None, float, str]]] = defaultdict(list)
            for pid, done_on, cr, cls in s.execute(
                    select(Enrollment.person_id, Enrollment.completed_on, Course.credits, Course.cme_class)
                    .join(Course, Enrollment.course_id == Course.id).where(Enrollment.status == "done")).all():
                earned[pid].append((done_on, cr, cls or ""))
            out = []
            for p in _people(s):
                need = self.rules.cme_required_for(p.job_family)
                st = prog.credit_status(earned.get(p.person_id, ()), year, need, self.rules.cme_class_minimum)
                out.append(CreditRow(p.person_id, p.name, p.staff_no, p.department, p.family, year, st.earned, need,
                                     st.shortfall, st.met, st.earned_i, st.earned_ii, st.required_i, st.required_ii,
                                     "；".join(st.reasons())))
            return out

    # ================================================================ quizzes
    def quizzes(self) -> list[QuizRow]:
        with self._uow() as s:
            stats = {qid: (n, avg) for qid, n, avg in s.execute(
                select(QuizAttempt.quiz_id, func.count(), func.avg(QuizAttempt.score)).group_by(QuizAttempt.quiz_id)).all()}
            choice_ids = set(s.scalars(select(QuestionVersion.id).where(QuestionVersion.answer != "")))
            out = []
            for q, title in s.execute(select(Quiz, Course.title).outerjoin(Course, Quiz.course_id == Course.id)
                                      .order_by(Quiz.id)).all():
                n, avg = stats.get(q.id, (0, None))
                ids = list(q.question_version_ids)
                out.append(QuizRow(q.id, q.title, title or "", len(ids), sum(1 for i in ids if i in choice_ids),
                                   q.pass_score, n, None if avg is None else round(float(avg), 1)))
            return out

    def create_quiz(self, title: str, question_version_ids: Sequence[int], *, course_id: int | None = None,
                    pass_score: float = 60.0) -> int:
        if not title.strip():
            raise InvalidInput(_("A quiz needs a title."))
        ids = list(dict.fromkeys(question_version_ids))
        if not ids:
            raise InvalidInput(_("The quiz has no questions; add questions from the question bank first."))
        if not 0 < pass_score <= 100:
            raise InvalidInput(_("The pass score must be from 1 to 100."))
        with self._uow(write=True) as s:
            found = set(s.scalars(select(QuestionVersion.id).where(QuestionVersion.id.in_(ids))))
            if len(found) != len(ids):
                raise NotFound(_("Some questions are no longer in the question bank. Reload and choose again."))
            q = Quiz(title=title.strip()[:100], course_id=course_id, question_version_ids=ids, pass_score=pass_score)
            s.add(q)
            s.flush()
            return q.id

    def quiz_from_bank(self, title: str, *, dimensions: Sequence[str], n: int = 5, course_id: int | None = None,
                       family: str = "", kind: str = "", pass_score: float = 60.0) -> int:
        """A quiz of up to ``n`` current questions on the dimensions (choice questions first), from the bank;
        ``kind`` "choice" or "short" keeps only that kind."""
        with self._uow() as s:
            stmt = (select(Question, QuestionVersion)
                    .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                          & (QuestionVersion.number == Question.current_version))
                    .where(Question.active, Question.dimension.in_(list(dimensions))))
            rows = s.execute(stmt).all()
        pool = [(q, v) for q, v in rows if (not family or q.job_family in (family, "", "general"))
                and (not kind or (kind == "choice") == bool(v.options))]
        pool.sort(key=lambda qv: (not qv[1].options, qv[0].difficulty, qv[0].code))
        return self.create_quiz(title, [v.id for _q, v in pool[:n]], course_id=course_id, pass_score=pass_score)

    def quiz_questions(self, quiz_id: int) -> tuple[str, float, list[QuizQuestion]]:
        """Title, pass score and the questions in the pinned versions."""
        with self._uow() as s:
            quiz = s.get(Quiz, quiz_id)
            if quiz is None:
                raise NotFound(_("The quiz no longer exists. Reload the list."))
            return quiz.title, quiz.pass_score, _quiz_questions(s, list(quiz.question_version_ids))

    def submit_attempt(self, quiz_id: int, person_id: int, answers: Mapping[int, str], *, today: date,
                       taken_at: datetime | None = None) -> AttemptDetail:
        """Grade and store an attempt; the per-dimension scores become quiz evidence in the profile."""
        title, pass_score, questions = self.quiz_questions(quiz_id)
        grade = grade_quiz(questions, answers, pass_score)
        with self._uow(write=True) as s:
            if s.get(Person, person_id) is None:
                raise NotFound(_("The person no longer exists. Reload the list."))
            a = QuizAttempt(quiz_id=quiz_id, person_id=person_id, answers={str(k): v for k, v in answers.items()},
                            grading=[i.to_json() for i in grade.items], score=grade.score)
            if taken_at is not None:
                a.taken_at = taken_at
            s.add(a)
            s.flush()
            self._write_evidence(s, person_id, "quiz", a.id,
                                 feedback.quiz_evidence(title, grade.dimension_scores(), today))
            attempt_id = a.id
        return self.attempt(attempt_id)

    def attempts(self) -> list[AttemptRow]:
        with self._uow() as s:
            return [
                _attempt_row(a, quiz, name)
                for a, quiz, name in s.execute(select(QuizAttempt, Quiz, Person.name)
                                               .join(Quiz, QuizAttempt.quiz_id == Quiz.id)
                                               .join(Person, QuizAttempt.person_id == Person.id)
                                               .order_by(QuizAttempt.taken_at.desc())).all()
            ]

    def attempt(self, attempt_id: int) -> AttemptDetail:
        with self._uow() as s:
            row = s.execute(select(QuizAttempt, Quiz, Person.name).join(Quiz, QuizAttempt.quiz_id == Quiz.id)
                            .join(Person, QuizAttempt.person_id == Person.id)
                            .where(QuizAttempt.id == attempt_id)).first()
            if row is None:
                raise NotFound(_("The quiz attempt no longer exists. Reload the list."))
            a, quiz, name = row
            grade = QuizGrade(tuple(GradedItem.from_json(g) for g in a.grading), quiz.pass_score)
            return AttemptDetail(_attempt_row(a, quiz, name), tuple(_quiz_questions(s, list(quiz.question_version_ids))),
                                 grade)

    def override_score(self, attempt_id: int, version_id: int, percent: float, *, reason: str, today: date,
                       signer: str | None = None, by: str | None = None) -> AttemptDetail:
        """A person sets one item's score (0–100 %); the quiz score and the profile evidence follow.

        ``signer``: the signed-in user who makes the change (the GUI passes it); without one the change is
        signed by the HR office (``FALLBACK_SIGNER``, the command line). ``by`` is the older name of it."""
        who = signer_or_fallback(signer if signer is not None else by)
        detail = self.attempt(attempt_id)
        grade = override_item(detail.grade, version_id, percent / 100.0, by=who, reason=reason)
        with self._uow(write=True) as s:
            a = s.get(QuizAttempt, attempt_id)
            if a is None:
                raise NotFound(_("The quiz attempt no longer exists. Reload the list."))
            a.grading = [i.to_json() for i in grade.items]
            a.score = grade.score
            a.overridden_by = who
            observed = to_local(a.taken_at).date() if a.taken_at else today
            if isinstance(a.answers, dict) and PRACTICE_KEY in a.answers:
                self._write_evidence(s, a.person_id, "scenario", a.id,
                                     feedback.scenario_evidence(detail.row.quiz, grade.dimension_scores(), observed))
            else:
                self._write_evidence(s, a.person_id, "quiz", a.id,
                                     feedback.quiz_evidence(detail.row.quiz, grade.dimension_scores(), observed))
        return self.attempt(attempt_id)

    def quiz_pdf(self, quiz_id: int, path: Path, *, with_answers: bool = False) -> Path:
        from app.training.printing import quiz_pdf

        title, pass_score, questions = self.quiz_questions(quiz_id)
        return quiz_pdf(Path(path), title, pass_score, questions, with_answers=with_answers)

    # ================================================================ group assignment
    def group_options(self) -> GroupOptions:
        """What the group dialog offers: departments, post titles, professional titles and job families in use."""
        with self._uow() as s:
            depts = s.execute(select(Department.code, Department.name).where(Department.active)
                              .order_by(Department.sort_order, Department.code)).all()
            rows = s.execute(select(Position.title, Person.professional_title)
                             .select_from(Employee).join(Person, Employee.person_id == Person.id)
                             .outerjoin(Position, Employee.position_id == Position.id)
                             .where(Employee.status != "left")).all()
        positions = sorted({p for p, _t in rows if p})
        titles = sorted({t for _p, t in rows if t})
        return GroupOptions(tuple((c, n) for c, n in depts), tuple(positions), tuple(titles),
                            ("physician", "nursing", "medtech", "admin", "ai_medical"))

    def group_preview(self, group: GroupFilter, course_ids: Sequence[int]) -> list[GroupPreviewRow]:
        """Who the group is and what each member would get: the courses not yet taken; courses the person
        is already enrolled in (or completed) are skipped with the status as the reason."""
        with self._uow() as s:
            return self._group_preview(s, group, course_ids)

    def _group_preview(self, s: Session, group: GroupFilter, course_ids: Sequence[int]) -> list[GroupPreviewRow]:
        if group.empty:
            raise InvalidInput(_("Choose at least one condition for the group (department, post, title, job family "
                                 "or hire dates)."))
        if group.hired_from and group.hired_to and group.hired_from > group.hired_to:
            raise InvalidInput(_("The hire date range ends before it starts; swap the two dates."))
        courses = {c.id: c for c in s.scalars(select(Course).where(Course.id.in_(list(course_ids))))}
        stmt = (select(Employee, Person, Department, Position)
                .join(Person, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .outerjoin(Position, Employee.position_id == Position.id)
                .where(Employee.status != "left").order_by(Employee.staff_no))
        if group.department:
            stmt = stmt.where((Department.code == group.department) | (Department.name == group.department))
        if group.position:
            stmt = stmt.where((Position.title == group.position) | (Position.code == group.position))
        if group.title:
            stmt = stmt.where(Person.professional_title == group.title)
        if group.hired_from:
            stmt = stmt.where(Employee.hire_date >= group.hired_from)
        if group.hired_to:
            stmt = stmt.where(Employee.hire_date <= group.hired_to)
        if group.probation_only:
            stmt = stmt.where(Employee.status == "probation")
        members = s.execute(stmt).all()
        if group.family:
            members = [m for m in members if _family_of(m[3], m[2].kind) == group.family]
        ids = [emp.person_id for emp, *_rest in members]
        enrolled: dict[int, dict[int, str]] = defaultdict(dict)
        if ids and courses:
            for pid, cid, st in s.execute(select(Enrollment.person_id, Enrollment.course_id, Enrollment.status)
                                          .where(Enrollment.person_id.in_(ids),
                                                 Enrollment.course_id.in_(list(courses)))).all():
                enrolled[pid][cid] = st
        status_label = {"assigned": _("assigned"), "in_progress": _("in progress"), "done": _("completed")}
        out = []
        for emp, person, dept, pos in members:
            mine = enrolled.get(emp.person_id, {})
            assign = tuple(courses[c].title for c in course_ids if c in courses and c not in mine)
            skipped = tuple(_("{course} ({status})").format(course=courses[c].title,
                                                            status=status_label.get(mine[c], mine[c]))
                            for c in course_ids if c in mine)
            if not assign and skipped:
                reason = _("already enrolled in every course: {courses}").format(courses="；".join(skipped))
            elif skipped:
                reason = _("already enrolled, skipped: {courses}").format(courses="；".join(skipped))
            else:
                reason = ""
            out.append(GroupPreviewRow(emp.person_id, person.name, emp.staff_no, dept.name, pos.title if pos else "",
                                       person.professional_title, emp.hire_date, assign, skipped, reason))
        return out

    def assign_group(self, group: GroupFilter, items: Sequence[PlannedItem], *, title: str, today: date,
                     user: str = "", progress: ProgressFn = no_progress,
                     cancel: CancelToken = NEVER_CANCELLED) -> AssignResult:
        """Assign the path to every member of the group who still lacks one of its courses, in one transaction
        (members enrolled in all of them get no path; see ``group_preview``)."""
        preview = self.group_preview(group, [i.course_id for i in items])
        ids = [r.person_id for r in preview if r.gets_path]
        if not ids:
            raise InvalidInput(_("Nobody in the group needs these courses: {n} people found, all already enrolled.")
                               .format(n=len(preview)) if preview else
                               _("Nobody matches the group; widen the conditions."))
        return self.assign_path(ids, items, title=title, today=today, user=user, source="group", progress=progress,
                                cancel=cancel)

    # ================================================================ scenario practice (情景演练)
    def scenarios(self) -> list[ScenarioRow]:
        """Scenarios: quizzes of courses of format 情景演练, with the number of enrolled people and practices."""
        with self._uow() as s:
            rows = s.execute(select(Quiz, Course).join(Course, Quiz.course_id == Course.id)
                             .where(Course.format == "scenario").order_by(Course.code, Quiz.id)).all()
            enrolled = dict(s.execute(select(Enrollment.course_id, func.count()).group_by(Enrollment.course_id)).all())
            practices: dict[int, int] = defaultdict(int)
            for qid, answers in s.execute(select(QuizAttempt.quiz_id, QuizAttempt.answers)
                                          .where(QuizAttempt.quiz_id.in_([q.id for q, _c in rows]))).all():
                if isinstance(answers, dict) and PRACTICE_KEY in answers:
                    practices[qid] += 1
            out = []
            for q, c in rows:
                questions = _quiz_questions(s, list(q.question_version_ids))
                out.append(ScenarioRow(q.id, q.title, c.id, c.title, len(questions),
                                       sum(len(x.key_points) for x in questions), enrolled.get(c.id, 0),
                                       practices.get(q.id, 0), q.pass_score))
            return out

    def create_scenario(self, course_id: int, title: str, question_version_ids: Sequence[int], *,
                        pass_score: float = 60.0) -> int:
        """A scenario for a course of format 情景演练; its questions need key points (what the speech must cover)."""
        with self._uow() as s:
            course = s.get(Course, course_id)
            if course is None:
                raise NotFound(_("The course no longer exists. Reload the list."))
            if course.format != "scenario":
                raise InvalidInput(_("{course} is not a scenario course (情景演练); choose one of that format.").format(
                    course=course.title))
            questions = _quiz_questions(s, list(dict.fromkeys(question_version_ids)))
        bare = [q.code for q in questions if not q.key_points and not q.reference_answer]
        if bare:
            raise InvalidInput(_("Question {code} has no key points or reference answer, so a practice could not be "
                                 "scored; add them in the question bank.").format(code=bare[0]))
        return self.create_quiz(title, question_version_ids, course_id=course_id, pass_score=pass_score)

    def scenario(self, quiz_id: int) -> ScenarioRow:
        for row in self.scenarios():
            if row.quiz_id == quiz_id:
                return row
        raise NotFound(_("The scenario no longer exists or its course is not a scenario course. Reload the list."))

    def scenario_people(self, quiz_id: int) -> list[PersonRef]:
        """Employees enrolled in the scenario's course (who may practise it)."""
        row = self.scenario(quiz_id)
        with self._uow() as s:
            ids = set(s.scalars(select(Enrollment.person_id).where(Enrollment.course_id == row.course_id)))
            return [p for p in _people(s) if p.person_id in ids]

    def practise(self, quiz_id: int, person_id: int, source: Iterable[Any], *, consent: PracticeConsent,
                 today: date, source_name: str = "", engine: Any | None = None,
                 on_segment: Any | None = None, progress: ProgressFn = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> PracticeRecord:
        """Record, transcribe and score one practice of an enrolled person, and store it as an attempt of the
        scenario with dated ``scenario`` evidence for each dimension (the profile and learning paths use it).

        ``source``: audio chunks (``app.speech.audio.microphone_source`` or ``app.training.scenario.media_source``).
        Nothing is recorded before consent: without consent to the analysis nothing is opened at all; without
        consent to keep the recording the audio is transcribed from memory and no file is written.
        ``engine``: a speech engine (default: whisper with the scenario's key terms as hot words)."""
        from app.training import scenario as sc

        if not consent.analysis:
            raise InvalidInput(_("Without the person's consent to transcribe and score their speech the practice "
                                 "cannot be recorded here. Practise without the computer and mark the module "
                                 "completed instead."))
        row = self.scenario(quiz_id)
        title, pass_score, questions = self.quiz_questions(quiz_id)
        with self._uow() as s:
            if s.get(Person, person_id) is None:
                raise NotFound(_("The person no longer exists. Reload the list."))
            enrolled = s.scalar(select(Enrollment.id).where(Enrollment.person_id == person_id,
                                                            Enrollment.course_id == row.course_id))
        if enrolled is None:
            raise InvalidInput(_("The person is not enrolled in {course}; assign the course before practising its "
                                 "scenarios.").format(course=row.course))
        wav: Path | None = None
        if consent.keep_recording:
            if self._data is None:
                raise StorageError(_("No data folder is open; the recording cannot be kept."))
            stamp = consent.at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
            wav = self._data.archive / "training" / "scenario" / f"person_{person_id}" / f"quiz{quiz_id}_{stamp}.wav"
            wav.parent.mkdir(parents=True, exist_ok=True)
        if engine is None:
            engine = _practice_engine(sc.vocabulary(questions))
        progress(0, 0, _("Recording and transcribing…"))
        try:
            transcription = sc.record_and_transcribe(source, wav, engine, on_final=on_segment, progress=progress,
                                                     cancel=cancel)
            if transcription.audio_seconds < sc.MIN_SPEECH_SECONDS:
                raise InvalidInput(_("The recording is empty or shorter than half a second; nothing was stored. "
                                     "Check the microphone or the file and try again."))
            progress(0, 0, _("Scoring the practice…"))
            scored = sc.score_practice(questions, transcription, pass_score, cancel=cancel)
        except BaseException:
            if wav is not None:
                wav.unlink(missing_ok=True)
            raise
        grade = scored.grade
        relative = ""
        if wav is not None and wav.is_file():
            relative = self._data.relative(wav)  # type: ignore[union-attr]  # archive/training/...
        record = {
            "consent_analysis": True, "consent_keep_recording": consent.keep_recording,
            "consent_at": consent.at.astimezone(UTC).isoformat(), "recording": relative,
            "audio_seconds": round(transcription.audio_seconds, 2), "engine": transcription.engine,
            "source": (source_name or "")[:200], "segments": [seg.to_json() for seg in transcription.segments],
        }
        answers: dict[str, Any] = {str(q.version_id): transcription.text for q in questions}
        answers[PRACTICE_KEY] = record
        try:
            with self._uow(write=True) as s:
                a = QuizAttempt(quiz_id=quiz_id, person_id=person_id, answers=answers,
                                grading=[i.to_json() for i in grade.items], score=grade.score)
                s.add(a)
                s.flush()
                self._write_evidence(s, person_id, "scenario", a.id,
                                     feedback.scenario_evidence(title, grade.dimension_scores(), today))
                attempt_id = a.id
        except BaseException:
            if wav is not None:
                wav.unlink(missing_ok=True)
            raise
        log.info("scenario practice stored: attempt %d, %.1f s, score %.1f", attempt_id,
                 transcription.audio_seconds, grade.score)
        return self.practice(attempt_id)

    def practice(self, attempt_id: int) -> PracticeRecord:
        """One stored practice: the graded attempt, the transcript and the kept recording (if any)."""
        detail = self.attempt(attempt_id)
        with self._uow() as s:
            a = s.get(QuizAttempt, attempt_id)
            record = a.answers.get(PRACTICE_KEY) if a is not None and isinstance(a.answers, dict) else None
        if not isinstance(record, dict):
            raise NotFound(_("That attempt is not a scenario practice."))
        path: Path | None = None
        if record.get("recording") and self._data is not None:
            stored = str(record["recording"])
            if Path(stored).parts[:1] != (ARCHIVE_PREFIX,):
                stored = f"{ARCHIVE_PREFIX}/{stored}"  # kept before archive/ was stored: relative to the archive
            try:
                candidate = _archive_file(self._data, stored)
                path = candidate if candidate.is_file() else None
            except StorageError:  # shared archive unreachable: the transcript and grade are still shown
                log.warning("practice %d: archive folder unreachable, recording not offered", attempt_id)
        segments = tuple(PracticeSegment(float(x["start"]), float(x["end"]), str(x["text"]))
                         for x in record.get("segments", ()))
        try:
            scenario = self.scenario(detail.row.quiz_id)
        except NotFound:
            scenario = None
        return PracticeRecord(detail, segments, float(record.get("audio_seconds", 0.0)), path,
                              str(record.get("engine", "")), str(record.get("consent_at", "")),
                              str(record.get("source", "")), scenario)

    def practices(self, person_id: int | None = None) -> list[AttemptRow]:
        """Attempts that are scenario practices, newest first."""
        with self._uow() as s:
            stmt = (select(QuizAttempt, Quiz, Person.name).join(Quiz, QuizAttempt.quiz_id == Quiz.id)
                    .join(Person, QuizAttempt.person_id == Person.id).order_by(QuizAttempt.taken_at.desc()))
            if person_id is not None:
                stmt = stmt.where(QuizAttempt.person_id == person_id)
            return [_attempt_row(a, quiz, name) for a, quiz, name in s.execute(stmt).all()
                    if isinstance(a.answers, dict) and PRACTICE_KEY in a.answers]

    # ================================================================ performance coefficient
    def propose_coefficients(self, today: date, *, user: str = "") -> list[ProposalRow]:
        """Apply the training rule to every employee; store new proposals (status 'proposed', effective
        next month). A person with an open proposal gets no second one."""
        rules = self.rules
        since = today - timedelta(days=rules.coef_window_days)
        month = f"{(today.replace(day=1) + timedelta(days=32)):%Y-%m}"
        created: list[int] = []
        with self._uow(write=True) as s:
            open_ids = set(s.scalars(select(PerformanceCoefficient.employee_id)
                                     .where(PerformanceCoefficient.status == "proposed")))
            evidence: dict[int, list[CompetencyEvidence]] = defaultdict(list)
            for ev in s.scalars(select(CompetencyEvidence).order_by(CompetencyEvidence.observed_on)).all():
                evidence[ev.person_id].append(ev)
            enrol: dict[int, list[tuple[Enrollment, Course]]] = defaultdict(list)
            for e, c in s.execute(select(Enrollment, Course).join(Course, Enrollment.course_id == Course.id)).all():
                enrol[e.person_id].append((e, c))
            for emp in s.scalars(select(Employee).where(Employee.status != "left")).all():
                if emp.id in open_ids:
                    continue
                mine = enrol.get(emp.person_id, [])
                done = [(e, c) for e, c in mine if e.status == "done" and e.completed_on and since <= e.completed_on <= today]
                overdue = sum(1 for e, _c in mine if prog.is_overdue(e.status, e.due_date, today))
                growths: list[float] = []
                for e, c in done:
                    for dim in c.dimensions:
                        series = [(ev.observed_on, ev.score) for ev in evidence.get(emp.person_id, ())
                                  if ev.dimension == dim and ev.observed_on <= today]
                        ch = feedback.score_change(series, e.completed_on, dim).change  # type: ignore[arg-type]
                        if ch is not None:
                            growths.append(ch)
                if len(done) < rules.coef_min_completed or overdue or not growths:
                    continue  # cheap checks first; the rule repeats them
                current = _current_coefficient(s, emp.id, today)
                prop = feedback.propose_coefficient(current, len(done), overdue, growths, rules)
                if prop is None:
                    continue
                pc = PerformanceCoefficient(employee_id=emp.id, effective_month=month, coefficient=prop.proposed,
                                            reason=prop.reason, source="training", status="proposed", decided_by="")
                s.add(pc)
                s.flush()
                created.append(pc.id)
        log.info("coefficient proposals: %d", len(created))
        return [p for p in self.proposals(today) if p.id in set(created)]

    def proposals(self, today: date | None = None) -> list[ProposalRow]:
        today = today or date.today()
        with self._uow() as s:
            out = []
            for pc, emp, name in s.execute(select(PerformanceCoefficient, Employee, Person.name)
                                           .join(Employee, PerformanceCoefficient.employee_id == Employee.id)
                                           .join(Person, Employee.person_id == Person.id)
                                           .where(PerformanceCoefficient.source == "training")
                                           .order_by(PerformanceCoefficient.created_at.desc())).all():
                out.append(ProposalRow(pc.id, emp.id, name, emp.staff_no, pc.effective_month, pc.coefficient,
                                       _current_coefficient(s, emp.id, today, exclude=pc.id), pc.reason, pc.status,
                                       pc.decided_by))
            return out

    def decide_proposal(self, proposal_id: int, approve: bool, *, user: str) -> ChangeSet:
        """``user``: the signed-in user who decides (the GUI passes it; the command line passes the fallback)."""
        if not user.strip():
            raise InvalidInput(_("Say who decides."))
        with self._uow(write=True) as s:
            pc = s.get(PerformanceCoefficient, proposal_id)
            if pc is None:
                raise NotFound(_("The proposal no longer exists. Reload the list."))
            if pc.status != "proposed":
                raise Conflict(_("The proposal was already decided ({status}).").format(status=pc.status))
            pc.status = "approved" if approve else "rejected"
            pc.decided_by = user.strip()[:40]
        return ChangeSet.of("performance_coefficients")

    # ================================================================ reports
    def report(self, today: date, year: int | None = None) -> TrainingReport:
        year = year or today.year
        rows = self.enrollments(today)
        by_dept: dict[str, list[EnrollmentRow]] = defaultdict(list)
        by_course: dict[str, list[EnrollmentRow]] = defaultdict(list)
        for r in rows:
            by_dept[r.department or "—"].append(r)
            by_course[r.course].append(r)

        def completion(groups: Mapping[str, list[EnrollmentRow]]) -> tuple[CompletionRow, ...]:
            return tuple(sorted(
                (CompletionRow(g, len(rs), sum(1 for r in rs if r.status == "done"), sum(1 for r in rs if r.overdue))
                 for g, rs in groups.items()), key=lambda c: c.group))

        return TrainingReport(today, year, completion(by_dept), completion(by_course), tuple(self.overdue(today)),
                              tuple(self.credits(year)), tuple(self.score_changes()))

    def score_changes(self) -> list[ScoreChangeRow]:
        """Per course: mean score on its dimensions before and after completion (from the evidence)."""
        with self._uow() as s:
            series: dict[tuple[int, str], list[tuple[date, float]]] = defaultdict(list)
            for ev in s.scalars(select(CompetencyEvidence).order_by(CompetencyEvidence.observed_on)).all():
                series[(ev.person_id, ev.dimension)].append((ev.observed_on, ev.score))
            acc: dict[int, tuple[Course, list[float], list[float]]] = {}
            for e, c in s.execute(select(Enrollment, Course).join(Course, Enrollment.course_id == Course.id)
                                  .where(Enrollment.status == "done")).all():
                entry = acc.setdefault(c.id, (c, [], []))
                for dim in c.dimensions:
                    ch = feedback.score_change(series.get((e.person_id, dim), []), e.completed_on, dim)  # type: ignore[arg-type]
                    if ch.before is not None and ch.after is not None:
                        entry[1].append(ch.before)
                        entry[2].append(ch.after)
            out = []
            for c, before, after in acc.values():
                out.append(ScoreChangeRow(c.code, c.title, len(before),
                                          round(sum(before) / len(before), 2) if before else None,
                                          round(sum(after) / len(after), 2) if after else None))
            return sorted(out, key=lambda r: r.code)

    def export_report(self, path: Path, today: date, year: int | None = None) -> Path:
        from app.training.printing import write_report

        return write_report(Path(path), self.report(today, year))


# --------------------------------------------------------------------------------------------
# helpers


def _catalogue(s: Session) -> list[CatalogueCourse]:
    return [CatalogueCourse(c.id, c.code, c.title, tuple(c.dimensions), tuple(c.prerequisites), c.format, c.level,
                            c.hours, c.credits, c.cme_class or "")
            for c in s.scalars(select(Course).order_by(Course.code)).all()]


def _cme_family(s: Session, emp: Employee) -> str:
    """The job family that decides the CME duty (继续医学教育, 卫生技术人员): the post's own family, so a
    physician on an AI-medical post still needs the yearly credits."""
    if emp.position_id is not None:
        pos = s.get(Position, emp.position_id)
        if pos is not None:
            return pos.job_family
    dept = s.get(Department, emp.department_id)
    return FAMILY_BY_DEPT_KIND.get(dept.kind if dept else "", "admin")


def _family_of(pos: Position | None, dept_kind: str) -> str:
    if pos is not None:
        return "ai_medical" if pos.is_ai_medical else pos.job_family
    return FAMILY_BY_DEPT_KIND.get(dept_kind, "admin")


def _practice_engine(vocabulary: Sequence[str]) -> Any:
    """Whisper (the largest model installed) without speaker labels: in a practice everything heard is the
    trainee's speech. Raises ``ModelMissing`` with the folder to copy the model into."""
    from app.speech.engine import SpeechSettings, create_engine

    return create_engine(SpeechSettings(engine="whisper", model=None, hotwords=tuple(vocabulary), speaker_labels=False))


def _people(s: Session, person_id: int | None = None) -> list[PersonRef]:
    stmt = (select(Employee, Person.name, Department.name, Department.kind, Department.code, Position)
            .join(Person, Employee.person_id == Person.id)
            .join(Department, Employee.department_id == Department.id)
            .outerjoin(Position, Employee.position_id == Position.id)
            .where(Employee.status != "left")
            .order_by(Employee.staff_no))
    if person_id is not None:
        stmt = stmt.where(Employee.person_id == person_id)
    out = []
    for emp, name, dept, kind, code, pos in s.execute(stmt).all():
        family = ("ai_medical" if pos.is_ai_medical else pos.job_family) if pos else FAMILY_BY_DEPT_KIND.get(kind, "admin")
        job_family = pos.job_family if pos else FAMILY_BY_DEPT_KIND.get(kind, "admin")
        out.append(PersonRef(emp.person_id, name, emp.staff_no, dept, pos.title if pos else "", family, emp.status, code,
                             job_family))
    return out


def _names(s: Session) -> dict[int, tuple[str, str, str]]:
    return {pid: (name, staff or "", dept or "") for pid, name, staff, dept in s.execute(
        select(Person.id, Person.name, Employee.staff_no, Department.name)
        .outerjoin(Employee, Employee.person_id == Person.id)
        .outerjoin(Department, Employee.department_id == Department.id)).all()}


def _latest_scores(s: Session, person_id: int) -> dict[str, float]:
    """Latest score per dimension, by the same rule as the profile's competency picture (one definition)."""
    rows = s.scalars(select(CompetencyEvidence).where(CompetencyEvidence.person_id == person_id)).all()
    return latest_scores(EvidencePoint(ev.id, ev.dimension, ev.score, ev.source, ev.observed_on, ev.note or "")
                         for ev in rows)


def _quiz_questions(s: Session, ids: list[int]) -> list[QuizQuestion]:
    rows = {v.id: (q, v) for q, v in s.execute(select(Question, QuestionVersion)
                                                .join(QuestionVersion, QuestionVersion.question_id == Question.id)
                                                .where(QuestionVersion.id.in_(ids))).all()}
    out = []
    for i in ids:
        if i not in rows:
            continue
        q, v = rows[i]
        out.append(QuizQuestion(
            v.id, q.code, v.text, q.dimension, q.qtype, tuple(sorted(v.options.items())), v.answer,
            tuple(v.key_points), v.reference_answer, tuple(v.key_terms), q.is_clinical_scenario,
        ))
    return out


def _attempt_row(a: QuizAttempt, quiz: Quiz, name: str) -> AttemptRow:
    return AttemptRow(a.id, quiz.id, quiz.title, a.person_id, name, a.taken_at, a.score,
                      a.score is not None and a.score >= quiz.pass_score, a.overridden_by)


def _current_coefficient(s: Session, employee_id: int, today: date, exclude: int | None = None) -> float:
    """The latest approved coefficient effective by this month, else the pay profile's."""
    month = f"{today:%Y-%m}"
    stmt = (select(PerformanceCoefficient.coefficient)
            .where(PerformanceCoefficient.employee_id == employee_id, PerformanceCoefficient.status == "approved",
                   PerformanceCoefficient.effective_month <= month)
            .order_by(PerformanceCoefficient.effective_month.desc(), PerformanceCoefficient.id.desc()))
    if exclude is not None:
        stmt = stmt.where(PerformanceCoefficient.id != exclude)
    value = s.scalar(stmt.limit(1))
    if value is not None:
        return float(value)
    pp = s.scalar(select(PayProfile.performance_coefficient).where(PayProfile.employee_id == employee_id))
    return float(pp) if pp is not None else 1.0


def _archive_file(data: DataDir, stored: str) -> Path:
    """``data.resolve(stored)`` (``archive/...`` in the archive folder, maybe a share), refusing stored paths
    that climb out of their folder."""
    parts = Path(stored).parts
    base = data.archive if parts and parts[0] == ARCHIVE_PREFIX else data.root
    path = data.resolve(stored)
    if base.resolve() not in path.resolve().parents:
        raise InvalidInput(_("The path {path} lies outside the data folder; refusing to touch it.").format(path=stored))
    return path
