"""Professional terms used in an answer, their density, and commonly confused terms.

Terms: answer tokens found in the professional vocabulary (``resources/lexicons`` via
``app.text.lexicon``), plus the question's key terms and the terms of ``confusions.toml`` found as
substrings. Density = mentions per 100 spoken characters.

Confusion rule (documented in ``confusions.toml``): in one sentence, term A is used, a cue of
its partner B occurs (not negated) and no cue of A occurs → "used A, probably meant B".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from app.analysis.config import Settings
from app.analysis.model import ConfusionFlag, Evidence, QuestionSpec, Sentence, TermUsage
from app.analysis.textutil import cut, find_all, is_negated, professional_vocabulary, spoken_len
from app.i18n import _


def _cue_present(text: str, cues: Sequence[str], settings: Settings) -> str:
    for pos, cue in find_all(text, cues):
        if not is_negated(text, pos, pos + len(cue), settings.negation_before, (), settings.negation_window):
            return cue
    return ""


def find_confusions(sentences: Sequence[Sentence], settings: Settings) -> tuple[ConfusionFlag, ...]:
    flags: list[ConfusionFlag] = []
    seen: set[tuple[str, int]] = set()
    for s in sentences:
        for c in settings.confusions:
            sides = ((c.a, c.a_cues, c.b, c.b_cues), (c.b, c.b_cues, c.a, c.a_cues))
            for used_side, used_cues, other_side, other_cues in sides:
                used = next((t for t in used_side if t in s.text), "")
                if not used or any(t in s.text for t in other_side):
                    continue  # both terms named: the candidate is contrasting them, fine
                wrong_cue = _cue_present(s.text, other_cues, settings)
                if not wrong_cue or _cue_present(s.text, used_cues, settings):
                    continue
                if (c.id, s.index) in seen:
                    continue
                seen.add((c.id, s.index))
                flags.append(
                    ConfusionFlag(
                        id=c.id,
                        used=used,
                        probably_meant=other_side[0],
                        explanation=_(c.explanation) if c.explanation else "",
                        quote=Evidence(
                            kind="quote", text=s.text, start=s.start, end=s.end,
                            rule=f"confusion.{c.id}", detail=wrong_cue,
                        ),
                    )
                )
    return tuple(flags)


def assess_terms(question: QuestionSpec, sentences: Sequence[Sentence], settings: Settings) -> TermUsage:
    vocab = professional_vocabulary()
    counts: Counter[str] = Counter()
    chars = 0
    extra = {t for t in question.key_terms if t} | {
        t for c in settings.confusions for t in (*c.a, *c.b)
    }
    for s in sentences:
        chars += spoken_len(s.text)
        tokens = cut(s.text)
        token_set = set(tokens)
        for tok in tokens:
            if len(tok) >= 2 and tok in vocab:
                counts[tok] += 1
        for term in extra:
            if term not in token_set and term in s.text:
                counts[term] += s.text.count(term)
    full_text = "".join(s.text for s in sentences).lower()
    used = tuple(
        t for t in question.key_terms if t.lower() in full_text or _synonym_in(t, full_text, settings)
    )
    missing = tuple(t for t in question.key_terms if t not in used)
    total = sum(counts.values())
    return TermUsage(
        terms=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        total_mentions=total,
        chars=chars,
        density_per_100=round(100.0 * total / chars, 4) if chars else 0.0,
        key_terms_used=used,
        key_terms_missing=missing,
        confusions=find_confusions(sentences, settings),
    )


def _synonym_in(term: str, text: str, settings: Settings) -> bool:
    canonical = settings.synonyms.get(term.lower())
    if canonical is None:
        return False
    group = next((g for g in settings.synonym_groups if g[0] == canonical), ())
    return any(len(v) >= 2 and v.lower() in text for v in group)


def terminology_value(usage: TermUsage, question: QuestionSpec, settings: Settings) -> float:
    """0..1: key-term use (60 %) and density (40 %), or density alone without key terms;
    density credit = min(1, density / target_density) × min(1, distinct terms /
    min_distinct_terms), so a two-word answer cannot earn full terminology credit;
    minus ``confusion_penalty`` per confusion flag."""
    target = settings.param("terminology", "target_density")
    density = min(1.0, usage.density_per_100 / target) if target > 0 else 0.0
    breadth_needed = settings.param("terminology", "min_distinct_terms")
    if breadth_needed > 0:
        density *= min(1.0, len(usage.terms) / breadth_needed)
    if question.key_terms:
        value = 0.6 * len(usage.key_terms_used) / len(question.key_terms) + 0.4 * density
    else:
        value = density
    value -= settings.param("terminology", "confusion_penalty") * len(usage.confusions)
    return round(max(0.0, min(1.0, value)), 4)
