"""Scoring one answer: components → 0–10 per dimension, every number with its evidence.

Formula (weights in ``resources/analysis/scoring.toml``):

1. Components, each 0..1: coverage (key points), terminology (key terms, density, confusions),
   structure (problem → action → result), clinical (factors; clinical-scenario questions only),
   communication (fluency, rate, pauses, repetition, empathy where the question calls for it).
2. For each dimension the question is tagged with: weight = question-type weight × dimension
   emphasis; components that do not apply (no key points, not a clinical scenario, no speech)
   get weight 0; weights are renormalised to sum to 1.
3. raw = 10 × Σ weight × value. Risk rules: each medium risk flag subtracts ``medium_penalty``;
   any high risk flag caps the score at ``high_cap``. Every adjustment is listed in ``rules``.

Deterministic: the same question and speech give the same result (no randomness, no clock, no
state carried between calls).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from app.analysis.communication import assess_communication
from app.analysis.config import COMPONENTS, Settings, load_settings
from app.analysis.coverage import assess_coverage
from app.analysis.keypoints import key_points_for
from app.analysis.model import (
    AnswerAssessment,
    ClinicalResult,
    CommunicationResult,
    Component,
    CoverageResult,
    DimensionScore,
    Evidence,
    KeyPoint,
    QuestionSpec,
    RiskFlag,
    Segment,
    StructureResult,
    TermUsage,
)
from app.analysis.risk import find_risks
from app.analysis.signals import assess_clinical, assess_structure
from app.analysis.terms import assess_terms, terminology_value
from app.analysis.textutil import sentences_from_segments
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken

log = logging.getLogger(__name__)

EMPATHY_TYPES = frozenset({"情景题", "职业素养"})
EMPATHY_DIMENSIONS = frozenset({"沟通能力", "职业素养"})
MAX_TERM_EVIDENCE = 12


def _coverage_evidence(cov: CoverageResult) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for p in cov.points:
        matched = "、".join(f"{m.term}({m.how})" for m in p.matches if m.how != "none")
        if p.status == "missed":
            out.append(Evidence("missed", p.key_point.text, rule="coverage.missed", detail=p.key_point.id))
        else:
            q = p.quote
            out.append(
                Evidence(
                    "covered" if p.status == "covered" else "partial", q.text if q else "",
                    q.start if q else None, q.end if q else None, f"coverage.{p.status}",
                    f"{p.key_point.id}: {p.key_point.text} [{matched}] {p.ratio:.2f}",
                )
            )
    return tuple(out)


def _term_evidence(usage: TermUsage) -> tuple[Evidence, ...]:
    out = [
        Evidence("term", t, rule="terminology.term", detail=str(n))
        for t, n in usage.terms[:MAX_TERM_EVIDENCE]
    ]
    out.append(
        Evidence("measure", f"{usage.density_per_100:.2f}", rule="terminology.density_per_100",
                 detail=f"{usage.total_mentions}/{usage.chars}")
    )
    out += [Evidence("term", t, rule="terminology.key_term_used") for t in usage.key_terms_used]
    out += [Evidence("missed", t, rule="terminology.key_term_missing") for t in usage.key_terms_missing]
    out += [
        Evidence(c.quote.kind, c.quote.text, c.quote.start, c.quote.end, c.quote.rule,
                 f"{c.used} → {c.probably_meant}: {c.explanation}")
        for c in usage.confusions
    ]
    return tuple(out)


def _clinical_evidence(clin: ClinicalResult) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for f in clin.factors:
        if f.considered:
            out.extend(f.evidence)
        else:
            out.append(Evidence("missed", f.label, rule=f"clinical.{f.factor}.missing"))
    return tuple(out)


def _communication_evidence(comm: CommunicationResult) -> tuple[Evidence, ...]:
    out: list[Evidence] = [
        Evidence("measure", f"{v:.2f}", rule=f"communication.{n}") for n, v in comm.subscores
    ]
    if comm.rate_chars_per_min is not None:
        rate = f"{comm.rate_chars_per_min:.0f}"
        out.append(Evidence("measure", rate, rule="communication.rate_chars_per_min"))
    out += [Evidence("term", w, rule="communication.filler", detail=str(n)) for w, n in comm.fillers]
    out += [
        Evidence("term", g, rule="communication.repeated_phrase", detail=str(n))
        for g, n in comm.repeated_phrases
    ]
    out += list(comm.empathy) + list(comm.long_pauses)
    return tuple(out)


def _dimension(
    dimension: str,
    question: QuestionSpec,
    values: dict[str, float],
    applies: dict[str, bool],
    evidence: dict[str, tuple[Evidence, ...]],
    risks: Sequence[RiskFlag],
    settings: Settings,
) -> DimensionScore:
    base = settings.weights_for(question.type)
    emphasis = settings.emphasis_for(dimension)
    raw_w = {c: base[c] * emphasis[c] if applies[c] else 0.0 for c in COMPONENTS}
    total_w = sum(raw_w.values())
    components: list[Component] = []
    raw = 0.0
    for c in COMPONENTS:
        w = raw_w[c] / total_w if total_w > 0 else 0.0
        contribution = 10.0 * w * values[c]
        raw += contribution
        components.append(Component(c, round(values[c], 4), round(w, 4), round(contribution, 4), evidence[c]))
    score = raw
    rules: list[Evidence] = []
    penalty = settings.param("risk", "medium_penalty")
    for r in risks:
        if r.severity == "medium":
            score -= penalty
            rules.append(
                Evidence(
                    "rule", r.message, r.quote.start, r.quote.end, f"risk.{r.id}.penalty", f"-{penalty:g}"
                )
            )
    cap = settings.param("risk", "high_cap")
    highs = [r for r in risks if r.severity == "high"]
    if highs and score > cap:
        score = cap
        for r in highs:
            rules.append(
                Evidence("rule", r.message, r.quote.start, r.quote.end, f"risk.{r.id}.cap", f"<={cap:g}")
            )
    score = max(0.0, min(10.0, score))
    return DimensionScore(dimension, round(score, 2), round(raw, 4), tuple(components), tuple(rules))


def assess_answer(
    question: QuestionSpec,
    segments: Sequence[Segment],
    *,
    notes: str = "",
    key_points: Sequence[KeyPoint] | None = None,
    settings: Settings | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> AnswerAssessment:
    """Analyse the candidate's speech for one question (``segments`` of the interviewer are ignored).

    ``key_points`` overrides the question's own (written or derived) key points.
    """
    settings = settings or load_settings()
    sentences = sentences_from_segments(segments)
    kps = tuple(key_points) if key_points is not None else key_points_for(question, settings)
    cancel.raise_if_cancelled()
    coverage = assess_coverage(kps, sentences, settings, cancel)
    terms = assess_terms(question, sentences, settings)
    structure: StructureResult = assess_structure(sentences, settings)
    clinical = assess_clinical(sentences, settings, applies=question.clinical_scenario)
    empathy_expected = (
        question.type in EMPATHY_TYPES
        or question.clinical_scenario
        or bool(EMPATHY_DIMENSIONS & set(question.dimensions))
    )
    communication = assess_communication(segments, sentences, settings, empathy_expected=empathy_expected)
    risks, negated = find_risks(sentences, settings)
    cancel.raise_if_cancelled()

    has_speech = communication.chars > 0
    values = {
        "coverage": coverage.value,
        "terminology": terminology_value(terms, question, settings),
        "structure": structure.value,
        "clinical": clinical.value,
        "communication": communication.value,
    }
    applies = {
        "coverage": bool(kps),
        "terminology": True,
        "structure": True,
        "clinical": clinical.applies,
        "communication": has_speech,
    }
    evidence = {
        "coverage": _coverage_evidence(coverage),
        "terminology": _term_evidence(terms),
        "structure": structure.evidence,
        "clinical": _clinical_evidence(clinical),
        "communication": _communication_evidence(communication),
    }
    warnings: list[str] = []
    if not has_speech:
        warnings.append(_("The candidate gave no answer to this question."))
    if not kps:
        warnings.append(
            _("The question has no key points or reference answer, so coverage was not scored. "
              "Add key points to the question bank.")
        )
    dims = tuple(
        _dimension(d, question, values, applies, evidence, risks, settings) for d in question.dimensions
    )
    log.debug("answer scored: question=%s dims=%d sentences=%d", question.id, len(dims), len(sentences))
    return AnswerAssessment(
        question_id=question.id,
        question_type=question.type,
        dimensions=dims,
        key_points=kps,
        coverage=coverage,
        terms=terms,
        structure=structure,
        clinical=clinical,
        communication=communication,
        risks=risks,
        negated_risk_mentions=negated,
        interviewer_notes=notes,
        warnings=tuple(warnings),
    )


def score_text_answer(
    question: QuestionSpec, answer_text: str, *, settings: Settings | None = None
) -> AnswerAssessment:
    """Score a typed/pasted answer (no timing, so no speech rate or pauses)."""
    return assess_answer(question, [Segment(text=answer_text, speaker="candidate")], settings=settings)
