"""Payroll runs on the demo hospital: workflow, atomicity, year-to-date withholding, review, outputs."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.errors import AppError, Conflict
from app.payroll.tax import MonthInput, withhold_year


def test_demo_has_a_locked_year_to_date_and_a_draft(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    runs = {r.month: r for r in demo_ctx.services.payroll.runs()}
    assert [m for m in sorted(runs) if runs[m].state == "locked"] == [f"2026-{m:02d}" for m in range(1, 11)]
    assert runs["2026-11"].state == "draft"
    assert [h["state"] for h in runs["2026-10"].history] == ["draft", "review", "approved", "locked"]
    assert runs["2026-10"].headcount >= 290


def test_a_locked_month_is_never_recalculated(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as info:
        demo_ctx.services.payroll.run_draft("2026-10")
    assert "补" in info.value.message or "调整" in info.value.message or "later" in info.value.message
    with pytest.raises(Conflict):
        demo_ctx.services.payroll.advance("2026-11", "locked")  # draft cannot jump to locked


def test_withholding_uses_the_locked_months_of_the_year(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    payroll = demo_ctx.services.payroll
    by_month = {m: {r.employee_id: r for r in payroll.results(f"2026-{m:02d}")} for m in range(1, 12)}
    richest = max(by_month[11].values(), key=lambda r: r.gross)
    months = [by_month[m][richest.employee_id].tax_month for m in range(1, 12) if richest.employee_id in by_month[m]]
    expected = withhold_year(2026, months[0].month, months)
    withheld = [by_month[m][richest.employee_id].tax for m in range(1, 12) if richest.employee_id in by_month[m]]
    assert withheld == [r.tax for r in expected.months]
    assert sum(withheld) > 0


def test_a_failure_part_way_stores_nothing_and_names_the_employee(demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import app.services.payroll as svc

    payroll = demo_ctx.services.payroll
    before = payroll.run_for("2026-11")
    real = svc.evaluate_month
    calls = {"n": 0}

    def flaky(structure, profile, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 150:
            from app.errors import InvalidInput

            raise InvalidInput("岗位工资表中没有该岗位等级")
        return real(structure, profile, *args, **kwargs)

    monkeypatch.setattr(svc, "evaluate_month", flaky)
    with pytest.raises(AppError) as info:
        payroll.run_draft("2026-11", user="测试")
    assert "岗位工资表中没有该岗位等级" in info.value.message and "E1" in info.value.message
    after = payroll.run_for("2026-11")
    assert after == before  # the earlier draft is untouched


def test_review_lists_causes_and_flags(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    rows = demo_ctx.services.payroll.review("2026-11")
    assert len(rows) >= 290
    assert any(r.causes for r in rows)
    assert any("银行账号" in f for r in rows for f in r.flags)
    assert all(r.flags for r in rows[:1])  # flagged people come first


def test_sheet_and_payslips(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    payroll = demo_ctx.services.payroll
    path = payroll.export_sheet("2026-10", tmp_path / "payroll.xlsx")
    wb = load_workbook(path)
    assert len(wb.sheetnames) >= 10  # hospital summary + one sheet per department
    formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert any("SUM(" in f for f in formulas)
    combined = payroll.export_payslips("2026-10", tmp_path / "slips")
    text = subprocess.run(["pdftotext", str(combined), "-"], capture_output=True, text=True).stdout
    first = payroll.results("2026-10")[0]
    assert first.name in text and "实发" in text


def test_month_must_look_like_a_month(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput):
        demo_ctx.services.payroll.run_draft("Oct 2026")


def test_tax_months_round_trip_exactly(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    r = demo_ctx.services.payroll.results("2026-10")[0]
    assert isinstance(r.tax_month, MonthInput)
    assert r.net == r.gross - r.contributions - r.other_deductions - r.tax - r.post_tax_deductions
    assert r.gross > Decimal("3000")


def test_a_correction_after_the_attendance_lock_is_paid_the_next_month(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    """October is locked; one more 大夜 found for a nurse is booked into November and paid there (补发)."""
    attendance, payroll = demo_ctx.services.attendance, demo_ctx.services.payroll
    rows = [r for r in attendance.summary("2026-10") if (r.night_shifts or {}).get("大夜")]
    nurse = rows[0]
    before = {r.employee_id: r for r in payroll.results("2026-11")}
    night_item = next(line for line in before[nurse.staff_no].lines if line.name == "夜班费")
    attendance.correct(nurse.employee_id, "2026-10", "night_shifts.大夜", nurse.night_shifts["大夜"] + 1,
                       "打卡机故障，护士长核实漏记一个大夜", user="人事专员")
    payroll.run_draft("2026-11")
    after = {r.employee_id: r for r in payroll.results("2026-11")}
    night_after = next(line for line in after[nurse.staff_no].lines if line.name == "夜班费")
    assert night_after.amount - night_item.amount == Decimal("80.00")  # the 大夜 rate of the default pay table


def test_cli_payroll_run_drafts_and_exports(demo_template, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json
    import shutil

    from app.cli import main

    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    assert main(["payroll", "run", "--data-dir", str(folder), "--month", "2026-11", "--xlsx", str(tmp_path / "p.xlsx"),
                 "--payslips", str(tmp_path / "slips"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["state"] == "draft" and out["headcount"] > 250 and Decimal(out["total_net"]) > 0
    assert (tmp_path / "p.xlsx").exists() and list((tmp_path / "slips").glob("payslips_*.pdf"))
    # a locked month is exported as it stands, not recalculated
    assert main(["payroll", "run", "--data-dir", str(folder), "--month", "2026-10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "locked"
    assert main(["payroll", "run", "--data-dir", str(folder), "--month", "13/2026"]) == 2
