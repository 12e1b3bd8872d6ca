"""Quiz grading: choice questions automatically, short answers with the explained text scorer,
and a person's override of any item (kept beside the automatic score, never replacing it).

Every question weighs the same; an item's fraction is 0..1; the quiz score is 0..100. The score per
competency dimension (0..10) is what flows into the profile as ``competency_evidence``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from app.analysis.model import QuestionSpec
from app.errors import InvalidInput
from app.i18n import N_, _

COMPONENT_LABELS = {
    "coverage": N_("key-point coverage"), "terminology": N_("terminology"), "structure": N_("structure"),
    "clinical": N_("clinical reasoning"), "communication": N_("communication"),
}


@dataclass(frozen=True)
class QuizQuestion:
    version_id: int
    code: str
    text: str
    dimension: str
    qtype: str = "专业知识"
    options: tuple[tuple[str, str], ...] = ()  # (letter, text): a choice question
    answer: str = ""  # letters of the correct options, e.g. "B" or "ACD"
    key_points: tuple[str, ...] = ()
    reference_answer: str = ""
    key_terms: tuple[str, ...] = ()
    clinical_scenario: bool = False

    @property
    def is_choice(self) -> bool:
        return bool(self.options)

    @property
    def multiple(self) -> bool:
        return len(normalise_choice(self.answer)) > 1


@dataclass(frozen=True)
class GradedItem:
    version_id: int
    code: str
    kind: str  # choice / short
    dimension: str
    given: str
    auto: float  # 0..1
    explanation: tuple[str, ...]
    override: float | None = None  # 0..1, set by a person
    override_by: str = ""
    override_reason: str = ""

    @property
    def final(self) -> float:
        return self.auto if self.override is None else self.override

    def to_json(self) -> dict[str, object]:
        return {
            "version_id": self.version_id, "code": self.code, "kind": self.kind, "dimension": self.dimension,
            "given": self.given, "auto": self.auto, "explanation": list(self.explanation),
            "override": self.override, "override_by": self.override_by, "override_reason": self.override_reason,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> GradedItem:
        ov = d.get("override")
        return cls(
            int(d["version_id"]), str(d.get("code", "")), str(d.get("kind", "")), str(d.get("dimension", "")),  # type: ignore[arg-type]
            str(d.get("given", "")), float(d.get("auto", 0.0)), tuple(str(x) for x in d.get("explanation", ()) or ()),  # type: ignore[arg-type, union-attr]
            None if ov is None else float(ov), str(d.get("override_by", "")), str(d.get("override_reason", "")),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class QuizGrade:
    items: tuple[GradedItem, ...]
    pass_score: float

    @property
    def score(self) -> float:
        if not self.items:
            return 0.0
        return round(100.0 * sum(i.final for i in self.items) / len(self.items), 1)

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_score

    def dimension_scores(self) -> dict[str, float]:
        """0..10 per dimension: the mean of its items."""
        acc: dict[str, list[float]] = {}
        for i in self.items:
            if i.dimension:
                acc.setdefault(i.dimension, []).append(i.final)
        return {d: round(10.0 * sum(v) / len(v), 2) for d, v in acc.items()}


_LETTERS = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")


def normalise_choice(given: str) -> str:
    """"a, c" / "CA" / "Ａ" → "AC" (sorted upper-case letters, duplicates removed)."""
    letters = []
    for ch in _LETTERS.findall(given or ""):
        if "Ａ" <= ch <= "Ｚ" or "ａ" <= ch <= "ｚ":
            ch = chr(ord(ch) - 0xFEE0)
        letters.append(ch.upper())
    return "".join(sorted(set(letters)))


def grade_choice(q: QuizQuestion, given: str) -> GradedItem:
    """All-or-nothing: the set of chosen letters must equal the answer's."""
    if not q.answer:
        raise InvalidInput(_("Question {code} is a choice question without a correct answer; add it in the question "
                             "bank.").format(code=q.code))
    chosen, correct = normalise_choice(given), normalise_choice(q.answer)
    valid = {k.upper() for k, _t in q.options}
    stray = [c for c in chosen if c not in valid]
    ok = chosen == correct
    if not chosen:
        why = _("no option chosen; correct: {answer}").format(answer=correct)
    elif stray:
        why = _("chose {given}, which is not an option; correct: {answer}").format(given=chosen, answer=correct)
    elif ok:
        why = _("correct ({answer})").format(answer=correct)
    else:
        why = _("chose {given}; correct: {answer}").format(given=chosen, answer=correct)
    return GradedItem(q.version_id, q.code, "choice", q.dimension, chosen, 1.0 if ok else 0.0, (why,))


