"""Interview answer analysis and explained scoring (pure Python, deterministic).

Entry points:
- :func:`assess_answer` (speech segments) / :func:`score_text_answer` (typed text) → AnswerAssessment;
- :func:`derive_key_points`, :func:`question_from_cmexam` for the question bank;
- :func:`recommend` with a :class:`CompetencyModel` → Recommendation (推荐录用/保留观察/不推荐).
Every result is a frozen dataclass with ``to_dict()`` for JSON, the UI and the PDF report.

The names are loaded on first use (PEP 562): ``from app.analysis.rollup import RECOMMENDATION_LABELS``
or ``app.analysis.model`` stay light, while the scorer (jieba and the medical vocabulary, ~0.5 s)
is imported only when something actually analyses text. Keeps the program's start-up short.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE: dict[str, str] = {
    "RECOMMENDATION_LABELS": "app.analysis.rollup",
    "AnswerAssessment": "app.analysis.model",
    "CompetencyModel": "app.analysis.rollup",
    "DimensionSpec": "app.analysis.rollup",
    "Evidence": "app.analysis.model",
    "NonVerbalObservation": "app.analysis.rollup",
    "QuestionSpec": "app.analysis.model",
    "Recommendation": "app.analysis.rollup",
    "Segment": "app.analysis.model",
    "Word": "app.analysis.model",
    "assess_answer": "app.analysis.scoring",
    "derive_key_points": "app.analysis.keypoints",
    "key_points_for": "app.analysis.keypoints",
    "question_from_cmexam": "app.analysis.keypoints",
    "recommend": "app.analysis.rollup",
    "score_text_answer": "app.analysis.scoring",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


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
