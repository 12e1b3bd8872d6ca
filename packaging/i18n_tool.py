"""Translation maintenance.

    python packaging/i18n_tool.py missing [LANG]        list msgids used in app/ and ui/ without a translation
    python packaging/i18n_tool.py add-missing AREA      append untranslated msgids to resources/i18n/zh_CN/AREA.po
    python packaging/i18n_tool.py compile               write resources/i18n/<lang>/LC_MESSAGES/hrdesk.mo
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> dict[str, list[str]]:
    """msgid -> list of 'file:line' where it is used."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[str]] = {}
    for package in ("app", "ui"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, []).append(f"{package}/{filename}:{lineno}")
    extract_in_fstrings(found)
    return found


# Babel's Python extractor does not look inside f-strings (f"<b>{_('Title')}</b>"): a second pass finds
# _("literal") / N_("literal") calls anywhere in the source text, so such msgids are checked too.
_CALL = re.compile(r"""(?<![\w.])N?_\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*\)""")


def extract_in_fstrings(found: dict[str, list[str]]) -> None:
    for package in ("app", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for m in _CALL.finditer(text):
                try:
                    msgid = ast.literal_eval(m.group(1))
                except (ValueError, SyntaxError):
                    continue
                if isinstance(msgid, str) and msgid and msgid not in found:
                    line = text.count("\n", 0, m.start()) + 1
                    found[msgid] = [f"{package}/{path.relative_to(ROOT / package).as_posix()}:{line}"]


def missing(lang: str = "zh_CN") -> dict[str, list[str]]:
    from app.i18n import po_files, read_catalog

    catalog = read_catalog(po_files(lang))
    out = {}
    for msgid, where in extract().items():
        msg = catalog.get(msgid)
        if msg is None or not msg.string or (isinstance(msg.string, tuple) and not all(msg.string)):
            out[msgid] = where
    return out


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def add_missing(area: str, lang: str = "zh_CN") -> int:
    path = ROOT / "resources" / "i18n" / lang / f"{area}.po"
    todo = missing(lang)
    if not path.exists():
        path.write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ' + lang + '\\n"\n\n',
            encoding="utf-8",
        )
    with path.open("a", encoding="utf-8") as fh:
        for msgid, where in todo.items():
            fh.write(f"#: {where[0]}\nmsgid {_po_quote(msgid)}\nmsgstr \"\"\n\n")
    return len(todo)


def compile_all() -> list[Path]:
    from app.i18n import LANGUAGES, compile_catalog, mo_path, po_files

    written = []
    for lang in LANGUAGES:
        pos = po_files(lang)
        if not pos:
            continue
        out = mo_path(lang)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:  # written aside and renamed: a running program never reads half a file
            compile_catalog(pos, fh)
        tmp.replace(out)
        written.append(out)
    return written


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd, *rest = argv
    if cmd == "missing":
        todo = missing(*rest)
        for msgid, where in todo.items():
            print(f"{where[0]}: {msgid!r}")
        print(f"{len(todo)} untranslated")
        return 1 if todo else 0
    if cmd == "add-missing":
        print(f"appended {add_missing(rest[0])} entries")
        return 0
    if cmd == "compile":
        for path in compile_all():
            print(path)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
