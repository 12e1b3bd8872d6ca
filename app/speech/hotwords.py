"""Correcting near-homophones in a transcript against the position's vocabulary (by pinyin).

Whisper knows few medical terms and writes a term it hears as other characters with the same sound
(含氧酸盐 → 寒氧酸盐). Feeding the terms in a prompt made the error rate worse, so the vocabulary is
used after recognition instead: a stretch of the transcript whose toneless pinyin equals a term's
pinyin (allowing the usual Mandarin/southern confusions zh/z, ch/c, sh/s, n/l, -ng/-n) is replaced by
the term. Guards against false corrections:

- terms need at least 2 Chinese characters; terms of 2–3 characters must also match in tones, and one differing syllable is tolerated only in terms of 4+ characters
  (and then the syllables must be close);
- a stretch that is itself a common word (jieba's dictionary) is never replaced, so 结合 stays
  结合 even with 结核 in the vocabulary;
- the stretch must start and end at word boundaries of the sentence (jieba), so 罗马皇帝 never
  yields 麻黄.

Measured on the 21 real clips (see ``benchmarks/bench_speech.py``): the clips' own terms fix the
medical/history words; the whole 8,947-term medical lexicon applied to unrelated speech is the
stress test for false corrections.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def _fuzzy(syllable: str) -> str:
    s = syllable.lower().replace("ü", "v")
    for a, b in _FUZZY_INITIALS:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    if s.startswith("l"):
        s = "n" + s[1:]
    if s.endswith("ng") and len(s) > 2 and s[-3] in "aeio":
        s = s[:-1]
    return s


def pinyin_key(text: str, fuzzy: bool = True) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    return tuple(_fuzzy(p) for p in syllables) if fuzzy else tuple(syllables)


def tone_key(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.TONE3, errors="ignore", neutral_tone_with_five=True))


def _tones(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k[-1] if k[-1:].isdigit() else "5" for k in key)


def _boundaries(text: str) -> set[int]:
    """Offsets where jieba's segmentation of ``text`` puts a word boundary."""
    try:
        import jieba
    except ImportError:  # pragma: no cover
        return set(range(len(text) + 1))
    jieba.setLogLevel(logging.WARNING)
    cuts = {0}
    pos = 0
    for word in jieba.cut(text, HMM=False):
        pos += len(word)
        cuts.add(pos)
    return cuts


def _letters_distance(a: str, b: str) -> int:
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@functools.lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Words of 2+ characters in jieba's general dictionary (frequency ≥ 3)."""
    try:
        import jieba
    except ImportError:  # pragma: no cover
        return frozenset()
    words: set[str] = set()
    with jieba.get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8", "ignore").split()
            if len(parts) >= 2 and len(parts[0]) >= 2 and parts[1].isdigit() and int(parts[1]) >= 3:
                words.add(parts[0])
    return frozenset(words)


@dataclass(frozen=True)
class Correction:
    original: str
    replacement: str
    position: int


class HotwordCorrector:
    """Replaces near-homophones of vocabulary terms in recognised text."""

    def __init__(self, terms: Iterable[str], *, allow_one_syllable: bool = True) -> None:
        self.terms: dict[tuple[str, ...], str] = {}
        self.tones: dict[str, tuple[str, ...]] = {}
        self.loose: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
        self.allow_one_syllable = allow_one_syllable
        for raw in terms:
            term = raw.strip()
            if len(term) < 2 or not _HAN.fullmatch(term) or len(term) > 12:
                continue
            key = pinyin_key(term)
            if len(key) != len(term):
                continue
            self.terms.setdefault(key, term)
            self.tones[term] = tone_key(term)
            if allow_one_syllable and len(term) >= 4:
                for i in range(len(key)):
                    wild = key[:i] + ("*",) + key[i + 1 :]
                    self.loose.setdefault(wild, []).append((term, key))
        self.lengths = sorted({len(k) for k in self.terms}, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def correct(self, text: str) -> tuple[str, list[Correction]]:
        if not self.terms or not text:
            return text, []
        common = _common_words()
        out = list(text)
        corrections: list[Correction] = []
        for m in _HAN.finditer(text):
            run = m.group(0)
            keys = pinyin_key(run)
            if len(keys) != len(run):
                continue
            taken = [False] * len(run)
            cuts = _boundaries(run)
            for length in self.lengths:
                for i in range(0, len(run) - length + 1):
                    if any(taken[i : i + length]) or i not in cuts or i + length not in cuts:
                        continue
                    window = run[i : i + length]
                    found = self._match(keys[i : i + length], window, common)
                    if found is None:
                        continue
                    for k in range(i, i + length):
                        taken[k] = True
                    if found != window:
                        pos = m.start() + i
                        out[pos : pos + length] = list(found) + [""] * (length - len(found))
                        corrections.append(Correction(window, found, pos))
        if corrections:
            log.debug("hotword corrections: %d", len(corrections))
        return "".join(out), corrections

    def _match(self, key: tuple[str, ...], window: str, common: frozenset[str]) -> str | None:
        term = self.terms.get(key)
        if term is not None:
            if term == window:
                return term
            if window in common:
                return None
            if len(term) <= 3 and _tones(tone_key(window)) != _tones(self.tones[term]):
                return None
            return term
        if not self.allow_one_syllable or len(key) < 4:
            return None
        for i in range(len(key)):
            for cand, ckey in self.loose.get(key[:i] + ("*",) + key[i + 1 :], []):
                if _letters_distance(key[i], ckey[i]) <= 2 and window not in common and cand[i] != window[i]:
                    shared = sum(a == b for a, b in zip(cand, window, strict=True))
                    if shared >= len(cand) // 2:
                        return cand
        return None


def parse_hotwords(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Split a user's list (commas, Chinese commas, semicolons, new lines) into terms."""
    if value is None:
        return ()
    items = re.split(r"[,，;；、\s]+", value) if isinstance(value, str) else list(value)
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return tuple(seen)
