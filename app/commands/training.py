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

    sc = sub.add_parser("scenarios", help=_("list the scenarios (情景演练) and how often they were practised"))
    _common(sc)
    sc.set_defaults(func=_scenarios)

    pr = sub.add_parser("practise", help=_("score a recorded scenario practice (WAV or video file) of an enrolled "
                                           "person and store it in their training record"))
    pr.add_argument("quiz_id", type=int, metavar="SCENARIO_ID")
    pr.add_argument("person_id", type=int, metavar="PERSON_ID")
    pr.add_argument("file", metavar="FILE", help=_("WAV, MP4, AVI, MOV or MKV file of the practice"))
    pr.add_argument("--consent", action="store_true",
                    help=_("the person agreed that their speech is transcribed and scored (required)"))
    pr.add_argument("--keep-recording", action="store_true",
                    help=_("the person also agreed that the sound is kept in the archive"))
    _common(pr)
    pr.set_defaults(func=_practise)
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
        if r.short_text:  # e.g. Ⅰ类学分 3.0 < 5.0
            print(_("{staff_no} {name}: {earned:g} of {required:g} credits ({short})").format(
                staff_no=r.staff_no, name=r.name, earned=r.earned, required=r.required, short=r.short_text))
        else:
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


def _scenarios(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    try:
        rows = ctx.services.training.scenarios()
    finally:
        ctx.close()
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        print(_("{id}. {title} ({course}): {questions} questions, {points} key points, {enrolled} enrolled, "
                "{practices} practices").format(id=r.quiz_id, title=r.title, course=r.course, questions=r.questions,
                                                points=r.key_points, enrolled=r.enrolled, practices=r.practices))
    return 0


def _practise(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from app.services.training import PracticeConsent
    from app.training.scenario import media_source

    if not args.consent:
        raise InvalidInput(_("Confirm with --consent that the person agreed to the transcription and scoring of "
                             "their speech; nothing was recorded."))
    today = _today(args)
    path = Path(args.file)
    consent = PracticeConsent(analysis=True, keep_recording=bool(args.keep_recording), at=datetime.now(UTC))
    ctx = _ctx(args)
    try:
        rec = ctx.services.training.practise(args.quiz_id, args.person_id, media_source(path), consent=consent,
                                             today=today, source_name=path.name)
    finally:
        ctx.close()
    row = rec.attempt.row
    if args.json:
        print_json({
            "attempt_id": row.id, "scenario": row.quiz, "person": row.name, "score": row.score, "passed": row.passed,
            "audio_seconds": round(rec.audio_seconds, 2), "engine": rec.engine,
            "recording": str(rec.recording) if rec.recording else None,
            "transcript": [s.to_json() for s in rec.transcript],
            "items": [{"code": i.code, "dimension": i.dimension, "score": round(i.auto * 100, 1),
                       "explanation": list(i.explanation)} for i in rec.attempt.grade.items],
        })
        return 0
    print(_("{name}: {score:.1f} / 100 — {result}").format(
        name=row.name, score=row.score or 0.0, result=_("passed") if row.passed else _("failed")))
    print("".join(s.text for s in rec.transcript) or "—")
    for item in rec.attempt.grade.items:
        for line in item.explanation:
            print(f"  {line}")
    return 0
