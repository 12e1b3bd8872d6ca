"""``positions export|import``, ``questions export|import`` and ``licences expiring``.

Imports validate the whole workbook first. A file with problems is not imported (exit code 2, the
problems listed on stderr) unless ``--good-rows`` asks to store the correct records only.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("positions", help=_("positions: export to or import from Excel"))
    ps = p.add_subparsers(dest="positions_command", metavar="COMMAND")
    ex = ps.add_parser("export", help=_("write every position (requirements, competencies, rules) to an .xlsx file"))
    ex.add_argument("out", metavar="OUT.xlsx")
    ex.add_argument("--template", action="store_true", help=_("write an empty template instead"))
    add_data_dir_argument(ex)
    ex.set_defaults(func=_positions_export)
    im = ps.add_parser("import", help=_("import positions from an .xlsx file"))
    im.add_argument("file", metavar="FILE")
    im.add_argument("--good-rows", action="store_true", help=_("import only the correct records when some are wrong"))
    add_data_dir_argument(im)
    add_json_argument(im)
    im.set_defaults(func=_positions_import)
    p.set_defaults(func=lambda _a: (p.print_help(), 2)[1])

    q = sub.add_parser("questions", help=_("question bank: export to or import from Excel"))
    qs = q.add_subparsers(dest="questions_command", metavar="COMMAND")
    qex = qs.add_parser("export", help=_("write the question bank to an .xlsx file"))
    qex.add_argument("out", metavar="OUT.xlsx")
    qex.add_argument("--template", action="store_true", help=_("write an empty template instead"))
    add_data_dir_argument(qex)
    qex.set_defaults(func=_questions_export)
    qim = qs.add_parser("import", help=_("import questions from an .xlsx file (changed wording becomes a new version)"))
    qim.add_argument("file", metavar="FILE")
    qim.add_argument("--good-rows", action="store_true", help=_("import only the correct records when some are wrong"))
    add_data_dir_argument(qim)
    add_json_argument(qim)
    qim.set_defaults(func=_questions_import)
    q.set_defaults(func=lambda _a: (q.print_help(), 2)[1])

    lic = sub.add_parser("licences", help=_("licence register of the staff"))
    ls = lic.add_subparsers(dest="licences_command", metavar="COMMAND")
    exp = ls.add_parser("expiring", help=_("licences expired or due within some days"))
    exp.add_argument("--within", type=int, default=90, metavar="DAYS", help=_("days ahead (default 90)"))
    exp.add_argument("--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                     help=_("the date to check against (default: today)"))
    exp.add_argument("--department", metavar="CODE", help=_("only this department (code) and its sub-departments"))
    exp.add_argument("--out", metavar="OUT.xlsx", help=_("also write the list to an .xlsx file"))
    add_data_dir_argument(exp)
    add_json_argument(exp)
    exp.set_defaults(func=_licences_expiring)
    lic.set_defaults(func=lambda _a: (lic.print_help(), 2)[1])


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.context import database_exists, open_app, resolve_data_dir

    data = resolve_data_dir(args.data_dir)
    if not database_exists(data):
        raise InvalidInput(_("No database in {path}. Create one with 'demo' or start the app there first.").format(
            path=data.root))
    return open_app(data)


def _problems_to_stderr(result: Any) -> None:
    for p in result.problems:
        print(str(p), file=sys.stderr)


def _positions_export(args: argparse.Namespace) -> int:
    from app.positions import excel

    out = Path(args.out)
    if args.template:
        excel.write_positions_template(out)
        print(_("Saved {path}").format(path=out))
        return 0
    ctx = _open(args)
    try:
        ctx.services.positions.export_positions(out)
        n = len(ctx.services.org.positions())
    finally:
        ctx.close()
    print(_("Saved {n} positions to {path}").format(n=n, path=out))
    return 0


def _positions_import(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        service = ctx.services.positions
        result = service.preview_positions_import(Path(args.file))
        if not result.clean:
            _problems_to_stderr(result)
        if result.clean or args.good_rows:
            stats = service.import_positions(Path(args.file), good_rows_only=args.good_rows)
        else:
            stats = None
    finally:
        ctx.close()
    data = {
        "total": result.total, "good": len(result.rows), "problems": [p.__dict__ for p in result.problems],
        "warnings": [w.__dict__ for w in result.warnings], "imported": stats is not None,
        "created": stats.created if stats else 0, "updated": stats.updated if stats else 0,
        "synonyms_added": stats.synonyms_added if stats else 0,
    }
    if args.json:
        print_json(data)
    elif stats is not None:
        print(_("Imported: {created} new, {updated} updated, {skipped} wrong records skipped.").format(
            created=stats.created, updated=stats.updated, skipped=stats.skipped_rows))
    if stats is None:
        print(_("Nothing was imported: {n} problems. Correct the file, or add --good-rows to import only the "
                "{good} correct records.").format(n=len(result.problems), good=len(result.rows)), file=sys.stderr)
        return 2
    return 0


def _questions_export(args: argparse.Namespace) -> int:
    from app.positions import excel

    out = Path(args.out)
    if args.template:
        excel.write_questions_template(out)
        print(_("Saved {path}").format(path=out))
        return 0
    ctx = _open(args)
    try:
        ctx.services.positions.export_questions(out)
        n = len(ctx.services.questions.questions())
    finally:
        ctx.close()
    print(_("Saved {n} questions to {path}").format(n=n, path=out))
    return 0


def _questions_import(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        service = ctx.services.positions
        result = service.preview_questions_import(Path(args.file))
        if not result.clean:
            _problems_to_stderr(result)
        stats = (service.import_questions(Path(args.file), good_rows_only=args.good_rows, user="cli")
                 if result.clean or args.good_rows else None)
    finally:
        ctx.close()
    data = {
        "total": result.total, "good": len(result.rows), "problems": [p.__dict__ for p in result.problems],
        "warnings": [w.__dict__ for w in result.warnings], "imported": stats is not None,
        "created": stats.created if stats else 0, "new_versions": stats.new_versions if stats else 0,
        "unchanged": stats.unchanged if stats else 0,
    }
    if args.json:
        print_json(data)
    elif stats is not None:
        print(_("Imported: {created} new questions, {versions} new versions, {unchanged} unchanged.").format(
            created=stats.created, versions=stats.new_versions, unchanged=stats.unchanged))
    if stats is None:
        print(_("Nothing was imported: {n} problems. Correct the file, or add --good-rows to import only the "
                "{good} correct records.").format(n=len(result.problems), good=len(result.rows)), file=sys.stderr)
        return 2
    return 0


def _licences_expiring(args: argparse.Namespace) -> int:
    from app.domain.org import LICENCE_STATE_LABELS
    from app.services.positions import LicencePolicy

    if args.within < 0:
        raise InvalidInput(_("--within must be 0 or more days."))
    today = args.today or date.today()
    ctx = _open(args)
    try:
        dept_ids = None
        if args.department:
            tree = ctx.services.org.department_tree()
            root = next((n for n in tree if n.code == args.department), None)
            if root is None:
                raise InvalidInput(_("No department with code {code}.").format(code=args.department))
            dept_ids = {root.id}
            for n in tree:  # parents come before children
                if n.parent_id in dept_ids:
                    dept_ids.add(n.id)
        service = ctx.services.positions
        rows = service.licence_register(today, LicencePolicy.from_settings(ctx.settings),
                                        department_ids=dept_ids, within_days=args.within)
        if args.out:
            service.export_licences(Path(args.out), rows, today)
    finally:
        ctx.close()
    if args.json:
        print_json([
            {"staff_no": r.staff_no, "name": r.name, "department": r.department, "position": r.position,
             "kind": r.kind, "number": r.number, "due": r.due, "due_kind": r.due_kind, "days_left": r.days_left,
             "state": r.state, "action": r.action}
            for r in rows
        ])
    else:
        for r in rows:
            print(f"{r.staff_no:<8} {r.name:<6} {r.department:<10} {r.kind:<10} {r.due}  {r.days_left:>5}  "
                  f"{_(LICENCE_STATE_LABELS[r.state])}  {r.action}")
        print(_("{n} licences expired or due within {days} days (as of {date}).").format(
            n=len(rows), days=args.within, date=today.isoformat()))
    return 0
