from __future__ import annotations

import re
import string

import pytest

from app import i18n


def _fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f}


def test_every_msgid_in_the_code_is_translated_to_chinese() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("i18n_tool", "packaging/i18n_tool.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    missing = tool.missing("zh_CN")
    assert not missing, "untranslated msgids:\n" + "\n".join(f"{w[0]}: {m!r}" for m, w in list(missing.items())[:40])


def test_translations_keep_every_placeholder() -> None:
    catalog = i18n.read_catalog(i18n.po_files("zh_CN"))
    bad = []
    for msg in catalog:
        if not msg.id or not msg.string or isinstance(msg.id, tuple):
            continue
        if _fields(msg.id) != _fields(msg.string):
            bad.append((msg.id, msg.string))
    assert not bad, bad[:10]


def test_language_switch_changes_the_text() -> None:
    try:
        assert i18n.set_language("en") == "en"
        assert i18n._("Positions") == "Positions"
        assert i18n.set_language("zh_CN") == "zh_CN"
        assert i18n._("Positions") == "岗位"
        assert re.search(r"[\u4e00-\u9fff]", i18n._("The disk is full. Free some space and try again; nothing was saved."))
    finally:
        i18n.set_language("zh_CN")


@pytest.mark.parametrize("lang", ["fr", "", None])
def test_unknown_language_falls_back_to_chinese(lang: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HRDESK_LANG", raising=False)
    try:
        assert i18n.set_language(lang) == "zh_CN"
    finally:
        i18n.set_language("zh_CN")


def test_bundled_font_draws_every_chinese_translation() -> None:
    from app.reports.fonts import missing_glyphs

    catalog = i18n.read_catalog(i18n.po_files("zh_CN"))
    text = "".join(m.string for m in catalog if m.id and isinstance(m.string, str))
    assert len(text) > 1000
    assert missing_glyphs(text) == []