def grade_short(q: QuizQuestion, text: str) -> GradedItem:
    """Scored by ``score_text_answer`` against the key points; the evidence says which were covered."""
    text = (text or "").strip()
    if not text:
        return GradedItem(q.version_id, q.code, "short", q.dimension, "", 0.0, (_("no answer"),))
    spec = QuestionSpec(
        id=q.code, text=q.text, type=q.qtype, dimensions=(q.dimension,), key_points=q.key_points,
        reference_answer=q.reference_answer, key_terms=q.key_terms, clinical_scenario=q.clinical_scenario,
    )
    from app.analysis.scoring import score_text_answer  # jieba and the lexicon: loaded when first needed

    result = score_text_answer(spec, text)
    score = result.score_for(q.dimension)
    fraction = round((score if score is not None else 0.0) / 10.0, 3)
    lines = [_("score {score:.1f} / 10 for {dimension}").format(score=fraction * 10, dimension=q.dimension)]
    for p in result.coverage.points:
        label = {"covered": _("covered"), "partial": _("partly covered")}.get(p.status, _("missed"))
        lines.append(f"{label}：{p.key_point.text}")
    for dim in result.dimensions:
        for comp in dim.components:
            if comp.weight > 0:
                lines.append(_("{component}: {value:.2f} × weight {weight:.2f}").format(
                    component=_(COMPONENT_LABELS.get(comp.name, comp.name)), value=comp.value, weight=comp.weight))
        for rule in dim.rules:
            lines.append(f"{rule.text} ({rule.detail})")
    lines += list(result.warnings)
    return GradedItem(q.version_id, q.code, "short", q.dimension, text, fraction, tuple(lines))


def grade_quiz(questions: Sequence[QuizQuestion], answers: Mapping[int, str], pass_score: float = 60.0) -> QuizGrade:
    """``answers``: question version id → the letters chosen or the text written (missing = unanswered)."""
    if not questions:
        raise InvalidInput(_("The quiz has no questions; add questions from the question bank first."))
    items = tuple(
        grade_choice(q, answers.get(q.version_id, "")) if q.is_choice else grade_short(q, answers.get(q.version_id, ""))
        for q in questions
    )
    return QuizGrade(items, pass_score)


def override_item(grade: QuizGrade, version_id: int, fraction: float, *, by: str, reason: str) -> QuizGrade:
    """A person sets an item's score (0..1) with a reason; the automatic score stays visible."""
    if not 0.0 <= fraction <= 1.0:
        raise InvalidInput(_("An item's score must be from 0 to 100 %."))
    if not by.strip():
        raise InvalidInput(_("Say who changes the score."))
    if not reason.strip():
        raise InvalidInput(_("Give a reason for changing the score; it is kept with the attempt."))
    if all(i.version_id != version_id for i in grade.items):
        raise InvalidInput(_("That question is not part of this quiz."))
    items = tuple(
        replace(i, override=round(fraction, 3), override_by=by.strip(), override_reason=reason.strip())
        if i.version_id == version_id else i
        for i in grade.items
    )
    return QuizGrade(items, grade.pass_score)
