"""Text helpers: normalisation, sentences with times, informative tokens and their weights."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from app.analysis.model import Segment, Sentence
from app.text import lexicon
from app.text.tokenize import tokenizer

_ASCII_TO_FULL = str.maketrans(
    {",": "，", ";": "；", "!": "！", "?": "？", ":": "：", "(": "（", ")": "）"}
)
_SPACES = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")
SENTENCE_END = re.compile(r"[。！？；\n]+")
CLAUSE_SEP = "，、：。！？；"
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_SENTENCE_CHARS = 60

OOV_IDF = 12.0
MAX_IDF = 13.0
IDF_OFFSET = 6.0
MIN_WEIGHT = 1.5
LEXICON_BONUS = 1.0


def normalize(text: str) -> str:
    """NFKC (full-width letters/digits to ASCII), Chinese punctuation, spaces removed except
    between Latin words (ASR output such as Vosk's puts spaces between Chinese words)."""
    text = unicodedata.normalize("NFKC", text).translate(_ASCII_TO_FULL)
    return _SPACES.sub("", text).strip()


def spoken_len(text: str) -> int:
    """Characters that are spoken (no punctuation or spaces)."""
    return len(_PUNCT.sub("", text))


def is_word(token: str) -> bool:
    return bool(token) and not _PUNCT.fullmatch(token)


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_SENTENCE_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for clause in re.split(r"(?<=[，、：])", text):
        if current and len(current) + len(clause) > MAX_SENTENCE_CHARS:
            pieces.append(current)
            current = ""
        current += clause
        while len(current) > MAX_SENTENCE_CHARS * 2:  # unpunctuated ASR text
            cut_at = MAX_SENTENCE_CHARS
            pieces.append(current[:cut_at])
            current = current[cut_at:]
    if current:
        pieces.append(current)
    return pieces


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for part in SENTENCE_END.split(normalize(text)):
        part = part.strip("，、： ")
        if part:
            out.extend(_split_long(part))
    return out


def _time_span(segment: Segment, offset: int, n: int, total: int) -> tuple[float | None, float | None]:
    """Start/end time of the spoken characters [offset, offset+n) of a segment (``total`` spoken)."""
    if segment.words:
        start = end = None
        pos = 0
        for w in segment.words:
            w_start, pos = pos, pos + (spoken_len(w.text) or 1)
            if start is None and pos > offset:
                start = w.start
            if w_start < offset + max(n, 1):
                end = w.end
        return (start if start is not None else segment.words[-1].start), end
    if segment.start is None:
        return None, None
    if segment.end is None or total <= 0:
        return segment.start, segment.end
    span = segment.end - segment.start
    return segment.start + span * offset / total, segment.start + span * (offset + n) / total


def sentences_from_segments(segments: Sequence[Segment]) -> list[Sentence]:
    """Candidate speech as sentences with start/end times (interviewer segments left out)."""
    out: list[Sentence] = []
    for seg in segments:
        if seg.speaker == "interviewer":
            continue
        parts = split_sentences(seg.text)
        total = sum(spoken_len(p) for p in parts)
        offset = 0
        for part in parts:
            n = spoken_len(part)
            start, end = _time_span(seg, offset, n, total)
            out.append(Sentence(len(out), part, start, end))
            offset += n
    return out


# --------------------------------------------------------------------------------------------
# Tokens and weights

_tok_lock = threading.Lock()


def cut(text: str) -> list[str]:
    """Word tokens of normalised text (no punctuation). The shared tokenizer is not thread-safe
    for cutting the same instance concurrently in all jieba versions, so calls are serialised."""
    with _tok_lock:
        tokens = tokenizer().lcut(text)
    return [t for t in tokens if is_word(t)]


@lru_cache(maxsize=1)
def _professional() -> frozenset[str]:
    return frozenset(lexicon.professional_terms())


def professional_vocabulary() -> frozenset[str]:
    return _professional()


@lru_cache(maxsize=200_000)
def idf(token: str) -> float:
    tk = tokenizer()
    freq = tk.FREQ.get(token) or 0
    value = math.log(tk.total / freq) if freq > 0 else OOV_IDF
    return min(value, MAX_IDF)


def term_weight(token: str, stopwords: frozenset[str]) -> float:
    """Informativeness of a token for key points; 0 when it is not informative.

    IDF from the tokenizer's own dictionary (general Chinese word frequencies, with the medical
    vocabulary's document frequencies where it overrides them), shifted so that common words get
    ~0; words of the professional vocabulary get a bonus. Single characters, numbers and
    stopwords get 0.
    """
    if token in stopwords or token.lower() in stopwords:
        return 0.0
    if len(token) < 2 or token.isdigit() or not (_CJK.search(token) or token.isalpha() or token.isalnum()):
        return 0.0
    if re.fullmatch(r"[\d.%％]+", token):
        return 0.0
    weight = idf(token) - IDF_OFFSET
    if token in _professional():
        weight = max(weight, MIN_WEIGHT) + LEXICON_BONUS
    return weight if weight >= MIN_WEIGHT else 0.0


def bigrams(text: str) -> set[str]:
    clean = _PUNCT.sub("", text.lower())
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def find_all(text: str, phrases: Iterable[str]) -> list[tuple[int, str]]:
    """(position, phrase) for every occurrence of each phrase, in text order, longest first at a tie."""
    hits: list[tuple[int, str]] = []
    for p in phrases:
        if not p:
            continue
        start = text.find(p)
        while start >= 0:
            hits.append((start, p))
            start = text.find(p, start + len(p))
    hits.sort(key=lambda h: (h[0], -len(h[1])))
    return hits


IMMEDIATE_NEGATORS = ("不", "未", "没", "勿", "别", "无")


def clause_prefix(text: str, pos: int) -> str:
    """Text of the clause before ``pos`` (back to the last clause separator)."""
    i = pos
    while i > 0 and text[i - 1] not in CLAUSE_SEP:
        i -= 1
    return text[i:pos]


def is_negated(
    text: str, start: int, end: int, before: Sequence[str], after: Sequence[str], window: int
) -> str:
    """The negation cue that cancels the phrase at text[start:end], or "" if none.

    Before: a cue from ``before`` within ``window`` characters before the phrase in the same
    clause, or a single negator (不/未/没...) right before it. After: a cue from ``after`` in the
    rest of the sentence (at most 20 characters).
    """
    prefix = clause_prefix(text, start)
    near = prefix[-(window + 4) :]
    for cue in before:
        if cue and cue in near:
            return cue
    if prefix.endswith(IMMEDIATE_NEGATORS):
        return prefix[-1]
    suffix = text[end : end + 20]
    for cue in after:
        if cue and cue in suffix:
            return cue
    return ""
