"""``staff import FILE [--mapping ...] [--dry-run] [--good-rows] [--report OUT.xlsx] [--json]``."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("staff", help=_("staff data"))
    ssub = p.add_subparsers(dest="staff_command", metavar="COMMAND")
    imp = ssub.add_parser("import", help=_("import staff from another HR system (Excel or CSV)"))
    imp.add_argument("file", metavar="FILE", help=_("Excel (.xlsx) or CSV file (UTF-8 or GBK)"))
    imp.add_argument("--mapping", help=_("columns: a JSON file or field=column pairs, e.g. staff_no=工号,name=姓名"))
    imp.add_argument("--dry-run", action="store_true", help=_("check only; write nothing"))
    imp.add_argument("--good-rows", action="store_true", help=_("import the rows without errors, skip the others"))
    imp.add_argument("--report", metavar="OUT.xlsx", help=_("write the check report to an Excel file"))
    add_data_dir_argument(imp)
    add_json_argument(imp)
    imp.set_defaults(func=_import)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _import(args: argparse.Namespace) -> int:
    from app.context import open_app
    from app.security.permissions import Principal
    from app.services.staff_import import StaffImportService, parse_mapping_option

    mapping = parse_mapping_option(args.mapping)
    ctx = open_app(args.data_dir)
    try:
        svc: StaffImportService = ctx.services.staff_import
        preview = svc.preview(Path(args.file), mapping)
        if args.report:
            svc.export_report(preview, Path(args.report))
        written = 0
        error: InvalidInput | None = None
        if not args.dry_run:
            if preview.clean or args.good_rows:
                written = svc.write(Principal.system("cli"), preview)
            else:
                error = InvalidInput(_("{bad} of {total} rows have errors; nothing was imported. Correct the file, "
                                       "or import only the good rows.").format(bad=len(preview.bad_rows),
                                                                               total=preview.total_rows))
    finally:
        ctx.close()
    if args.json:
        print_json({"file": str(args.file), "mapping": preview.mapping, "rows": preview.total_rows,
                    "good_rows": len(preview.good), "bad_rows": list(preview.bad_rows), "written": written,
                    "dry_run": args.dry_run, "issues": [asdict(i) for i in preview.issues]})
    else:
        for i in preview.issues:
            level = _("error") if i.severity == "error" else _("warning")
            print(_("row {row}, {column} = {value!r}: {reason} ({level})").format(
                row=i.row, column=i.column, value=i.value, reason=i.reason, level=level))
        print(_("{total} rows: {good} good, {bad} with errors; {written} imported.").format(
            total=preview.total_rows, good=len(preview.good), bad=len(preview.bad_rows), written=written))
    if error is not None:
        raise error
    return 0
