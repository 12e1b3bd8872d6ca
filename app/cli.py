"""Command line: ``python -m app ...`` (also installed as ``hrdesk``).

Every command works on the data folder from ``--data-dir`` or ``HRDESK_DATA_DIR`` (default: the
user data folder); commands that return data take ``--json``. Errors go to stderr; exit code 2
for bad input, 1 for failures.

Feature areas add their commands through a module listed in ``COMMAND_MODULES`` that defines
``register(subparsers) -> None``; each registered parser sets ``func=handler`` where
``handler(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from app import __version__
from app.errors import AppError
from app.i18n import _

COMMAND_MODULES: list[str] = [
    "app.commands.core",
    "app.commands.interview",
    "app.commands.models",
    "app.commands.payroll",
    "app.commands.positions",
    "app.analysis.cli",
    "app.commands.resume",
    "app.commands.transcribe",
    "app.commands.video",
    "app.commands.roster",
    "app.commands.attendance",
    "app.commands.backup",
    "app.commands.audit",
    "app.commands.users",
    "app.commands.staff_import",
    "app.commands.talent",
    "app.commands.privacy",
    "app.commands.training",
    "app.commands.screen",
    "app.commands.db",
]


def add_data_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("data folder (default: HRDESK_DATA_DIR or the user data folder)"),
    )


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hrdesk", description=_("HR Desk command line"))
    parser.add_argument("--version", action="version", version=f"HR Desk {__version__}")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=_("language of messages"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv:
        i = argv.index("--lang")
        if i + 1 < len(argv):
            from app.i18n import set_language

            set_language(argv[i + 1])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from app.logging_setup import configure_logging

    configure_logging(console=False)
    try:
        return int(args.func(args) or 0)
    except AppError as exc:
        print(_("Error: {message}").format(message=exc.message), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return 1
    except Exception as exc:  # a defect or an unforeseen fault: a clear message, the details in the log
        from app.logging_setup import log_file

        logging.getLogger("app.cli").exception("command failed: %s", getattr(args, "command", ""))
        print(_("An unexpected error stopped the command: {error}. The details are in the log file {path}; "
                "send it to IT support.").format(error=exc.__class__.__name__, path=log_file()), file=sys.stderr)
        return 1
