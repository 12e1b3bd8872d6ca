"""Closing the loop: training results as dated competency evidence, score change around a course,
and the rule that proposes a performance-coefficient change (HR approves or rejects it).

Evidence is only written from a measurement: a completed course with an assessed score (0–100,
mapped to 0–10 on every dimension the course builds), a quiz (score per dimension of its items),
or a recorded scenario practice (情景演练, source ``scenario``, scored by the interview analysis). Completing a course
without a score proves attendance, not competence, so it writes no evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.i18n import _
from app.training.rules import TrainingRules

AFTER_WINDOW_DAYS = 180


@dataclass(frozen=True)
class EvidenceDraft:
    dimension: str
    score: float  # 0..10
    source: str  # training / quiz / scenario
    observed_on: date
    note: str


def completion_evidence(course_title: str, course_format: str, dimensions: Sequence[str], score_pct: float | None,
                        completed_on: date) -> list[EvidenceDraft]:
    if score_pct is None:
        return []
    source = "training"  # a completed course of any format; "scenario" is a recorded practice (an attempt)
    value = round(max(0.0, min(100.0, score_pct)) / 10.0, 2)
    note = _("course {title}: {score:g} / 100").format(title=course_title, score=round(score_pct, 1))
    return [EvidenceDraft(d, value, source, completed_on, note[:200]) for d in dimensions]


def quiz_evidence(quiz_title: str, dimension_scores: dict[str, float], taken_on: date) -> list[EvidenceDraft]:
    note = _("quiz {title}").format(title=quiz_title)[:200]
    return [EvidenceDraft(d, s, "quiz", taken_on, note) for d, s in sorted(dimension_scores.items())]


def scenario_evidence(scenario_title: str, dimension_scores: dict[str, float], practised_on: date) -> list[EvidenceDraft]:
    note = _("scenario practice {title}").format(title=scenario_title)[:200]
    return [EvidenceDraft(d, s, "scenario", practised_on, note) for d, s in sorted(dimension_scores.items())]


@dataclass(frozen=True)
class ScoreChange:
    dimension: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


def score_change(evidence: Sequence[tuple[date, float]], completed_on: date, dimension: str,
                 window_days: int = AFTER_WINDOW_DAYS) -> ScoreChange:
    """Before: the latest score before the completion day. After: the mean of the scores from the
    completion day to ``window_days`` later (the course's own assessment included)."""
    before = [(d, s) for d, s in evidence if d < completed_on]
    after = [s for d, s in evidence if completed_on <= d <= completed_on + timedelta(days=window_days)]
    b = max(before)[1] if before else None
    a = round(sum(after) / len(after), 2) if after else None
    return ScoreChange(dimension, b, a)


@dataclass(frozen=True)
class CoefficientProposal:
    current: float
    proposed: float
    reason: str


def propose_coefficient(current: float, completed: int, overdue: int, growths: Sequence[float],
                        rules: TrainingRules) -> CoefficientProposal | None:
    """Propose a rise when, in the window, the person completed enough courses, has nothing overdue,
    and their scores on the trained dimensions rose on average by at least ``min_growth``.

    The rule only proposes rises: lowering pay is a performance decision HR makes on its own
    evidence, not something a training record should suggest automatically.
    """
    if completed < rules.coef_min_completed or overdue > 0 or not growths:
        return None
    mean = sum(growths) / len(growths)
    if mean < rules.coef_min_growth or current >= rules.coef_maximum:
        return None
    proposed = round(min(rules.coef_maximum, current + rules.coef_step), 3)
    reason = _("{n} courses completed, average score rise {growth:+.1f}, nothing overdue").format(
        n=completed, growth=mean)
    return CoefficientProposal(current, proposed, reason[:200])
