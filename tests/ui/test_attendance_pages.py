"""The roster and attendance pages on the demo hospital (offscreen, jobs run inline)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox

from ui.tabs.attendance_page import AttendancePage
from ui.tabs.roster_page import FIXED_COLUMNS, RosterPage
from ui.workers import SyncPool


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)


def test_roster_page_edits_checks_and_marks_violations(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    page = RosterPage(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.show()
    page.reload()
    ward_names = [page.ward.itemText(i) for i in range(page.ward.count())]
    page.ward.setCurrentIndex(next(i for i, n in enumerate(ward_names) if n.startswith("心内一病区")))
    assert page.month.currentText() == "2026-10"
    model = page.grid_model
    assert model.rowCount() >= 25 and model.columnCount() == FIXED_COLUMNS + 31
    assert "夜班" in page.summary.text()
    assert page.violations.model.rowCount() == 0  # the solver's roster meets every rule
    # put a day shift right after a night: the check lists it and colours the cell
    roster = model.roster
    assert roster is not None
    r, day = next((i, d) for i, row in enumerate(roster.cells) for d, c in zip(roster.days, row, strict=True)
                  if c == "大夜" and d.day < 31 and (roster.staff[i], date(2026, 10, d.day + 1)) not in model.view.leave_cells)
    nxt = model.index(r, FIXED_COLUMNS + day.day)
    assert model.flags(nxt) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(nxt, "白")
    assert model.dirty and "未保存" in page.summary.text()
    page.check_btn.click()
    rules = {v.rule for v in page.violations.model.rows()}
    assert "no_early_after_night" in rules
    assert model.data(nxt, Qt.ItemDataRole.BackgroundRole).color().name() == "#f4b4b4"
    # clicking the violation selects its cell
    first = next(i for i, v in enumerate(page.violations.model.rows()) if v.staff_no == roster.staff[r])
    page.violations.view.selectRow(page.violations.proxy.mapFromSource(page.violations.model.index(first, 0)).row())
    assert page.grid.currentIndex().row() == r
    # saving keeps the violation, reloading shows it from the database
    page.save_btn.click()
    assert not model.dirty
    page._on_selection_changed()
    assert model.roster.cell(roster.staff[r], nxt_day := date(2026, 10, day.day + 1)) == "白"
    assert any(v.day == nxt_day for v in model.view.violations)


def test_roster_page_cycle_copy_week_and_solver(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    page = RosterPage(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.reload()
    names = [page.ward.itemText(i) for i in range(page.ward.count())]
    page.ward.setCurrentIndex(next(i for i, n in enumerate(names) if n.startswith("呼吸")))
    view = page.grid_model.view
    nurse = next(st.staff_no for st in view.staff if st.nurse and not any(
        (st.staff_no, d) in view.roster.fixed for d in view.roster.days))
    page.apply_cycle(("白", "小夜", "大夜", "下夜", "休", "休"), [nurse])
    row = page.grid_model.roster.row(nurse)
    assert [c for c in row[:6] if c] == ["白", "小夜", "大夜", "下夜", "休", "休"][: len([c for c in row[:6] if c])]
    page.copy_week(date(2026, 10, 15))
    roster = page.grid_model.roster
    assert roster.cell(nurse, date(2026, 10, 15)) == roster.cell(nurse, date(2026, 10, 8)) or \
        (nurse, date(2026, 10, 15)) in roster.fixed
    page.solve_btn.click()  # CP-SAT in the (inline) worker
    assert page.grid_model.dirty
    # the nurses' rows are re-solved; the copied week may still break rules in physicians' 值班 rows,
    # which the solver leaves alone
    nurses = {st.staff_no for st in view.staff if st.nurse}
    left = page.violations.model.rows()
    assert not [v for v in left if v.staff_no is None or v.staff_no in nurses]
    assert page.grid_model.roster.cell(nurse, date(2026, 10, 1)) != ""


def test_attendance_page_import_preview_correct_and_lock(qtbot, demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = AttendancePage(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.reload()
    assert page.current_month() == "2026-10"
    table = page.table.model
    assert table.rowCount() > 250
    assert "锁定" in page.state.text() and not page.lock_btn.isEnabled()
    # exceptions are highlighted
    rows = table.rows()
    r = next(i for i, row in enumerate(rows) if row.late_count)
    col = 6  # late arrivals
    assert table.data(table.index(r, col), Qt.ItemDataRole.BackgroundRole) is not None
    # a correction on the locked month becomes an adjustment in November
    target = rows[r]
    page.correct(target, "late_count", 0, "考勤机故障")
    adj = demo_ctx.services.attendance.adjustments("2026-11")
    assert adj and adj[0].delta == {"late_count": -float(target.late_count)}
    # import: the preview lists every problem with row, column, value and reason
    f = tmp_path / "m.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工号", "打卡时间"])
        w.writerows([(target.staff_no, "2026-10-30 07:40"), ("NOBODY", "2026-10-30 07:41"), (target.staff_no, "昨天")])
    dialog = page.import_file(f)
    assert dialog is not None and dialog.combos["staff_no"].currentText() == "工号"
    qtbot.addWidget(dialog)
    dialog.run_preview()
    assert dialog.problems_shown() == 2
    texts = [dialog.problems.model.index(i, 3).data() for i in range(2)]
    assert all(t for t in texts) and dialog.problems.model.index(0, 0).data() == "3"
    assert "2" in dialog.counts.text() and dialog.confirm.isEnabled()
    dialog.commit()
    assert dialog.result is not None and dialog.result.inserted == 1
    assert isinstance(QModelIndex(), QModelIndex)


def test_attendance_page_computes_and_locks_an_open_month(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    page = AttendancePage(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.reload()
    page.month.addItem("2026-09")
    page.month.setCurrentText("2026-09")
    assert page.table.model.rowCount() == 0 and "尚未计算" in page.state.text()
    page.compute_btn.click()
    page._on_month_changed()
    assert page.table.model.rowCount() > 250 and page.lock_btn.isEnabled()
    page.lock_btn.click()
    page._on_month_changed()
    assert all(r.locked for r in page.table.model.rows()) and not page.lock_btn.isEnabled()
