"""Interview assessment: analyse a recorded interview, queue it for human review, record the decision.

``analyse(interview_id)`` builds the engine's input from the database — the plan's questions in the
version asked, the candidate's transcript per question, the interviewer's marks and notes and, only
when the candidate consented to AI analysis, the per-second video observations — runs
:mod:`app.analysis`, and stores one :class:`InterviewAssessment` (re-analysis replaces it) plus one
``competency_evidence`` row per scored dimension. The software recommends; a person decides
(PIPL art. 24): ``decide`` records who decided what, when, and why, beside the recommendation.

Transcript choice: for each question the best version present is used (edited > retranscribed >
live); segments spoken by the interviewer and segments not tied to a question are left out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

# Light parts of the engine only (dataclasses, labels, the roll-up): the scorer itself pulls in jieba
# and the medical vocabulary and is imported inside ``analyse`` so that opening the program stays fast.
from app.analysis.config import COMPONENT_LABELS
from app.analysis.model import AnswerAssessment, QuestionSpec, Segment, Word, to_jsonable
from app.analysis.rollup import (
    CompetencyModel,
    DimensionSpec,
    NonVerbalObservation,
    recommend,
)
from app.db.tables import (
    Candidate,
    CompetencyEvidence,
    Department,
    Interview,
    InterviewAssessment,
    InterviewDecision,
    InterviewObservation,
    InterviewQuestion,
    Person,
    Position,
    PositionCompetency,
    TranscriptSegment,
)
from app.domain.recommendation import recommendation_label
from app.domain.timeutil import to_local
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.services.base import Service, load_for_update
from app.services.questions import AskedQuestion, QuestionBankService
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

VERSION_PRIORITY: dict[str, int] = {"edited": 3, "retranscribed": 2, "live": 1}
DECISIONS: tuple[str, ...] = ("recommend", "hold", "reject")
MIN_REASON_CHARS = 4
ASSESSMENT_FORMAT = 1

# Non-verbal observations: kinds (stored codes) and their labels (English msgids).
NONVERBAL_LABELS: dict[str, str] = {
    "eye_contact": N_("eye contact"),
    "expression": N_("facial expression"),
    "head_steadiness": N_("head steadiness"),
    "body_movement": N_("posture and gestures"),
}
NONVERBAL_CAUTION = N_(
    "Non-verbal observations are shown for context only, with a low weight, and are never a reason on their own: "
    "a nervous candidate can look stiff or avoid the camera, and lighting or camera position changes what the "
    "software sees."
)
MIN_FACE_PCT = 50.0  # seconds with less face than this are not used for eye contact / expression
MIN_FACE_SECONDS = 20  # fewer usable seconds than this: no non-verbal observations at all
AWAY_PCT = 20.0  # a second with less eye contact than this counts as "looking away"
AWAY_SPAN_S = 10  # the longest looking-away span is reported from this length on


# --------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class ReviewRow:
    """One analysed interview in the review list."""

    interview_id: int
    candidate_id: int
    person_id: int
    candidate: str
    position_id: int
    position: str
    scheduled_at: dt.datetime | None
    state: str
    total: float | None
    recommendation: str
    recommendation_label: str
    needs_review: bool
    review_reasons: tuple[str, ...]
    risk_count: int
    decision: str | None
    decided_by: str
    consent_ai: bool


@dataclass(frozen=True)
class DimensionView:
    name: str
    weight: float
    pass_bar: float
    ai: float | None
    interviewer: float | None
    blended: float | None
    status: str  # pass / below / far_below / missing
    answers: int


@dataclass(frozen=True)
class EvidenceView:
    kind: str  # quote / term / covered / partial / missed / rule / measure / observation
    text: str
    start: float | None
    end: float | None
    rule: str
    detail: str


@dataclass(frozen=True)
class ComponentView:
    name: str  # coverage / terminology / structure / clinical / communication
    label: str  # translated
    value: float
    weight: float
    contribution: float
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class RiskView:
    question: int  # position in plan
    severity: str
    category: str
    message: str
    quote: str
    start: float | None
    end: float | None


@dataclass(frozen=True)
class AnswerView:
    position_in_plan: int
    code: str
    version: int
    text: str
    qtype: str
    dimension: str
    transcript: str
    transcript_version: str
    start: float | None
    end: float | None
    ai_score: float | None  # None when AI analysis was not consented to
    interviewer_mark: float | None
    notes: str
    components: tuple[ComponentView, ...]
    rules: tuple[EvidenceView, ...]
    covered: tuple[EvidenceView, ...]
    missed: tuple[str, ...]
    terms: tuple[str, ...]
    risks: tuple[RiskView, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class NonVerbalView:
    kind: str
    label: str
    score: float
    note: str
    start: float | None
    end: float | None


@dataclass(frozen=True)
class DecisionView:
    decision: str
    label: str
    reason: str
    decided_by: str
    decided_at: dt.datetime


@dataclass(frozen=True)
class AssessmentDetail:
    interview_id: int
    version: int  # the interview record's version, for decide(expected_version=...)
    candidate: str
    gender: str
    person_id: int
    position_id: int
    position: str
    department: str
    interviewers: str
    scheduled_at: dt.datetime | None
    state: str
    consent_audio: bool | None
    consent_video: bool | None
    consent_ai: bool | None
    consent_at: dt.datetime | None
    analysed_at: dt.datetime
    total: float | None
    verbal_total: float | None
    nonverbal_score: float | None
    nonverbal_weight: float
    recommendation: str
    recommendation_label: str
    reasons: tuple[str, ...]
    needs_review: bool
    review_reasons: tuple[str, ...]
    dimensions: tuple[DimensionView, ...]
    answers: tuple[AnswerView, ...]
    risks: tuple[RiskView, ...]
    nonverbal: tuple[NonVerbalView, ...]
    nonverbal_note: str
    decision: DecisionView | None
    decisions: tuple[DecisionView, ...]  # all, oldest first
    warnings: tuple[str, ...]
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class AnalysisResult:
    interview_id: int
    total: float
    recommendation: str
    needs_review: bool
    changes: ChangeSet


@dataclass(frozen=True)
class ComparisonRow:
    interview_id: int
    candidate: str
    state: str
    total: float | None
    recommendation: str
    recommendation_label: str
    decision: str | None
    scores: tuple[float | None, ...]  # blended, in ``Comparison.dimensions`` order
    risk_count: int


@dataclass(frozen=True)
class Comparison:
    position_id: int
    position: str
    dimensions: tuple[str, ...]
    weights: tuple[float, ...]
    pass_bars: tuple[float, ...]
    rows: tuple[ComparisonRow, ...]  # best total first


# --------------------------------------------------------------------------------------------
# Pure helpers (no database)


def choose_segments(rows: Sequence[TranscriptSegment]) -> tuple[dict[int, list[TranscriptSegment]], dict[int, str], int]:
    """Per question index: the candidate's segments of the best version present.

    Returns (segments by question index, version used by question index, number of candidate segments
    not tied to any question)."""
    by_q: dict[int, dict[str, list[TranscriptSegment]]] = {}
    unassigned = 0
    for r in rows:
        if r.speaker == "interviewer":
            continue
        if r.question_index is None:
            unassigned += 1
            continue
        by_q.setdefault(r.question_index, {}).setdefault(r.version, []).append(r)
    chosen: dict[int, list[TranscriptSegment]] = {}
    versions: dict[int, str] = {}
    for q, per_version in by_q.items():
        best = max(per_version, key=lambda v: VERSION_PRIORITY.get(v, 0))
        chosen[q] = sorted(per_version[best], key=lambda r: (r.start_s, r.id))
        versions[q] = best
    return chosen, versions, unassigned


def _segment(r: TranscriptSegment) -> Segment:
    words: list[Word] = []
    for w in r.words or ():
        if isinstance(w, Mapping) and w.get("start") is not None and w.get("end") is not None:
            words.append(Word(str(w.get("text", w.get("word", ""))), float(w["start"]), float(w["end"])))
    return Segment(r.text, float(r.start_s), float(r.end_s), "candidate", tuple(words))


def _clip(x: float, lo: float = 0.0, hi: float = 10.0) -> float:
    return max(lo, min(hi, x))


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def summarise_observations(rows: Sequence[InterviewObservation]) -> tuple[list[NonVerbalObservation], str]:
    """Per-second video observations → a few explained observations (0–10, higher = more favourable).

    Mappings (documented so a reviewer can check them):
    - eye contact: mean % of frames looking at the camera over seconds with a face; 70 % or more → 10;
    - facial expression: 5 + smiling % / 10 − frowning % / 5, clipped to 0–10;
    - head steadiness: mean head speed ≤ 10 °/s → 10, falling linearly to 0 at 60 °/s;
    - posture and gestures: mean share of the picture moving outside the face ≤ 2 % → 10, 0 at 15 %.
    Returns the observations and a note (empty, or why there are none / fewer).
    """
    seconds = sorted(rows, key=lambda r: r.second)
    faced = [r for r in seconds if r.pct_face_present >= MIN_FACE_PCT]
    if len(faced) < MIN_FACE_SECONDS:
        if not seconds:
            return [], _("No video observations were recorded.")
        return [], _("The face was visible in only {n} seconds of video; no non-verbal observations are given.").format(
            n=len(faced))
    out: list[NonVerbalObservation] = []
    look = sum(r.pct_looking_at_camera for r in faced) / len(faced)
    # the longest run of consecutive seconds looking away (face visible)
    best: tuple[int, int] | None = None
    run_start: int | None = None
    prev: int | None = None
    for r in faced:
        away = r.pct_looking_at_camera < AWAY_PCT
        if away and run_start is not None and prev is not None and r.second == prev + 1:
            pass
        elif away:
            run_start = r.second
        else:
            run_start = None
        if away and run_start is not None and (best is None or r.second - run_start > best[1] - best[0]):
            best = (run_start, r.second)
        prev = r.second
    note = _("looking at the camera {pct}% of the time over {n} seconds").format(pct=f"{look:.0f}", n=len(faced))
    start = end = None
    if best is not None and best[1] - best[0] + 1 >= AWAY_SPAN_S:
        start, end = float(best[0]), float(best[1] + 1)
        note = _("{base}; longest look away {n} s ({start}–{end})").format(
            base=note, n=best[1] - best[0] + 1, start=_mmss(start), end=_mmss(end))
    out.append(NonVerbalObservation("eye_contact", round(_clip(10 * look / 70.0), 2), note, start, end))

    smile = sum(r.pct_smiling for r in faced) / len(faced)
    frown = sum(r.pct_frowning for r in faced) / len(faced)
    out.append(NonVerbalObservation(
        "expression", round(_clip(5 + smile / 10 - frown / 5), 2),
        _("smiling {smile}% and frowning {frown}% of the time").format(smile=f"{smile:.0f}", frown=f"{frown:.0f}"),
    ))
    head = [r.head_motion for r in faced if r.head_motion is not None]
    if head:
        mean_head = sum(head) / len(head)
        out.append(NonVerbalObservation(
            "head_steadiness", round(_clip(10 - 10 * (mean_head - 10) / 50), 2),
            _("mean head movement {speed}°/s").format(speed=f"{mean_head:.1f}"),
        ))
    body = [r.body_motion for r in seconds if r.body_motion is not None]
    if body:
        mean_body = sum(body) / len(body)
        out.append(NonVerbalObservation(
            "body_movement", round(_clip(10 - 10 * (mean_body - 0.02) / 0.13), 2),
            _("on average {pct}% of the picture around the candidate moved").format(pct=f"{100 * mean_body:.1f}"),
        ))
    return out, ""


def _question_spec(q: AskedQuestion) -> QuestionSpec:
    return QuestionSpec(
        id=q.code, text=q.text, type=q.qtype, dimensions=(q.dimension,), key_points=q.key_points,
        reference_answer=q.reference_answer, key_terms=q.key_terms, clinical_scenario=q.is_clinical_scenario,
    )


def _answer_record(
    q: AskedQuestion, a: AnswerAssessment, segs: Sequence[Segment], version: str, mark: float | None,
    notes: str, ai_consent: bool,
) -> dict[str, Any]:
    """What is stored per question: the question as asked, the transcript used and the full analysis."""
    record = _answer_record_base(q, segs, version, mark, notes)
    record["ai_used"] = ai_consent
    record["analysis"] = a.to_dict() if ai_consent else None
    return record


# --------------------------------------------------------------------------------------------
# Reading stored JSON back into DTOs


def _ev(d: Mapping[str, Any]) -> EvidenceView:
    return EvidenceView(str(d.get("kind", "")), str(d.get("text", "")), d.get("start"), d.get("end"),
                        str(d.get("rule", "")), str(d.get("detail", "")))


def _risk(pos: int, d: Mapping[str, Any]) -> RiskView:
    q = d.get("quote") or {}
    return RiskView(pos, str(d.get("severity", "")), str(d.get("category", "")), str(d.get("message", "")),
                    str(q.get("text", "")), q.get("start"), q.get("end"))


def _answer_view(d: Mapping[str, Any]) -> AnswerView:
    a: Mapping[str, Any] = d.get("analysis") or {}
    pos = int(d["position_in_plan"])
    dims = a.get("dimensions") or []
    dim = next((x for x in dims if x.get("dimension") == d.get("dimension")), dims[0] if dims else None)
    components = tuple(
        ComponentView(str(c["name"]), _(COMPONENT_LABELS.get(str(c["name"]), str(c["name"]))), float(c["value"]),
                      float(c["weight"]), float(c["contribution"]), tuple(_ev(e) for e in c.get("evidence") or ()))
        for c in (dim or {}).get("components") or ()
    )
    rules = tuple(_ev(e) for e in (dim or {}).get("rules") or ())
    covered: list[EvidenceView] = []
    missed: list[str] = []
    for p in (a.get("coverage") or {}).get("points") or ():
        kp = p.get("key_point") or {}
        if p.get("status") == "missed":
            missed.append(str(kp.get("text", "")))
        else:
            quote = p.get("quote") or {}
            covered.append(EvidenceView(str(p.get("status")), str(kp.get("text", "")), quote.get("start"),
                                        quote.get("end"), f"coverage.{p.get('status')}", str(quote.get("text", ""))))
    terms = tuple(str(t[0]) for t in (a.get("terms") or {}).get("terms") or ())
    return AnswerView(
        position_in_plan=pos, code=str(d.get("code", "")), version=int(d.get("version") or 0),
        text=str(d.get("text", "")), qtype=str(d.get("qtype", "")), dimension=str(d.get("dimension", "")),
        transcript=str(d.get("transcript", "")), transcript_version=str(d.get("transcript_version", "")),
        start=d.get("start"), end=d.get("end"), ai_score=None if dim is None else float(dim["score"]),
        interviewer_mark=d.get("interviewer_mark"), notes=str(d.get("notes", "")), components=components,
        rules=rules, covered=tuple(covered), missed=tuple(missed), terms=terms,
        risks=tuple(_risk(pos, r) for r in a.get("risks") or ()), warnings=tuple(str(w) for w in a.get("warnings") or ()),
    )


def _decision_view(d: InterviewDecision) -> DecisionView:
    return DecisionView(d.decision, recommendation_label(d.decision), d.reason, d.decided_by, d.decided_at)


# --------------------------------------------------------------------------------------------
# The service


class AssessmentService(Service):
    def __init__(self, factory: Any, questions: QuestionBankService | None = None) -> None:
        super().__init__(factory)
        self._questions = questions or QuestionBankService(factory)

    # ---------------------------------------------------------------- analysis
    def analyse(
        self,
        interview_id: int,
        *,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> AnalysisResult:
        """Analyse the interview and store the assessment (replacing an earlier one). Deterministic."""
        from app.analysis.scoring import assess_answer  # heavy (jieba); see the imports above

        asked = self._questions.asked(interview_id)
        with self._uow(write=True) as s:
            interview = s.get(Interview, interview_id)
            if interview is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            if interview.state == "decided":
                raise InvalidInput(_(
                    "This interview has been decided; its assessment is kept as the basis of that decision and "
                    "is not recalculated."))
            if not asked:
                raise InvalidInput(_("The interview has no question plan, so there is nothing to analyse. "
                                     "Generate a plan first."))
            candidate = s.get(Candidate, interview.candidate_id)
            assert candidate is not None
            comps = s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == interview.position_id)
                              .order_by(PositionCompetency.sort_order, PositionCompetency.id)).all()
            if not comps:
                raise InvalidInput(_("The position has no competency model (dimensions and weights). "
                                     "Set it up under Positions first."))
            model = CompetencyModel(tuple(DimensionSpec(c.name, float(c.weight), float(c.pass_bar)) for c in comps))
            plan_rows = {
                r.position_in_plan: r
                for r in s.scalars(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview_id)).all()
            }
            segments = s.scalars(select(TranscriptSegment).where(TranscriptSegment.interview_id == interview_id)).all()
            chosen, versions, unassigned = choose_segments(segments)
            ai_consent = bool(interview.consent_ai)
            marks_given = [r.interviewer_mark for r in plan_rows.values() if r.interviewer_mark is not None]
            if not chosen and not marks_given:
                raise InvalidInput(_("The interview has neither a transcript of the candidate's answers nor any "
                                     "interviewer mark. Record the interview or enter the marks first."))
            warnings: list[str] = []
            if unassigned:
                warnings.append(_("{n} transcript segments of the candidate are not tied to a question and were not "
                                  "scored.").format(n=unassigned))

            assessments: list[AnswerAssessment] = []
            answers: list[dict[str, Any]] = []
            for i, q in enumerate(asked):
                cancel.raise_if_cancelled()
                progress(i, len(asked), _("Analysing answer {n} of {total}").format(n=i + 1, total=len(asked)))
                plan_row = plan_rows.get(q.position_in_plan)
                mark = plan_row.interviewer_mark if plan_row else None
                notes = plan_row.notes if plan_row else ""
                segs = [_segment(r) for r in chosen.get(q.position_in_plan, [])]
                a = assess_answer(_question_spec(q), segs, notes=notes) if ai_consent else None
                if a is not None:
                    assessments.append(a)
                answers.append(_answer_record(q, a, segs, versions.get(q.position_in_plan, ""), mark, notes,
                                              ai_consent) if a is not None else
                               _answer_record_no_ai(q, segs, versions.get(q.position_in_plan, ""), mark, notes))
            marks = _dimension_marks(asked, plan_rows)
            observations: list[NonVerbalObservation] = []
            nv_note = ""
            if ai_consent:
                obs_rows = s.scalars(select(InterviewObservation)
                                     .where(InterviewObservation.interview_id == interview_id)).all()
                observations, nv_note = summarise_observations(obs_rows)
            else:
                nv_note = _("The candidate did not consent to AI analysis: no video observations were used.")
            rec = recommend(assessments, model, interviewer_marks=marks, nonverbal=observations, ai_consent=ai_consent)

            dims = {
                d.dimension: {"ai": d.ai_score, "interviewer": d.interviewer_score, "blended": d.final,
                              "bar": d.pass_bar, "weight": d.weight, "status": d.status, "answers": d.answers}
                for d in rec.dimensions
            }
            risk_flags: list[dict[str, Any]] = []
            for rec_answer in answers:
                for r in (rec_answer.get("analysis") or {}).get("risks") or ():
                    risk_flags.append({**r, "question": rec_answer["position_in_plan"]})
            row = s.scalar(select(InterviewAssessment).where(InterviewAssessment.interview_id == interview_id))
            if row is None:
                row = InterviewAssessment(interview_id=interview_id)
                s.add(row)
            row.answers = answers
            row.dimensions = dims
            row.nonverbal = {
                "score": rec.nonverbal_score,
                "weight": rec.nonverbal_weight,
                "observations": to_jsonable(observations),
                "note": nv_note,
            }
            row.risk_flags = risk_flags
            row.total = rec.total
            row.recommendation = rec.code
            row.needs_review = rec.needs_review
            row.review_reasons = [r.message for r in rec.review_reasons]
            row.settings = {
                "format": ASSESSMENT_FORMAT,
                "ai_consent": ai_consent,
                "verbal_total": rec.verbal_total,
                "reasons": [r.message for r in rec.reasons],
                "review_codes": [r.code for r in rec.review_reasons],
                "warnings": warnings,
                "model": to_jsonable(model),
            }
            interview.total_score = rec.total
            interview.recommendation = rec.code
            interview.state = "analysed"

            s.execute(delete(CompetencyEvidence).where(CompetencyEvidence.source == "interview",
                                                       CompetencyEvidence.source_id == interview_id))
            position = s.get(Position, interview.position_id)
            observed = to_local(interview.scheduled_at).date() if interview.scheduled_at else dt.date.today()
            for d in rec.dimensions:
                if d.final is None:
                    continue
                note = _("Interview for {position}: AI {ai}, interviewer {mark}").format(
                    position=position.title if position else "",
                    ai="-" if d.ai_score is None else f"{d.ai_score:.1f}",
                    mark="-" if d.interviewer_score is None else f"{d.interviewer_score:.1f}")
                s.add(CompetencyEvidence(person_id=candidate.person_id, dimension=d.dimension, score=float(d.final),
                                         source="interview", source_id=interview_id, observed_on=observed,
                                         note=note[:200]))
            progress(len(asked), len(asked), _("Analysis stored"))
        log.info("interview %s analysed: %s, review=%s", interview_id, rec.code, rec.needs_review)
        return AnalysisResult(interview_id, rec.total, rec.code, rec.needs_review,
                              ChangeSet.of("interviews", "interview_assessments", "competency_evidence"))

    # ---------------------------------------------------------------- reading
    def _rows(self, *, queue_only: bool, position_id: int | None = None) -> list[ReviewRow]:
        with self._uow() as s:
            stmt = (
                select(Interview, InterviewAssessment, Candidate.person_id, Person.name, Position.title)
                .join(InterviewAssessment, InterviewAssessment.interview_id == Interview.id)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Person, Candidate.person_id == Person.id)
                .join(Position, Interview.position_id == Position.id)
                .order_by(Interview.scheduled_at, Interview.id)
            )
            if queue_only:
                stmt = stmt.where(InterviewAssessment.needs_review.is_(True), Interview.decision.is_(None))
            if position_id is not None:
                stmt = stmt.where(Interview.position_id == position_id)
            return [
                ReviewRow(
                    i.id, i.candidate_id, person_id, name, i.position_id, title, i.scheduled_at, i.state, a.total,
                    a.recommendation, recommendation_label(a.recommendation), a.needs_review,
                    tuple(a.review_reasons or ()), len(a.risk_flags or ()), i.decision, i.decided_by,
                    bool(i.consent_ai),
                )
                for i, a, person_id, name, title in s.execute(stmt).all()
            ]

    def review_queue(self) -> list[ReviewRow]:
        """Analysed interviews that need a person's review (borderline, disagreement, risk) and are undecided."""
        return self._rows(queue_only=True)

    def analysed(self) -> list[ReviewRow]:
        """Every analysed or decided interview."""
        return self._rows(queue_only=False)

    def pending_analysis(self) -> list[int]:
        """Interviews that were recorded but not analysed yet."""
        with self._uow() as s:
            return list(s.scalars(select(Interview.id).where(Interview.state == "recorded").order_by(Interview.id)))

    def detail(self, interview_id: int) -> AssessmentDetail:
        with self._uow() as s:
            got = s.execute(
                select(Interview, InterviewAssessment, Person, Position, Department.name)
                .join(InterviewAssessment, InterviewAssessment.interview_id == Interview.id)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Person, Candidate.person_id == Person.id)
                .join(Position, Interview.position_id == Position.id)
                .join(Department, Position.department_id == Department.id)
                .where(Interview.id == interview_id)
            ).first()
            if got is None:
                if s.get(Interview, interview_id) is None:
                    raise NotFound(_("The interview no longer exists. Reload the list."))
                raise NotFound(_("The interview has not been analysed yet. Analyse it first."))
            i, a, person, position, department = got
            decisions = [
                _decision_view(d)
                for d in s.scalars(select(InterviewDecision).where(InterviewDecision.interview_id == interview_id)
                                   .order_by(InterviewDecision.decided_at, InterviewDecision.id)).all()
            ]
            dims = tuple(
                DimensionView(name, float(v["weight"]), float(v["bar"]), v.get("ai"), v.get("interviewer"),
                              v.get("blended"), str(v.get("status", "")), int(v.get("answers", 0)))
                for name, v in (a.dimensions or {}).items()
            )
            answers = tuple(_answer_view(d) for d in a.answers or ())
            nv = a.nonverbal or {}
            nonverbal = tuple(
                NonVerbalView(str(o["kind"]), _(NONVERBAL_LABELS.get(str(o["kind"]), str(o["kind"]))),
                              float(o["score"]), str(o.get("note", "")), o.get("start"), o.get("end"))
                for o in nv.get("observations") or ()
            )
            settings = dict(a.settings or {})
            return AssessmentDetail(
                interview_id=i.id, version=i.version, candidate=person.name, gender=person.gender, person_id=person.id,
                position_id=position.id, position=position.title, department=department, interviewers=i.interviewers,
                scheduled_at=i.scheduled_at, state=i.state, consent_audio=i.consent_audio,
                consent_video=i.consent_video, consent_ai=i.consent_ai, consent_at=i.consent_at,
                analysed_at=a.updated_at, total=a.total, verbal_total=settings.get("verbal_total"),
                nonverbal_score=nv.get("score"), nonverbal_weight=float(nv.get("weight") or 0.0),
                recommendation=a.recommendation, recommendation_label=recommendation_label(a.recommendation),
                reasons=tuple(settings.get("reasons") or ()), needs_review=a.needs_review,
                review_reasons=tuple(a.review_reasons or ()), dimensions=dims, answers=answers,
                risks=tuple(r for ans in answers for r in ans.risks), nonverbal=nonverbal,
                nonverbal_note=str(nv.get("note", "")), decision=decisions[-1] if decisions else None,
                decisions=tuple(decisions), warnings=tuple(settings.get("warnings") or ()), settings=settings,
            )

    # ---------------------------------------------------------------- decision
    def decide(
        self, interview_id: int, decision: str, reason: str, user: str, *, expected_version: int | None = None
    ) -> ChangeSet:
        """Record a person's decision beside the recommendation. A reason and the deciding user are required."""
        if decision not in DECISIONS:
            raise InvalidInput(_("Unknown decision {decision}. Choose one of: {choices}.").format(
                decision=decision, choices=" / ".join(recommendation_label(c) for c in DECISIONS)))
        reason = reason.strip()
        if len(reason) < MIN_REASON_CHARS:
            raise InvalidInput(_("Write the reason for the decision (at least {n} characters); it is kept with the "
                                 "interview record.").format(n=MIN_REASON_CHARS))
        user = user.strip()
        if not user:
            raise InvalidInput(_("Say who makes the decision; it is kept with the interview record."))
        with self._uow(write=True) as s:
            if expected_version is None:
                interview = s.get(Interview, interview_id)
                if interview is None:
                    raise NotFound(_("The interview no longer exists. Reload the list."))
            else:
                interview = load_for_update(s, Interview, interview_id, expected_version,
                                            _("Interview {id}").format(id=interview_id))
            has_assessment = s.scalar(select(InterviewAssessment.id)
                                      .where(InterviewAssessment.interview_id == interview_id))
            if has_assessment is None:
                raise InvalidInput(_("The interview has not been analysed yet. Analyse it before deciding."))
            now = dt.datetime.now(dt.UTC)
            s.add(InterviewDecision(interview_id=interview_id, decision=decision, reason=reason, decided_by=user[:40],
                                    decided_at=now))
            interview.decision = decision
            interview.decision_reason = reason
            interview.decided_by = user[:50]
            interview.state = "decided"
        log.info("interview %s decided", interview_id)
        return ChangeSet.of("interviews", "interview_decisions")

    # ---------------------------------------------------------------- comparison
    def comparison(self, position_id: int) -> Comparison:
        """All analysed candidates of a position, side by side on the position's dimensions."""
        rows = self._rows(queue_only=False, position_id=position_id)
        with self._uow() as s:
            position = s.get(Position, position_id)
            if position is None:
                raise NotFound(_("The position no longer exists. Reload the list."))
            comps = s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == position_id)
                              .order_by(PositionCompetency.sort_order, PositionCompetency.id)).all()
            names = tuple(c.name for c in comps)
            dims_by_interview = dict(s.execute(
                select(InterviewAssessment.interview_id, InterviewAssessment.dimensions)
                .where(InterviewAssessment.interview_id.in_([r.interview_id for r in rows]))
            ).all())
            out = []
            for r in rows:
                dims = dims_by_interview.get(r.interview_id) or {}
                out.append(ComparisonRow(
                    r.interview_id, r.candidate, r.state, r.total, r.recommendation, r.recommendation_label,
                    r.decision, tuple((dims.get(n) or {}).get("blended") for n in names), r.risk_count,
                ))
            out.sort(key=lambda x: (-(x.total or 0.0), x.interview_id))
            return Comparison(position_id, position.title, names, tuple(float(c.weight) for c in comps),
                              tuple(float(c.pass_bar) for c in comps), tuple(out))

    def export_comparison(self, position_id: int, path: Path) -> Path:
        from app.reports.interview_excel import write_comparison

        return write_comparison(self.comparison(position_id), Path(path))

    # ---------------------------------------------------------------- report
    def export_pdf(self, interview_id: int, path: Path, *, cancel: CancelToken = NEVER_CANCELLED) -> Path:
        from app.reports.interview_pdf import write_interview_pdf

        detail = self.detail(interview_id)
        cancel.raise_if_cancelled()
        return write_interview_pdf(detail, Path(path))


