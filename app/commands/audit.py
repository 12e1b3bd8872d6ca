"""``audit verify`` and ``audit export --xlsx OUT``: the tamper-evident audit log."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help=_("check and export the audit log"))
    asub = p.add_subparsers(dest="audit_command", metavar="COMMAND")
    v = asub.add_parser("verify", help=_("check that no audit entry was changed, deleted or reordered"))
    add_data_dir_argument(v)
    add_json_argument(v)
    v.set_defaults(func=_verify)
    e = asub.add_parser("export", help=_("export audit entries to Excel"))
    e.add_argument("--xlsx", required=True, metavar="OUT", help=_("Excel file to write"))
    e.add_argument("--user", help=_("only entries of this user"))
    e.add_argument("--action", help=_("only this action (or a prefix ending in a dot, e.g. users.)"))
    e.add_argument("--object-type", help=_("only this kind of object"))
    e.add_argument("--object-id", help=_("only this object id"))
    e.add_argument("--from", dest="first_day", help=_("first day, YYYY-MM-DD"))
    e.add_argument("--to", dest="last_day", help=_("last day, YYYY-MM-DD"))
    add_data_dir_argument(e)
    add_json_argument(e)
    e.set_defaults(func=_export)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("{option} must be a date like 2026-11-22.").format(option=option)) from None


def _verify(args: argparse.Namespace) -> int:
    from app.context import open_app
    from app.security.permissions import Principal

    ctx = open_app(args.data_dir)
    try:
        report = ctx.services.audit.verify(Principal.system("cli"))
    finally:
        ctx.close()
    if args.json:
        print_json({"intact": report.intact, "checked": report.checked, "broken_id": report.broken_id,
                    "problem": report.problem, "message": report.message()})
    else:
        print(report.message())
    return 0 if report.intact else 1


def _export(args: argparse.Namespace) -> int:
    from app.context import open_app
    from app.security.permissions import Principal
    from app.services.audit import AuditFilter

    flt = AuditFilter(username=args.user, action=args.action, object_type=args.object_type,
                      object_id=args.object_id, first_day=_day(args.first_day, "--from"),
                      last_day=_day(args.last_day, "--to"))
    ctx = open_app(args.data_dir)
    try:
        n = ctx.services.audit.export_xlsx(Principal.system("cli"), Path(args.xlsx), flt)
    finally:
        ctx.close()
    if args.json:
        print_json({"rows": n, "path": str(args.xlsx)})
    else:
        print(_("{n} audit entries written to {path}.").format(n=n, path=args.xlsx))
    return 0
