"""The shift types dialog's 停用/启用 button and the roster editor's picker (offscreen, demo hospital)."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStyleOptionViewItem

from app.i18n import _
from app.services.attendance import ShiftTypeRow
from tests.ui.test_attendance_dialogs import _roster_page, messages  # noqa: F401  (fixture)
from ui.dialogs.shift_types import RETIRED_COLOUR
from ui.tabs.roster_page import FIXED_COLUMNS, CodeDelegate


def _picker_codes(page, row: int, col: int) -> list[str]:  # type: ignore[no-untyped-def]
    delegate = CodeDelegate(page.grid_model, page.grid)
    box = delegate.createEditor(page.grid, QStyleOptionViewItem(), page.grid_model.index(row, col))
    assert isinstance(box, QComboBox)
    return [box.itemText(i) for i in range(box.count())]


def test_retire_and_enable_a_used_shift_from_the_dialog(qtbot, demo_ctx, messages) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = _roster_page(qtbot, demo_ctx)
    ward = page.current_ward()
    assert ward is not None
    svc = demo_ctx.services.attendance
    svc.shift_types(ward.department_id)
    n10 = svc.save_shift_type(ward.department_id, ShiftTypeRow(None, "N10", "夜班10小时", time(22), time(8), 540, 60,
                                                                True, "大夜"))
    view = svc.roster(ward.department_id, "2026-09")
    staff_no = view.roster.staff[0]
    svc.save_roster(ward.department_id, view.roster.with_cell(staff_no, date(2026, 9, 3), "N10"))
    dialog = page.shift_types_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show_row(next(r for r in dialog.rows() if r.code == "N10"))
    assert dialog.active_btn.isEnabled() and dialog.active_btn.text() == _("Retire shift")
    dialog.delete(confirm=False)  # used: refused, and the message points to 停用
    assert "停用" in messages[-1] and "2026-09" in messages[-1]
    qtbot.mouseClick(dialog.active_btn, Qt.MouseButton.LeftButton)
    row = next(r for r in dialog.rows() if r.code == "N10")
    assert not row.active and dialog.changed and dialog.active_btn.text() == _("Enable shift")
    i = dialog.rows().index(row)
    name_col = 1
    model = dialog.table.model
    assert model.data(model.index(i, name_col)) == _("{name} (retired)").format(name="夜班10小时")
    assert model.data(model.index(i, 0), Qt.ItemDataRole.BackgroundRole).color().name() == RETIRED_COLOUR
    active_row = next(k for k, r in enumerate(dialog.rows()) if r.code == "白")
    assert model.data(model.index(active_row, 0), Qt.ItemDataRole.BackgroundRole) is None
    # the roster editor: not offered on an empty cell; still shown on the cell that has it
    view = svc.roster(ward.department_id, "2026-09")
    page._show_view(view, view.roster, ())
    r = view.roster.staff.index(staff_no)
    assert "N10" in _picker_codes(page, r, FIXED_COLUMNS + 2)  # the 3rd holds N10
    assert "N10" not in _picker_codes(page, r, FIXED_COLUMNS + 3)
    assert "白" in _picker_codes(page, r, FIXED_COLUMNS + 3)
    # 启用 brings it back
    qtbot.mouseClick(dialog.active_btn, Qt.MouseButton.LeftButton)
    assert next(r for r in dialog.rows() if r.code == "N10").active
    assert dialog.active_btn.text() == _("Retire shift")
    assert n10.id == next(r for r in dialog.rows() if r.code == "N10").id
