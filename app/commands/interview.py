"""``interview list``, ``score``, ``analyse``, ``review`` (the queue), ``decide`` and ``report`` (PDF)."""

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
    an = s.add_parser("analyse", help=_("analyse a recorded interview and store the assessment"))
    add_data_dir_argument(an)
    an.add_argument("id", type=int, metavar="ID", help=_("interview id"))
    add_json_argument(an)
    an.set_defaults(func=_analyse)
    rv = s.add_parser("review", help=_("interviews waiting for a person's review"))
    add_data_dir_argument(rv)
    rv.add_argument("--all", action="store_true", help=_("list every analysed interview, not only the queue"))
    add_json_argument(rv)
    rv.set_defaults(func=_review)
    dc = s.add_parser("decide", help=_("record a person's decision on an analysed interview"))
    add_data_dir_argument(dc)
    dc.add_argument("id", type=int, metavar="ID", help=_("interview id"))
    dc.add_argument("--decision", required=True, choices=("recommend", "hold", "reject"), help=_("the decision"))
    dc.add_argument("--reason", required=True, help=_("why (kept with the interview record)"))
    dc.add_argument("--user", required=True, help=_("who decides"))
    dc.set_defaults(func=_decide)
    rp = s.add_parser("report", help=_("write the interview assessment report as PDF"))
    add_data_dir_argument(rp)
    rp.add_argument("id", type=int, metavar="ID", help=_("interview id"))
    rp.add_argument("--pdf", required=True, metavar="OUT", help=_("the PDF file to write"))
    rp.set_defaults(func=_report)
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


def _analyse(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        result = ctx.services.assessment.analyse(args.id)
    finally:
        ctx.close()
    from app.domain.recommendation import recommendation_label

    if args.json:
        print_json({"id": result.interview_id, "total": result.total, "recommendation": result.recommendation,
                    "needs_review": result.needs_review})
    else:
        print(_("Interview {id}: total {total}, {label}{review}").format(
            id=result.interview_id, total=f"{result.total:.2f}", label=recommendation_label(result.recommendation),
            review=_(" (needs review)") if result.needs_review else ""))
    return 0


def _review(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        svc = ctx.services.assessment
        rows = svc.analysed() if args.all else svc.review_queue()
    finally:
        ctx.close()
    data = [
        {"id": r.interview_id, "candidate": r.candidate, "position": r.position, "state": r.state, "total": r.total,
         "recommendation": r.recommendation, "recommendation_label": r.recommendation_label,
         "needs_review": r.needs_review, "reasons": list(r.review_reasons), "risk_flags": r.risk_count,
         "decision": r.decision, "decided_by": r.decided_by or None}
        for r in rows
    ]
    if args.json:
        print_json(data)
    elif not data:
        print(_("No interview is waiting for review."))
    else:
        for d in data:
            total = "-" if d["total"] is None else f"{d['total']:.2f}"
            print(f"{d['id']:>5}  {total:>5}  {d['recommendation_label']}  {d['candidate']}  {d['position']}")
            for reason in d["reasons"]:
                print(f"         · {reason}")
    return 0


def _decide(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        ctx.services.assessment.decide(args.id, args.decision, args.reason, args.user)
    finally:
        ctx.close()
    print(_("Decision recorded for interview {id}.").format(id=args.id))
    return 0


def _report(args: argparse.Namespace) -> int:
    out = Path(args.pdf)
    if out.suffix.lower() != ".pdf":
        raise InvalidInput(_("The report file must end in .pdf: {path}").format(path=out))
    ctx = _open(args)
    try:
        path = ctx.services.assessment.export_pdf(args.id, out)
    finally:
        ctx.close()
    print(_("Saved {path}").format(path=path))
    return 0
