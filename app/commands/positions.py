"""``positions export|import``, ``questions export|import`` and ``licences expiring``.

Imports validate the whole workbook first. A file with problems is not imported (exit code 2, the
problems listed on stderr) unless ``--good-rows`` asks to store the correct records only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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


def _export(args: argparse.Namespace, write_template: Callable[[Path], None],
            export: Callable[[Any, Path], int], saved: str) -> int:
    """Shared body of ``positions export`` and ``questions export``: a blank template or the database's records.

    ``export(ctx, out)`` writes the file and returns how many records it holds; ``saved`` is the message
    (with ``{n}`` and ``{path}``)."""
    out = Path(args.out)
    if args.template:
        write_template(out)
        print(_("Saved {path}").format(path=out))
        return 0
    ctx = _open(args)
    try:
        n = export(ctx, out)
    finally:
        ctx.close()
    print(saved.format(n=n, path=out))
    return 0


def _import(args: argparse.Namespace, preview: Callable[[Any, Path], Any], apply: Callable[[Any, Path, bool], Any],
            counts: Callable[[Any], dict[str, int]], done: Callable[[Any], str]) -> int:
    """Shared body of ``positions import`` and ``questions import``: preview, then store all rows (clean file)
    or only the good ones (``--good-rows``); nothing is stored when the file has problems otherwise."""
    path = Path(args.file)
    ctx = _open(args)
    try:
        result = preview(ctx, path)
        if not result.clean:
            _problems_to_stderr(result)
        stats = apply(ctx, path, args.good_rows) if result.clean or args.good_rows else None
    finally:
        ctx.close()
    if args.json:
        print_json({
            "total": result.total, "good": len(result.rows), "problems": [p.__dict__ for p in result.problems],
            "warnings": [w.__dict__ for w in result.warnings], "imported": stats is not None,
            **counts(stats),
        })
    elif stats is not None:
        print(done(stats))
    if stats is None:
        print(_("Nothing was imported: {n} problems. Correct the file, or add --good-rows to import only the "
                "{good} correct records.").format(n=len(result.problems), good=len(result.rows)), file=sys.stderr)
        return 2
    return 0


def _export_positions(ctx: Any, out: Path) -> int:
    ctx.services.positions.export_positions(out)
    return len(ctx.services.org.positions())


def _export_questions(ctx: Any, out: Path) -> int:
    ctx.services.positions.export_questions(out)
    return len(ctx.services.questions.questions())


def _positions_export(args: argparse.Namespace) -> int:
    from app.positions import excel

    return _export(args, excel.write_positions_template, _export_positions, _("Saved {n} positions to {path}"))


def _questions_export(args: argparse.Namespace) -> int:
    from app.positions import excel

    return _export(args, excel.write_questions_template, _export_questions, _("Saved {n} questions to {path}"))


def _positions_import(args: argparse.Namespace) -> int:
    return _import(
        args,
        lambda ctx, path: ctx.services.positions.preview_positions_import(path),
        lambda ctx, path, good: ctx.services.positions.import_positions(path, good_rows_only=good),
        lambda st: {"created": st.created if st else 0, "updated": st.updated if st else 0,
                    "synonyms_added": st.synonyms_added if st else 0},
        lambda st: _("Imported: {created} new, {updated} updated, {skipped} wrong records skipped.").format(
            created=st.created, updated=st.updated, skipped=st.skipped_rows),
    )


def _questions_import(args: argparse.Namespace) -> int:
    return _import(
        args,
        lambda ctx, path: ctx.services.positions.preview_questions_import(path),
        lambda ctx, path, good: ctx.services.positions.import_questions(path, good_rows_only=good, user="cli"),
        lambda st: {"created": st.created if st else 0, "new_versions": st.new_versions if st else 0,
                    "unchanged": st.unchanged if st else 0},
        lambda st: _("Imported: {created} new questions, {versions} new versions, {unchanged} unchanged.").format(
            created=st.created, versions=st.new_versions, unchanged=st.unchanged),
    )


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
