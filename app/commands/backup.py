"""``backup create|list|verify|restore``: consistent backups of the data folder."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help=_("back up, check and restore the database"))
    bsub = p.add_subparsers(dest="backup_command", metavar="COMMAND")
    c = bsub.add_parser("create", help=_("make a backup in the backups folder of the data folder"))
    c.add_argument("--keep", type=int, default=None, help=_("how many backups to keep (default 10)"))
    add_data_dir_argument(c)
    add_json_argument(c)
    c.set_defaults(func=_create)
    ls = bsub.add_parser("list", help=_("list the backups"))
    add_data_dir_argument(ls)
    add_json_argument(ls)
    ls.set_defaults(func=_list)
    for name, helptext, func in (("verify", _("check a backup (default: the newest)"), _verify),
                                 ("restore", _("replace the database with a checked backup"), _restore)):
        q = bsub.add_parser(name, help=helptext)
        q.add_argument("file", nargs="?", metavar="FILE", help=_("backup folder or its manifest.json"))
        add_data_dir_argument(q)
        add_json_argument(q)
        q.set_defaults(func=func)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _service(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app import config
    from app.context import resolve_data_dir
    from app.services.backup import DEFAULT_KEEP, BackupService

    keep = getattr(args, "keep", None)
    return BackupService(resolve_data_dir(args.data_dir, config.load()), keep=keep if keep else DEFAULT_KEEP)


def _info_json(info: Any) -> dict[str, Any]:
    d = asdict(info)
    d["path"] = str(info.path)
    return d


def _create(args: argparse.Namespace) -> int:
    info = _service(args).create()
    if args.json:
        print_json(_info_json(info))
    else:
        print(_("Backup written: {path} ({size} bytes, {files} archive files listed).").format(
            path=info.path, size=info.size_bytes, files=info.archive_files))
    return 0


def _list(args: argparse.Namespace) -> int:
    items = _service(args).list()
    if args.json:
        print_json([_info_json(i) for i in items])
    else:
        if not items:
            print(_("No backups yet."))
        for i in items:
            print(f"{i.name}\t{i.size_bytes}\t{i.schema_revision}\t{i.label}")
    return 0


def _diff_lines(diff: Any) -> list[str]:
    lines = []
    if diff.missing:
        lines.append(_("{n} archive files listed in the backup are missing now").format(n=len(diff.missing)))
    if diff.changed:
        lines.append(_("{n} archive files differ from the backup").format(n=len(diff.changed)))
    if diff.added:
        lines.append(_("{n} archive files were added since the backup").format(n=len(diff.added)))
    return lines


def _verify(args: argparse.Namespace) -> int:
    report = _service(args).verify(args.file)
    if args.json:
        print_json({"path": str(report.path), "ok": report.ok, "problems": list(report.problems),
                    "archive": asdict(report.archive),
                    "info": _info_json(report.info) if report.info else None})
    else:
        print(report.message())
        for line in _diff_lines(report.archive):
            print("  " + line)
    return 0 if report.ok else 1


def _restore(args: argparse.Namespace) -> int:
    result = _service(args).restore(args.file)
    if args.json:
        print_json({"restored_from": str(result.restored_from),
                    "safety_copy": str(result.safety_copy) if result.safety_copy else None,
                    "schema_revision": result.schema_revision, "archive": asdict(result.archive)})
    else:
        print(_("Restored from {name}. The data from before is kept in {safety}.").format(
            name=result.restored_from.name, safety=result.safety_copy or "-"))
        for line in _diff_lines(result.archive):
            print("  " + line)
    return 0
