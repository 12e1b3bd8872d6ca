"""Text clean-up for transcripts: traditional → simplified Chinese and the CER used to judge accuracy.

Whisper often writes traditional characters for Mandarin audio. The conversion uses OpenCC (the
``opencc`` package, configuration ``t2s``: phrase-aware, maintained by the OpenCC project). If the
package is missing the text is returned unchanged and a warning is logged once.
"""

from __future__ import annotations

import functools
import logging
import unicodedata

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    try:
        import opencc
    except ImportError:  # pragma: no cover - depends on the install
        log.warning("opencc is not installed; transcripts are not converted to simplified Chinese")
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional (and mixed) Chinese → simplified Chinese; other scripts are left as they are."""
    conv = _converter()
    return conv.convert(text) if conv is not None and text else text


def strip_non_words(text: str) -> str:
    """Keep letters and digits only: drop punctuation, symbols and white space."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def normalize_for_cer(text: str) -> str:
    """The normal form both sides of a CER are compared in (simplified, no punctuation/spaces)."""
    return strip_non_words(to_simplified(unicodedata.normalize("NFKC", text))).lower()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over characters."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of one pair (edits / reference length)."""
    ref, hyp = normalize_for_cer(reference), normalize_for_cer(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def corpus_cer(pairs: list[tuple[str, str]]) -> float:
    """CER over many (reference, hypothesis) pairs: total edits / total reference characters."""
    edits = chars = 0
    for ref, hyp in pairs:
        r, h = normalize_for_cer(ref), normalize_for_cer(hyp)
        edits += edit_distance(r, h)
        chars += len(r)
    return edits / max(1, chars)
