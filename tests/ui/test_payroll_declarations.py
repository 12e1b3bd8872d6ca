"""专项附加扣除 table (offscreen, jobs inline): add with live rule messages, end, delete, legacy conversion, and the
import preview from the payroll page."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QMessageBox
from sqlalchemy import select

from app.db.uow import unit_of_work
from app.services.tax_declarations import COLUMNS
from ui.dialogs.pay_profile import PayProfileDialog
from ui.dialogs.tax_declarations import DeclarationEditDialog, TaxDeclarationsDialog, import_declarations
from ui.workers import SyncPool


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    shown: list[str] = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: shown.append(a[2]) or QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: shown.append(a[2]) or QMessageBox.StandardButton.Yes)
    return shown


def _services(ctx):  # type: ignore[no-untyped-def]
    from app.services.guard import unwrap

    s = ctx.services
    return SimpleNamespace(payroll=unwrap(s.payroll), declarations=unwrap(s.declarations), identity=None)


def _free_people(ctx):  # type: ignore[no-untyped-def]
    from app.db.tables import Employee, PayProfile, TaxDeclaration

    with unit_of_work(ctx.session_factory) as s:
        taken = set(s.scalars(select(TaxDeclaration.employee_id)).all())
        rows = s.execute(select(Employee.id, Employee.staff_no, PayProfile.special_additional_deduction_fen)
                         .join(PayProfile, PayProfile.employee_id == Employee.id).order_by(Employee.staff_no)).all()
    return [r for r in rows if r[0] not in taken]


def test_the_table_adds_ends_and_deletes_with_the_rules(qtbot, demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services = _services(demo_ctx)
    emp = next(r[0] for r in _free_people(demo_ctx) if r[2] == 0)
    dialog = TaxDeclarationsDialog(services, SyncPool(), emp, user="薪酬专员")
    qtbot.addWidget(dialog)
    assert dialog.table.model.rowCount() == 0 and not dialog.convert_btn.isVisibleTo(dialog)

    edit = dialog.edit_dialog(None)
    qtbot.addWidget(edit)
    save = edit.buttons.button(QDialogButtonBox.StandardButton.Save)
    edit.kind.setCurrentIndex(edit.kind.findData("housing_rent"))
    assert edit.amount.text() == "1500.00" and save.isEnabled()  # tier 1 standard
    edit.month_from.setText("2026-02")
    edit.amount.setText("1600.00")
    assert not save.isEnabled() and "1,600.00" in edit.problems.text()
    edit.amount.setText("1500.00")
    dialog._save(edit, None)
    assert dialog.table.model.rowCount() == 1

    loan = dialog.edit_dialog(None)
    qtbot.addWidget(loan)
    loan.kind.setCurrentIndex(loan.kind.findData("housing_loan"))
    loan.month_from.setText("2026-09")
    assert "住房租金" in loan.problems.text() or "rent" in loan.problems.text()
    assert not loan.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    illness = dialog.edit_dialog(None)
    qtbot.addWidget(illness)
    illness.kind.setCurrentIndex(illness.kind.findData("serious_illness"))
    assert "汇算" in illness.problems.text()

    dialog.table.view.selectRow(0)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("2026-08", True))
    dialog._on_end()
    assert dialog.data is not None and dialog.data.items[0].month_to == "2026-08"
    loan.month_to.setText("")
    loan._on_changed()
    loan.others = [dialog._decl(v) for v in dialog.data.items]
    loan._on_changed()
    assert loan.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    dialog._save(loan, None)
    assert [v.kind for v in dialog.data.items] == ["housing_rent", "housing_loan"]
    assert dialog.changes is not None and dialog.changes.touches("tax_declarations")
    dialog.table.view.selectRow(1)
    dialog._on_delete()
    assert dialog.table.model.rowCount() == 1


def test_legacy_amount_is_labelled_and_converts_from_the_pay_profile(qtbot, demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services = _services(demo_ctx)
    emp, _no, flat = next(r for r in _free_people(demo_ctx) if r[2] == 200_000)
    profile = PayProfileDialog(services, SyncPool(), emp, user="薪酬专员")
    qtbot.addWidget(profile)
    assert profile.special.text() == "2000.00" and profile.declarations_btn.isEnabled()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][a[4]], True))  # accept the guess
    profile._on_declarations_clicked()
    dialog = profile.declarations_dialog
    assert dialog.convert_btn.isVisibleTo(dialog) and "未分项" in dialog.legacy.text()
    dialog._on_convert()
    assert dialog.data is not None and [v.kind for v in dialog.data.items] == ["children_education"]
    assert not dialog.convert_btn.isVisibleTo(dialog)
    dialog.accept()
    assert profile.special.text() == "0.00"  # the profile reloaded: the flat amount was cleared
    assert profile.special.isReadOnly() and "1" in profile.declarations_btn.text()
    assert profile.changes is not None and profile.changes.touches("pay_profiles")


def test_import_from_the_page_previews_then_imports(qtbot, demo_ctx, tmp_path: Path, _no_message_boxes) -> None:  # type: ignore[no-untyped-def]
    services = _services(demo_ctx)
    (a, a_no, _f) = _free_people(demo_ctx)[0]
    path = tmp_path / "d.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append([a_no, "", "赡养老人", "2026-01", "", 1500, 1, 50, "", "否", "", "", ""])
    ws.append([a_no, "", "大病医疗", "2026-01", "", 1000, 1, 100, "", "", "", "", ""])
    wb.save(path)
    published: list[object] = []
    import_declarations(None, services, SyncPool(), published.append, str(path))  # type: ignore[arg-type]
    assert "第 3 行" in _no_message_boxes[-1] and not published
    ws.delete_rows(3)
    wb.save(path)
    import_declarations(None, services, SyncPool(), published.append, str(path))  # type: ignore[arg-type]
    assert published and [v.kind for v in services.declarations.declarations(a).items] == ["elderly_support"]
