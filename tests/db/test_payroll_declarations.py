"""专项附加扣除 declarations: the service (validation, optimistic versions, legacy conversion, Excel import/export)
and the payroll run (amounts in force by month, catch-up, what a run records)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput
from app.services.tax_declarations import COLUMNS, DeclarationForm


def _person_without_declarations(ctx):  # type: ignore[no-untyped-def]
    from app.db.tables import Employee, PayProfile, TaxDeclaration

    with unit_of_work(ctx.session_factory) as s:
        taken = set(s.scalars(select(TaxDeclaration.employee_id)).all())
        rows = s.execute(select(Employee.id, Employee.staff_no, PayProfile.special_additional_deduction_fen)
                         .join(PayProfile, PayProfile.employee_id == Employee.id)
                         .where(Employee.leave_date.is_(None)).order_by(Employee.staff_no)).all()
    return [(i, no, flat) for i, no, flat in rows if i not in taken]


def test_demo_has_declarations_and_a_few_legacy_profiles(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from app.db.tables import TaxDeclaration

    with unit_of_work(demo_ctx.session_factory) as s:
        kinds = {k for (k,) in s.execute(select(TaxDeclaration.kind)).all()}
        mid_year = s.scalar(select(TaxDeclaration.id).where(TaxDeclaration.month_from > "2026-01").limit(1))
    assert {"children_education", "housing_loan", "housing_rent", "elderly_support"} <= kinds
    assert mid_year is not None
    legacy = [p for p in _person_without_declarations(demo_ctx) if p[2] > 0]
    assert legacy, "some profiles keep the old flat amount"


def test_add_edit_end_delete_with_versions(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.declarations
    emp = _person_without_declarations(demo_ctx)[0][0]
    rent = DeclarationForm("housing_rent", "2026-01", None, 150_000, detail={"city_tier": 1})
    view, changes = svc.save(emp, rent, user="hr")
    assert "tax_declarations" in changes.tables and view.kind_name == "住房租金" and view.version == 1
    with pytest.raises(InvalidInput) as info:  # a loan in the same months as the rent
        svc.save(emp, DeclarationForm("housing_loan", "2026-06", None, 100_000))
    assert "2026-06" in info.value.message and "2026-01" in info.value.message
    assert svc.check(emp, DeclarationForm("housing_loan", "2026-06", None, 100_000))
    ended, _c = svc.end(emp, view.id, "2026-05", expected_version=view.version, user="hr")
    assert ended.month_to == "2026-05" and ended.version == 2
    loan, _c = svc.save(emp, DeclarationForm("housing_loan", "2026-06", None, 100_000), user="hr")
    with pytest.raises(Conflict):  # stale version
        svc.end(emp, view.id, "2026-04", expected_version=1)
    with pytest.raises(InvalidInput):  # extending the rent back into the loan's months
        svc.end(emp, view.id, "2026-07", expected_version=ended.version)
    svc.delete(emp, loan.id, expected_version=loan.version)
    assert [d.kind for d in svc.declarations(emp).items] == ["housing_rent"]
    with pytest.raises(InvalidInput):
        svc.save(emp, DeclarationForm("serious_illness", "2026-01", None, 100_000))


def test_legacy_flat_amount_converts_in_one_click(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.declarations
    emp, _no, flat = next(p for p in _person_without_declarations(demo_ctx) if p[2] in (100_000, 200_000, 300_000))
    before = svc.declarations(emp)
    assert before.uses_legacy and before.legacy_fen == flat
    kind = {100_000: "housing_loan", 200_000: "children_education", 300_000: "elderly_support"}[flat]
    view, changes = svc.convert_legacy(emp, kind, "2026-01", detail={"only_child": True} if flat == 300_000 else None)
    assert view.monthly_fen == flat and "pay_profiles" in changes.tables
    after = svc.declarations(emp)
    assert not after.uses_legacy and after.legacy_fen == 0 and len(after.items) == 1
    with pytest.raises(InvalidInput):
        svc.convert_legacy(emp, kind, "2026-01")


def test_a_run_uses_the_declarations_in_force_and_catches_up(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    """A person without declarations gets a child born in March declared (2,000 a month): the November draft
    deducts 2,000 × (March–November) − what January–October already deducted (locked, unchanged) and records
    which declaration it used."""
    payroll, svc = demo_ctx.services.payroll, demo_ctx.services.declarations
    emp, _no, _flat = next(p for p in _person_without_declarations(demo_ctx) if p[2] == 0)
    oct_before = {r.employee_id: r for r in payroll.results("2026-10")}
    prior = sum(r.tax_month.special_additional_deduction
                for m in range(1, 11) for r in payroll.results(f"2026-{m:02d}") if r.employee_id == _no)
    view, _c = svc.save(emp, DeclarationForm("infant_care", "2026-03", None, 200_000, detail={"child": "大宝"}))
    payroll.run_draft("2026-11")
    nov = {r.employee_id: r for r in payroll.results("2026-11")}[_no]
    assert nov.tax_month.special_additional_deduction == Decimal("18000.00") - prior
    assert {r.employee_id: r.tax for r in payroll.results("2026-10")} == {k: v.tax for k, v in oct_before.items()}
    from app.db.tables import PayrollRun

    with unit_of_work(demo_ctx.session_factory) as s:
        run = s.scalar(select(PayrollRun).where(PayrollRun.month == "2026-11"))
        used = run.settings["declarations"][str(emp)]
    assert used["ids"] == [[view.id, view.version]] and used["by_kind"] == {"infant_care": 200_000}
    assert used["cumulative_fen"] == 1_800_000
    detail = payroll.detail("2026-11", emp)
    assert "3岁以下婴幼儿照护" in detail.settings


def test_import_preview_stores_nothing_and_twice_changes_nothing(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.declarations
    exported = svc.export_file(tmp_path / "all.xlsx")
    again = svc.import_preview(exported)
    assert again.problems == () and again.added == again.updated == 0 and again.unchanged > 50

    people = _person_without_declarations(demo_ctx)
    (a, a_no, _f), (b, b_no, _g) = people[0], people[1]
    path = tmp_path / "new.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append([a_no, "", "子女教育", "2026-09", "", 2000, 1, 100, "", "", "", "小明", "-押一付三"])
    ws.append([b_no, "", "住房租金", "2026-01", "", 1500, 1, 100, 1, "", "", "", ""])
    ws.append([b_no, "", "住房贷款利息", "2026-05", "", 1000, 1, 100, "", "", "", "", ""])  # clashes with the rent
    ws.append(["E00000", "", "大病医疗", "2026-01", "", 1000, 1, 100, "", "", "", "", ""])
    ws.append([a_no, "", "赡养老人", "2026/01", "", "abc", 1, 100, "", "否", "", "", ""])
    wb.save(path)
    preview = svc.import_preview(path)
    assert {(p.row, p.column) for p in preview.problems} >= {(4, "扣除类别"), (5, "工号"), (6, "每月金额（元）")}
    clash = next(p for p in preview.problems if p.row == 4)
    assert "2026-05" in clash.reason and clash.value == "住房贷款利息"
    assert svc.declarations(a).items == ()  # the preview stored nothing
    with pytest.raises(InvalidInput):
        svc.import_file(path)
    assert svc.declarations(b).items == ()  # refused as a whole

    wb = load_workbook(path)
    ws = wb.active
    for row in (6, 5, 4):
        ws.delete_rows(row)
    wb.save(path)
    first, changes = svc.import_file(path, user="hr")
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0) and "tax_declarations" in changes.tables
    second, _c = svc.import_file(path, user="hr")
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert [d.note for d in svc.declarations(a).items] == ["-押一付三"]
    out = svc.export_file(tmp_path / "a.xlsx", [a])
    cell = load_workbook(out).active.cell(2, 13)
    assert cell.data_type == "s" and cell.value == "'-押一付三"  # never read as a formula
    assert svc.import_preview(out).unchanged == 1  # the export imports back as the same declaration


def test_cli_exports_checks_and_imports(demo_template, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json
    import shutil

    from app.cli import main

    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    out = tmp_path / "decl.xlsx"
    assert main(["payroll", "declarations", "export", str(out), "--data-dir", str(folder)]) == 0
    capsys.readouterr()
    assert main(["payroll", "declarations", "import", str(out), "--data-dir", str(folder), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["added"] == result["updated"] == 0 and result["unchanged"] > 50 and result["problems"] == []
    wb = load_workbook(out)
    wb.active.cell(2, 6).value = 99999  # far over any cap
    wb.save(out)
    assert main(["payroll", "declarations", "check", str(out), "--data-dir", str(folder), "--json"]) == 2
    captured = capsys.readouterr()
    problems = json.loads(captured.out)["problems"]
    assert problems[0]["row"] == 2 and "99,999.00" in problems[0]["reason"]
