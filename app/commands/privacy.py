"""``privacy`` commands (个人信息保护法): a person's access-request export and an anonymised export."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("privacy", help=_("personal data: access-request export, anonymised export"))
    sub = p.add_subparsers(dest="privacy_command", metavar="COMMAND")

    person = sub.add_parser("person", help=_("everything held about one person, as a zip (PIPL access request)"))
    person.add_argument("person_id", type=int, metavar="ID", help=_("person id"))
    person.add_argument("--out", required=True, metavar="OUT.zip", help=_("the zip file to write"))
    add_json_argument(person)
    add_data_dir_argument(person)
    person.set_defaults(func=_person)

    anon = sub.add_parser("anonymised", help=_("interview scores and pay by department and position, without identities"))
    anon.add_argument("--out", required=True, metavar="OUT.xlsx", help=_("the Excel file to write"))
    anon.add_argument("--month", default=None, metavar="YYYY-MM", help=_("payroll month (default: the latest run)"))
    add_json_argument(anon)
    add_data_dir_argument(anon)
    anon.set_defaults(func=_anonymised)
    p.set_defaults(func=lambda _a: (p.print_help(), 2)[1])


def _open(args: argparse.Namespace) -> Any:
    from app.context import database_exists, open_app, resolve_data_dir

    data = resolve_data_dir(args.data_dir)
    if not database_exists(data):
        raise InvalidInput(_("No database in {path}. Create one with 'demo' or start the app there first.").format(
            path=data.root))
    return open_app(data)


def _person(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        result = ctx.services.privacy.person_export(args.person_id, Path(args.out))
    finally:
        ctx.close()
    if args.json:
        print_json({"path": str(result.path), "tables": result.tables, "files": result.files})
    else:
        print(_("Saved {path}: {rows} records from {tables} tables, {files} files.").format(
            path=result.path, rows=sum(result.tables.values()), tables=len(result.tables), files=result.files))
    return 0


def _anonymised(args: argparse.Namespace) -> int:
    ctx = _open(args)
    try:
        result = ctx.services.privacy.anonymised_export(Path(args.out), args.month)
    finally:
        ctx.close()
    if args.json:
        print_json({"path": str(result.path), "interviews": result.interviews, "pay_groups": result.pay_groups,
                    "suppressed_groups": result.suppressed_groups})
    else:
        print(_("Saved {path}: {interviews} interviews, {groups} pay groups ({suppressed} too small to show).").format(
            path=result.path, interviews=result.interviews, groups=result.pay_groups,
            suppressed=result.suppressed_groups))
    return 0
