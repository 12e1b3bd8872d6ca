"""``training`` commands: recommend a learning path, list overdue enrolments, CME credits, export the report."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("training", help=_("training: learning paths, overdue courses, CME credits, reports"))
    sub = p.add_subparsers(dest="training_command", metavar="COMMAND")

    rec = sub.add_parser("recommend", help=_("recommend a learning path for a person from their gaps"))
    rec.add_argument("person_id", type=int, metavar="PERSON_ID")
    _common(rec)
    rec.set_defaults(func=_recommend)

    od = sub.add_parser("overdue", help=_("list enrolments past their due date"))
    _common(od)
    od.set_defaults(func=_overdue)

    cr = sub.add_parser("credits", help=_("CME credits per person for a year"))
    cr.add_argument("--year", type=int, help=_("calendar year (default: the year of --today)"))
    cr.add_argument("--short", action="store_true", help=_("only people below the required credits"))
    _common(cr)
    cr.set_defaults(func=_credits)

    rep = sub.add_parser("report", help=_("write the training report as an Excel workbook"))
    rep.add_argument("--xlsx", required=True, metavar="OUT.xlsx", help=_("output file"))
    rep.add_argument("--year", type=int, help=_("calendar year for the credits (default: the year of --today)"))
    _common(rep)
    rep.set_defaults(func=_report)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--today", metavar="YYYY-MM-DD", help=_("the day to evaluate (default: today)"))
    add_json_argument(p)
    add_data_dir_argument(p)


def _today(args: argparse.Namespace) -> date:
    if not args.today:
        return date.today()
    try:
        return date.fromisoformat(args.today)
    except ValueError:
        raise InvalidInput(_("--today must be a date like 2026-11-22.")) from None


def _ctx(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.context import open_app

    return open_app(args.data_dir)


def _recommend(args: argparse.Namespace) -> int:
    today = _today(args)
    ctx = _ctx(args)
    try:
        rec = ctx.services.training.recommend(args.person_id, today)
    finally:
        ctx.close()
    steps = [
        {"order": i, "code": s.code, "title": s.title, "reason": s.reason_text, "due_date": d.isoformat(),
         "already_enrolled": s.already_enrolled, "hours": s.hours, "credits": s.credits}
        for i, (s, d) in enumerate(zip(rec.proposal.steps, rec.due_dates, strict=True), 1)
    ]
    if args.json:
        print_json({"person": asdict(rec.person), "gaps": [asdict(g) for g in rec.proposal.gaps], "steps": steps,
                    "notes": list(rec.proposal.notes)})
        return 0
    print(_("{name} ({staff_no}), {position}").format(name=rec.person.name, staff_no=rec.person.staff_no,
                                                      position=rec.person.position or rec.person.department))
    print(_("Gaps: {gaps}").format(gaps="；".join(g.reason for g in rec.proposal.gaps) or _("none")))
    for s in steps:
        flag = _(" (already enrolled)") if s["already_enrolled"] else ""
        print(f"{s['order']}. {s['code']} {s['title']}{flag} — {s['reason']} — {s['due_date']}")
    for n in rec.proposal.notes:
        print(n)
    if not steps:
        print(_("No course to recommend."))
    return 0


def _overdue(args: argparse.Namespace) -> int:
    today = _today(args)
    ctx = _ctx(args)
    try:
        rows = ctx.services.training.overdue(today)
    finally:
        ctx.close()
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        print(_("{staff_no} {name} {department}: {course}, due {due}, {days} days overdue, {pct}% done").format(
            staff_no=r.staff_no, name=r.name, department=r.department, course=r.course,
            due=r.due_date.isoformat() if r.due_date else "", days=r.days_overdue, pct=r.progress_pct))
    print(_("{n} overdue enrolments on {day}.").format(n=len(rows), day=today.isoformat()))
    return 0


def _credits(args: argparse.Namespace) -> int:
    today = _today(args)
    year = args.year or today.year
    ctx = _ctx(args)
    try:
        rows = ctx.services.training.credits(year)
    finally:
        ctx.close()
    if args.short:
        rows = [r for r in rows if not r.met]
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        print(_("{staff_no} {name}: {earned:g} of {required:g} credits").format(
            staff_no=r.staff_no, name=r.name, earned=r.earned, required=r.required))
    return 0


def _report(args: argparse.Namespace) -> int:
    today = _today(args)
    out = Path(args.xlsx)
    if out.suffix.lower() != ".xlsx":
        raise InvalidInput(_("The report file must end in .xlsx."))
    ctx = _ctx(args)
    try:
        path = ctx.services.training.export_report(out, today, args.year)
    finally:
        ctx.close()
    if args.json:
        print_json({"path": str(path)})
    else:
        print(_("Report written: {path}").format(path=path))
    return 0
