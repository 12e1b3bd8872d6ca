"""The competency picture of one person and its short summary, plus the onboarding learning-path rule.

**Picture.** For each dimension of the person's position (with its pass bar), the evidence rows
(``competency_evidence``: interview, assessment, training, quiz ...) are sorted by date. ``latest`` is
the mean of the rows on the most recent date; ``trend`` is latest minus the mean of all earlier rows
(None with only one date). A dimension without evidence is listed with ``latest=None``.

**Summary phrases (deterministic).** Applied in this order, each phrase carrying the evidence ids:

1. Strength: latest ≥ bar + 1.0 and latest ≥ 7.5 → "专业知识扎实（8.2）", strongest first, at most 3.
2. Gap: latest < bar → "团队协作有待提升（5.6 < 6.0）", largest shortfall first, at most 3.
3. Trend: |trend| ≥ 1.0 on a dimension not already named → "沟通能力进步明显（5.1 → 7.0）" or
   "…有所下降（…）", largest change first, at most 2.
4. When none of 1–3 applies but there is evidence: "各项已评估维度均达到合格线".
5. Dimensions (with a weight) without evidence: "尚无操作技能的评估记录" (one phrase naming them all).

Scores are shown with one decimal. Ties are broken by the position's dimension order.

**Learning path rule (onboarding).** Gap dimensions = interview dimensions whose blended score is
below their bar, largest shortfall first. For each gap, candidate courses are those whose
``dimensions`` contain it; they are ranked by (how many gap dimensions they cover, desc; basic level
first; fewer prerequisites first; course code). The best course not already chosen is taken per gap;
then, while fewer than ``max_items`` are chosen, second choices are added in the same order. The
training engineer's recommender replaces this later; this rule is only the onboarding suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from app.i18n import _

STRENGTH_MARGIN = 1.0
STRENGTH_FLOOR = 7.5
TREND_MIN = 1.0
MAX_STRENGTHS = 3
MAX_GAPS = 3
MAX_TRENDS = 2
LEVEL_ORDER = {"basic": 0, "intermediate": 1, "advanced": 2}


@dataclass(frozen=True)
class EvidencePoint:
    id: int
    dimension: str
    score: float
    source: str
    observed_on: date
    note: str = ""


@dataclass(frozen=True)
class DimensionPicture:
    dimension: str
    bar: float
    weight: int
    latest: float | None
    trend: float | None
    first: float | None
    count: int
    evidence_ids: tuple[int, ...]
    history: tuple[tuple[date, float], ...]  # (date, mean score that day), oldest first


@dataclass(frozen=True)
class SummaryPhrase:
    kind: str  # strength/gap/trend/missing
    dimension: str
    text: str
    evidence_ids: tuple[int, ...]


def _round(x: float) -> float:
    return round(x + 1e-9, 1)


def competency_picture(
    dimensions: Sequence[tuple[str, float, int]],
    evidence: Iterable[EvidencePoint],
) -> list[DimensionPicture]:
    """``dimensions`` = (name, pass bar, weight) in display order; evidence on other dimensions is
    appended after them (bar 6.0) so nothing recorded is hidden."""
    by_dim: dict[str, list[EvidencePoint]] = {}
    for ev in evidence:
        by_dim.setdefault(ev.dimension, []).append(ev)
    dims = list(dimensions)
    known = {d[0] for d in dims}
    dims += [(name, 6.0, 0) for name in sorted(by_dim) if name not in known]
    out = []
    for name, bar, weight in dims:
        rows = sorted(by_dim.get(name, []), key=lambda e: (e.observed_on, e.id))
        per_day: dict[date, list[float]] = {}
        for e in rows:
            per_day.setdefault(e.observed_on, []).append(e.score)
        history = tuple((d, _round(sum(v) / len(v))) for d, v in sorted(per_day.items()))
        latest = history[-1][1] if history else None
        trend = None
        if len(history) >= 2:
            earlier = [s for e in rows if e.observed_on < history[-1][0] for s in [e.score]]
            trend = _round(history[-1][1] - sum(earlier) / len(earlier))
        out.append(DimensionPicture(name, float(bar), int(weight), latest, trend, history[0][1] if history else None,
                                    len(rows), tuple(e.id for e in rows), history))
    return out


def latest_scores(evidence: Iterable[EvidencePoint]) -> dict[str, float]:
    """Dimension → ``latest`` as the profile shows it (mean of the rows on the most recent date), for every dimension
    with evidence: what learning paths and probation reviews compare against the bars."""
    return {p.dimension: p.latest for p in competency_picture((), evidence) if p.latest is not None}


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def summary_phrases(picture: Sequence[DimensionPicture]) -> list[SummaryPhrase]:
    order = {p.dimension: i for i, p in enumerate(picture)}
    named: set[str] = set()
    phrases: list[SummaryPhrase] = []
    strengths = [p for p in picture if p.latest is not None and p.latest >= max(p.bar + STRENGTH_MARGIN, STRENGTH_FLOOR)]
    strengths.sort(key=lambda p: (-(p.latest or 0.0), order[p.dimension]))
    for p in strengths[:MAX_STRENGTHS]:
        assert p.latest is not None
        phrases.append(SummaryPhrase("strength", p.dimension,
                                     _("{dimension} is a strength ({score})").format(dimension=p.dimension, score=_fmt(p.latest)),
                                     p.evidence_ids))
        named.add(p.dimension)
    gaps = [p for p in picture if p.latest is not None and p.latest < p.bar]
    gaps.sort(key=lambda p: (-(p.bar - (p.latest or 0.0)), order[p.dimension]))
    for p in gaps[:MAX_GAPS]:
        assert p.latest is not None
        phrases.append(SummaryPhrase("gap", p.dimension,
                                     _("{dimension} needs improvement ({score} < {bar})").format(
                                         dimension=p.dimension, score=_fmt(p.latest), bar=_fmt(p.bar)),
                                     p.evidence_ids))
        named.add(p.dimension)
    trends = [p for p in picture if p.trend is not None and abs(p.trend) >= TREND_MIN and p.dimension not in named]
    trends.sort(key=lambda p: (-abs(p.trend or 0.0), order[p.dimension]))
    for p in trends[:MAX_TRENDS]:
        assert p.trend is not None and p.latest is not None
        before = _fmt(p.latest - p.trend)
        if p.trend > 0:
            text = _("{dimension} has improved clearly ({before} → {after})")
        else:
            text = _("{dimension} has declined ({before} → {after})")
        phrases.append(SummaryPhrase("trend", p.dimension,
                                     text.format(dimension=p.dimension, before=before, after=_fmt(p.latest)), p.evidence_ids))
    judged = [p for p in picture if p.latest is not None]
    if judged and not phrases:
        phrases.append(SummaryPhrase("balanced", "", _("Every assessed dimension meets its bar"),
                                     tuple(i for p in judged for i in p.evidence_ids)))
    missing = [p.dimension for p in picture if p.latest is None and p.weight > 0]
    if missing:
        phrases.append(SummaryPhrase("missing", "、".join(missing),
                                     _("No evidence yet for {dimensions}").format(dimensions="、".join(missing)), ()))
    return phrases


def summary_text(phrases: Sequence[SummaryPhrase]) -> str:
    return "；".join(p.text for p in phrases) + ("。" if phrases else "")


# ------------------------------------------------------------------------------------------------
# Onboarding learning path


@dataclass(frozen=True)
class CourseInfo:
    id: int
    code: str
    title: str
    level: str
    dimensions: tuple[str, ...]
    prerequisites: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    dimension: str
    score: float
    bar: float


@dataclass(frozen=True)
class PathSuggestion:
    course_id: int
    course_code: str
    title: str
    dimension: str
    reason: str


def interview_gaps(dimensions: Mapping[str, Mapping[str, object]]) -> list[Gap]:
    """Gaps from ``interview_assessments.dimensions`` (name → {blended, bar, ...}), largest first."""
    gaps = []
    for name, d in dimensions.items():
        score, bar = d.get("blended"), d.get("bar")
        if isinstance(score, (int, float)) and isinstance(bar, (int, float)) and score < bar:
            gaps.append(Gap(name, float(score), float(bar)))
    gaps.sort(key=lambda g: (-(g.bar - g.score), g.dimension))
    return gaps


def suggest_path(gaps: Sequence[Gap], courses: Sequence[CourseInfo], max_items: int = 4) -> list[PathSuggestion]:
    gap_names = {g.dimension for g in gaps}

    def rank(c: CourseInfo) -> tuple[int, int, int, str]:
        return (-len(gap_names.intersection(c.dimensions)), LEVEL_ORDER.get(c.level, 3), len(c.prerequisites), c.code)

    ranked = {g.dimension: sorted((c for c in courses if g.dimension in c.dimensions), key=rank) for g in gaps}
    chosen: list[PathSuggestion] = []
    used: set[int] = set()
    for round_no in range(2):
        for g in gaps:
            if len(chosen) >= max_items:
                return chosen
            options = [c for c in ranked[g.dimension] if c.id not in used]
            if round_no == 1 and len(options) == 0:
                continue
            if options:
                c = options[0]
                used.add(c.id)
                chosen.append(PathSuggestion(
                    c.id, c.code, c.title, g.dimension,
                    _("Interview gap: {dimension} {score} < {bar}").format(
                        dimension=g.dimension, score=_fmt(g.score), bar=_fmt(g.bar))))
    return chosen


def proposed_coefficient(current: float, picture: Sequence[DimensionPicture], step: float = 0.1, ceiling: float = 1.0) -> float:
    """A suggested 绩效系数 at the probation review: one step up (e.g. 0.8 → 0.9) when no dimension with
    evidence is below its bar, unchanged otherwise; never above ``ceiling``. HR may change it."""
    judged = [p for p in picture if p.latest is not None]
    if judged and all(p.latest is not None and p.latest >= p.bar for p in judged):
        return round(min(ceiling, current + step), 2)
    return round(current, 2)
