"""Shift types, ward rules and 补卡 dialogs, and roster printing, on the demo hospital (offscreen)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTime
from PySide6.QtWidgets import QMessageBox

from ui.dialogs.ward_rules import parse_weekdays, weekdays_text
from ui.tabs.attendance_page import AttendancePage
from ui.tabs.roster_page import RosterPage
from ui.workers import SyncPool


@pytest.fixture()
def messages(monkeypatch):  # type: ignore[no-untyped-def]
    shown: list[str] = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda _p, _t, text, *a, **k: shown.append(text)
                            or QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a, **k: shown.append(text)
                        or QMessageBox.StandardButton.Yes)
    return shown


def _roster_page(qtbot, demo_ctx, ward: str = "心内一病区") -> RosterPage:  # type: ignore[no-untyped-def]
    page = RosterPage(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.reload()
    names = [page.ward.itemText(i) for i in range(page.ward.count())]
    page.ward.setCurrentIndex(next(i for i, n in enumerate(names) if n.startswith(ward)))
    return page


def test_shift_types_dialog_adds_validates_and_refuses_deleting_a_used_shift(qtbot, demo_ctx, messages) -> None:  # type: ignore[no-untyped-def]
    page = _roster_page(qtbot, demo_ctx)
    dialog = page.shift_types_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    codes = {r.code for r in dialog.rows()}
    assert {"白", "小夜", "大夜", "休"} <= codes
    # 大夜 starts on the next day: the form says so
    dialog.show_row(next(r for r in dialog.rows() if r.code == "大夜"))
    assert dialog.next_day.isChecked() and "00:00" in dialog.span.text() and "8" in dialog.span.text()
    # a new 10-hour night crossing midnight
    dialog.new_row()
    dialog.code.setText("N10")
    dialog.name.setText("夜班10小时")
    dialog.start.setTime(QTime(22, 0))
    dialog.end.setTime(QTime(8, 0))
    assert "10" in dialog.span.text()
    dialog.paid.setValue(540)
    dialog.breaks.setValue(60)
    dialog.night.setChecked(True)
    dialog.night_class.setCurrentIndex(dialog.night_class.findData("大夜"))
    dialog.save()
    saved = next(r for r in dialog.rows() if r.code == "N10")
    assert (saved.start, saved.end, saved.paid_minutes, saved.night_class) == (time(22), time(8), 540, "大夜")
    assert dialog.changed
    # a day shift ending when it starts is refused (only 值班 may last 24 h)
    dialog.new_row()
    dialog.code.setText("长白")
    dialog.start.setTime(QTime(8, 0))
    dialog.end.setTime(QTime(8, 0))
    dialog.save()
    assert "24" in messages[-1] and "长白" not in {r.code for r in dialog.rows()}
    # 白 is used in the October roster: deleting it is refused and says where
    dialog.show_row(next(r for r in dialog.rows() if r.code == "白"))
    dialog.delete(confirm=False)
    assert "2026-10" in messages[-1] and "白" in {r.code for r in dialog.rows()}
    # the unused new shift can go
    dialog.show_row(next(r for r in dialog.rows() if r.code == "N10"))
    dialog.delete(confirm=False)
    assert "N10" not in {r.code for r in dialog.rows()}


def test_ward_rules_dialog_saves_and_reports_another_workstation(qtbot, demo_ctx, messages) -> None:  # type: ignore[no-untyped-def]
    page = _roster_page(qtbot, demo_ctx)
    ward = page.current_ward()
    assert ward is not None
    dialog = page.ward_rules_dialog()
    assert dialog is not None and dialog.rules is not None
    qtbot.addWidget(dialog)
    first_version = dialog.rules.version
    dialog.max_nights.setValue(7)
    dialog.model.add("白")
    last = dialog.model.rowCount() - 1
    dialog.model.setData(dialog.model.index(last, 0), "周末白班至少4人")
    dialog.model.setData(dialog.model.index(last, 2), "4")
    dialog.model.setData(dialog.model.index(last, 4), "六日")
    dialog.save()
    assert dialog.saved is not None and dialog.saved.version == first_version + 1
    stored = demo_ctx.services.attendance.ward_rules(ward.department_id)
    rule = next(c for c in stored.cover if c.name == "周末白班至少4人")
    assert (rule.min_staff, rule.weekdays, stored.settings.max_nights_per_month) == (4, frozenset({5, 6}), 7)
    # two workstations: this dialog read the rules, another saved first
    mine = page.ward_rules_dialog()
    assert mine is not None
    qtbot.addWidget(mine)
    svc = demo_ctx.services.attendance
    other = svc.ward_rules(ward.department_id)
    from dataclasses import replace

    svc.save_ward_rules(ward.department_id, replace(other, settings=replace(other.settings, max_nights_per_month=5)))
    mine.max_nights.setValue(9)
    mine.save()
    assert mine.saved is None and ("另一台" in messages[-1] or "another" in messages[-1])
    assert mine.rules is not None and mine.max_nights.value() == 5  # reloaded what the other saved
    # a weekday text that cannot be read is refused before anything is sent
    mine.model.setData(mine.model.index(0, 4), "八")
    mine.save()
    assert mine.saved is None and "八" in messages[-1]


def test_weekday_texts() -> None:
    assert parse_weekdays("") is None
    assert parse_weekdays("六日") == frozenset({5, 6})
    assert parse_weekdays("周六、周日") == frozenset({5, 6})
    assert parse_weekdays("1-5") == frozenset(range(5))
    assert weekdays_text(frozenset({0, 6})) == "一日"


def test_punch_supplement_submitted_and_approved_in_a_locked_month(qtbot, demo_ctx, messages) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.attendance
    assert svc.is_locked("2026-10")
    missing = next(e for e in svc.exceptions("2026-10") if e.kind == "missing_out")
    page = AttendancePage(demo_ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.reload()
    page.month.setCurrentIndex(page.month.findText("2026-10"))
    row = next(r for r in page.table.model.rows() if r.staff_no == missing.staff_no)
    dialog = page.supplement_dialog(row)
    qtbot.addWidget(dialog)
    dialog.day.setDate(dialog.day.date().fromString(missing.day.isoformat(), "yyyy-MM-dd"))
    dialog.kind.setCurrentIndex(dialog.kind.findData("out"))
    dialog.reason.setText("")
    dialog.submit()
    assert dialog.created is None and ("原因" in messages[-1] or "reason" in messages[-1])
    dialog.reason.setText("打卡机故障")
    # a night shift ends the next morning: the real time may be on the next day
    shifts = {r.code: r for r in svc.shift_types(next(w.department_id for w in svc.wards()
                                                        if w.name == row.department))}
    end = shifts[missing.code].end
    if end is not None:
        day_after = shifts[missing.code].start_day_offset or (end <= (shifts[missing.code].start or end))
        d = dialog.day.date().addDays(1 if day_after else 0)
        from PySide6.QtCore import QDateTime

        dialog.at.setDateTime(QDateTime(d, QTime(end.hour, end.minute)))
    dialog.submit()
    assert dialog.created is not None
    review = page.supplements_dialog()
    qtbot.addWidget(review)
    pending = review.table.model.rows()
    assert [p.id for p in pending] == [dialog.created] and pending[0].status == "pending"
    review.decide(True, pending[0])
    assert review.decided[-1].adjustment_month == "2026-11"
    assert review.decided[-1].delta.get("missing_punches") == -1
    assert "2026-11" in messages[-1]
    assert review.table.model.rowCount() == 0  # nothing pending any more
    adj = svc.adjustments("2026-11")
    assert any(a.staff_no == missing.staff_no and "打卡机故障" in a.reason for a in adj)


def test_roster_prints_to_pdf_with_leave_coloured(qtbot, demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _roster_page(qtbot, demo_ctx)
    html = page.roster_html()
    view = page.grid_model.view
    assert view is not None and view.department in html and "31<br>" in html
    if view.leave_cells:
        assert "#d9efd9" in html  # approved leave shown in the grid and on paper
    pdf = page.print_to_pdf(tmp_path / "roster.pdf")
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 2000


def test_on_call_duty_cells_are_amber_and_not_counted_as_nights(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    page = _roster_page(qtbot, demo_ctx, "心血管内科")
    model, view = page.grid_model, page.grid_model.view
    assert view is not None and model.roster is not None and "值" in view.duty_codes and "值" in view.night_codes
    r, c = next((i, k) for i, row in enumerate(model.roster.cells) for k, code in enumerate(row) if code == "值")
    from PySide6.QtCore import Qt

    from ui.tabs.roster_page import FIXED_COLUMNS

    brush = model.data(model.index(r, FIXED_COLUMNS + c), Qt.ItemDataRole.BackgroundRole)
    assert brush.color().name() == "#f5e1c9"  # the legend's amber, not the night blue
    duties = sum(row.count("值") for row in model.roster.cells)
    nights = sum(1 for row in model.roster.cells for code in row
                 if code in view.night_codes and code not in view.duty_codes)
    assert f"夜班 {nights} 个" in page.summary.text() and f"值班 {duties} 个" in page.summary.text()
