"""Interface labels for codes the database stores, and weekday names, in the current language.

Stored values stay codes (``interviews.recommendation`` is ``recommend``/``hold``/``reject``); only what is
shown is translated here. Weekday names come from Qt's CLDR data (``QLocale``), not from a literal table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QLocale

from app import i18n
from app.domain.recommendation import RECOMMENDATION_CODES, RECOMMENDATION_LABELS, recommendation_label

# recommendation/decision codes → labels: one table (app.domain.recommendation) for screens, reports and the CLI
__all__ = ["RECOMMENDATION_CODES", "RECOMMENDATION_LABELS", "bracketed", "join_clauses", "join_list", "quoted",
           "recommendation_label", "weekday_names", "weekday_short"]


def _locale() -> QLocale:
    """The locale of the program's language (not the machine's): Chinese names in Chinese, English in English."""
    return QLocale("zh_CN" if i18n.language() == "zh_CN" else "en_US")


def weekday_short(day: date | int) -> str:
    """A compact weekday for column headers: 一 … 日 in Chinese (as on Chinese rosters), Mon … Sun in English.
    ``day`` is a date or a Python weekday number (Monday 0)."""
    wd = day.weekday() if isinstance(day, date) else int(day)
    fmt = QLocale.FormatType.NarrowFormat if i18n.language() == "zh_CN" else QLocale.FormatType.ShortFormat
    return _locale().standaloneDayName(wd + 1, fmt)


def weekday_names(lang_locale: QLocale, fmt: QLocale.FormatType) -> list[str]:
    """The seven day names (Monday first) of a locale in one format."""
    return [lang_locale.standaloneDayName(d, fmt) for d in range(1, 8)]


# ------------------------------------------------------------------ punctuation around data
# Chinese text joins list items with 、 and clauses with ；, and brackets with full-width （）; English uses
# ", ", "; " and " (…)". The items are usually the hospital's data (skills, departments): only the
# punctuation follows the interface language. Parsers of such fields accept both (app.positions.rules.split_list).


def _zh() -> bool:
    return i18n.language() == "zh_CN"


def join_list(items: Iterable[object]) -> str:
    """甲、乙、丙 / A, B, C."""
    return ("、" if _zh() else ", ").join(str(x) for x in items)


def join_clauses(items: Iterable[object]) -> str:
    """甲；乙 / A; B (for items that are phrases or sentences themselves)."""
    return ("；" if _zh() else "; ").join(str(x) for x in items)


def bracketed(text: object) -> str:
    """（心内科） / " (Cardiology)": appended directly after the word it explains."""
    return f"（{text}）" if _zh() else f" ({text})"


def quoted(text: object) -> str:
    """「原话」 / “words”: a quotation from a transcript or a document."""
    return f"「{text}」" if _zh() else f"\u201c{text}\u201d"
