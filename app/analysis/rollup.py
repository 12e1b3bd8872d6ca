"""Roll-up: answer dimension scores → the position's weighted competency model → recommendation.

1. AI score per dimension = mean of that dimension's scores over the answers tagged with it.
2. Blend with the interviewer's own mark: final = (1 − b) × AI + b × interviewer, with
   b = ``interviewer_blend`` (both numbers stay in the result). With only one of them, it is used.
   When the candidate declined AI analysis, AI scores are left out (interviewer marks only).
3. Verbal total = Σ dimension weight × final / Σ weights of dimensions that have a score.
   Non-verbal observations form a separate component: total = (1 − w) × verbal + w × non-verbal,
   w = ``nonverbal_weight`` (≤ 0.10; 0 without AI consent or without observations). They never
   raise a risk flag.
4. Recommendation: any dimension more than ``far_below`` under its bar → 不推荐 (reject); every
   dimension at or above its bar and total ≥ ``recommend_threshold`` → 推荐录用 (recommend);
   otherwise 保留观察 (hold). A high-severity risk flag turns a recommend into hold.
5. Needs human review, with reasons: a dimension within ``borderline_margin`` of its bar, the total
   within the margin of the threshold, some dimensions above and others below their bars, AI
   and interviewer differing by more than ``disagreement_margin`` on a dimension, a dimension
   without any score, or any risk flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.analysis.model import AnswerAssessment, Evidence, RiskFlag, to_jsonable
from app.errors import InvalidInput
from app.domain.recommendation import RECOMMENDATION_LABELS, recommendation_label
from app.i18n import _

MAX_NONVERBAL_WEIGHT = 0.10



@dataclass(frozen=True)
class DimensionSpec:
    name: str
    weight: float  # the model's weights sum to 100
    pass_bar: float  # 0..10


@dataclass(frozen=True)
class CompetencyModel:
    dimensions: tuple[DimensionSpec, ...]
    recommend_threshold: float = 7.0
    far_below: float = 2.0
    borderline_margin: float = 0.5
    disagreement_margin: float = 2.0
    interviewer_blend: float = 0.5
    nonverbal_weight: float = 0.05

    def validate(self) -> None:
        total = sum(d.weight for d in self.dimensions)
        if not self.dimensions or abs(total - 100.0) > 0.01:
            raise InvalidInput(
                _("The competency weights add up to {total}, not 100. Adjust the position's weights.").format(
                    total=f"{total:g}"
                )
            )
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names):
            raise InvalidInput(_("A competency dimension is listed twice. Remove the duplicate."))
        for d in self.dimensions:
            if d.weight < 0 or not 0 <= d.pass_bar <= 10:
                raise InvalidInput(
                    _(
                        "Dimension {name}: the weight must be positive and the pass bar between 0 and 10."
                    ).format(name=d.name)
                )
        if not 0 <= self.interviewer_blend <= 1:
            raise InvalidInput(_("The interviewer blend must be between 0 and 1."))
        if not 0 <= self.nonverbal_weight <= MAX_NONVERBAL_WEIGHT:
            raise InvalidInput(
                _("The non-verbal weight must be between 0 and {max}.").format(
                    max=f"{MAX_NONVERBAL_WEIGHT:g}"
                )
            )

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> CompetencyModel:
        dims_raw = d.get("dimensions") or []
        if not isinstance(dims_raw, list):
            raise InvalidInput(_("The competency model needs a list of dimensions."))
        dims = tuple(
            DimensionSpec(str(x["name"]), float(x["weight"]), float(x.get("pass_bar", 6.0))) for x in dims_raw
        )
        fields = cls.__dataclass_fields__
        kwargs = {
            k: float(v)  # type: ignore[arg-type]
            for k, v in d.items()
            if k != "dimensions" and k in fields
        }
        model = cls(dims, **kwargs)  # type: ignore[arg-type]
        model.validate()
        return model


@dataclass(frozen=True)
class NonVerbalObservation:
    """An observation from video analysis or the interviewer (smile, eye contact, posture ...)."""

    kind: str
    score: float  # 0..10, higher = more favourable
    note: str = ""
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    weight: float
    pass_bar: float
    ai_score: float | None
    interviewer_score: float | None
    final: float | None
    answers: int  # answers that scored this dimension
    status: str  # pass / below / far_below / missing


@dataclass(frozen=True)
class ReviewReason:
    code: str
    message: str  # translated
    dimension: str = ""


@dataclass(frozen=True)
class Recommendation:
    code: str  # recommend / hold / reject
    label: str  # 推荐录用 / 保留观察 / 不推荐
    total: float
    verbal_total: float
    nonverbal_score: float | None
    nonverbal_weight: float
    dimensions: tuple[DimensionResult, ...]
    reasons: tuple[ReviewReason, ...]  # why this level
    needs_review: bool
    review_reasons: tuple[ReviewReason, ...]
    risks: tuple[RiskFlag, ...]
    nonverbal: tuple[Evidence, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = to_jsonable(self)
        return data


def recommend(
    assessments: Sequence[AnswerAssessment],
    model: CompetencyModel,
    *,
    interviewer_marks: Mapping[str, float] | None = None,
    nonverbal: Sequence[NonVerbalObservation] = (),
    ai_consent: bool = True,
) -> Recommendation:
    model.validate()
    marks = dict(interviewer_marks or {})
    for name, value in marks.items():
        if not 0 <= float(value) <= 10:
            raise InvalidInput(
                _("The interviewer's mark for {name} must be between 0 and 10.").format(name=name)
            )
    b = model.interviewer_blend
    dims: list[DimensionResult] = []
    reasons: list[ReviewReason] = []
    review: list[ReviewReason] = []
    for spec in model.dimensions:
        scores = [s for a in assessments if (s := a.score_for(spec.name)) is not None] if ai_consent else []
        ai = round(sum(scores) / len(scores), 2) if scores else None
        mark = float(marks[spec.name]) if spec.name in marks else None
        if ai is not None and mark is not None:
            final: float | None = round((1 - b) * ai + b * mark, 2)
            if abs(ai - mark) > model.disagreement_margin:
                review.append(ReviewReason(
                    "disagreement",
                    _(
                        "{name}: AI score {ai} and interviewer mark {mark} differ by more than {margin}."
                    ).format(
                        name=spec.name, ai=f"{ai:.1f}", mark=f"{mark:.1f}",
                        margin=f"{model.disagreement_margin:g}",
                    ),
                    spec.name,
                ))
        else:
            final = ai if ai is not None else mark
        if final is None:
            status = "missing"
            review.append(ReviewReason(
                "missing",
                _("{name}: no answer and no interviewer mark for this dimension.").format(name=spec.name),
                spec.name,
            ))
        elif final < spec.pass_bar - model.far_below:
            status = "far_below"
        elif final < spec.pass_bar:
            status = "below"
        else:
            status = "pass"
        if final is not None and abs(final - spec.pass_bar) < model.borderline_margin:
            review.append(ReviewReason(
                "near_bar",
                _("{name}: score {score} is close to the pass bar {bar}.").format(
                    name=spec.name, score=f"{final:.1f}", bar=f"{spec.pass_bar:g}"),
                spec.name,
            ))
        dims.append(
            DimensionResult(spec.name, spec.weight, spec.pass_bar, ai, mark, final, len(scores), status)
        )

    scored = [d for d in dims if d.final is not None]
    weight_sum = sum(d.weight for d in scored)
    verbal = sum(d.weight * (d.final or 0.0) for d in scored) / weight_sum if weight_sum else 0.0

    nv_evidence = tuple(
        Evidence("observation", o.kind, o.start, o.end, "nonverbal", f"{o.score:g} {o.note}".strip())
        for o in nonverbal
    )
    nv_score = (
        round(sum(o.score for o in nonverbal) / len(nonverbal), 2) if nonverbal and ai_consent else None
    )
    w = model.nonverbal_weight if nv_score is not None else 0.0
    total = round((1 - w) * verbal + w * (nv_score or 0.0), 2)

    risks = tuple(r for a in assessments for r in a.risks) if ai_consent else ()
    far = [d for d in dims if d.status == "far_below"]
    below = [d for d in dims if d.status in ("below", "far_below")]
    if far:
        code = "reject"
        for d in far:
            reasons.append(ReviewReason(
                "far_below",
                _("{name}: {score} is far below the pass bar {bar}.").format(
                    name=d.dimension, score=f"{d.final:.1f}", bar=f"{d.pass_bar:g}"),
                d.dimension,
            ))
    elif not below and scored and len(scored) == len(dims) and total >= model.recommend_threshold:
        code = "recommend"
        reasons.append(ReviewReason(
            "all_pass",
            _("Every dimension meets its bar and the total {total} reaches {threshold}.").format(
                total=f"{total:.1f}", threshold=f"{model.recommend_threshold:g}"),
        ))
    else:
        code = "hold"
        for d in below:
            reasons.append(ReviewReason(
                "below",
                _("{name}: {score} is below the pass bar {bar}.").format(
                    name=d.dimension, score=f"{d.final:.1f}", bar=f"{d.pass_bar:g}"),
                d.dimension,
            ))
        if not below and total < model.recommend_threshold:
            reasons.append(ReviewReason(
                "total_low",
                _("The total {total} is below the recommendation threshold {threshold}.").format(
                    total=f"{total:.1f}", threshold=f"{model.recommend_threshold:g}"),
            ))
    if below and any(d.status == "pass" for d in dims):
        review.append(ReviewReason(
            "mixed", _("Some dimensions meet their bar and others do not; a person should weigh them.")
        ))
    highs = [r for r in risks if r.severity == "high"]
    if highs and code == "recommend":
        code = "hold"
        reasons.append(ReviewReason("risk", _("A high-risk statement was flagged; a person must review it.")))
    if abs(total - model.recommend_threshold) < model.borderline_margin:
        review.append(ReviewReason(
            "near_threshold",
            _("The total {total} is close to the recommendation threshold {threshold}.").format(
                total=f"{total:.1f}", threshold=f"{model.recommend_threshold:g}"),
        ))
    for r in risks:
        review.append(ReviewReason("risk_flag", r.message))
    if not ai_consent:
        reasons.append(ReviewReason(
            "no_ai_consent", _("The candidate declined AI analysis; only the interviewer's marks were used.")
        ))
    return Recommendation(
        code=code,
        label=recommendation_label(code),
        total=total,
        verbal_total=round(verbal, 2),
        nonverbal_score=nv_score,
        nonverbal_weight=w,
        dimensions=tuple(dims),
        reasons=tuple(reasons),
        needs_review=bool(review),
        review_reasons=tuple(review),
        risks=risks,
        nonverbal=nv_evidence if ai_consent else (),
    )
