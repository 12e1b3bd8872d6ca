"""The 简历筛选 tab on the demo hospital, driven through its widgets (SyncPool, offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.db.tables import Candidate, Interview
from app.screening.generate import generate_resume, write_docx, write_txt
from tests.conftest import DEMO_TODAY
from ui.tabs.screening_tab import CorrectionsDialog, ScreeningTab
from ui.workers import SyncPool

pytestmark = pytest.mark.slow  # every test opens a copy of the demo hospital


@pytest.fixture()
def tab(qtbot, demo_ctx, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    page = ScreeningTab(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.resize(1500, 900)
    page.show()
    page.ensure_loaded()
    return page


def _select_position(tab: ScreeningTab, code: str) -> None:
    for i in range(tab.position_box.count()):
        if tab.position_box.itemText(i).startswith(code + " "):
            tab.position_box.setCurrentIndex(i)
            return
    raise AssertionError(code)


def _names(tab: ScreeningTab) -> list[str]:
    m = tab.table.proxy
    col = [c.key for c in tab.table.model._columns].index("name")
    return [m.index(r, col).data() for r in range(m.rowCount())]


def test_ranking_with_explanation_and_blind_mode(tab) -> None:  # type: ignore[no-untyped-def]
    _select_position(tab, "P-XX-SJ")
    rows = tab.table.model.rows()
    assert len(rows) >= 3 and [r.rank for r in sorted(rows, key=lambda r: r.rank)] == list(range(1, len(rows) + 1))
    assert tab.table.proxy.index(0, 0).data() == "1"
    text = tab.preview.toPlainText()
    assert "硬性条件" in text and "得分" in text and "相关度" in text and "简历" in text
    assert rows[0].phone and not any(n.startswith("候选人 #") for n in _names(tab))
    tab.blind_box.setChecked(True)
    names = _names(tab)
    assert all(n.startswith("候选人 #") for n in names)
    for key in ("gender", "age", "phone"):
        assert tab.table.view.isColumnHidden([c.key for c in tab.table.model._columns].index(key))
    shown = tab.preview.toPlainText()
    first = tab.table.model.rows()[0]
    assert "■" in shown and "手机" not in {f.label for f in tab.detail_data.fields}
    assert first.phone == "" and first.name.startswith("候选人")
    tab.eligible_box.setChecked(True)
    assert tab.table.proxy.rowCount() == sum(r.eligible for r in tab.table.model.rows())


def test_drop_files_import_report_and_export(tab, tmp_path: Path, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    _select_position(tab, "P-FS-AI")
    before = tab.table.model.rowCount()
    folder = tmp_path / "drop"
    folder.mkdir()
    write_docx(generate_resume(8800, profile="ai_engineer", today=DEMO_TODAY), folder / "new.docx")
    write_txt(generate_resume(8801, profile="ai_engineer", today=DEMO_TODAY), folder / "gbk.txt", "gbk")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 cut")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    tab.dropEvent(event)
    dialog = tab.last_report_dialog
    outcomes = {o.name: o.outcome for o in dialog.outcomes}
    assert outcomes == {"new.docx": "imported", "gbk.txt": "imported", "broken.pdf": "rejected"}
    assert "共 3 个文件" in dialog.summary.text()
    tab.reload()
    assert tab.table.model.rowCount() == before + 2
    out = tmp_path / "report.xlsx"
    dialog.export(str(out))
    ws = load_workbook(out).active
    assert ws.cell(1, 1).value == "文件" and ws.max_row == 4
    assert {ws.cell(r, 2).value for r in range(2, 5)} == {"导入", "拒收"}
    dialog.close()


def test_duplicate_merge_from_the_report(tab, tmp_path: Path, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    sv = demo_ctx.services.screening
    _select_position(tab, "P-FS-AI")
    path = tmp_path / "a.txt"
    write_txt(generate_resume(8900, profile="ai_engineer", today=DEMO_TODAY), path)
    tab.import_paths([path])
    tab.last_report_dialog.close()
    tab.import_paths([path])
    dialog = tab.last_report_dialog
    row = dialog.outcomes[0]
    assert row.outcome == "duplicate" and row.match == "file"
    dialog.table.select_first()
    assert dialog.merge_button.isEnabled()
    dialog.merge(row)
    assert dialog.outcomes[0].outcome == "merged"
    assert sv.detail(row.duplicate_of).document == "a.txt"
    dialog.close()


def test_corrections_dialog_and_invite(tab, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    _select_position(tab, "P-XX-SJ")
    tab.table.select_first()
    detail = tab.detail_data
    dialog = CorrectionsDialog(detail, tab)
    _field, edit = dialog.edits["major"]
    edit.setText("生物统计学")
    assert dialog.changes() == {"major": "生物统计学"}
    tab.save_corrections(detail, dialog.changes())
    chosen = next(r for r in tab.table.model.rows() if r.candidate_id == detail.candidate_id)
    assert chosen.major == "生物统计学"
    tab.table.view.selectRow(next(i for i in range(tab.table.proxy.rowCount())
                                  if tab.table.proxy.index(i, 0).data(Qt.ItemDataRole.UserRole + 2).candidate_id
                                  == chosen.candidate_id))
    assert tab.current.candidate_id == chosen.candidate_id
    assert "已更正" in tab.preview.toPlainText()
    tab._on_invite_button_clicked()
    with demo_ctx.session_factory() as s:
        cand = s.get(Candidate, chosen.candidate_id)
        assert cand.status == "interview"
        assert s.scalars(select(Interview.state).where(Interview.candidate_id == cand.id)).all()[-1] == "planned"
