"""Communication signals: empathy phrases, speech rate, fillers, repetition and long pauses.

- Speech rate = spoken characters / speaking time (sum of segment durations, or word spans when
  word times exist), in characters per minute; unknown without times.
- Fillers (``markers.toml`` [communication].fillers): single-syllable hesitations (嗯, 呃 ...)
  always count; multi-character ones that are also ordinary words (这个, 那个, 就是) count only
  at the start of a sentence, before another filler, or at the end of a sentence.
- Repetition ratio = share of word trigrams that repeat an earlier trigram (plus immediate
  word repeats such as 我我我); phrases repeated 3+ times are listed.
- Long pauses: gaps of at least ``long_pause_s`` between consecutive words (or segments).

Sub-scores (0..1), averaged into the value: fluency (fillers), rate (when timed), pauses (when
timed), repetition, and empathy when the question calls for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from app.analysis.config import Settings
from app.analysis.model import CommunicationResult, Evidence, Segment, Sentence
from app.analysis.textutil import cut, find_all, normalize, spoken_len

HESITATIONS = frozenset("嗯呃额啊唔哦噢")
MAX_EMPATHY_QUOTES = 3
MAX_PAUSES = 20


def _linear(value: float, good: float, bad: float) -> float:
    """1 at or below ``good``, 0 at or above ``bad``, linear between."""
    if value <= good:
        return 1.0
    if value >= bad:
        return 0.0
    return (bad - value) / (bad - good)


def _fillers(sentences: Sequence[Sentence], fillers: Sequence[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    filler_set = set(fillers)
    for s in sentences:
        tokens = cut(s.text)
        for i, tok in enumerate(tokens):
            if tok not in filler_set and not (len(tok) == 1 and tok in HESITATIONS):
                continue
            if len(tok) == 1 and tok in HESITATIONS:
                if tok == "啊" and 0 < i == len(tokens) - 1:
                    continue  # sentence-final particle, not a hesitation
                counts[tok] += 1
                continue
            prev_filler = i > 0 and tokens[i - 1] in filler_set
            next_filler = i + 1 < len(tokens) and tokens[i + 1] in filler_set
            if i == 0 or i == len(tokens) - 1 or prev_filler or next_filler:
                counts[tok] += 1
    return counts


def _repetition(sentences: Sequence[Sentence]) -> tuple[float, tuple[tuple[str, int], ...]]:
    tokens = [t for s in sentences for t in cut(s.text)]
    immediate = sum(1 for a, b in zip(tokens, tokens[1:], strict=False) if a == b and len(a) <= 2)
    grams = ["".join(tokens[i : i + 3]) for i in range(len(tokens) - 2)]
    if not grams:
        return 0.0, ()
    counts = Counter(grams)
    repeats = sum(c - 1 for c in counts.values()) + immediate
    ratio = min(1.0, repeats / len(grams))
    frequent = sorted(((g, c) for g, c in counts.items() if c >= 3), key=lambda gc: (-gc[1], gc[0]))
    phrases = tuple(frequent[:10])
    return round(ratio, 4), phrases


def _timing(segments: Sequence[Segment], long_pause: float) -> tuple[float | None, list[Evidence]]:
    """(speaking seconds, long pauses) from word times, else segment times."""
    spans: list[tuple[float, float, str]] = []
    for seg in segments:
        if seg.speaker == "interviewer":
            continue
        if seg.words:
            spans.extend((w.start, w.end, w.text) for w in seg.words)
        elif seg.start is not None and seg.end is not None:
            spans.append((seg.start, seg.end, normalize(seg.text)[:12]))
    if not spans:
        return None, []
    spans.sort(key=lambda s: (s[0], s[1]))
    speaking = 0.0
    pauses: list[Evidence] = []
    prev_end: float | None = None
    for start, end, text in spans:
        if prev_end is not None and start - prev_end >= long_pause:
            pauses.append(
                Evidence(
                    "measure", text, prev_end, start, "communication.long_pause", f"{start - prev_end:.1f}"
                )
            )
        if prev_end is None or start >= prev_end:
            speaking += max(0.0, end - start)
        elif end > prev_end:
            speaking += end - prev_end  # overlapping spans are counted once
        prev_end = end if prev_end is None else max(prev_end, end)
    return speaking, pauses


def assess_communication(
    segments: Sequence[Segment], sentences: Sequence[Sentence], settings: Settings, *, empathy_expected: bool
) -> CommunicationResult:
    chars = sum(spoken_len(s.text) for s in sentences)
    speaking, pauses = _timing(segments, settings.param("communication", "long_pause_s"))
    rate = round(chars / speaking * 60.0, 2) if speaking and speaking > 0 and chars else None

    empathy: list[Evidence] = []
    for s in sentences:
        hits = find_all(s.text, settings.empathy)
        if hits and len(empathy) < MAX_EMPATHY_QUOTES:
            empathy.append(Evidence("quote", s.text, s.start, s.end, "communication.empathy", hits[0][1]))

    fillers = _fillers(sentences, settings.fillers)
    per_100 = round(100.0 * sum(fillers.values()) / chars, 4) if chars else 0.0
    repetition, repeated = _repetition(sentences)

    subs: list[tuple[str, float]] = [
        ("fluency", _linear(per_100, settings.param("communication", "filler_per_100_ok"),
                            settings.param("communication", "filler_per_100_bad"))),
        ("repetition", _linear(repetition, 0.10, 0.40)),
    ]
    if rate is not None:
        low, high = settings.param("communication", "rate_low"), settings.param("communication", "rate_high")
        subs.append(("rate", 1.0 if low <= rate <= high else (rate / low if rate < low else high / rate)))
    if speaking:
        per_min = len(pauses) / max(speaking / 60.0, 0.5)
        subs.append(("pauses", _linear(per_min, 1.0, 4.0)))
    if empathy_expected:
        subs.append(("empathy", 1.0 if empathy else 0.0))
    value = sum(v for _n, v in subs) / len(subs) if chars else 0.0
    return CommunicationResult(
        chars=chars,
        speaking_seconds=round(speaking, 3) if speaking is not None else None,
        rate_chars_per_min=rate,
        empathy=tuple(empathy),
        fillers=tuple(sorted(fillers.items(), key=lambda kv: (-kv[1], kv[0]))),
        fillers_per_100=per_100,
        repetition_ratio=repetition,
        repeated_phrases=repeated,
        long_pauses=tuple(pauses[:MAX_PAUSES]),
        value=round(value, 4),
        subscores=tuple((n, round(v, 4)) for n, v in subs),
    )
