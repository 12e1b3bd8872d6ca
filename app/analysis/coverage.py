"""Which expected key points an answer covers, with the quote and its time.

A key point is a weighted set of terms. Each term is looked for in a window of up to
``window_sentences`` consecutive answer sentences:

- ``exact``: the term is a token of the window or a substring of its text (credit 1);
- ``synonym``: a wording from the same group of ``synonyms.toml`` is there (credit 1);
- ``overlap``: for terms of 3+ characters, at least 40 % of the term's character bigrams occur in
  the window (compounds worded differently: 溶栓治疗指征 vs 溶栓的指征); credit 0.8 × share.

The key point's ratio is the weighted credit of its terms in the best window; ``covered`` (credit
1) from ``covered_threshold``, ``partial`` (credit ratio / covered_threshold) from
``partial_threshold``, else ``missed`` (credit 0). The coverage value is the key-point-weighted
mean credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.analysis.config import Settings
from app.analysis.model import CoverageResult, Evidence, KeyPoint, KeyPointResult, Sentence, TermMatch
from app.analysis.textutil import bigrams, cut
from app.tasks import NEVER_CANCELLED, CancelToken

OVERLAP_MIN_SHARE = 0.4
OVERLAP_CREDIT = 0.8


@dataclass(frozen=True)
class _Window:
    first: int
    last: int
    text: str
    lower: str
    tokens: frozenset[str]
    canon: frozenset[str]
    grams: frozenset[str]


def _windows(sentences: Sequence[Sentence], size: int, settings: Settings) -> list[_Window]:
    tokens = [cut(s.text) for s in sentences]
    out: list[_Window] = []
    for i in range(len(sentences)):
        for j in range(i, min(i + max(size, 1), len(sentences))):
            text = "".join(s.text for s in sentences[i : j + 1])
            toks = frozenset(t.lower() for k in range(i, j + 1) for t in tokens[k])
            out.append(
                _Window(
                    first=i, last=j, text=text, lower=text.lower(), tokens=toks,
                    canon=frozenset(settings.synonyms.get(t, t) for t in toks),
                    grams=frozenset(bigrams(text)),
                )
            )
    return out


def _variants(term: str, settings: Settings) -> tuple[str, ...]:
    canonical = settings.synonyms.get(term.lower())
    if canonical is None:
        return ()
    for group in settings.synonym_groups:
        if group[0] == canonical:
            return tuple(v for v in group if v.lower() != term.lower())
    return ()


def match_term(term: str, window: _Window, settings: Settings) -> TermMatch:
    low = term.lower()
    if low in window.tokens or low in window.lower:
        return TermMatch(term, "exact", 1.0, term)
    canonical = settings.synonyms.get(low)
    if canonical is not None:
        if canonical in window.canon:
            return TermMatch(term, "synonym", 1.0, canonical)
        for variant in _variants(term, settings):
            if len(variant) >= 2 and variant.lower() in window.lower:
                return TermMatch(term, "synonym", 1.0, variant)
    if len(term) >= 3:
        grams = bigrams(term)
        if grams:
            share = len(grams & window.grams) / len(grams)
            if share >= OVERLAP_MIN_SHARE:
                found = "".join(sorted(grams & window.grams))
                return TermMatch(term, "overlap", round(OVERLAP_CREDIT * share, 4), found)
    return TermMatch(term, "none", 0.0)


def point_credit(ratio: float, covered_at: float, partial_at: float) -> float:
    """Credit of one key point: 1 when covered, graded ``ratio / covered_at`` when partly
    covered, 0 below ``partial_at`` (a stray shared word is not coverage)."""
    if ratio >= covered_at:
        return 1.0
    if ratio >= partial_at:
        return ratio / covered_at
    return 0.0


def assess_coverage(
    key_points: Sequence[KeyPoint],
    sentences: Sequence[Sentence],
    settings: Settings,
    cancel: CancelToken = NEVER_CANCELLED,
) -> CoverageResult:
    covered_at = settings.param("coverage", "covered_threshold")
    partial_at = settings.param("coverage", "partial_threshold")
    windows = _windows(sentences, int(settings.param("coverage", "window_sentences")), settings)
    results: list[KeyPointResult] = []
    credit_sum = weight_sum = 0.0
    for kp in key_points:
        cancel.raise_if_cancelled()
        total = kp.total_weight or 1.0
        best: tuple[float, int, tuple[TermMatch, ...]] | None = None
        for wi, window in enumerate(windows):
            matches = tuple(match_term(t, window, settings) for t in kp.terms)
            ratio = sum(m.credit * w for m, w in zip(matches, kp.weights, strict=True)) / total
            # prefer the higher ratio, then the shorter (single-sentence) window, then the earlier one
            if best is None or ratio > best[0] + 1e-9:
                best = (ratio, wi, matches)
        if best is None or best[0] <= 0:
            results.append(
                KeyPointResult(kp, "missed", 0.0, tuple(TermMatch(t, "none", 0.0) for t in kp.terms), None)
            )
            weight_sum += total
            continue
        ratio, wi, matches = best
        status = "covered" if ratio >= covered_at else "partial" if ratio >= partial_at else "missed"
        window = windows[wi]
        first, last = sentences[window.first], sentences[window.last]
        quote = Evidence(
            kind="quote", text=window.text, start=first.start, end=last.end,
            rule=f"coverage.{status}", detail=kp.id,
        )
        shown = quote if status != "missed" else None
        results.append(KeyPointResult(kp, status, round(ratio, 4), matches, shown))
        credit_sum += total * point_credit(ratio, covered_at, partial_at)
        weight_sum += total
    value = credit_sum / weight_sum if weight_sum else 0.0
    return CoverageResult(tuple(results), round(value, 4))
