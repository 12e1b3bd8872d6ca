"""The structured question bank: versioned questions, interview plans that pin versions, policies.

A question's identity and tags live in ``questions``; its wording, key points and reference answer
in ``question_versions``. Editing a question that an interview has already asked creates a new
version, so the old interview keeps the wording it asked; editing an unused version changes it in
place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.db.tables import (
    Interview,
    InterviewQuestion,
    Policy,
    PolicyQuestion,
    Position,
    PositionCompetency,
    Question,
    QuestionVersion,
)
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.positions import plan as planning
from app.positions.competency import Dimension
from app.positions.questions import GENERAL, LICENCE_NOT_FOR_INDIVIDUALS, QUESTION_TYPES
from app.positions.questions import Question as BankQuestion
from app.services.base import Service, load_for_update
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

AI_MEDICAL = "ai_medical"


@dataclass(frozen=True)
class QuestionRow:
    id: int
    code: str
    job_family: str
    positions: tuple[str, ...]
    dimension: str
    qtype: str
    difficulty: int
    version: int  # optimistic-lock version of the question record
    current_version: int  # wording version number
    text: str
    source: str
    restricted: bool
    times_asked: int


@dataclass(frozen=True)
class QuestionDetail:
    row: QuestionRow
    key_points: tuple[str, ...]
    reference_answer: str
    key_terms: tuple[str, ...]
    options: tuple[tuple[str, str], ...]
    answer: str
    policy_ref: str
    versions: tuple[tuple[int, str, dt.datetime], ...]  # (number, text, created_at)


@dataclass(frozen=True)
class AskedQuestion:
    position_in_plan: int
    question_id: int
    code: str
    version_number: int
    text: str
    dimension: str
    qtype: str
    key_points: tuple[str, ...]
    reference_answer: str
    key_terms: tuple[str, ...]
    restricted: bool
    is_clinical_scenario: bool


@dataclass(frozen=True)
class PlanResult:
    interview_id: int
    questions: tuple[AskedQuestion, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ImportStats:
    created: int
    new_versions: int
    unchanged: int


class QuestionBankService(Service):
    # ---------------------------------------------------------------- reading
    def questions(self) -> list[QuestionRow]:
        with self._uow() as s:
            asked = dict(
                s.execute(
                    select(QuestionVersion.question_id, func.count())
                    .join(InterviewQuestion, InterviewQuestion.question_version_id == QuestionVersion.id)
                    .group_by(QuestionVersion.question_id)
                ).all()
            )
            stmt = (
                select(Question, QuestionVersion.text)
                .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                      & (QuestionVersion.number == Question.current_version))
                .where(Question.active)
                .order_by(Question.job_family, Question.dimension, Question.code)
            )
            return [_row(q, text, asked.get(q.id, 0)) for q, text in s.execute(stmt).all()]

    def detail(self, question_id: int) -> QuestionDetail:
        with self._uow() as s:
            q = s.get(Question, question_id)
            if q is None:
                raise NotFound(_("The question no longer exists. Reload the list."))
            versions = s.scalars(
                select(QuestionVersion).where(QuestionVersion.question_id == q.id).order_by(QuestionVersion.number)
            ).all()
            current = next(v for v in versions if v.number == q.current_version)
            asked = s.scalar(
                select(func.count()).select_from(InterviewQuestion)
                .join(QuestionVersion, InterviewQuestion.question_version_id == QuestionVersion.id)
                .where(QuestionVersion.question_id == q.id)
            ) or 0
            return QuestionDetail(
                _row(q, current.text, asked), tuple(current.key_points), current.reference_answer,
                tuple(current.key_terms), tuple(sorted(current.options.items())), current.answer, current.policy_ref,
                tuple((v.number, v.text, v.created_at) for v in versions),
            )

    def pool(self) -> list[BankQuestion]:
        """The current version of every active question, in the planner's form."""
        with self._uow() as s:
            stmt = (
                select(Question, QuestionVersion)
                .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                      & (QuestionVersion.number == Question.current_version))
                .where(Question.active)
            )
            return [_bank_question(q, v) for q, v in s.execute(stmt).all()]

    # ---------------------------------------------------------------- writing
    def import_questions(
        self,
        questions: Sequence[BankQuestion],
        *,
        user: str = "",
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> ImportStats:
        """Add questions by code; a changed wording of a known code becomes a new version. Atomic."""
        created = new_versions = unchanged = 0
        with self._uow(write=True) as s:
            existing = {q.code: q for q in s.scalars(select(Question)).all()}
            for i, bq in enumerate(questions):
                cancel.raise_if_cancelled()
                if i % 50 == 0:
                    progress(i, len(questions), _("Importing questions"))
                _validate(bq)
                q = existing.get(bq.id)
                if q is None:
                    q = Question(
                        code=bq.id, job_family=bq.family, positions=list(bq.positions), dimension=bq.dimension,
                        qtype=bq.type, difficulty=bq.difficulty, is_clinical_scenario=bq.type == "情景题",
                        source=bq.source, licence_condition=bq.licence_condition, current_version=1,
                    )
                    s.add(q)
                    s.flush()
                    s.add(_version(q.id, 1, bq, user, _("imported")))
                    existing[bq.id] = q
                    created += 1
                    continue
                current = s.scalar(
                    select(QuestionVersion).where(QuestionVersion.question_id == q.id,
                                                  QuestionVersion.number == q.current_version)
                )
                if current is not None and _same_wording(current, bq):
                    unchanged += 1
                    continue
                q.current_version += 1
                q.dimension, q.qtype, q.difficulty = bq.dimension, bq.type, bq.difficulty
                s.add(_version(q.id, q.current_version, bq, user, _("imported")))
                new_versions += 1
            progress(len(questions), len(questions), _("Importing questions"))
        return ImportStats(created, new_versions, unchanged)

    def edit(
        self,
        question_id: int,
        expected_version: int,
        *,
        text: str,
        key_points: Sequence[str],
        reference_answer: str = "",
        key_terms: Sequence[str] = (),
        policy_ref: str = "",
        user: str = "",
        note: str = "",
    ) -> ChangeSet:
        """Change the wording. Used in an interview already → a new version; otherwise in place."""
        text = text.strip()
        if not text:
            raise InvalidInput(_("A question needs its text."))
        points = [p.strip() for p in key_points if p.strip()]
        if not points:
            raise InvalidInput(_("Give at least one expected key point; answers are scored against them."))
        with self._uow(write=True) as s:
            q = load_for_update(s, Question, question_id, expected_version, _("Question {code}").format(code=question_id))
            current = s.scalar(
                select(QuestionVersion).where(QuestionVersion.question_id == q.id,
                                              QuestionVersion.number == q.current_version)
            )
            assert current is not None
            asked = s.scalar(
                select(func.count()).select_from(InterviewQuestion)
                .where(InterviewQuestion.question_version_id == current.id)
            )
            if asked:
                q.current_version += 1
                target = QuestionVersion(question_id=q.id, number=q.current_version, created_by=user,
                                         change_note=note, options=dict(current.options), answer=current.answer)
                s.add(target)
            else:
                target = current
            target.text, target.key_points = text, points
            target.reference_answer, target.key_terms, target.policy_ref = reference_answer, list(key_terms), policy_ref
            q.updated_at = dt.datetime.now(dt.UTC)  # bumps the record version for other workstations
        return ChangeSet.of("questions", "question_versions")

    # ---------------------------------------------------------------- interview plans
    def generate_plan(self, interview_id: int, n: int = 8, *, seed: int = 0, exclude_restricted: bool = True) -> PlanResult:
        """Choose ``n`` questions for the interview's position, balanced by its competency weights, and pin
        their current versions. Replaces an earlier plan of an interview that has not been recorded."""
        pool = self.pool()
        with self._uow(write=True) as s:
            interview = s.get(Interview, interview_id)
            if interview is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            if interview.state not in ("planned",):
                raise InvalidInput(_("The interview has been recorded; its questions can no longer change."))
            position = s.get(Position, interview.position_id)
            assert position is not None
            dims = [
                Dimension(c.name, c.weight, c.pass_bar)
                for c in s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == position.id)
                                   .order_by(PositionCompetency.sort_order)).all()
            ]
            families = [position.job_family, GENERAL] + ([AI_MEDICAL] if position.is_ai_medical else [])
            plan = planning.generate_plan(
                dims, pool, n, families=families, position_code=position.code, seed=seed,
                exclude_restricted=exclude_restricted, redistribute=True,
            )
            for old in s.scalars(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview_id)).all():
                s.delete(old)
            s.flush()
            codes = [it.question_id for it in plan.items]
            versions = {
                code: vid
                for code, vid in s.execute(
                    select(Question.code, QuestionVersion.id)
                    .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                          & (QuestionVersion.number == Question.current_version))
                    .where(Question.code.in_(codes))
                ).all()
            }
            for i, code in enumerate(codes, 1):
                s.add(InterviewQuestion(interview_id=interview_id, position_in_plan=i, question_version_id=versions[code]))
            warnings = tuple(plan.warnings())
        return PlanResult(interview_id, tuple(self.asked(interview_id)), warnings)

    def asked(self, interview_id: int) -> list[AskedQuestion]:
        """The interview's questions in plan order, in the version that was (or will be) asked."""
        with self._uow() as s:
            stmt = (
                select(InterviewQuestion.position_in_plan, Question, QuestionVersion)
                .join(QuestionVersion, InterviewQuestion.question_version_id == QuestionVersion.id)
                .join(Question, QuestionVersion.question_id == Question.id)
                .where(InterviewQuestion.interview_id == interview_id)
                .order_by(InterviewQuestion.position_in_plan)
            )
            return [
                AskedQuestion(pos, q.id, q.code, v.number, v.text, q.dimension, q.qtype, tuple(v.key_points),
                              v.reference_answer, tuple(v.key_terms), q.licence_condition == LICENCE_NOT_FOR_INDIVIDUALS,
                              q.is_clinical_scenario)
                for pos, q, v in s.execute(stmt).all()
            ]

    # ---------------------------------------------------------------- policies
    def add_policy(self, title: str, issued_on: dt.date | None, text: str, terms: Sequence[str]) -> tuple[int, list[int]]:
        """Record a policy and link the questions it concerns (those whose wording, key points or
        reference mention any of ``terms``); returns the policy id and the questions to review."""
        if not title.strip():
            raise InvalidInput(_("A policy needs a title."))
        terms = [t.strip() for t in terms if t.strip()]
        with self._uow(write=True) as s:
            policy = Policy(title=title.strip(), issued_on=issued_on, text=text)
            s.add(policy)
            s.flush()
            ids: list[int] = []
            if terms:
                for q, v in s.execute(
                    select(Question, QuestionVersion)
                    .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                          & (QuestionVersion.number == Question.current_version))
                    .where(Question.active)
                ).all():
                    haystack = " ".join([v.text, v.reference_answer, v.policy_ref, *v.key_points, *v.key_terms])
                    if any(t in haystack for t in terms):
                        s.add(PolicyQuestion(policy_id=policy.id, question_id=q.id))
                        ids.append(q.id)
            return policy.id, ids

    def questions_to_review(self, policy_id: int) -> list[QuestionRow]:
        with self._uow() as s:
            ids = set(s.scalars(select(PolicyQuestion.question_id).where(PolicyQuestion.policy_id == policy_id,
                                                                          PolicyQuestion.reviewed.is_(False))))
        return [r for r in self.questions() if r.id in ids]


