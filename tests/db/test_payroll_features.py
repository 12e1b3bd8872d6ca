"""Payroll on the demo hospital: approved performance coefficients, stored warnings, line detail, pay profiles,
salary simulation, the bank transfer list, chart totals and the tax-free limits in a real run."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.db.tables import Employee, PayProfile, PayrollRun, PerformanceCoefficient
from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput
from app.payroll.documents import default_text
from app.payroll.money import round_half_up
from app.services.payroll import PayProfileForm

MONTH = "2026-11"
SIM_MONTH = "2026-10"  # attendance locked, with night shifts


def raw(service):  # type: ignore[no-untyped-def]
    """The service itself (these tests are about payroll, not about the permission guard)."""
    try:
        from app.services.guard import unwrap
    except ImportError:  # pragma: no cover
        return service
    return unwrap(service)


def _form(view, **changes):  # type: ignore[no-untyped-def]
    base = dict(category=view.category, roles=view.roles, post_grade=view.post_grade, salary_level=view.salary_level,
                contract_wage_fen=view.contract_wage_fen, post_coefficient=view.post_coefficient,
                performance_coefficient=view.performance_coefficient, si_base_fen=view.si_base_fen,
                hf_base_fen=view.hf_base_fen, hf_rate_pct=view.hf_rate_pct,
                special_additional_deduction_fen=view.special_additional_deduction_fen, bank_account=view.bank_account)
    base.update(changes)
    return PayProfileForm(**base)


def _someone_without_coefficients(demo_ctx) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(demo_ctx.session_factory) as s:
        has = set(s.scalars(select(PerformanceCoefficient.employee_id)).all())
        run = s.scalar(select(PayrollRun).where(PayrollRun.month == MONTH))
        from app.db.tables import PayrollLine

        paid = s.scalars(select(PayrollLine.employee_id).where(PayrollLine.run_id == run.id,
                                                               PayrollLine.item_code == "basic_perf")).all()
    return next(e for e in sorted(set(paid)) if e not in has)


def test_the_latest_approved_coefficient_pays_and_its_source_is_shown(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    payroll = raw(demo_ctx.services.payroll)
    emp = _someone_without_coefficients(demo_ctx)
    view = payroll.pay_profile(emp)
    assert view.coefficient_source == "薪酬档案"  # no rows: the profile's figure
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        s.add_all([
            PerformanceCoefficient(employee_id=emp, effective_month="2026-09", coefficient=1.1, status="approved",
                                   source="manual", reason="年度考核"),
            PerformanceCoefficient(employee_id=emp, effective_month="2026-11", coefficient=1.3, status="approved",
                                   source="training", reason="培训考核优秀"),
            PerformanceCoefficient(employee_id=emp, effective_month="2026-11", coefficient=1.5, status="proposed"),
            PerformanceCoefficient(employee_id=emp, effective_month="2026-12", coefficient=1.6, status="approved"),
        ])
    payroll.run_draft(MONTH, user="薪酬专员")
    detail = payroll.detail(MONTH, emp)
    perf = next(ln for ln in detail.lines if ln.code == "basic_perf")
    assert "绩效系数 1.3 (" in perf.explanation and "培训考核优秀" in perf.explanation and "2026-11" in perf.explanation
    assert "培训考核优秀" in detail.coefficient_source
    # worked figure: 基础性绩效 table amount of the post grade × 岗位系数 × 出勤系数 1 × 绩效系数 1.3
    structure = payroll.structure(MONTH)
    base = structure.tables["基础性绩效"].lookup(view.post_grade)
    assert perf.amount_fen == int(round_half_up(base * view.post_coefficient * Decimal("1.3")) * 100)
    with unit_of_work(demo_ctx.session_factory) as s:
        run = s.scalar(select(PayrollRun).where(PayrollRun.month == MONTH))
        chosen = s.get(PerformanceCoefficient, run.settings["coefficients"][str(emp)])
        assert chosen.coefficient == 1.3 and chosen.status == "approved"


def test_warnings_are_stored_as_msgids_and_old_rows_stay_readable(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    payroll = raw(demo_ctx.services.payroll)
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        run = s.scalar(select(PayrollRun).where(PayrollRun.month == MONTH))
        assert run.warnings and all("msgid" in w and "text" not in w for w in run.warnings)
        assert {w["msgid"] for w in run.warnings} >= {"attendance for {month} is not locked"}
        first = run.warnings[0]["employee_id"]
        run.warnings = [*run.warnings, {"employee_id": first, "text": "旧版本保存的提示"}]
    flags = {r.employee_id: r.flags for r in payroll.review(MONTH)}
    assert "旧版本保存的提示" in flags[first]
    assert any("2026-11 的考勤尚未锁定" in f or "考勤" in f and "锁定" in f for f in flags[first])


def test_a_pay_profile_is_checked_against_the_city_and_saved_with_its_version(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    payroll = raw(demo_ctx.services.payroll)
    emp = _someone_without_coefficients(demo_ctx)
    view = payroll.pay_profile(emp)
    assert view.limits.hf_floor_fen == 240000 and view.limits.si_cap_fen == 2500000  # the 2026-07 city period
    with pytest.raises(InvalidInput) as info:
        payroll.save_pay_profile(emp, _form(view, hf_base_fen=100000, hf_rate_pct=Decimal("15")),
                                 expected_version=view.version)
    assert "公积金缴存基数" in info.value.message and "公积金缴存比例" in info.value.message
    with pytest.raises(InvalidInput):
        payroll.save_pay_profile(emp, _form(view, bank_account="6222-12"), expected_version=view.version)
    saved, _changes = payroll.save_pay_profile(
        emp, _form(view, hf_base_fen=1000000, hf_rate_pct=Decimal("10"), bank_account="6222 0200 0000 0000 000"),
        expected_version=view.version, user="薪酬专员")
    assert saved.version == view.version + 1 and saved.bank_account == "6222020000000000000"
    with pytest.raises(Conflict):
        payroll.save_pay_profile(emp, _form(view), expected_version=view.version)
    payroll.run_draft(MONTH)
    hf = next(ln for ln in payroll.detail(MONTH, emp).lines if ln.code == "housing_fund")
    assert hf.amount_fen == 100000  # 10,000.00 × 10 %
    assert "10%" in hf.explanation


def test_simulation_compares_schemes_without_storing_anything(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    payroll = raw(demo_ctx.services.payroll)
    before_run = payroll.run_for(SIM_MONTH)
    draft = default_text("structure").replace('"大夜" = "80.00"', '"大夜" = "100.00"')
    sim = payroll.simulate(SIM_MONTH, draft)
    assert payroll.run_for(SIM_MONTH) == before_run  # nothing stored
    results = {r.employee_id: r for r in payroll.results(SIM_MONTH)}
    nights = {int(k): v for k, v in _big_nights(demo_ctx).items()}
    for p in sim.people:
        expected = nights.get(p.employee_id, 0) * 2000  # 20.00 more per 大夜
        assert p.delta_gross_fen == expected, p
    assert sim.hospital.delta_gross_fen == sum(nights.values()) * 2000 > 0
    assert sim.hospital.winners == sum(1 for p in sim.people if p.delta_net_fen > 0) > 0 and sim.hospital.losers == 0
    assert sum(d.delta_gross_fen for d in sim.departments) == sim.hospital.delta_gross_fen
    assert sim.hospital.gross_before_fen == sum(int(r.gross * 100) for r in results.values())
    path = payroll.export_simulation(sim, tmp_path / "模拟.xlsx")
    wb = load_workbook(path)
    assert any("Δ" in str(c.value) or "差额" in str(c.value) for ws in wb.worksheets for row in ws.iter_rows(max_row=5)
               for c in row)
    with pytest.raises(InvalidInput):
        payroll.simulate(SIM_MONTH, draft.replace("kind = \"count_rate\"", "kind = \"rate\"", 1))


def _big_nights(demo_ctx) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """大夜 shifts paid in the simulated month per employee (the run's own attendance input)."""
    payroll = raw(demo_ctx.services.payroll)
    attendance = {}
    with unit_of_work(demo_ctx.session_factory) as s:
        ids = s.scalars(select(Employee.id)).all()
    from app.domain.org import Month

    with unit_of_work(demo_ctx.session_factory) as s:
        summaries = payroll._attendance(s, Month.parse(SIM_MONTH), ids)  # noqa: SLF001 - the run's own attendance input
    for emp, (summary, _locked) in summaries.items():
        n = summary.counts.get("大夜", Decimal(0))
        if n:
            attendance[emp] = int(n)
    return attendance


def test_bank_list_flags_accounts_and_exports_once_they_are_fixed(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    payroll = raw(demo_ctx.services.payroll)
    rows = payroll.bank_transfers(MONTH)
    run = payroll.run_for(MONTH)
    assert len(rows) == run.headcount
    missing = [r for r in rows if r.problem]
    assert missing and all(r.problem == "缺少银行账号" for r in missing)
    with pytest.raises(InvalidInput) as info:
        payroll.export_bank_list(MONTH, tmp_path / "bank.xlsx")
    assert missing[0].staff_no in info.value.message
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        for r in missing:
            s.scalar(select(PayProfile).where(PayProfile.employee_id == r.employee_id)).bank_account = "6222020000000000000"
    path = payroll.export_bank_list(MONTH, tmp_path / "bank.csv")
    with path.open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[-1][-1] == f"{sum(r.net_fen for r in rows if r.net_fen > 0) / 100:.2f}"
    assert len(lines) == 2 + sum(1 for r in rows if r.net_fen > 0)
    assert payroll.export_bank_list(MONTH, tmp_path / "bank.xlsx").exists()


def test_chart_totals_add_up_to_the_run(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    payroll = raw(demo_ctx.services.payroll)
    run = payroll.run_for("2026-10")
    depts = payroll.department_totals("2026-10")
    assert sum(d.gross_fen for d in depts) == run.total_gross_fen
    assert sum(d.net_fen for d in depts) == run.total_net_fen
    assert sum(d.headcount for d in depts) == run.headcount
    months = payroll.monthly_totals(12)
    assert [m.month for m in months] == sorted(m.month for m in months) and months[-1].month == MONTH


def test_housing_fund_above_the_tax_free_limit_is_taxed_in_the_run(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    """A city document for November with a low average wage (3,000): the tax-free housing fund is at most
    12 % × 3 × 3,000 = 1,080.00; the part above it is not deducted before tax (财税〔2006〕10号)."""
    settings, payroll = raw(demo_ctx.services.pay_settings), raw(demo_ctx.services.payroll)
    text = default_text("city").replace('average_monthly_wage = "10500.00"', 'average_monthly_wage = "3000.00"')
    settings.save("city", MONTH, text, user="薪酬专员")
    payroll.run_draft(MONTH)
    rich = max(payroll.results(MONTH), key=lambda r: r.contributions)
    hf = next(ln.amount for ln in rich.lines if ln.code == "housing_fund")
    assert hf > Decimal("1080.00")
    assert rich.tax_month.special_deduction == rich.contributions - (hf - Decimal("1080.00"))
    assert rich.taxable_excess >= hf - Decimal("1080.00")
    emp = next(e for e, no in _staff_numbers(demo_ctx).items() if no == rich.employee_id)
    detail = payroll.detail(MONTH, emp)
    line = next(ln for ln in detail.lines if ln.code == "housing_fund")
    assert "1080.00" in line.explanation and detail.taxable_excess_fen >= int((hf - Decimal("1080.00")) * 100)


def _staff_numbers(demo_ctx) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with unit_of_work(demo_ctx.session_factory) as s:
        return dict(s.execute(select(Employee.id, Employee.staff_no)).all())
