"""``python -m app screen --position CODE PATH...``: rank resume files against a position without storing them."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("screen", help=_("rank resume files or folders against a position (nothing is stored)"))
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path, help=_("resume files or folders (searched recursively)"))
    p.add_argument("--position", required=True, metavar="CODE", help=_("position code"))
    p.add_argument("--today", metavar="YYYY-MM-DD", help=_("reference date for ages and ongoing jobs (default: today)"))
    p.add_argument("--max-mb", type=float, default=20.0, help=_("size limit per file in MB (default 20)"))
    add_data_dir_argument(p)
    add_json_argument(p)
    p.set_defaults(func=_screen)


def _screen(args: argparse.Namespace) -> int:
    from app.context import database_exists, open_app, resolve_data_dir

    today = None
    if args.today:
        try:
            today = date.fromisoformat(args.today)
        except ValueError:
            raise InvalidInput(_("'{value}' is not a date; use YYYY-MM-DD.").format(value=args.today)) from None
    if args.max_mb <= 0:
        raise InvalidInput(_("The size limit must be greater than 0 MB."))
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise InvalidInput(_("Not found: {paths}. Check the path and try again.").format(paths="、".join(missing)))
    data = resolve_data_dir(args.data_dir)
    if not database_exists(data):
        raise InvalidInput(_("No database in {path}. Create one with 'demo' or start the app there first.").format(
            path=data.root))
    ctx = open_app(data)
    try:
        results = ctx.services.screening.rank_files(args.position, args.paths, today=today,
                                                    max_bytes=int(args.max_mb * 1024 * 1024))
    finally:
        ctx.close()
    if not results:
        raise InvalidInput(_("No files found in the given folders."))
    if args.json:
        print_json({"position": args.position, "files": [r.to_dict() for r in results]})
    else:
        for r in results:
            if r.result is None:
                print(_("{file}: rejected — {reason}").format(file=r.name, reason=r.reason))
                continue
            res = r.result
            state = _("eligible") if res.eligible else _("not eligible")
            print(_("{rank}. {file}  {name}  score {score}  ({state})").format(
                rank=res.rank, file=r.name, name=r.fields.get("name") or "?", score=f"{res.score:.1f}", state=state))
            print("   " + res.explanation().replace("\n", "\n   "))
            if res.top_terms:
                print("   " + _("Top terms: {terms}").format(terms="、".join(t.term for t in res.top_terms)))
    ok = sum(1 for r in results if r.result is not None)
    if not ok:
        print(_("No file could be read as a resume."), file=sys.stderr)
        return 2
    return 0
