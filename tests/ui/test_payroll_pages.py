"""Payroll GUI on the demo hospital (offscreen, jobs inline): pay settings, simulation, pay profile, detail,
bank list and charts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from app.payroll.documents import default_text
from ui.dialogs.pay_profile import PayProfileDialog
from ui.tabs.pay_settings_page import PaySettingsPage
from ui.tabs.pay_simulation_page import PaySimulationPage
from ui.tabs.payroll_page import BankDialog, ChartsDialog, DetailDialog, PayrollPage
from ui.workers import SyncPool


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)


def _services(ctx):  # type: ignore[no-untyped-def]
    """The payroll services themselves (the permission guard is tested by the security tests)."""
    try:
        from app.services.guard import unwrap
    except ImportError:  # pragma: no cover
        return ctx.services
    s = ctx.services
    return SimpleNamespace(payroll=unwrap(s.payroll), pay_settings=unwrap(s.pay_settings), identity=None)


def test_settings_page_checks_and_saves_a_dated_version(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    services = _services(demo_ctx)
    page = PaySettingsPage(services, SyncPool())
    qtbot.addWidget(page)
    page.show()
    page.reload()
    assert page.versions.model.rowCount() == 1  # the demo's structure from January
    page.kind.setCurrentIndex(1)
    assert page.versions.model.rowCount() == 2  # city settings from January and the July change
    assert "示例市" in page.editor.toPlainText()
    page.kind.setCurrentIndex(0)
    page.check_btn.click()
    assert "✔" in page.result.text() and "试算" in page.result.text()
    assert not page.save_btn.isEnabled()  # the January version paid locked months: no change under its month
    page.month.setText("2026-12")
    page.check_btn.click()
    assert page.save_btn.isEnabled()
    text = page.editor.toPlainText()
    page.editor.setPlainText(text.replace('formula = "(小夜 + 大夜 + 长夜班) × 15"', 'formula = "(小夜 + 大夜) × 夜餐"'))
    assert not page.save_btn.isEnabled()
    page.check_btn.click()
    assert "✘" in page.result.text() and "夜餐补助" in page.result.text() and "行" in page.result.text()
    page.editor.setPlainText(text.replace('"大夜" = "80.00"', '"大夜" = "90.00"'))
    page.name.setText("2026年12月起大夜费调整")
    page.check_btn.click()
    page.save_btn.click()
    assert {v.effective_month for v in services.pay_settings.versions("structure")} == {"2026-01", "2026-12"}
    page.reload()
    assert page.versions.model.rowCount() == 2


def test_simulation_page_shows_departments_people_and_exports(qtbot, demo_ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = PaySimulationPage(_services(demo_ctx), SyncPool())
    qtbot.addWidget(page)
    page.show()
    page.month.setText("2026-10")
    page.reload()
    assert "岗位工资" in page.editor.toPlainText()
    page.editor.setPlainText(page.editor.toPlainText().replace('"大夜" = "80.00"', '"大夜" = "100.00"'))
    page.run_btn.click()
    assert page.departments.model.rowCount() >= 10 and page.people.model.rowCount() >= 250
    assert "2026-10" in page.summary.text() and "+" in page.summary.text()
    target = tmp_path / "模拟.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.export_btn.click()
    assert target.exists()


def test_payroll_page_detail_bank_list_charts_and_profile(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    services = _services(demo_ctx)
    page = PayrollPage(services, SyncPool())
    qtbot.addWidget(page)
    page.show()
    page.reload()
    page.month.setCurrentIndex(page.month.findText("2026-10"))
    assert page.table.model.rowCount() >= 250
    page.table.view.selectRow(0)
    row = page.selected_row()
    page.detail_btn.click()
    detail = page.findChild(DetailDialog)
    assert detail is not None and detail.table.model.rowCount() >= 8
    assert any(line.explanation for line in detail.table.model.rows())
    page.bank_btn.click()
    bank = page.findChild(BankDialog)
    assert bank is not None and not bank.export_btn.isEnabled()  # some demo staff have no account
    shown = {r.staff_no: r for r in bank.table.model.rows()}
    assert all("*" in bank.table.model.index(i, 3).data() for i in range(bank.table.model.rowCount())
               if bank.table.model.rows()[i].account)
    assert len(shown) == page.table.model.rowCount()
    page.charts_btn.click()
    charts = page.findChild(ChartsDialog)
    assert charts is not None and charts.bar_sets[0].count() >= 10 and len(charts.months) >= 10

    dialog = PayProfileDialog(services, SyncPool(), row.employee_id, user="薪酬专员")
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert dialog.view is not None and save.isEnabled()
    dialog.hf_base.setText("100.00")  # below the city's floor
    assert not save.isEnabled() and "公积金缴存基数" in dialog.problems.text()
    dialog.hf_base.setText("9000.00")
    dialog.account.setText("6222 0200 0000 0000 000")
    assert save.isEnabled()
    version = dialog.view.version
    save.click()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.view.version == version + 1
    assert dialog.view.hf_base_fen == 900000 and dialog.view.bank_account == "6222020000000000000"
    masked = PayProfileDialog(services, SyncPool(), row.employee_id, show_account=False)
    qtbot.addWidget(masked)
    assert masked.account.text() == "6222 *********** 0000" and masked.account.isReadOnly()


def test_every_payroll_gui_string_is_translated() -> None:
    from babel.messages.extract import extract_from_file

    from app.i18n import po_files, read_catalog

    catalog = read_catalog(po_files("zh_CN"))
    root = Path(__file__).resolve().parents[2]
    files = [root / f for f in ("ui/tabs/payroll_page.py", "ui/tabs/pay_settings_page.py", "ui/tabs/pay_simulation_page.py",
                                "ui/dialogs/pay_profile.py")]
    missing = [(f.name, msg) for f in files for _l, msg, _c, _x in extract_from_file("python", str(f), keywords={"_": None, "N_": None})
               if not (catalog.get(msg) and catalog.get(msg).string)]
    assert not missing
    assert default_text("structure")  # the shipped default is readable
