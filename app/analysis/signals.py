"""Answer structure (problem → action → result) and clinical factors considered.

Structure: each sentence is tagged with the parts whose marker phrases (``markers.toml``
[structure]) it contains. The answer shows a part when some sentence carries it; it is *in
order* when a problem sentence comes before an action sentence that comes before a result
sentence. Value = parts present / 3, × 0.7 when present parts are out of order.

Clinical factors (``markers.toml`` [clinical_factors]): a factor is considered when one of its
phrases occurs. Negation does not cancel it: 避免误诊 and 不泄露隐私 are exactly the candidate
considering safety and privacy (statements that dismiss a factor are caught by the risk
rules). Value = min(1, factors considered / ``expected_factors``).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.analysis.config import Settings
from app.analysis.model import ClinicalResult, Evidence, FactorResult, Sentence, StructureResult
from app.analysis.textutil import find_all
from app.i18n import _

PARTS: tuple[str, ...] = ("problem", "action", "result")
OUT_OF_ORDER_FACTOR = 0.7
MAX_QUOTES = 2


def _parts_of(sentence: Sentence, settings: Settings) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in PARTS:
        hits = find_all(sentence.text, settings.structure.get(part, ()))
        if hits:
            found[part] = hits[0][1]
    return found


def assess_structure(sentences: Sequence[Sentence], settings: Settings) -> StructureResult:
    tagged = [(s, _parts_of(s, settings)) for s in sentences]
    first: dict[str, int] = {}
    evidence: list[Evidence] = []
    quotes: dict[str, int] = {p: 0 for p in PARTS}
    for s, parts in tagged:
        for part, marker in parts.items():
            first.setdefault(part, s.index)
            if quotes[part] < MAX_QUOTES:
                quotes[part] += 1
                evidence.append(Evidence("quote", s.text, s.start, s.end, f"structure.{part}", marker))
    present = tuple(sorted(first, key=lambda p: (first[p], PARTS.index(p))))
    evidence.extend(
        Evidence("missed", part, rule=f"structure.{part}.missing") for part in PARTS if part not in first
    )
    # in order: there is a problem sentence, a later action sentence and a later result sentence
    in_order = False
    p_idx = [s.index for s, parts in tagged if "problem" in parts]
    a_idx = [s.index for s, parts in tagged if "action" in parts]
    r_idx = [s.index for s, parts in tagged if "result" in parts]
    if p_idx and a_idx and r_idx:
        a_after = [a for a in a_idx if a > p_idx[0]]
        in_order = bool(a_after) and any(r > a_after[0] for r in r_idx)
    value = len(present) / 3.0
    if len(present) >= 2 and not in_order:
        order_ok = [first[p] for p in PARTS if p in first] == sorted(first[p] for p in PARTS if p in first)
        if len(present) == 3 or not order_ok:
            value *= OUT_OF_ORDER_FACTOR
    return StructureResult(present, in_order, tuple(evidence), round(value, 4))


def assess_clinical(
    sentences: Sequence[Sentence], settings: Settings, *, applies: bool
) -> ClinicalResult:
    factors: list[FactorResult] = []
    for factor in settings.factors:
        evidence: list[Evidence] = []
        for s in sentences:
            hits = find_all(s.text, factor.phrases)
            if hits:
                rule = f"clinical.{factor.id}"
                evidence.append(Evidence("quote", s.text, s.start, s.end, rule, hits[0][1]))
            if len(evidence) >= MAX_QUOTES:
                break
        factors.append(FactorResult(factor.id, _(factor.label), bool(evidence), tuple(evidence)))
    expected = max(1.0, float(settings.scoring.get("clinical", {}).get("expected_factors", 3)))
    considered = sum(1 for f in factors if f.considered)
    value = min(1.0, considered / expected) if applies else 0.0
    return ClinicalResult(applies, tuple(factors), round(value, 4))
