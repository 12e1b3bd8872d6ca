"""The 岗位 tab's four pages on the demo hospital, driven through their widgets (SyncPool, offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate

from tests.conftest import DEMO_TODAY
from ui.tabs.positions_tab import PositionsTab
from ui.workers import SyncPool

pytestmark = pytest.mark.slow  # every test opens a copy of the demo hospital


@pytest.fixture()
def tab(qtbot, demo_ctx):  # type: ignore[no-untyped-def]
    page = PositionsTab(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.resize(1400, 860)
    page.show()
    page.ensure_loaded()
    return page


def test_pages_in_chinese_and_all_loaded(tab) -> None:  # type: ignore[no-untyped-def]
    titles = [tab.pages_widget.tabText(i) for i in range(tab.pages_widget.count())]
    assert titles == ["科室与岗位", "筛选规则", "题库", "证照管理"]
    assert tab.table.model.rowCount() > 20 and tab.tree_model.rowCount() > 3
    assert "胜任力模型" in tab.detail.toPlainText()


def test_department_menu_and_tree_actions(tab) -> None:  # type: ignore[no-untyped-def]
    org = tab.org
    first = org._nodes[0]
    menu = org.department_menu(first.id)
    texts = [a.text() for a in menu.actions()]
    assert texts == ["新建科室…", "新建下级科室…", "重命名…", "移动到…", "合并到…"]
    assert all(a.isEnabled() for a in menu.actions())
    assert [a.isEnabled() for a in org.department_menu(None).actions()] == [True, False, False, False, False]
    org.create_department("T-NEW", "测试新科室", first.id)
    node = next(n for n in org._nodes if n.code == "T-NEW")
    assert node.parent_id == first.id
    org.rename_department(node, "测试改名科室")
    node = next(n for n in org._nodes if n.code == "T-NEW")
    assert node.name == "测试改名科室"
    org.move_department(node, None)
    assert next(n for n in org._nodes if n.code == "T-NEW").parent_id is None


def test_position_editor_checks_weights_and_saves_a_new_version(tab) -> None:  # type: ignore[no-untyped-def]
    org = tab.org
    row = org.table.model.row(0)
    form = tab.org.services.positions.form(row.id)
    editor = org.open_editor(form)
    save = editor.buttons.button(editor.buttons.StandardButton.Save)
    assert save.isEnabled()
    model = editor.comp_model
    model.setData(model.index(0, 1), 10)
    assert not save.isEnabled()
    assert "100" in editor.problems_label.text() and "100" in editor.total_label.text()
    assert (0, 1) not in model._bad  # a total problem is not one cell's fault
    model.setData(model.index(0, 1), form.competencies[0].weight + 5)
    model.setData(model.index(1, 1), form.competencies[1].weight - 5)
    assert save.isEnabled()
    editor.title_edit.setText("改过的岗位名")
    editor.accept()
    after = tab.org.services.positions.form(row.id)
    assert after.title == "改过的岗位名" and after.version == form.version + 1
    assert after.competencies[0].weight == form.competencies[0].weight + 5
    # a duplicate code: the editor comes back with the message and the user's input
    editor = org.open_editor(tab.org.services.positions.new_form(row.department_id))
    editor.code.setText(form.code)
    editor.title_edit.setText("重复代码的岗位")
    editor.accept()
    assert org.editor is not editor and org.editor.error_label.isVisibleTo(org.editor)
    assert form.code in org.editor.error_label.text() and org.editor.title_edit.text() == "重复代码的岗位"


def test_rule_editor_shows_errors_and_live_matches(tab) -> None:  # type: ignore[no-untyped-def]
    rules = tab.page("rules")
    assert rules.expression.toPlainText() and rules.matches.model.rowCount() > 20
    rules.expression.setPlainText("(护士执业证书 OR 护理 AND")
    assert "第" in rules.status.text() and "✘" in rules.status.text()
    assert len(rules.expression.extraSelections()) == 1
    assert not rules.save_rule.isEnabled()
    rules.expression.setPlainText("护士执业证书 AND NOT 住院医师")
    rules.evaluate_now()
    matched = [m for m in rules.matches.model.rows() if m.matched]
    assert matched and "✔" in rules.status.text() and rules.save_rule.isEnabled()
    assert "份符合" in rules.summary.text()
    first = rules.matches.proxy.index(0, 0)
    rules.matches.view.setCurrentIndex(first)
    html = rules.resume.toHtml()
    assert "#c6efce" in html and "护士执业证书" in rules.resume.toPlainText()
    before = rules.rule_model.rowCount()
    rules._on_new_rule_clicked()
    rules.expression.setPlainText("心肺复苏 OR CPR")
    rules.name_edit.setText("急救技能")
    rules._on_save_rule_clicked()
    assert rules.rule_model.rowCount() == before + 1
    assert rules.current_rule() is not None and rules.current_rule().name == "急救技能"


def test_synonym_and_vocabulary_panels(tab) -> None:  # type: ignore[no-untyped-def]
    rules = tab.page("rules")
    n = rules.syn_model.rowCount()
    rules.syn_term.setText("复苏术")
    rules.syn_equivalents.setText("心肺复苏、CPR")
    rules._on_syn_save_clicked()
    assert rules.syn_model.rowCount() == n + 1
    rules.vocab_term.setText("胸痛中心建设")
    rules._on_vocab_add_clicked()
    assert [r.term for r in rules.vocab_model.rows()] == ["胸痛中心建设"]


def test_question_bank_filters_edit_versioning_and_policy(tab) -> None:  # type: ignore[no-untyped-def]
    bank = tab.page("bank")
    total = bank.table.proxy.rowCount()
    bank.qtype.setCurrentIndex(bank.qtype.findData("情景题"))
    shown = bank.table.proxy.rowCount()
    assert 0 < shown < total
    assert all(bank.table.proxy.index(r, 3).data() == "情景题" for r in range(shown))
    bank.qtype.setCurrentIndex(0)
    asked = next(r for r in bank.table.model.rows() if r.times_asked > 0)
    bank.select_question(asked.id)
    assert bank._detail is not None and bank._detail.row.id == asked.id
    dialog = bank.open_edit(bank._detail)
    dialog.text.setPlainText(asked.text + "（请结合本院实际）")
    dialog.note.setText("测试修改")
    dialog.accept()
    after = next(r for r in bank.table.model.rows() if r.id == asked.id)
    assert after.current_version == asked.current_version + 1
    assert bank.versions_model.rowCount() == after.current_version
    bank.add_policy("护理新规", None, "", ["护士执业证书"])
    policy = bank.policies_model.row(0)
    assert policy.title == "护理新规" and policy.to_review > 0
    assert bank.review_model.rowCount() == policy.to_review
    bank.review_view.setCurrentIndex(bank.review_model.index(0, 0))
    bank._on_reviewed_button_clicked()
    assert bank.policies_model.row(0).to_review == policy.to_review - 1


def test_question_import_dialog_offers_good_rows_only(tab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bank = tab.page("bank")
    svc = bank.services.positions
    out = svc.export_questions(tmp_path / "q.xlsx")
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    ws.cell(2, 2).value = str(ws.cell(2, 2).value) + "（新版）"
    ws.cell(3, 5).value = 9  # difficulty out of range
    wb.save(out)
    bank.import_from(str(out))
    dialog = bank.import_dialog
    assert dialog is not None and dialog.problems_model.rowCount() >= 1
    problem = dialog.problems_model.row(0)
    assert problem.row == 3 and problem.reason
    assert not dialog.import_all.isEnabled() and dialog.import_good.isEnabled()
    code = ws.cell(2, 1).value
    before = next(r for r in bank.table.model.rows() if r.code == code).current_version
    dialog.import_good.click()
    assert next(r for r in bank.table.model.rows() if r.code == code).current_version == before + 1


def test_positions_import_dialog_stores_nothing_on_cancel(tab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    org = tab.org
    out = org.services.positions.export_positions(tmp_path / "p.xlsx")
    wb = load_workbook(out)
    wb.worksheets[0].append(["P-NEW-UI", "界面导入岗位", "NO-DEPT", "护理"])
    wb.save(out)
    org.import_from(str(out))
    dialog = org.import_dialog
    assert "NO-DEPT" in {p.value for p in dialog.problems_model.rows()}
    dialog.reject()
    assert "P-NEW-UI" not in {r.code for r in org.table.model.rows()}


def test_licence_page_filters_exports_and_warns(tab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lic = tab.page("licences")
    lic.as_of.setDate(QDate(DEMO_TODAY.year, DEMO_TODAY.month, DEMO_TODAY.day))
    rows = lic.table.model.rows()
    assert rows and all(r.days_left is not None and r.days_left <= 90 for r in rows)
    assert lic.gaps_model.rowCount() > 0
    lic.state.setCurrentIndex(lic.state.findData(-1))
    assert {r.state for r in lic.table.model.rows()} == {"expired"}
    lic.state.setCurrentIndex(lic.state.findData(None))
    whole = lic.table.model.rowCount()
    lic.department.setCurrentIndex(next(i for i in range(lic.department.count())
                                        if lic.department.itemText(i).strip() == "急诊科"))
    part = lic.table.model.rowCount()
    assert 0 < part < whole
    lic.export_to(str(tmp_path / "lic.xlsx"))
    assert load_workbook(tmp_path / "lic.xlsx").worksheets[0].max_row == part + 2
    lic.nurse_years.setValue(6)
    lic.apply_settings()
    assert lic.nurse_years.value() == 6
