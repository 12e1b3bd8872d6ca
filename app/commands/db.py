"""``db info`` and ``db copy``: which database this workstation uses, and moving it between SQLite and PostgreSQL.

    python -m app db info [--database URL] [--json]
    python -m app db copy --to URL [--from URL] [--replace] [--json]

Without ``--database``/``--from`` the configured database is used (``HRDESK_DATABASE_URL``, the
``database_url`` setting, else ``hrdesk.sqlite3`` in the data folder). A target given as a plain path is a
SQLite file. Ctrl-C cancels a copy; the target then keeps nothing of it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.i18n import _


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("db", help=_("database: information, copy between SQLite and PostgreSQL"))
    sub = p.add_subparsers(dest="db_command", metavar="ACTION")

    info = sub.add_parser("info", help=_("backend, schema version, row counts and archive folder"))
    info.add_argument("--database", metavar="URL", help=_("database to inspect (default: the configured one)"))
    add_data_dir_argument(info)
    add_json_argument(info)
    info.set_defaults(func=_info)

    cp = sub.add_parser("copy", help=_("copy every table to another database and verify the copy"))
    cp.add_argument("--to", required=True, metavar="URL",
                    help=_("target: postgresql+psycopg://user@server:5432/hrdesk or a SQLite file path"))
    cp.add_argument("--from", dest="source", metavar="URL", help=_("source (default: the configured database)"))
    cp.add_argument("--replace", action="store_true",
                    help=_("delete everything in a target that already holds data"))
    add_data_dir_argument(cp)
    add_json_argument(cp)
    cp.set_defaults(func=_copy)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _configured(args: argparse.Namespace) -> tuple[Any, str]:
    from app import config
    from app.context import resolve_data_dir, resolve_database_url

    settings = config.load()
    data = resolve_data_dir(getattr(args, "data_dir", None), settings)
    return data, resolve_database_url(data, settings)


def _info(args: argparse.Namespace) -> int:
    from app.db.copy import database_info
    from app.db.engine import normalise_url

    data, url = _configured(args)
    info = database_info(normalise_url(args.database) if args.database else url)
    problem = data.archive_problem()
    archive = str(data.archive_root if data.archive_root is not None else data.root / "archive")
    if args.json:
        print_json({**info.as_dict(), "archive_dir": archive, "archive_shared": data.shared_archive,
                    "archive_problem": problem})
        return 0
    print(_("Database: {backend} {url} ({server})").format(backend=info.backend, url=info.url,
                                                             server=info.server_version))
    if info.revision is None:
        print(_("Schema: none yet (HR Desk creates it on first start)"))
    elif info.up_to_date:
        print(_("Schema: {rev} (current)").format(rev=info.revision))
    else:
        print(_("Schema: {rev}; this program expects {head}: it upgrades the database on start.").format(
            rev=info.revision, head=info.head))
    print(_("Rows: {n} in {tables} tables").format(n=sum(info.counts.values()), tables=len(info.counts)))
    for name, n in sorted(info.counts.items()):
        if n:
            print(f"  {name:<28} {n:>9}")
    print(_("Archive folder: {path}").format(path=archive) +
          ("" if data.shared_archive else " " + _("(local to this workstation)")))
    if problem:
        print(problem)
    return 0


def _copy(args: argparse.Namespace) -> int:
    from app.db.copy import copy_database
    from app.db.engine import normalise_url

    data, url = _configured(args)
    source = normalise_url(args.source) if args.source else url
    last = {"table": ""}

    def progress(done: int, total: int, message: str) -> None:
        if message != last["table"]:
            last["table"] = message
            print(f"[{done}/{total}] {message}", file=sys.stderr, flush=True)

    report = copy_database(source, args.to, replace=args.replace, data=data, progress=progress)
    if args.json:
        print_json(report.as_dict())
        return 0
    print(_("Copied {rows} rows in {tables} tables from {src} to {dst}; row counts and checksums match.").format(
        rows=report.rows, tables=len(report.tables), src=report.source, dst=report.target))
    print(_("Archive references: {n} (the files stay in the archive folder; point every workstation at it).").format(
        n=report.archive_references))
    if report.archive_missing:
        print(_("{n} referenced files are missing from the archive folder, for example {path}.").format(
            n=len(report.archive_missing), path=report.archive_missing[0]))
    return 0
