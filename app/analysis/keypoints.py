"""Expected key points derived from a reference answer or explanation.

Method (deterministic):
1. Split into sentences and drop exam boilerplate (``（D对）``, ``故选B``, ``该题考查...``); a
   sentence that only discusses wrong options (``（A错）``) gets half weight;
   a sentence with more than :data:`MAX_TERMS` informative terms is split at commas into
   groups of whole clauses.
2. Each group keeps its informative terms (jieba tokens with the medical vocabulary, weighted
   by :func:`app.analysis.textutil.term_weight`, an IDF-like weight) — at most MAX_TERMS,
   heaviest first; the term frequency within the reference adds a small TF boost.
3. Groups whose terms are mostly (>= 80 % of weight) already in a heavier group are redundant;
   the heaviest ``max_points`` remain, shown in reference order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from app.analysis.config import Settings, load_settings
from app.analysis.model import KeyPoint, QuestionSpec
from app.analysis.textutil import cut, normalize, term_weight

MAX_TERMS = 6
DEFAULT_MAX_POINTS = 8
REDUNDANT_SHARE = 0.8
DISTRACTOR_FACTOR = 0.5
_WRONG = re.compile(r"[（(][A-E]{1,5}\s*项?\s*(?:错|错误)[）)]")
_RIGHT = re.compile(r"[（(][A-E]{1,5}\s*项?\s*(?:对|正确)[）)]")
MISSING_VALUES = frozenset({"", "nan", "none", "null", "无", "略"})

_BOILERPLATE = (
    re.compile(r"[（(][A-EＡ-Ｅ]{1,5}\s*(?:项)?\s*[对错正确误]{1,2}[）)]"),
    re.compile(r"[（(][A-EＡ-Ｅ][）)]"),
    re.compile(
        r"(?:故|因此|所以)?(?:本题)?(?:答案|正确答案)?(?:应)?"
        r"(?:选|为|是)\s*[A-E]{1,5}(?:项)?(?=[。，；]|$)"
    ),
    re.compile(r"^(?:该|本|此)题(?:主要)?考查[^。；]*[。；]?"),
    re.compile(r"(?:理解记忆即可|记忆即可|理解即可)"),
)


def clean_reference(text: str) -> str:
    text = normalize(text)
    for pattern in _BOILERPLATE:
        text = pattern.sub("", text)
    return text


def _terms_of(text: str, settings: Settings) -> list[tuple[str, float]]:
    seen: dict[str, float] = {}
    for tok in cut(text):
        if tok in seen:
            continue
        w = term_weight(tok, settings.stopwords)
        if w > 0:
            seen[tok] = w
    return list(seen.items())


def _groups(sentence: str, settings: Settings) -> list[tuple[str, list[tuple[str, float]]]]:
    terms = _terms_of(sentence, settings)
    if len(terms) <= MAX_TERMS:
        return [(sentence, terms)] if terms else []
    out: list[tuple[str, list[tuple[str, float]]]] = []
    text, acc = "", []  # type: str, list[tuple[str, float]]
    for clause in re.split(r"(?<=[，、：])", sentence):
        c_terms = _terms_of(clause, settings)
        if acc and len(acc) + len(c_terms) > MAX_TERMS:
            out.append((text, acc))
            text, acc = "", []
        text += clause
        known = {t for t, _w in acc}
        acc.extend((t, w) for t, w in c_terms if t not in known)
    if acc:
        out.append((text, acc))
    return out


def _make_point(
    pid: str, text: str, terms: list[tuple[str, float]], source: str, tf: Counter[str]
) -> KeyPoint:
    boosted = [(t, w * (1.0 + 0.15 * min(tf.get(t, 1) - 1, 3))) for t, w in terms]
    best = sorted(boosted, key=lambda tw: (-tw[1], tw[0]))[:MAX_TERMS]
    order = {t: i for i, (t, _w) in enumerate(terms)}
    best.sort(key=lambda tw: order[tw[0]])
    return KeyPoint(
        id=pid,
        text=text.strip("，、：。；")[:80],
        terms=tuple(t for t, _w in best),
        weights=tuple(round(w, 4) for _t, w in best),
        source=source,
    )


def derive_key_points(
    reference: str,
    *,
    max_points: int = DEFAULT_MAX_POINTS,
    source: str = "reference",
    id_prefix: str = "kp",
    settings: Settings | None = None,
) -> tuple[KeyPoint, ...]:
    """Key points of a reference answer or explanation (see the module docstring)."""
    settings = settings or load_settings()
    candidates: list[tuple[int, str, list[tuple[str, float]]]] = []
    for raw in re.split(r"[。！？；\n]+", normalize(reference)):
        sentence = clean_reference(raw)
        if not sentence.strip("，、： "):
            continue
        # a sentence only about wrong options ("…（A错）") matters less than the correct answer
        factor = DISTRACTOR_FACTOR if _WRONG.search(raw) and not _RIGHT.search(raw) else 1.0
        for group_text, terms in _groups(sentence, settings):
            candidates.append((len(candidates), group_text, [(t, w * factor) for t, w in terms]))
    tf: Counter[str] = Counter(t for _i, _g, terms in candidates for t, _w in terms)
    ranked = sorted(candidates, key=lambda c: (-sum(w for _t, w in c[2]), c[0]))
    chosen: list[tuple[int, str, list[tuple[str, float]]]] = []
    covered: set[str] = set()
    for cand in ranked:
        total = sum(w for _t, w in cand[2])
        already = sum(w for t, w in cand[2] if t in covered)
        if total <= 0 or already / total >= REDUNDANT_SHARE:
            continue
        chosen.append(cand)
        covered.update(t for t, _w in cand[2])
        if len(chosen) >= max_points:
            break
    chosen.sort(key=lambda c: c[0])
    return tuple(
        _make_point(f"{id_prefix}{i + 1}", text_, terms, source, tf)
        for i, (_idx, text_, terms) in enumerate(chosen)
    )


def key_points_from_phrases(
    phrases: Iterable[str], *, source: str = "author", id_prefix: str = "kp", settings: Settings | None = None
) -> tuple[KeyPoint, ...]:
    """One key point per phrase written by the bank author (or a question/option text).

    A phrase without informative terms (e.g. a single character) is kept as one literal term so
    it can still be matched.
    """
    settings = settings or load_settings()
    out: list[KeyPoint] = []
    for phrase in phrases:
        text = clean_reference(phrase).strip("，、：。；")
        if not text:
            continue
        terms = _terms_of(text, settings)
        if not terms:
            terms = [(text, 1.0)]
        out.append(_make_point(f"{id_prefix}{len(out) + 1}", text, terms, source, Counter()))
    return tuple(out)


def key_points_for(question: QuestionSpec, settings: Settings | None = None) -> tuple[KeyPoint, ...]:
    """The author's key points when written, otherwise derived from the reference answer."""
    settings = settings or load_settings()
    if question.key_points:
        return key_points_from_phrases(question.key_points, settings=settings)
    if question.reference_answer.strip():
        return derive_key_points(question.reference_answer, settings=settings)
    return ()


