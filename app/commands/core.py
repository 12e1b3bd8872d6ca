"""Core commands: selftest, demo."""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from pathlib import Path

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("selftest", help=_("check every component and print a table"))
    add_data_dir_argument(p)
    add_json_argument(p)
    p.set_defaults(func=_selftest)

    p = sub.add_parser("demo", help=_("create the demo hospital in a new data folder"))
    add_data_dir_argument(p)
    p.add_argument("--seed", type=int, default=None, help=_("random seed (same seed, same hospital)"))
    p.add_argument("--today", default=None, help=_("date the demo is made on, YYYY-MM-DD (default: today)"))
    p.add_argument("--force", action="store_true", help=_("replace an existing database in the folder"))
    p.add_argument("--exam", metavar="DIR", help=_("also load the CMExam sample questions from DIR (*.jsonl)"))
    p.add_argument("--media", metavar="DIR", help=_("also record demo interviews from the real clips in DIR (speech/, video/)"))
    add_json_argument(p)
    p.set_defaults(func=_demo)


def _selftest(args: argparse.Namespace) -> int:
    from app.selftest import core_ok, format_table, run_checks

    checks = run_checks(Path(args.data_dir) if args.data_dir else None)
    if args.json:
        print_json({"core_ok": core_ok(checks), "checks": [asdict(c) for c in checks]})
    else:
        print(format_table(checks))
        print()
        print(_("Core components work.") if core_ok(checks) else _("A core component failed; see the table above."))
    return 0 if core_ok(checks) else 1


def _demo(args: argparse.Namespace) -> int:
    from datetime import date

    from app.demo.service import create_demo
    from app.errors import InvalidInput

    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError as exc:
        raise InvalidInput(_("--today must be a date like 2026-11-22.")) from exc
    started = time.perf_counter()
    exam = Path(args.exam) if args.exam else None
    if exam is not None and not sorted(exam.glob("*.jsonl")):
        raise InvalidInput(_("No CMExam files (*.jsonl) in {path}.").format(path=exam))
    media = Path(args.media) if args.media else None
    ctx, stats = create_demo(args.data_dir, seed=args.seed, today=today, force=args.force, exam_dir=exam,
                             media_dir=media)
    ctx.close()
    elapsed = time.perf_counter() - started
    if args.json:
        print_json({"data_dir": str(ctx.data.root), "seconds": round(elapsed, 2), **asdict(stats)})
    else:
        print(_("Demo hospital created in {path} ({seconds:.1f} s):").format(path=ctx.data.root, seconds=elapsed))
        for key, value in asdict(stats).items():
            print(f"  {key}: {value}")
    return 0
