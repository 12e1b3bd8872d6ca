"""``interview list`` and ``interview score`` (the report follows with the interview issue)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("interview", help=_("interviews: list, score an answer"))
    s = p.add_subparsers(dest="interview_command", metavar="COMMAND")
    lst = s.add_parser("list", help=_("list interviews"))
    add_data_dir_argument(lst)
    add_json_argument(lst)
    lst.set_defaults(func=_list)
    sc = s.add_parser("score", help=_("score a text answer against a bank question, with evidence"))
    add_data_dir_argument(sc)
    sc.add_argument("--question", required=True, metavar="QID", help=_("question id or code"))
    sc.add_argument("--answer-file", required=True, metavar="FILE", help=_("UTF-8 text file with the answer"))
    add_json_argument(sc)
    sc.set_defaults(func=_score)
    p.set_defaults(func=lambda _a: (p.print_help(), 2)[1])


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.context import database_exists, open_app, resolve_data_dir

    data = resolve_data_dir(args.data_dir)
    if not database_exists(data):
        raise InvalidInput(_("No database in {path}. Create one with 'demo' or start the app there first.").format(path=data.root))
    return open_app(data)


def _list(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        rows = ctx.services.recruiting.interviews()
    finally:
        ctx.close()
    data = [
        {"id": r.id, "candidate": r.candidate, "position": r.position, "state": r.state,
         "recommendation": r.recommendation, "scheduled_at": r.scheduled_at.isoformat() if r.scheduled_at else None}
        for r in rows
    ]
    if args.json:
        print_json(data)
    else:
        for d in data:
            print(f"{d['id']:>5}  {d['state']:<9} {d['recommendation'] or '-':<10} {d['candidate']}  {d['position']}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from app.analysis.cli import format_assessment
    from app.analysis.model import QuestionSpec
    from app.analysis.scoring import score_text_answer

    path = Path(args.answer_file)
    try:
        answer = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("Cannot read the answer file {path}: {reason}").format(path=path, reason=exc)) from exc
    ctx = _open(args)
    try:
        bank = ctx.services.questions
        rows = bank.questions()
        row = next((r for r in rows if r.code == args.question or str(r.id) == args.question), None)
        if row is None:
            raise InvalidInput(_("No question {qid} in the bank.").format(qid=args.question))
        d = bank.detail(row.id)
    finally:
        ctx.close()
    spec = QuestionSpec(
        id=row.code, text=row.text, type=row.qtype, dimensions=(row.dimension,), key_points=d.key_points,
        reference_answer=d.reference_answer, key_terms=d.key_terms, clinical_scenario=row.qtype == "情景题",
    )
    assessment = score_text_answer(spec, answer)
    if args.json:
        print_json(assessment.to_dict())
    else:
        print(format_assessment(assessment))
    return 0
