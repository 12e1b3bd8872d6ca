"""Walk every tab, every page inside a tab and the dialogs that open without a modal block, in Chinese
and in English, and fail on text that was not translated.

What counts as *interface text*: window titles, menu and action texts, tab texts, button / check box /
radio texts, group box titles, labels, placeholders, tool tips and the header labels of every view.
Cell contents of tables and trees are the hospital's data and are not checked.

The rules:

- ``zh_CN``: a text with no Chinese character at all that contains an English word (two or more ASCII
  letters) is untranslated — unless every such word is a code, unit or product name (``ALLOWED_WORDS``)
  or occurs in the hospital's data. File paths, file names and e-mail addresses are removed first.
- ``en``: a text with Chinese characters is untranslated — unless every run of Chinese characters in it
  occurs in the hospital's data: the demo database's text values and the data/config files the program
  ships in ``resources/`` (leave types 年假, shift names 白班, department and competency names, question
  texts ... are data, deliberately not translated: they are the hospital's own terms and are printed on
  Chinese documents), or is in ``ALLOWED_CJK`` (the program's Chinese name, shown beside the English one).

Texts other areas still have to fix are listed in ``PENDING`` (with the file that shows them): the test
fails when a new untranslated text appears and also when a pending one is gone (so the list only shrinks).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from app import i18n
from tests.support import REPO_ROOT
from ui.workers import SyncPool

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[A-Za-z]{2,}")
TAG = re.compile(r"<[^>]+>|&\w+;")
PATHISH = re.compile(r"\S*[/\\]\S*|\S+\.(?:pdf|docx|txt|xlsx|csv|zip|png|toml|json|sqlite3|log|ini|wav)\b|\S+@\S+",
                     re.IGNORECASE)

# Codes, units, formats and product names that are written the same in Chinese documents.
ALLOWED_WORDS = {
    "HR", "Desk",  # the product name is kept in Latin letters in both languages
    "PDF", "DOCX", "TXT", "Excel", "CSV", "XLSX", "Zip", "ZIP", "Word", "GBK", "UTF",  # file formats
    "SQLite", "PostgreSQL", "Vosk", "Whisper", "YuNet", "OpenCV", "Qt", "PortAudio", "Python",  # components
    "AND", "OR", "NOT",  # the rule language's operators
    "AI", "ID", "CME", "STAR", "ICU", "CT", "MRI", "IT", "OK", "AES", "GCM", "SHA",  # acronyms used as such
    "MB", "GB", "KB", "ms", "fps", "Hz", "kHz", "dB", "px",  # units
    "Ctrl", "Shift", "Alt", "Esc", "Del",  # key names
}
ALLOWED_CJK = {
    "医院人事工作台",  # the program's Chinese name, shown beside "HR Desk" in both languages
    "简体中文",  # the language picker (Preferences) names each language in itself, as language pickers do
    # the screening-rule editor's example: keywords are typed in Chinese because the resumes are Chinese
    "医学影像", "影像诊断", "深度学习", "外包",
}

# (language, text with digits as #) seen by this test that the owning area still has to translate.
PENDING: dict[tuple[str, str], str] = {}


def _plain(text: str) -> str:
    return " ".join(TAG.sub(" ", text).replace("&&", "&").replace("&", "").split())


def interface_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every visible piece of interface text under ``root``."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisible():
            continue
        name = type(w).__name__
        if isinstance(w, (QMainWindow, QDialog)):
            yield name, w.windowTitle()
        if isinstance(w, QAbstractButton):
            yield name, w.text()
        if isinstance(w, QLabel):
            yield name, w.text()
        if isinstance(w, QGroupBox):
            yield name, w.title()
        if isinstance(w, (QLineEdit, QPlainTextEdit, QTextEdit)):
            yield name, w.placeholderText()
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield name, w.tabText(i)
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            for c in range(model.columnCount()):
                yield f"{name} header", str(model.headerData(c, Qt.Orientation.Horizontal) or "")
        if isinstance(w, QComboBox) and not w.isEditable():
            yield name, w.currentText()
        if w.toolTip():
            yield f"{name} tooltip", w.toolTip()
    if isinstance(root, QMainWindow):
        yield from menu_texts(root.menuBar().actions())


def menu_texts(actions) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    for action in actions:
        if action.isSeparator():
            continue
        yield "QAction", action.text()
        if action.menu() is not None:
            yield from menu_texts(action.menu().actions())


def data_corpus(db_path: Path) -> str:
    """Every text value in the database plus the data/config files shipped in resources/, one a line."""
    parts: list[str] = []
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")') if (r[2] or "").upper() in
                    ("TEXT", "JSON", "") or "CHAR" in (r[2] or "").upper()]
            for c in cols:
                for (value,) in con.execute(f'SELECT DISTINCT "{c}" FROM "{t}"'):
                    if value:
                        parts.extend(_strings(str(value)))
    finally:
        con.close()
    for f in (REPO_ROOT / "resources").rglob("*"):
        if f.is_file() and f.suffix in (".toml", ".json", ".csv", ".txt", ".tsv", ".yaml", ".yml"):
            parts.append(f.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def _strings(value: str) -> list[str]:
    """The value, and for JSON values every string inside (JSON stores Chinese as \\uXXXX escapes)."""
    out = [value]
    if value[:1] in "[{":
        try:
            stack = [json.loads(value)]
        except ValueError:
            return out
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return out


def data_runs(corpus: str) -> set[str]:
    """The runs of Chinese characters in the data: a shown run is data only when it is one of these whole
    (a label 推荐录用 is not data just because a longer value 各维度均达标，推荐录用 contains it)."""
    return set(CJK.findall(corpus))


def untranslated(lang: str, text: str, corpus: str, runs: set[str] | None = None) -> bool:
    runs = data_runs(corpus) if runs is None else runs
    text = _plain(text)
    if not text:
        return False
    if lang == "zh_CN":
        if CJK.search(text):
            return False
        words = WORD.findall(PATHISH.sub(" ", text))
        return any(w not in ALLOWED_WORDS and w.upper() not in ALLOWED_WORDS and w not in corpus for w in words)
    return any(run not in runs and run not in ALLOWED_CJK for run in CJK.findall(text))


def walk_window(window: QMainWindow) -> Iterator[tuple[str, str]]:
    """Show every tab and every page (nested QTabWidgets) and yield the interface texts of each."""
    yield from interface_texts(window)
    for i, page in enumerate(window.tab_pages):
        window.tabs.setCurrentIndex(i)
        page.ensure_loaded()
        QApplication.processEvents()
        yield from interface_texts(window)
        for inner in page.findChildren(QTabWidget):
            for j in range(inner.count()):
                inner.setCurrentIndex(j)
                QApplication.processEvents()
                yield from (item for item in interface_texts(inner.widget(j)))


def open_dialogs(ctx, parent: QWidget) -> Iterator[QDialog]:  # type: ignore[no-untyped-def]
    """Dialogs that open without a modal block and need no special state."""
    from app.services.backup import BackupService
    from ui.dialogs.backup import BackupDialog
    from ui.dialogs.consent import ConsentDialog
    from ui.dialogs.first_run import FirstRunDialog
    from ui.dialogs.preferences import PreferencesDialog
    from ui.dialogs.quiz import QuizDialog

    tr = ctx.services.training
    yield FirstRunDialog(str(ctx.data.root), parent)
    yield ConsentDialog(tr.people()[0].name, parent=parent)  # a person of the demo hospital (data)
    yield BackupDialog(BackupService(ctx.data), SyncPool(), parent)
    yield PreferencesDialog(parent, settings_path=ctx.data.root / "walk-settings.toml")  # never saved here
    quiz = next(q for q in tr.quizzes() if q.choice_questions == q.questions)
    title, _p, questions = tr.quiz_questions(quiz.id)
    yield QuizDialog(title, questions, tr.people()[:3], parent)


def collect(lang: str, ctx, qtbot, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """text -> where, for every untranslated text seen in ``lang``."""
    from ui.main_window import MainWindow

    from ui.bootstrap import install_qt_language

    corpus = data_corpus(ctx.data.db_path)
    i18n.set_language(lang)
    install_qt_language(QApplication.instance())  # Qt's own buttons (Cancel, Close ...) as the program does
    bad: dict[str, str] = {}
    try:
        window = MainWindow(ctx, SyncPool(), QSettings(str(tmp_path / f"{lang}.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.resize(1440, 900)
        window.show()
        seen = list(walk_window(window))
        for dialog in open_dialogs(ctx, window):
            dialog.show()
            QApplication.processEvents()
            seen += [(f"{type(dialog).__name__}/{w}", t) for w, t in interface_texts(dialog)]
            dialog.close()
        runs = data_runs(corpus)
        for where, text in seen:
            if untranslated(lang, text, corpus, runs):
                bad.setdefault(re.sub(r"\d+", "#", _plain(text)), where)
    finally:
        i18n.set_language("zh_CN")
        install_qt_language(QApplication.instance())
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_no_untranslated_interface_text(lang: str, demo_ctx, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = collect(lang, demo_ctx, qtbot, tmp_path)
    pending = {text for (plang, text) in PENDING if plang == lang}
    new = {text: where for text, where in bad.items() if text not in pending}
    fixed = pending - set(bad)
    report = "\n".join(f"  [{where}] {text!r}" for text, where in sorted(new.items()))
    assert not new, f"untranslated interface text in {lang}:\n{report}"
    assert not fixed, f"translated now, remove from PENDING: {sorted(fixed)}"


def test_the_rules() -> None:
    corpus = "年假\n心血管内科\nPyTorch"
    assert untranslated("zh_CN", "Save", corpus)
    assert not untranslated("zh_CN", "保存", corpus)
    assert not untranslated("zh_CN", "PDF", corpus) and not untranslated("zh_CN", "PyTorch", corpus)
    assert not untranslated("zh_CN", "/tmp/demo/hrdesk.sqlite3", corpus)
    assert not untranslated("zh_CN", "2026-11 · 42", corpus)
    assert untranslated("en", "保存", corpus)
    assert not untranslated("en", "Leave type: 年假", corpus)
    assert not untranslated("en", "HR Desk (医院人事工作台)", corpus)
    assert untranslated("en", "心血管内科 推荐录用", corpus)
    assert untranslated("en", "年", corpus)  # part of a data value, not a whole run of it


def test_qt_own_dialogs_and_formats_follow_the_language(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QMessageBox

    from ui.bootstrap import install_qt_language

    def cancel_text() -> str:
        box = QMessageBox()
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        text = box.button(QMessageBox.StandardButton.Cancel).text()
        box.deleteLater()
        return text

    try:
        i18n.set_language("zh_CN")
        qm = install_qt_language(qapp)
        assert qm is not None and qm.endswith("qtbase_zh_CN.qm")
        assert cancel_text() == "取消"
        assert QLocale().name() == "zh_CN"
        i18n.set_language("en")
        assert install_qt_language(qapp) is None
        assert cancel_text() == "Cancel"
        assert QLocale().name() == "en_US"
    finally:
        i18n.set_language("zh_CN")
        install_qt_language(qapp)


def test_money_numbers_and_dates_per_language() -> None:
    from datetime import date

    try:
        i18n.set_language("zh_CN")
        assert i18n.format_money(123456789) == "¥1,234,567.89"
        assert i18n.format_date(date(2026, 11, 22)) == "2026年11月22日"
        i18n.set_language("en")
        assert i18n.format_money(123456789) == "CN¥1,234,567.89"  # yuan, never dollars
        assert i18n.format_money(-5, symbol=False) == "-0.05"
        assert i18n.format_date(date(2026, 11, 22)) == "November 22, 2026"
        assert i18n.format_date(date(2026, 11, 22), "short") == "2026-11-22"
        assert i18n.format_number(12345.678, 1) == "12,345.7"
    finally:
        i18n.set_language("zh_CN")


# ------------------------------------------------------------------ Chinese literals in ui/ code
# The walk above cannot tell a hard-coded label (推荐录用) from the same word typed by HR into a record.
# This static check can: Chinese string literals in ui/ outside _()/N_() are either data the code needs
# (allowed, with the reason) or interface text still to translate (pending, owner's file named).
LITERALS_ALLOWED: dict[str, str] = {
    "预热": "jieba warm-up input, never shown",
    "面试官": "speaker label stored in transcripts (data), mapped to a code",
    "候选人": "speaker label stored in transcripts (data), mapped to a code",
    "小夜": "shift name: a key of the hospital's night-shift settings (data)",
    "大夜": "shift name: a key of the hospital's night-shift settings (data)",
    "长夜班": "shift name: a key of the hospital's night-shift settings (data)",
    "值": "the roster's on-call shift code (data)",
    "人事": "the actor recorded with roster/attendance changes (data, not shown)",
    "天": "weekday parser input alias: 星期天/周天 = Sunday (CLDR only has 星期日/周日), never shown",
    "(医学影像 OR 影像诊断) AND (PyTorch OR 深度学习) NOT 外包": "example rule: resumes are Chinese",
}
# file -> literals that are interface text and must go through _() / N_() (or QLocale for weekdays).
LITERALS_PENDING: dict[str, set[str]] = {}


def chinese_literals(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))  # docstrings
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext"):
            skip.update(id(a) for a in node.args)
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and CJK.search(n.value) and id(n) not in skip}


def test_ui_code_has_no_untranslated_chinese_literals() -> None:
    new: list[str] = []
    fixed: list[str] = []
    for path in sorted((REPO_ROOT / "ui").rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        found = chinese_literals(path) - set(LITERALS_ALLOWED)
        pending = LITERALS_PENDING.get(rel, set())
        new += [f"{rel}: {lit!r}" for lit in sorted(found - pending)]
        fixed += [f"{rel}: {lit!r}" for lit in sorted(pending - found)]
    assert not new, "Chinese interface text in ui/ outside _(): use an English msgid\n" + "\n".join(new)
    assert not fixed, "translated now, remove from LITERALS_PENDING:\n" + "\n".join(fixed)
