from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

from app.i18n import read_catalog
from tests.support import REPO_ROOT


def _msgids() -> set[str]:
    files = sorted((REPO_ROOT / "app" / "speech").glob("*.py")) + [REPO_ROOT / "app" / "commands" / "transcribe.py"]
    ids: set[str] = set()
    for f in files:
        for _lineno, msg, _comments, _ctx in extract_from_file("python", str(f), keywords={"_": None}):
            ids.add(msg)
    return ids


def test_every_speech_message_has_a_chinese_translation() -> None:
    po = REPO_ROOT / "resources" / "i18n" / "zh_CN" / "speech.po"
    catalog = read_catalog([Path(po)])
    ids = _msgids()
    assert len(ids) > 20
    missing = sorted(m for m in ids if m not in catalog or not catalog[m].string)
    assert missing == []
    for m in ids:  # placeholders survive translation
        import re

        assert set(re.findall(r"\{[^}]*\}", m)) == set(re.findall(r"\{[^}]*\}", catalog[m].string)), m
