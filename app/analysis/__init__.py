"""Interview answer analysis and explained scoring (pure Python, deterministic).

Entry points:
- :func:`assess_answer` (speech segments) / :func:`score_text_answer` (typed text) → AnswerAssessment;
- :func:`derive_key_points`, :func:`question_from_cmexam` for the question bank;
- :func:`recommend` with a :class:`CompetencyModel` → Recommendation (推荐录用/保留观察/不推荐).
Every result is a frozen dataclass with ``to_dict()`` for JSON, the UI and the PDF report.
"""

from app.analysis.keypoints import derive_key_points, key_points_for, question_from_cmexam
from app.analysis.model import AnswerAssessment, Evidence, QuestionSpec, Segment, Word
from app.analysis.rollup import (
    RECOMMENDATION_LABELS,
    CompetencyModel,
    DimensionSpec,
    NonVerbalObservation,
    Recommendation,
    recommend,
)
from app.analysis.scoring import assess_answer, score_text_answer

__all__ = [
    "RECOMMENDATION_LABELS",
    "AnswerAssessment",
    "CompetencyModel",
    "DimensionSpec",
    "Evidence",
    "NonVerbalObservation",
    "QuestionSpec",
    "Recommendation",
    "Segment",
    "Word",
    "assess_answer",
    "derive_key_points",
    "key_points_for",
    "question_from_cmexam",
    "recommend",
    "score_text_answer",
]
