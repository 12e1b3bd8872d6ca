"""继续医学教育 Ⅰ/Ⅱ类 on the training tab: the catalogue column and editor, the credits table's split."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.i18n import _
from tests.ui.test_training_tab import _tab


def _col(table, header: str) -> int:  # type: ignore[no-untyped-def]
    m = table.model
    return next(i for i in range(m.columnCount()) if m.headerData(i, Qt.Orientation.Horizontal) == header)


def test_cme_class_column_editor_and_credit_split(qtbot, demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, demo_ctx)
    rows = tab.courses.model.rows()
    col = _col(tab.courses, _("CME class"))
    by_code = {r.code: i for i, r in enumerate(rows)}
    assert tab.courses.model.data(tab.courses.model.index(by_code["C-YX01"], col)) == "Ⅰ类"
    assert tab.courses.model.data(tab.courses.model.index(by_code["C-JJ01"], col)) == "Ⅱ类"
    # the editor: 急救技能复训 Ⅱ类 → Ⅰ类 through the button's choice
    course = rows[by_code["C-JJ01"]]
    monkeypatch.setattr(tab, "_current", lambda _t: course)
    monkeypatch.setattr(QInputDialog, "getItem", lambda _p, _t, _l, items, *a, **k: (items[0], True))
    tab.cme_class_btn.click()
    assert next(c for c in demo_ctx.services.training.courses() if c.code == "C-JJ01").cme_class == "I"
    # a course with credits cannot lose its class: the message is shown, nothing stored
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: shown.append(text))
    stale = next(c for c in demo_ctx.services.training.courses() if c.code == "C-JJ01")
    tab.set_cme_class(stale, "")
    assert shown and "Ⅰ类" in shown[-1]
    assert next(c for c in demo_ctx.services.training.courses() if c.code == "C-JJ01").cme_class == "I"
    # the credits table shows Ⅰ类 and Ⅱ类 apart, and what is short
    credits = tab.credits.model
    short_col = _col(tab.credits, _("What is short"))
    texts = [credits.data(credits.index(i, short_col)) for i in range(credits.rowCount())]
    assert any(_("Class I credits {earned:.1f} < {required:.1f}").split(" ")[0] in (t or "") for t in texts)
    assert _col(tab.credits, _("Class I")) >= 0 and _col(tab.credits, _("Class II")) >= 0
