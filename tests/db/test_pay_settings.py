"""Dated pay settings on the demo hospital: validation, the run's choice by month, recorded ids, locks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db.tables import PayrollRun
from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput
from app.payroll.documents import default_text


def raw(service):  # type: ignore[no-untyped-def]
    """The service itself (these tests are about payroll, not about the permission guard)."""
    try:
        from app.services.guard import unwrap
    except ImportError:  # pragma: no cover - before the guard existed
        return service
    return unwrap(service)


def _city_with_floor(floor: str) -> str:
    """The shipped city document with the 2026-07 housing-fund base floor raised to ``floor``."""
    text = default_text("city")
    head, tail = text.split("effective_from = 2026-07-01", 1)
    tail = tail.replace('housing_fund_base_floor = "2400.00"', f'housing_fund_base_floor = "{floor}"', 1)
    return head + "effective_from = 2026-07-01" + tail


def test_the_shipped_defaults_validate_with_a_trial_calculation(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    settings = raw(demo_ctx.services.pay_settings)
    for kind in ("structure", "city"):
        v = settings.validate(kind, default_text(kind), "2026-11")
        assert v.ok, v.problems
        assert v.samples and all(Decimal(gross) > 0 for _s, gross, _n in v.samples)


def test_a_bad_formula_is_refused_naming_the_line_and_item(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    settings = raw(demo_ctx.services.pay_settings)
    text = default_text("structure").replace('formula = "(小夜 + 大夜 + 长夜班) × 15"', 'formula = "(小夜 + 大夜 + 长夜班) × 夜餐标准"')
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if 'name = "夜餐补助"' in ln) - 2  # its [[items]] header
    v = settings.validate("structure", text, "2026-12")
    assert not v.ok
    assert "夜餐标准" in v.problems[0] and f"第 {line} 行" in v.problems[0] and "夜餐补助" in v.problems[0]
    stored = settings.versions()
    with pytest.raises(InvalidInput) as info:
        settings.save("structure", "2026-12", text, user="薪酬专员")
    assert "夜餐标准" in info.value.message
    assert settings.versions() == stored


def test_a_division_by_zero_is_found_by_the_trial_run(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    settings = raw(demo_ctx.services.pay_settings)
    text = default_text("structure").replace('formula = "(小夜 + 大夜 + 长夜班) × 15"',
                                             'formula = "(小夜 + 大夜 + 长夜班) × 15 ÷ (夜班数 - 夜班数)"')
    v = settings.validate("structure", text, "2026-12")
    assert not v.ok and any("试算" in p for p in v.problems)


def test_a_run_uses_the_latest_settings_effective_by_its_month_and_records_them(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    settings, payroll = raw(demo_ctx.services.pay_settings), raw(demo_ctx.services.payroll)
    before = {r.employee_id: r for r in payroll.results("2026-11")}
    december, _changes = settings.save("city", "2026-12", _city_with_floor("20000.00"), note="测试：下月起生效",
                                       user="薪酬专员")
    # December's document is not in force for November: recalculating November changes nothing
    payroll.run_draft("2026-11")
    assert {k: v.net for k, v in before.items()} == {r.employee_id: r.net for r in payroll.results("2026-11")}
    november, _changes = settings.save("city", "2026-11", _city_with_floor("20000.00"), user="薪酬专员")
    payroll.run_draft("2026-11", user="薪酬专员")
    with unit_of_work(demo_ctx.session_factory) as s:
        run = s.scalar(select(PayrollRun).where(PayrollRun.month == "2026-11"))
        structure = settings.effective_document("structure", "2026-11").info
        assert run.settings["city"] == november.id and run.settings["structure"] == structure.id
        assert structure.effective_month == "2026-01"  # the demo's dated structure, still in force
    after = {r.employee_id: r for r in payroll.results("2026-11")}
    # someone with a housing-fund base below 20,000 now pays 12 % of 20,000 = 2,400.00
    low = next(r for r in after.values() if any(ln.code == "housing_fund" for ln in r.lines))
    hf = next(ln.amount for ln in low.lines if ln.code == "housing_fund")
    assert hf == Decimal("2400.00")
    assert sum(r.net for r in after.values()) < sum(r.net for r in before.values())
    info = {v.id: v for v in settings.versions("city")}
    assert info[november.id].used_by == ("2026-11",) and info[december.id].used_by == ()


def test_settings_that_paid_a_locked_month_cannot_be_replaced_or_deleted(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    settings, payroll = raw(demo_ctx.services.pay_settings), raw(demo_ctx.services.payroll)
    doc, _ = settings.save("city", "2026-11", _city_with_floor("3000.00"), user="薪酬专员")
    with pytest.raises(Conflict):  # the same month again without the version read
        settings.save("city", "2026-11", _city_with_floor("3100.00"), user="薪酬专员")
    doc, _ = settings.save("city", "2026-11", _city_with_floor("3100.00"), user="薪酬专员", expected_version=doc.version)
    payroll.run_draft("2026-11", user="薪酬专员")
    for state in ("review", "approved", "locked"):
        payroll.advance("2026-11", state, user="薪酬专员")
    with pytest.raises(Conflict) as info:
        settings.save("city", "2026-11", _city_with_floor("3200.00"), user="薪酬专员", expected_version=doc.version)
    assert "2026-11" in info.value.message
    with pytest.raises(Conflict):
        settings.delete(doc.id, expected_version=doc.version)
    assert settings.effective_document("city", "2026-12").info.id == doc.id  # still in force afterwards


def test_import_and_export_round_trip(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = raw(demo_ctx.services.pay_settings)
    doc = settings.effective_document("structure", "2026-11")
    assert doc.info.effective_month == "2026-01" and "岗位工资" in doc.body
    path = settings.export_file(doc.body, tmp_path / "结构.toml")
    assert settings.import_file(path) == doc.body
    (tmp_path / "gbk.toml").write_bytes("名称 = 1".encode("gbk"))
    with pytest.raises(InvalidInput):
        settings.import_file(tmp_path / "gbk.toml")


def test_the_demo_runs_record_the_dated_settings_they_used(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    """The demo stores the city settings from January and the July change; each locked month names its document."""
    settings = raw(demo_ctx.services.pay_settings)
    city = {v.effective_month: v for v in settings.versions("city")}
    assert set(city) == {"2026-01", "2026-07"}
    assert city["2026-01"].locked_by == tuple(f"2026-{m:02d}" for m in range(1, 7))
    assert city["2026-07"].locked_by == tuple(f"2026-{m:02d}" for m in range(7, 11))
    assert city["2026-07"].used_by[-1] == "2026-11"  # and the November draft
    assert settings.effective_document("city", "2026-06").info.id == city["2026-01"].id
