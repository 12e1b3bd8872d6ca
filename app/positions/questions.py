"""The interview question and the controlled vocabularies of the question bank.

Type names (专业知识 …), family keys and the licence condition are data as a hospital writes them
(stored as-is); only messages about them are translated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.domain.org import JOB_FAMILY_LABELS

QUESTION_TYPES: tuple[str, ...] = ("专业知识", "操作技能", "情景题", "职业素养", "合规")
DIFFICULTIES: tuple[int, ...] = (1, 2, 3, 4, 5)

GENERAL = "general"
AI_MEDICAL = "ai_medical"
FAMILY_LABELS: dict[str, str] = {
    **{str(k): v for k, v in JOB_FAMILY_LABELS.items()},
    AI_MEDICAL: "AI医疗",
    GENERAL: "通用",
}
FAMILY_BY_LABEL: dict[str, str] = {v: k for k, v in FAMILY_LABELS.items()}

LICENCE_NOT_FOR_INDIVIDUALS = "不得用于评估个人"
"""Licence condition of sources whose terms forbid assessing real candidates (CMExam)."""

HRDESK_SOURCE = "HR Desk original"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str  # one of QUESTION_TYPES
    dimension: str  # competency dimension name, e.g. 专业知识 / 沟通能力
    difficulty: int  # 1 (easy) .. 5 (hard)
    family: str  # key of FAMILY_LABELS; "general" applies to every family
    positions: tuple[str, ...] = ()  # position codes this question is written for
    key_points: tuple[str, ...] = ()
    reference_answer: str = ""
    key_terms: tuple[str, ...] = ()
    source: str = HRDESK_SOURCE
    policy_reference: str = ""
    licence_condition: str = ""
    options: tuple[tuple[str, str], ...] = ()  # multiple choice: (letter, text)
    answer: str = ""  # multiple choice: correct letters, e.g. "D" or "ABD"
    variant_of: str = ""  # id of the question this one is a version of ("" = original)

    @property
    def restricts_individual_assessment(self) -> bool:
        """True when the source's licence forbids using it to assess a real candidate."""
        return LICENCE_NOT_FOR_INDIVIDUALS in self.licence_condition

    @property
    def group_key(self) -> str:
        """Versions of one question share this key; a plan holds at most one per key."""
        return self.variant_of or self.id

    @property
    def family_label(self) -> str:
        return FAMILY_LABELS.get(self.family, self.family)


def stem_key(text: str) -> str:
    """Text of a question reduced for duplicate detection (width, case, spaces, punctuation)."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", norm)