def question_from_cmexam(record: Mapping[str, Any], *, max_points: int = DEFAULT_MAX_POINTS) -> QuestionSpec:
    """A bank question from a CMExam record (question, options, answer letters, explanation).

    Key points: the question stem with its correct option(s) as the first point, then points
    derived from the explanation. The correct options' texts become the key terms.
    """
    explanation = str(record.get("explanation") or "").strip()
    if explanation.lower() in MISSING_VALUES:
        explanation = ""
    options: Mapping[str, str] = record.get("options") or {}
    letters = [ch for ch in str(record.get("answer", "")) if ch in options]
    correct = [str(options[ch]) for ch in letters]
    stem = str(record.get("question", "")).strip()
    first = stem + "：" + "、".join(correct) if correct else stem
    settings = load_settings()
    points = [kp.text for kp in key_points_from_phrases([first], settings=settings)]
    seen = {t for kp in key_points_from_phrases([first], settings=settings) for t in kp.terms}
    for kp in derive_key_points(explanation, max_points=max_points - 1, settings=settings):
        weight_new = sum(w for t, w in zip(kp.terms, kp.weights, strict=True) if t not in seen)
        if weight_new >= (1.0 - REDUNDANT_SHARE) * kp.total_weight:  # not a restatement of the first point
            points.append(kp.text)
            seen.update(kp.terms)
    return QuestionSpec(
        id=str(record.get("id", "")),
        text=stem,
        type="专业知识",
        dimensions=("专业知识",),
        key_points=tuple(points),
        reference_answer=explanation,
        key_terms=tuple(c for c in correct if 1 < len(c) <= 16),
        clinical_scenario=False,
    )
