"""Security menu → 个人信息查阅导出（PIPL） and 匿名化统计导出: both files produced through the dialogs."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.security.permissions import principal_for
from ui.dialogs.privacy_export import AnonymisedExportDialog, PersonExportDialog
from ui.workers import SyncPool


def _employee(db: Path) -> tuple[int, str, str]:
    """(person id, name, staff number) of an employee with payroll lines and a unique name."""
    con = sqlite3.connect(db)
    try:
        row = con.execute(
            "SELECT p.id, p.name, e.staff_no FROM people p JOIN employees e ON e.person_id = p.id "
            "WHERE EXISTS (SELECT 1 FROM payroll_lines l WHERE l.employee_id = e.id) "
            "AND (SELECT count(*) FROM people q WHERE q.name = p.name) = 1 ORDER BY p.id LIMIT 1").fetchone()
        return int(row[0]), str(row[1]), str(row[2])
    finally:
        con.close()


@pytest.fixture()
def hr(demo_ctx):  # type: ignore[no-untyped-def]
    demo_ctx.services.identity.sign_in(principal_for("renshi", "hr", display_name="人事甲"))
    return demo_ctx


def test_person_export_dialog_finds_by_staff_number_and_writes_the_zip(qtbot, hr, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person_id, name, staff_no = _employee(hr.db_path)
    dlg = PersonExportDialog(hr.services.privacy, SyncPool())
    qtbot.addWidget(dlg)
    assert not dlg.export_button.isEnabled()  # nobody picked yet
    dlg.query.setText(staff_no)
    dlg.find_button.click()
    assert dlg.table.model.rowCount() == 1
    assert dlg.selected is not None and dlg.selected.person_id == person_id and dlg.selected.name == name
    assert dlg.export_button.isEnabled()
    out = tmp_path / "out" / "request"  # no suffix: .zip is added; the folder is created
    dlg.output.setText(str(out))
    dlg.export_button.click()
    written = out.with_name("request.zip")
    assert dlg.result_path == written and written.exists()
    assert str(written) in dlg.message.text() and "已保存" in dlg.message.text()
    assert dlg.open_folder_button.isEnabled()
    with zipfile.ZipFile(written) as z:
        data = json.loads(z.read("personal_data.json"))
        assert "index.csv" in z.namelist()
    assert data["person_id"] == person_id
    assert [p["name"] for p in data["tables"]["people"]] == [name]
    assert {e["staff_no"] for e in data["tables"]["employees"]} == {staff_no}
    assert data["tables"]["payroll_lines"]
    # the export is in the audit log under the signed-in user
    con = sqlite3.connect(hr.db_path)
    try:
        users = [u for (u,) in con.execute("SELECT username FROM audit_log WHERE action = 'privacy.person_export'")]
    finally:
        con.close()
    assert users == ["renshi"]


def test_person_search_by_name_lists_candidates_too(qtbot, hr) -> None:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(hr.db_path)
    try:
        cid, name = con.execute("SELECT c.id, p.name FROM candidates c JOIN people p ON p.id = c.person_id "
                                "ORDER BY c.id LIMIT 1").fetchone()
    finally:
        con.close()
    dlg = PersonExportDialog(hr.services.privacy, SyncPool())
    qtbot.addWidget(dlg)
    dlg.query.setText(f"#{cid}")
    dlg.find_button.click()
    assert dlg.selected is not None and dlg.selected.name == name and f"#{cid}" in dlg.selected.candidacies
    dlg.query.setText("不存在的人名")
    dlg.find_button.click()
    assert dlg.table.model.rowCount() == 0 and "没有" in dlg.message.text()
    assert not dlg.export_button.isEnabled()


def test_anonymised_dialog_writes_the_workbook_without_identities(qtbot, hr, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dlg = AnonymisedExportDialog(hr.services.privacy, SyncPool())
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "anon.xlsx"))
    dlg.month.setText("2026-13")
    dlg.export_button.click()
    assert dlg.result_path is None and "YYYY-MM" in dlg.message.text()
    dlg.month.setText("2026-10")
    dlg.export_button.click()
    assert dlg.result_path == tmp_path / "anon.xlsx" and dlg.result_path.exists()
    assert "已保存" in dlg.message.text()
    wb = load_workbook(dlg.result_path, read_only=True)
    cells = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None}
    months = {row[2] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    wb.close()
    assert months == {"2026-10"}
    con = sqlite3.connect(hr.db_path)
    try:
        names = {v for (v,) in con.execute("SELECT name FROM people")}
        staff = {v for (v,) in con.execute("SELECT staff_no FROM employees")}
    finally:
        con.close()
    assert not cells & (names | staff)


def test_a_refused_user_sees_the_service_message(qtbot, demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo_ctx.services.identity.sign_in(principal_for("iv1", "interviewer", display_name="面试官甲"))
    dlg = PersonExportDialog(demo_ctx.services.privacy, SyncPool())
    qtbot.addWidget(dlg)
    dlg.query.setText("张")
    dlg.find_button.click()
    assert "无权" in dlg.message.text() and "iv1" in dlg.message.text()
    assert dlg.table.model.rowCount() == 0
    anon = AnonymisedExportDialog(demo_ctx.services.privacy, SyncPool())
    qtbot.addWidget(anon)
    anon.output.setText(str(tmp_path / "anon.xlsx"))
    anon.export_button.click()
    assert "无权" in anon.message.text() and not (tmp_path / "anon.xlsx").exists()
