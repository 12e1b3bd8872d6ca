"""Every message id in the vision code has a Chinese translation in vision.po."""

from __future__ import annotations

import ast
import re

from app import paths
from app.i18n import read_catalog
from tests.support import REPO_ROOT


def _msgids() -> set[str]:
    files = [*sorted((REPO_ROOT / "app" / "vision").glob("*.py")), REPO_ROOT / "app" / "commands" / "video.py"]
    found: set[str] = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_all_vision_messages_are_translated() -> None:
    catalog = read_catalog([paths.resource("i18n", "zh_CN", "vision.po")])
    ids = _msgids()
    assert len(ids) > 20
    missing = sorted(i for i in ids if i not in catalog or not catalog[i].string)
    assert missing == []
    for i in ids:
        text = catalog[i].string
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), i
        assert set(re.findall(r"\{[^}]*\}", i)) == set(re.findall(r"\{[^}]*\}", text)), i
