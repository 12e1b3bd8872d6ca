"""Attendance settings in the database: ward rules and clock mappings (shared by workstations, with
versions, legacy JSON imported once), shift-type editing rules, and 补卡 after the month lock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest

from app.attendance.clock import ColumnMapping
from app.attendance.rules import CoverRule
from app.errors import Conflict, InvalidInput
from app.services.attendance import LEGACY_USER, ShiftTypeRow
from tests.db.test_attendance_service import _csv, _set, _summary, _ward


@pytest.fixture()
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This workstation's private config folder (where the old JSON files lived)."""
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("HRDESK_CONFIG_DIR", str(config))
    return config


def test_ward_rules_are_stored_with_versions_and_a_stale_save_is_refused(ctx, workstation) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, _nos = _ward(ctx, 3)
    defaults = svc.ward_rules(dept)
    assert defaults.version == 0 and {c.min_staff for c in defaults.cover} == {3, 2, 1}
    weekend = CoverRule("周末白班至少2人", frozenset({"白"}), 2, frozenset({"护士执业证书"}), frozenset({5, 6}))
    mine = replace(defaults, cover=(*defaults.cover, weekend),
                   settings=replace(defaults.settings, max_nights_per_month=6))
    saved = svc.save_ward_rules(dept, mine, user="hr1")
    assert (saved.version, saved.updated_by) == (1, "hr1")
    again = svc.ward_rules(dept)
    assert again.version == 1 and again.settings.max_nights_per_month == 6
    assert next(c for c in again.cover if c.name == weekend.name).weekdays == frozenset({5, 6})
    # the rules are in the database, not in this workstation's folder
    assert not list(workstation.iterdir())
    assert ctx.services.settings.get(f"attendance.ward_rules.{dept}").version == 1
    # another workstation saved first: this one's save (read at version 0) is refused, nothing changes
    with pytest.raises(Conflict):
        svc.save_ward_rules(dept, replace(mine, settings=replace(mine.settings, max_nights_per_month=4)))
    assert svc.ward_rules(dept).settings.max_nights_per_month == 6
    # the checker uses the stored rules: a weekend day without two nurses on 白 is a violation
    violations = svc.check(dept, svc.roster(dept, "2026-02").roster)
    assert any(v.shift == "白" and weekend.name in v.message and v.day.weekday() >= 5 for v in violations)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: replace(r, cover=(CoverRule("x", frozenset({"休"}), 1),)), "休"),
    (lambda r: replace(r, cover=(CoverRule("x", frozenset({"白"}), 0),)), "1"),
    (lambda r: replace(r, cover=(CoverRule("x", frozenset({"白"}), 1), CoverRule("x", frozenset({"白"}), 2))), "x"),
    (lambda r: replace(r, cover=(CoverRule("x", frozenset({"白"}), 1, weekdays=frozenset()),)), "x"),
    (lambda r: replace(r, settings=replace(r.settings, max_consecutive_nights=0)), "0"),
    (lambda r: replace(r, settings=replace(r.settings, max_weekly_hours=100.0)), "100"),
])
def test_invalid_ward_rules_are_refused_with_the_reason(ctx, workstation, change, message) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, _nos = _ward(ctx, 2)
    with pytest.raises(InvalidInput, match=message):
        svc.save_ward_rules(dept, change(svc.ward_rules(dept)))
    assert svc.ward_rules(dept).version == 0


def test_legacy_json_files_are_imported_once_and_left_alone(ctx, workstation, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 2)
    legacy = {"T-W1": {"cover": [{"name": "旧规则：白班至少1人", "shifts": ["白"], "min": 1, "skills": [],
                                  "weekdays": None}],
                       "settings": {"max_nights_per_month": 5}}}
    wards_file = workstation / "attendance_wards.json"
    wards_file.write_text(json.dumps(legacy, ensure_ascii=False), encoding="utf-8")
    maps_file = workstation / "attendance_clock_mappings.json"
    maps_file.write_text(json.dumps({"工号|打卡时间": {"staff_no": "工号", "timestamp": "打卡时间"}}, ensure_ascii=False),
                         encoding="utf-8")
    before = (wards_file.read_bytes(), maps_file.read_bytes())
    rules = svc.ward_rules(dept)
    assert (rules.version, rules.updated_by) == (1, LEGACY_USER)
    assert [c.name for c in rules.cover] == ["旧规则：白班至少1人"] and rules.settings.max_nights_per_month == 5
    info = svc.open_clock_file(_csv(tmp_path / "c.csv", [(nos[0], "2026-02-02 07:55")]))
    assert info.remembered and info.mapping is not None and info.mapping.staff_no == "工号"
    assert (wards_file.read_bytes(), maps_file.read_bytes()) == before  # the files are left as they were
    # once imported, the database wins: editing the old file changes nothing
    legacy["T-W1"]["settings"]["max_nights_per_month"] = 2
    wards_file.write_text(json.dumps(legacy, ensure_ascii=False), encoding="utf-8")
    assert svc.ward_rules(dept).settings.max_nights_per_month == 5
    assert svc.ward_rules(dept).version == 1


