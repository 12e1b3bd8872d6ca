"""``python -m app analysis ...``: score a typed answer against a question file, derive key points.

The interview command (``python -m app interview score --question QID``) looks the question up in
the database and calls :func:`app.analysis.score_text_answer`; this command works on files so the
engine can be used and checked without a database.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.analysis.config import COMPONENT_LABELS
from app.analysis.keypoints import derive_key_points
from app.analysis.model import AnswerAssessment, QuestionSpec
from app.analysis.scoring import score_text_answer
from app.cli import add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def read_text_file(path: str) -> str:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        message = _("Cannot read {path}: {error}. Check the file name.").format(path=path, error=exc)
        raise InvalidInput(message) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        _("{path} is not UTF-8 or GB18030 text. Save it as UTF-8 and try again.").format(path=path)
    )


def load_question_file(path: str) -> QuestionSpec:
    try:
        data: Any = json.loads(read_text_file(path))
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            _("{path} is not valid JSON ({error}). Fix the question file.").format(path=path, error=exc.msg)
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(_("{path} must hold one JSON object describing the question.").format(path=path))
    return QuestionSpec.from_dict(data)


def format_assessment(a: AnswerAssessment) -> str:
    lines = [_("Question {id} ({type})").format(id=a.question_id or "-", type=a.question_type)]
    for d in a.dimensions:
        lines.append(_("{dimension}: {score} / 10").format(dimension=d.dimension, score=f"{d.score:.1f}"))
        for c in d.components:
            lines.append(
                "  " + _("{component}: {value} × weight {weight} = {points}").format(
                    component=_(COMPONENT_LABELS[c.name]),
                    value=f"{c.value:.2f}",
                    weight=f"{c.weight:.2f}",
                    points=f"{c.contribution:.2f}",
                )
            )
        for r in d.rules:
            lines.append("  " + _("Rule {rule}: {message}").format(rule=r.rule, message=r.text))
    for p in a.coverage.points:
        mark = {"covered": "✓", "partial": "~", "missed": "✗"}[p.status]
        lines.append(f"{mark} {p.key_point.text}")
    if a.terms.terms:
        terms = "、".join(t for t, _n in a.terms.terms[:15])
        lines.append(_("Professional terms: {terms}").format(terms=terms))
    for c in a.terms.confusions:
        lines.append(_("Possible confusion: {used} → {meant}: {why}").format(
            used=c.used, meant=c.probably_meant, why=c.explanation))
    for r in a.risks:
        lines.append(_("Risk: {message} 「{quote}」").format(message=r.message, quote=r.quote.text))
    lines.extend(a.warnings)
    return "\n".join(lines)


def _score(args: argparse.Namespace) -> int:
    question = load_question_file(args.question_file)
    answer = read_text_file(args.answer_file)
    assessment = score_text_answer(question, answer)
    if args.json:
        print_json(assessment.to_dict())
    else:
        print(format_assessment(assessment))
    return 0


def _keypoints(args: argparse.Namespace) -> int:
    points = derive_key_points(read_text_file(args.text_file), max_points=args.max)
    if args.json:
        print_json([{"id": k.id, "text": k.text, "terms": list(k.terms)} for k in points])
    else:
        for k in points:
            print(f"{k.id}\t{k.text}\t{'、'.join(k.terms)}")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("analysis", help=_("interview answer analysis"))
    sub = p.add_subparsers(dest="analysis_command", metavar="ACTION")
    s = sub.add_parser("score", help=_("score an answer text against a question file"))
    s.add_argument("--question-file", required=True, metavar="FILE", help=_("question as a JSON object"))
    s.add_argument("--answer-file", required=True, metavar="FILE", help=_("the answer as plain text"))
    add_json_argument(s)
    s.set_defaults(func=_score)
    k = sub.add_parser("keypoints", help=_("derive key points from a reference answer"))
    k.add_argument("--text-file", required=True, metavar="FILE", help=_("reference answer or explanation"))
    k.add_argument("--max", type=int, default=8, help=_("maximum number of key points"))
    add_json_argument(k)
    k.set_defaults(func=_keypoints)
