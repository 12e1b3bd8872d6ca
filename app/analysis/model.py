"""Inputs and results of interview-answer analysis (frozen dataclasses, JSON-serialisable).

Inputs: :class:`QuestionSpec` (from the question bank), :class:`Segment` (the candidate's speech,
as transcribed), the interviewer's notes. Results: :class:`AnswerAssessment` with every number
tied to :class:`Evidence` (quote, time, rule) so the UI/PDF can expand it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.errors import InvalidInput
from app.i18n import _

QUESTION_TYPES: tuple[str, ...] = ("专业知识", "操作技能", "情景题", "职业素养", "合规")
"""Question types of the bank (Chinese data values, as the hospital writes them)."""


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and mappings → plain dicts/lists (stable order, no floats changed)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    return obj


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Segment:
    """One transcript segment. Times are seconds from the start of the recording (None if unknown)."""

    text: str
    start: float | None = None
    end: float | None = None
    speaker: str = ""  # "candidate", "interviewer" or "" (unknown)
    words: tuple[Word, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Segment:
        words = tuple(
            Word(str(w.get("text", w.get("word", ""))), float(w["start"]), float(w["end"]))
            for w in d.get("words") or ()
            if w.get("start") is not None and w.get("end") is not None
        )
        start = d.get("start", d.get("start_s"))
        end = d.get("end", d.get("end_s"))
        return cls(
            text=str(d.get("text", "")),
            start=None if start is None else float(start),
            end=None if end is None else float(end),
            speaker=str(d.get("speaker") or ""),
            words=words,
        )


@dataclass(frozen=True)
class QuestionSpec:
    """A bank question as the analysis needs it."""

    id: str
    text: str
    type: str = "专业知识"
    dimensions: tuple[str, ...] = ("专业知识",)
    key_points: tuple[str, ...] = ()  # expected points written by the bank author (may be empty)
    reference_answer: str = ""  # used to derive key points when none are written
    key_terms: tuple[str, ...] = ()
    clinical_scenario: bool = False

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> QuestionSpec:
        def strings(value: Any) -> tuple[str, ...]:
            if value is None:
                return ()
            if isinstance(value, str):
                return tuple(s.strip() for s in value.replace("；", "\n").splitlines() if s.strip())
            return tuple(str(v).strip() for v in value if str(v).strip())

        if not str(d.get("text", "")).strip():
            raise InvalidInput(_("The question has no text. Fill in the question text and try again."))
        dims = strings(d.get("dimensions")) or ("专业知识",)
        return cls(
            id=str(d.get("id", "")),
            text=str(d["text"]),
            type=str(d.get("type") or "专业知识"),
            dimensions=dims,
            key_points=strings(d.get("key_points")),
            reference_answer=str(d.get("reference_answer") or ""),
            key_terms=strings(d.get("key_terms")),
            clinical_scenario=bool(d.get("clinical_scenario", False)),
        )


# --------------------------------------------------------------------------------------------
# Evidence and component results


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: what was said (or not), when, and which rule used it."""

    kind: str  # quote / term / covered / missed / rule / measure / observation
    text: str
    start: float | None = None
    end: float | None = None
    rule: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    start: float | None
    end: float | None


@dataclass(frozen=True)
class KeyPoint:
    id: str
    text: str  # the clause it came from (or the author's wording)
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    source: str  # "author", "reference", "question", "option"

    @property
    def total_weight(self) -> float:
        return sum(self.weights)


@dataclass(frozen=True)
class TermMatch:
    term: str
    how: str  # exact / synonym / overlap / none
    credit: float
    matched: str = ""


@dataclass(frozen=True)
class KeyPointResult:
    key_point: KeyPoint
    status: str  # covered / partial / missed
    ratio: float
    matches: tuple[TermMatch, ...]
    quote: Evidence | None


@dataclass(frozen=True)
class CoverageResult:
    points: tuple[KeyPointResult, ...]
    value: float  # 0..1 weighted credit

    @property
    def covered(self) -> tuple[KeyPointResult, ...]:
        return tuple(p for p in self.points if p.status == "covered")

    @property
    def missed(self) -> tuple[KeyPointResult, ...]:
        return tuple(p for p in self.points if p.status == "missed")


@dataclass(frozen=True)
class ConfusionFlag:
    id: str
    used: str
    probably_meant: str
    explanation: str  # translated
    quote: Evidence


@dataclass(frozen=True)
class TermUsage:
    terms: tuple[tuple[str, int], ...]  # (term, count), most used first
    total_mentions: int
    chars: int
    density_per_100: float
    key_terms_used: tuple[str, ...]
    key_terms_missing: tuple[str, ...]
    confusions: tuple[ConfusionFlag, ...]


@dataclass(frozen=True)
class StructureResult:
    parts: tuple[str, ...]  # parts present, in the order they first appear
    in_order: bool
    evidence: tuple[Evidence, ...]  # kind="quote", rule="structure.<part>"
    value: float


@dataclass(frozen=True)
class FactorResult:
    factor: str  # id, e.g. "patient_safety"
    label: str  # translated
    considered: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class ClinicalResult:
    applies: bool
    factors: tuple[FactorResult, ...]
    value: float


@dataclass(frozen=True)
class CommunicationResult:
    chars: int
    speaking_seconds: float | None
    rate_chars_per_min: float | None
    empathy: tuple[Evidence, ...]
    fillers: tuple[tuple[str, int], ...]
    fillers_per_100: float
    repetition_ratio: float
    repeated_phrases: tuple[tuple[str, int], ...]
    long_pauses: tuple[Evidence, ...]
    value: float
    subscores: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RiskFlag:
    id: str
    category: str
    severity: str  # high / medium
    message: str  # translated
    quote: Evidence


@dataclass(frozen=True)
class Component:
    name: str  # coverage / terminology / structure / clinical / communication
    value: float  # 0..1
    weight: float  # normalised weight in this dimension
    contribution: float  # points out of 10
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    score: float  # 0..10
    raw: float  # before risk rules
    components: tuple[Component, ...]
    rules: tuple[Evidence, ...]  # risk caps/penalties that changed the score


@dataclass(frozen=True)
class AnswerAssessment:
    question_id: str
    question_type: str
    dimensions: tuple[DimensionScore, ...]
    key_points: tuple[KeyPoint, ...]
    coverage: CoverageResult
    terms: TermUsage
    structure: StructureResult
    clinical: ClinicalResult
    communication: CommunicationResult
    risks: tuple[RiskFlag, ...]
    negated_risk_mentions: tuple[Evidence, ...]
    interviewer_notes: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def score_for(self, dimension: str) -> float | None:
        for d in self.dimensions:
            if d.dimension == dimension:
                return d.score
        return None

    @property
    def overall(self) -> float:
        """Mean of the dimension scores (for sorting and tests; the roll-up uses dimensions)."""
        if not self.dimensions:
            return 0.0
        return sum(d.score for d in self.dimensions) / len(self.dimensions)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        data["overall"] = round(self.overall, 4)
        return data


def segments_from_dicts(items: Sequence[Mapping[str, Any]]) -> tuple[Segment, ...]:
    return tuple(Segment.from_dict(d) for d in items)