def test_a_clock_mapping_remembered_on_one_workstation_is_used_on_another(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    _dept, _ids, nos = _ward(ctx, 1)
    f = tmp_path / "zk.csv"
    f.write_text("人员编号,日期时间,机器\n" + f"{nos[0]},2026-02-02 07:55,A1\n", encoding="utf-8")
    monkeypatch.setenv("HRDESK_CONFIG_DIR", str(tmp_path / "pc1"))
    first = svc.open_clock_file(f)
    assert not first.remembered
    svc.remember_mapping(first.header, ColumnMapping(staff_no="人员编号", timestamp="日期时间", device="机器"), user="hr1")
    monkeypatch.setenv("HRDESK_CONFIG_DIR", str(tmp_path / "pc2"))
    other = svc.open_clock_file(f)
    assert other.remembered and other.mapping == ColumnMapping(staff_no="人员编号", timestamp="日期时间", device="机器")
    assert not (tmp_path / "pc1").exists() and not (tmp_path / "pc2").exists()


def _row(code: str, start: time | None, end: time | None, **kw) -> ShiftTypeRow:  # type: ignore[no-untyped-def]
    return ShiftTypeRow(None, code, kw.pop("name", code), start, end, **kw)


@pytest.mark.parametrize(("row", "message"), [
    (_row("长白", time(8), time(8), paid_minutes=480), "24"),  # 24 h only for 值班
    (_row("白2", time(8), time(12), paid_minutes=240, break_minutes=60), "240"),  # paid + break > 4 h
    (_row("年", time(8), time(16), paid_minutes=480), "年假"),  # a leave code of the grid
    (_row("白", time(8), time(16), paid_minutes=480), "白"),  # the ward has 白 already
    (_row("中", time(10), time(18), paid_minutes=0), "480"),  # pays nothing
    (_row("休2", None, None, rest=True, night=True), "休2"),
    (_row("X", time(8), time(16), paid_minutes=480, night_class="夜"), "小夜"),
])
def test_shift_type_validation(ctx, row, message) -> None:  # type: ignore[no-untyped-def]
    dept, _ids, _nos = _ward(ctx, 1)
    svc = ctx.services.attendance
    svc.shift_types(dept)
    with pytest.raises(InvalidInput, match=message):
        svc.save_shift_type(dept, row)


def test_shift_types_crossing_midnight_24h_duty_and_delete_refused_when_used(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 2)
    svc.shift_types(dept)
    night = svc.save_shift_type(dept, _row("N10", time(22), time(8), name="夜班10小时", paid_minutes=540,
                                           break_minutes=60, night=True, night_class="大夜"))
    duty = svc.save_shift_type(dept, _row("值", time(8), time(8), name="24小时值班", paid_minutes=480, duty=True))
    spare = svc.save_shift_type(dept, _row("中", time(10), time(18), paid_minutes=480))
    assert (night.night, night.night_class, duty.duty) == (True, "大夜", True)
    _set(svc, dept, "2026-03", {(nos[0], 2): "N10", (nos[1], 3): "值"})
    with pytest.raises(InvalidInput, match="2026-03"):
        svc.delete_shift_type(dept, night.id, night.version)
    assert svc.shift_usage(dept, night.id).cells == 1
    svc.delete_shift_type(dept, spare.id, spare.version)
    assert "中" not in {r.code for r in svc.shift_types(dept)}
    # a shift named by the ward's cover rules can be neither deleted nor renamed
    day = next(r for r in svc.shift_types(dept) if r.code == "白")
    with pytest.raises(InvalidInput, match="白"):
        svc.delete_shift_type(dept, day.id, day.version)
    with pytest.raises(InvalidInput, match="白"):
        svc.save_shift_type(dept, replace(day, code="D"))
    # a stale edit is refused
    svc.save_shift_type(dept, replace(night, name="夜班"))
    with pytest.raises(Conflict):
        svc.save_shift_type(dept, replace(night, name="夜"))


def test_punch_supplement_after_the_lock_becomes_an_adjustment_next_month(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, ids, nos = _ward(ctx, 1)
    _set(svc, dept, "2026-02", {(nos[0], 2): "白", (nos[0], 3): "白"})
    svc.commit_clock(svc.preview_clock(_csv(tmp_path / "c.csv", [
        (nos[0], "2026-02-02 07:55"), (nos[0], "2026-02-02 16:03"), (nos[0], "2026-02-03 07:58")]), "2026-02"))
    svc.compute_month("2026-02")
    assert _summary(svc, "2026-02", nos[0]).missing_punches == 1
    with pytest.raises(InvalidInput):  # too far from the shift day
        svc.submit_supplement(ids[0], date(2026, 2, 3), "out", datetime(2026, 2, 9, 16, 0), "忘记打卡")
    svc.lock_month("2026-02", user="人事")
    sid = svc.submit_supplement(ids[0], date(2026, 2, 3), "out", datetime(2026, 2, 3, 16, 1), "忘记打卡")
    with pytest.raises(InvalidInput):  # one request per shift and punch
        svc.submit_supplement(ids[0], date(2026, 2, 3), "out", datetime(2026, 2, 3, 16, 5), "再次")
    pending = svc.supplements("2026-02", status="pending")
    assert [(p.id, p.staff_no, p.department) for p in pending] == [(sid, nos[0], "测试病区")]
    decision = svc.decide_supplement(sid, True, user="护士长")
    assert decision.month_locked and decision.adjustment_month == "2026-03"
    assert decision.delta["missing_punches"] == -1
    adj = svc.adjustments("2026-03")
    assert len(adj) == 1 and adj[0].source_month == "2026-02" and adj[0].delta == decision.delta
    assert "忘记打卡" in adj[0].reason
    # the locked month itself is unchanged, and a decided request cannot be decided again
    assert _summary(svc, "2026-02", nos[0]).missing_punches == 1
    with pytest.raises(Conflict):
        svc.decide_supplement(sid, False, user="护士长")
    # a rejected request books nothing
    sid2 = svc.submit_supplement(ids[0], date(2026, 2, 2), "in", datetime(2026, 2, 2, 7, 50), "测试")
    assert svc.decide_supplement(sid2, False, user="护士长").adjustment_month is None
    assert len(svc.adjustments("2026-03")) == 1
