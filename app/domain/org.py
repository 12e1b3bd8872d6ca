"""Vocabulary of a Chinese public hospital: job families, title ladders, licences, degrees.

Values stored in the database are these Chinese terms (they are data, the way a hospital writes
them); labels for the UI come from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.i18n import N_


class JobFamily(StrEnum):
    PHYSICIAN = "physician"
    NURSING = "nursing"
    MEDTECH = "medtech"
    ADMIN = "admin"


JOB_FAMILY_LABELS: dict[str, str] = {
    JobFamily.PHYSICIAN: "医师",
    JobFamily.NURSING: "护理",
    JobFamily.MEDTECH: "医技",
    JobFamily.ADMIN: "行政后勤",
}

TITLE_LADDERS: dict[str, tuple[str, ...]] = {
    "医师": ("住院医师", "主治医师", "副主任医师", "主任医师"),
    "护理": ("护士", "护师", "主管护师", "副主任护师", "主任护师"),
    "药学": ("药士", "药师", "主管药师", "副主任药师", "主任药师"),
    "技术": ("技士", "技师", "主管技师", "副主任技师", "主任技师"),
    "行政": ("科员", "主管", "副科长", "科长"),
}

DEGREES: tuple[str, ...] = ("中专", "大专", "本科", "硕士", "博士")


def degree_rank(degree: str) -> int:
    """Position of a degree on the ladder; -1 when unknown."""
    return DEGREES.index(degree) if degree in DEGREES else -1


LICENCE_KINDS: tuple[str, ...] = (
    "医师资格证书",
    "医师执业证书",
    "护士执业证书",
    "药师资格证",
    "技师资格证",
    "规培合格证",
    "大型设备上岗证",
)

COMPETENCY_TEMPLATES: dict[str, tuple[tuple[str, int], ...]] = {
    JobFamily.PHYSICIAN: (("专业知识", 40), ("操作技能", 30), ("职业素养", 30)),
    JobFamily.NURSING: (("专业知识", 35), ("操作技能", 35), ("职业素养", 30)),
    JobFamily.MEDTECH: (("专业知识", 40), ("操作技能", 35), ("职业素养", 25)),
    JobFamily.ADMIN: (("沟通能力", 40), ("团队协作", 30), ("专业知识", 30)),
    "ai_medical": (("技术能力", 40), ("临床场景理解", 35), ("团队协作", 25)),
}


class LicenceState(StrEnum):
    VALID = "valid"
    EXPIRING_90 = "expiring_90"
    EXPIRING_30 = "expiring_30"
    EXPIRED = "expired"
    NO_EXPIRY = "no_expiry"


LICENCE_STATE_LABELS: dict[str, str] = {
    LicenceState.VALID: N_("valid"),
    LicenceState.EXPIRING_90: N_("expires within 90 days"),
    LicenceState.EXPIRING_30: N_("expires within 30 days"),
    LicenceState.EXPIRED: N_("expired"),
    LicenceState.NO_EXPIRY: N_("no expiry"),
}


def licence_state(expiry: date | None, today: date, warn_days: tuple[int, int] = (90, 30)) -> LicenceState:
    """Expired / within 30 / within 90 days / valid, on a fixed ``today``.

    A licence is valid through its expiry date; it is expired the day after.
    """
    if expiry is None:
        return LicenceState.NO_EXPIRY
    days = (expiry - today).days
    far, near = warn_days
    if days < 0:
        return LicenceState.EXPIRED
    if days <= near:
        return LicenceState.EXPIRING_30
    if days <= far:
        return LicenceState.EXPIRING_90
    return LicenceState.VALID


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        y, m = text.split("-")
        month = cls(int(y), int(m))
        if not 1 <= month.month <= 12:
            raise ValueError(text)
        return month

    @classmethod
    def previous_complete(cls, today: date) -> Month:
        return cls(today.year - 1, 12) if today.month == 1 else cls(today.year, today.month - 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def days(self) -> list[date]:
        import calendar

        n = calendar.monthrange(self.year, self.month)[1]
        return [date(self.year, self.month, d) for d in range(1, n + 1)]

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
