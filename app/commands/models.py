"""``models verify [DIR]``: check a models folder against models/MANIFEST.toml."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app import paths
from app.cli import add_json_argument, print_json
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("models", help=_("offline models: verify a models folder"))
    s = p.add_subparsers(dest="models_command", metavar="COMMAND")
    v = s.add_parser("verify", help=_("check a models folder against models/MANIFEST.toml"))
    v.add_argument("folder", nargs="?", metavar="DIR", help=_("models folder (default: the one the app uses)"))
    add_json_argument(v)
    v.set_defaults(func=_verify)
    p.set_defaults(func=lambda _a: (p.print_help(), 2)[1])


def _verify(args: argparse.Namespace) -> int:
    from app.models_manifest import MISMATCH, MISSING, OK, UNCHECKED, verify

    folder = Path(args.folder).resolve() if args.folder else paths.models_dir_candidates()[0]
    checks = verify(folder)
    bad = [c for c in checks if c.status == MISMATCH]
    if args.json:
        print_json({"folder": str(folder), "ok": not bad, "models": [asdict(c) for c in checks]})
    else:
        labels = {OK: _("verified"), MISSING: _("not installed"), MISMATCH: _("DAMAGED"),
                  UNCHECKED: _("present (no checksums listed)")}
        print(_("Models folder: {path}").format(path=folder))
        for c in checks:
            print(f"  {labels[c.status]:<12} {c.name} ({c.folder})")
            for p in c.problems:
                print(f"      - {p}")
        print(_("Damaged or wrong model files: replace them from the source listed in models/MANIFEST.toml.")
              if bad else _("No damaged model files."))
        from app import ascii_path

        if ascii_path.needs_ascii() and not ascii_path.is_ascii(folder):
            print(_("Note: this path has non-ASCII characters. Vosk cannot open it on Windows, so HR Desk uses the "
                    "folder's short name or copies the Vosk models once to an ASCII folder ({cache}).").format(
                        cache=(ascii_path.cache_roots() or [Path("C:/HRDesk/model-cache")])[0]))
    return 1 if bad else 0