def _answer_record_no_ai(
    q: AskedQuestion, segs: Sequence[Segment], version: str, mark: float | None, notes: str
) -> dict[str, Any]:
    """Without AI consent the transcript is kept for the reviewer but nothing is computed from it."""
    record = _answer_record_base(q, segs, version, mark, notes)
    record["ai_used"] = False
    record["analysis"] = None
    return record


def _answer_record_base(
    q: AskedQuestion, segs: Sequence[Segment], version: str, mark: float | None, notes: str
) -> dict[str, Any]:
    starts = [s.start for s in segs if s.start is not None]
    ends = [s.end for s in segs if s.end is not None]
    return {
        "position_in_plan": q.position_in_plan,
        "code": q.code,
        "version": q.version_number,
        "text": q.text,
        "qtype": q.qtype,
        "dimension": q.dimension,
        "transcript": "".join(s.text for s in segs),
        "transcript_version": version,
        "start": min(starts) if starts else None,
        "end": max(ends) if ends else None,
        "interviewer_mark": mark,
        "notes": notes,
    }


def _dimension_marks(asked: Sequence[AskedQuestion], plan_rows: Mapping[int, InterviewQuestion]) -> dict[str, float]:
    """The interviewer's mark per dimension: the mean of their marks on that dimension's questions."""
    per: dict[str, list[float]] = {}
    for q in asked:
        row = plan_rows.get(q.position_in_plan)
        if row is not None and row.interviewer_mark is not None:
            mark = float(row.interviewer_mark)
            if not 0 <= mark <= 10:
                raise InvalidInput(_("Question {n}: the interviewer's mark {mark} is not between 0 and 10. "
                                     "Correct the mark.").format(n=q.position_in_plan, mark=f"{mark:g}"))
            per.setdefault(q.dimension, []).append(mark)
    return {d: round(sum(v) / len(v), 2) for d, v in per.items()}


__all__ = [
    "AnalysisResult",
    "AssessmentDetail",
    "AssessmentService",
    "Comparison",
    "ReviewRow",
]
