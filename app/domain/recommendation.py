"""Interview recommendations and decisions: the stored codes and their labels, in one place.

``interviews.recommendation`` and decisions store the codes; what is shown (screens, PDF and Excel reports, the
command line) is the label in the program's language: 推荐录用 / 保留观察 / 不推荐 in Chinese.
"""

from __future__ import annotations

from app.i18n import N_, _

RECOMMENDATION_LABELS: dict[str, str] = {
    "recommend": N_("Recommend hiring"),
    "hold": N_("Keep under observation"),
    "reject": N_("Not recommended"),
}
"""Recommendation/decision codes → msgids."""

RECOMMENDATION_CODES: tuple[str, ...] = tuple(RECOMMENDATION_LABELS)


def recommendation_label(code: str | None) -> str:
    """The label of a recommendation code in the current language; "" for none, an unknown code as it is."""
    if not code:
        return ""
    msgid = RECOMMENDATION_LABELS.get(code)
    return _(msgid) if msgid is not None else code