def _row(q: Question, text: str, asked: int) -> QuestionRow:
    return QuestionRow(
        q.id, q.code, q.job_family, tuple(q.positions), q.dimension, q.qtype, q.difficulty, q.version,
        q.current_version, text, q.source, q.licence_condition == LICENCE_NOT_FOR_INDIVIDUALS, asked,
    )


def _version(question_id: int, number: int, bq: BankQuestion, user: str, note: str) -> QuestionVersion:
    return QuestionVersion(
        question_id=question_id, number=number, text=bq.text, key_points=list(bq.key_points),
        reference_answer=bq.reference_answer, key_terms=list(bq.key_terms), options=dict(bq.options),
        answer=bq.answer, policy_ref=bq.policy_reference, created_by=user, change_note=note,
    )


def _same_wording(v: QuestionVersion, bq: BankQuestion) -> bool:
    return (v.text, list(v.key_points), v.reference_answer) == (bq.text, list(bq.key_points), bq.reference_answer)


def _bank_question(q: Question, v: QuestionVersion) -> BankQuestion:
    return BankQuestion(
        id=q.code, text=v.text, type=q.qtype, dimension=q.dimension, difficulty=q.difficulty, family=q.job_family,
        positions=tuple(q.positions), key_points=tuple(v.key_points), reference_answer=v.reference_answer,
        key_terms=tuple(v.key_terms), source=q.source, policy_reference=v.policy_ref,
        licence_condition=q.licence_condition, options=tuple(sorted(v.options.items())), answer=v.answer,
    )


def _validate(bq: BankQuestion) -> None:
    if bq.type not in QUESTION_TYPES:
        raise InvalidInput(_("Question {code}: unknown type {type}.").format(code=bq.id, type=bq.type))
    if not 1 <= bq.difficulty <= 5:
        raise InvalidInput(_("Question {code}: difficulty must be 1 to 5.").format(code=bq.id))
    if not bq.text.strip():
        raise InvalidInput(_("Question {code} has no text.").format(code=bq.id))
