"""``talent`` commands: a person's profile (JSON or PDF), the recording retention job, the
archive export for an inspection, and applying approved performance coefficients."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a date like 2026-11-22.").format(value=text)) from None


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("talent", help=_("talent profiles, archive and retention"))
    sub = p.add_subparsers(dest="talent_command", metavar="COMMAND")

    prof = sub.add_parser("profile", help=_("show one person's profile (person id)"))
    prof.add_argument("person_id", type=int, metavar="ID", help=_("person id"))
    prof.add_argument("--pdf", metavar="OUT", help=_("write the profile as a PDF file"))
    prof.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD", help=_("date for licence states (default: today)"))
    add_json_argument(prof)
    add_data_dir_argument(prof)
    prof.set_defaults(func=_profile)

    ret = sub.add_parser("retention", help=_("delete recordings of candidates not hired after the retention period"))
    ret.add_argument("--dry-run", action="store_true", help=_("only list what would be deleted"))
    ret.add_argument("--days", type=int, default=None, help=_("retention in days (default: the setting, 180)"))
    ret.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD", help=_("date to count from (default: today)"))
    ret.add_argument("--user", default="cli", help=_("who runs the job (kept in the retention log)"))
    add_json_argument(ret)
    add_data_dir_argument(ret)
    ret.set_defaults(func=_retention)

    arc = sub.add_parser("archive", help=_("export one person's archive as a zip with an index"))
    arc.add_argument("person_id", type=int, metavar="ID", help=_("person id"))
    arc.add_argument("--zip", required=True, metavar="OUT", help=_("zip file to write"))
    add_json_argument(arc)
    add_data_dir_argument(arc)
    arc.set_defaults(func=_archive)

    coef = sub.add_parser("apply-coefficients", help=_("copy the approved performance coefficients effective by a month into the pay profiles (payroll reads them by month itself; this keeps the profiles' current figure in step)"))
    coef.add_argument("--month", required=True, metavar="YYYY-MM", help=_("payroll month"))
    add_json_argument(coef)
    add_data_dir_argument(coef)
    coef.set_defaults(func=_apply)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _open(args: argparse.Namespace) -> Any:
    from app.context import open_app

    return open_app(args.data_dir)


def _profile(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        talent = ctx.services.talent
        prof = talent.profile(args.person_id, args.today)
        if args.pdf:
            out = talent.export_profile_pdf(args.person_id, Path(args.pdf), args.today)
            if not args.json:
                print(_("Profile written to {path}").format(path=out))
        if args.json:
            data = asdict(prof)
            data["picture"] = [asdict(d) for d in prof.picture]
            print_json(data)
        elif not args.pdf:
            print(f"{prof.name}  {prof.staff_no}  {prof.department}  {prof.position}")
            for d in prof.picture:
                latest = "-" if d.latest is None else f"{d.latest:.1f}"
                print(f"  {d.dimension}: {latest} / {d.bar:.1f}")
            print(_("Summary: {text}").format(text=prof.summary or "-"))
        return 0
    finally:
        ctx.close()


def _retention(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        days = args.days if args.days is not None else ctx.settings.recording_retention_days
        if days < 1:
            raise InvalidInput(_("The retention period must be at least 1 day."))
        result = ctx.services.talent.run_retention(days, user=args.user, dry_run=args.dry_run, today=args.today)
        if args.json:
            print_json({"deleted": result.deleted, "log_id": result.log_id, "retention_days": days,
                        "items": [asdict(i) for i in result.items]})
        else:
            total = sum(i.bytes for i in result.items)
            msg = _("{n} recordings would be deleted ({bytes} bytes).") if not result.deleted else \
                _("{n} recordings deleted ({bytes} bytes); logged.")
            print(msg.format(n=len(result.items), bytes=total))
            for i in result.items:
                print(f"  {i.ended_on}  {', '.join(i.files) or '-'}")
        return 0
    finally:
        ctx.close()


def _archive(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        out = ctx.services.talent.export_archive(args.person_id, Path(args.zip))
        if args.json:
            print_json({"zip": str(out)})
        else:
            print(_("Archive written to {path}").format(path=out))
        return 0
    finally:
        ctx.close()


def _apply(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        n, _changes = ctx.services.talent.apply_coefficients(args.month)
        if args.json:
            print_json({"month": args.month, "updated": n})
        else:
            print(_("{n} pay profiles updated.").format(n=n))
        return 0
    finally:
        ctx.close()
