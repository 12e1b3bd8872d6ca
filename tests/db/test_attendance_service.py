"""Attendance through the service on real SQLite: rosters, solver, clock import, month, lock."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db.tables import AttendanceMonth, ClockPunch, Department, Employee, Licence, Person, Position
from app.db.uow import unit_of_work
from app.domain.org import Month
from app.errors import InvalidInput
from tests.conftest import DEMO_TODAY


def _ward(ctx, n: int = 3, *, seniors: int = 1, shift_set: str = "三班倒") -> tuple[int, list[int], list[str]]:  # type: ignore[no-untyped-def]
    """A small ward with ``n`` licensed nurses; the first ``seniors`` are 主管护师."""
    with unit_of_work(ctx.session_factory, write=True) as s:
        dept = Department(code="T-W1", name="测试病区", kind="nursing", shift_set=shift_set, working_time="comprehensive")
        s.add(dept)
        s.flush()
        pos = Position(code="T-HS", title="护士", department_id=dept.id, job_family="nursing")
        s.add(pos)
        s.flush()
        ids, nos = [], []
        for i in range(n):
            p = Person(name=f"护士{i}", professional_title="主管护师" if i < seniors else "护师")
            e = Employee(person=p, staff_no=f"N{i:03d}", department_id=dept.id, position_id=pos.id,
                         hire_date=date(2020, 1, 1), status="active")
            s.add_all([p, e, Licence(person=p, kind="护士执业证书", issue_date=date(2020, 1, 1),
                                     expiry_date=date(2030, 1, 1))])
            s.flush()
            ids.append(e.id)
            nos.append(e.staff_no)
        return dept.id, ids, nos


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工号", "打卡时间"])
        w.writerows(rows)
    return path


def _set(svc, dept_id: int, month: str, cells: dict[tuple[str, int], str]):  # type: ignore[no-untyped-def]
    view = svc.roster(dept_id, month)
    r = view.roster
    m = Month.parse(month)
    for (sn, day), code in cells.items():
        r = r.with_cell(sn, date(m.year, m.month, day), code)
    return svc.save_roster(dept_id, r)


def _summary(svc, month: str, staff_no: str):  # type: ignore[no-untyped-def]
    return next(r for r in svc.summary(month) if r.staff_no == staff_no)


def test_ward_shift_types_are_seeded_with_pay_table_night_classes(ctx) -> None:  # type: ignore[no-untyped-def]
    dept, _ids, _nos = _ward(ctx, shift_set="ICU12")
    rows = {r.code: r for r in ctx.services.attendance.shift_types(dept)}
    assert rows["N12"].night_class == "长夜班" and rows["N12"].night
    assert rows["休"].rest and rows["D12"].early
    ctx.services.attendance.set_shift_set(dept, "三班倒")
    rows = {r.code: r for r in ctx.services.attendance.shift_types(dept)}
    assert rows["大夜"].start_day_offset == 1 and rows["大夜"].night_class == "大夜"
    assert rows["小夜"].night_class == "小夜"


@pytest.mark.parametrize("month", ["2025-12", "2026-03"])
def test_night_shift_across_the_month_end_belongs_to_the_rostered_day(ctx, tmp_path, month) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 2)
    m = Month.parse(month)
    last = m.days()[-1].day
    nxt = m.next()
    # N000: 小夜 on the 30th (16–24), 大夜 on the last day (00–08 of the next month's 1st)
    _set(svc, dept, month, {(nos[0], 29): "休", (nos[0], 30): "小夜", (nos[0], last): "大夜"})
    _set(svc, dept, str(nxt), {(nos[0], 1): "下夜", (nos[0], 2): "白"})
    d30, dlast = date(m.year, m.month, 30), date(m.year, m.month, last)
    n1 = nxt.first_day()
    f = _csv(tmp_path / "c.csv", [
        (nos[0], f"{d30} 15:50:00"), (nos[0], f"{n1 if last == 30 else dlast} 00:03:00"),  # 小夜 out after midnight
        (nos[0], f"{dlast} 23:52:10"), (nos[0], f"{n1} 08:04:00"),  # 大夜 in/out
        (nos[0], f"{n1 + timedelta(days=1)} 07:55:00"), (nos[0], f"{n1 + timedelta(days=1)} 16:02:00"),
    ])
    pv = svc.preview_clock(f, month)
    assert [p.row for p in pv.preview.errors] == [7]  # 2nd of the next month: beyond this month's tail
    svc.commit_clock(pv)
    svc.commit_clock(svc.preview_clock(f, str(nxt)))
    svc.compute_month(month)
    svc.compute_month(str(nxt))
    a = _summary(svc, month, nos[0])
    assert a.absent_days == 0 and a.missing_punches == 0 and a.late_count == 0
    assert a.night_shifts == {"大夜": 1, "小夜": 1}
    assert a.days_worked == 2
    b = _summary(svc, str(nxt), nos[0])
    # the 08:04 check-out on the 1st is not taken for a shift of the new month
    assert b.days_worked == 1 and b.absent_days == 0 and b.missing_punches == 0 and b.night_shifts == {}


def test_duplicate_and_missing_punches_and_idempotent_reimport(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 2)
    _set(svc, dept, "2026-02", {(nos[0], 2): "白", (nos[0], 3): "白", (nos[1], 2): "白", (nos[1], 3): "白"})
    f = _csv(tmp_path / "c.csv", [
        (nos[0], "2026-02-02 07:51:00"), (nos[0], "2026-02-02 07:51:40"),  # pressed twice
        (nos[0], "2026-02-02 16:05:00"),
        (nos[0], "2026-02-03 07:58:00"),  # check-out missing
        (nos[1], "2026-02-02 08:21:00"), (nos[1], "2026-02-02 16:01:00"),  # late 21 min; absent on the 3rd
        ("X999", "2026-02-02 08:00:00"),  # unknown staff
        (nos[1], "2026-02-31 08:00"),  # does not parse
        (nos[1], "2026-01-10 08:00:00"),  # outside the month
    ])
    pv = svc.preview_clock(f, "2026-02")
    codes = {(p.row, p.code) for p in pv.preview.problems}
    assert {(3, "duplicate"), (8, "unknown_staff"), (9, "bad_time"), (10, "outside_month")} <= codes
    assert pv.errors == 3 and pv.new_punches == 5
    with unit_of_work(ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(ClockPunch)) == 0  # preview stores nothing
    first = svc.commit_clock(pv)
    again = svc.commit_clock(svc.preview_clock(f, "2026-02"))
    assert (first.inserted, again.inserted, again.already_imported) == (5, 0, 5)
    with unit_of_work(ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(ClockPunch)) == 5
    svc.compute_month("2026-02")
    a, b = _summary(svc, "2026-02", nos[0]), _summary(svc, "2026-02", nos[1])
    assert a.missing_punches == 1 and a.absent_days == 0 and a.days_worked == 2
    assert b.late_count == 1 and b.late_minutes == 21 and b.absent_days == 1
    kinds = {(e.staff_no, e.day.day, e.kind) for e in svc.exceptions("2026-02")}
    assert {(nos[0], 3, "missing_out"), (nos[1], 2, "late"), (nos[1], 3, "absent")} <= kinds
    # a 补卡 supplement, once approved, fills the missing check-out
    sid = svc.submit_supplement(_ids[0], date(2026, 2, 3), "out", __import__("datetime").datetime(2026, 2, 3, 16, 2),
                                "忘记打卡")
    svc.compute_month("2026-02")
    assert _summary(svc, "2026-02", nos[0]).missing_punches == 1  # pending: not used
    svc.decide_supplement(sid, True, user="人事")
    svc.compute_month("2026-02")
    assert _summary(svc, "2026-02", nos[0]).missing_punches == 0


def test_bad_file_gets_a_clear_reason(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    _ward(ctx, 1)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(InvalidInput, match="Excel"):
        svc.preview_clock(bad, "2026-02")
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        svc.preview_clock(odd, "2026-02")
    with pytest.raises(InvalidInput):
        svc.preview_clock(odd, "2026-13")


def test_corrections_then_lock_then_adjustment_next_month(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, ids, nos = _ward(ctx, 1)
    _set(svc, dept, "2026-02", {(nos[0], 2): "大夜"})
    svc.compute_month("2026-02")
    assert _summary(svc, "2026-02", nos[0]).absent_days == 1
    res = svc.correct(ids[0], "2026-02", "absent_days", 0, "外出培训", user="人事")
    assert (res.old, res.new, res.adjustment_month) == (1, 0, None)
    svc.compute_month("2026-02")  # the correction survives recomputation
    row = _summary(svc, "2026-02", nos[0])
    assert row.absent_days == 0 and row.corrections[0]["reason"] == "外出培训"
    assert svc.lock_month("2026-02", user="人事") >= 1 and svc.is_locked("2026-02")
    row = _summary(svc, "2026-02", nos[0])
    assert row.locked and row.locked_by == "人事" and row.locked_at is not None
    res = svc.correct(ids[0], "2026-02", "night_shifts.大夜", 2, "补录一个夜班", user="人事")
    assert res.adjustment_month == "2026-03" and res.old == 0
    adj = svc.adjustments("2026-03")
    assert len(adj) == 1 and adj[0].delta == {"night_shifts": {"大夜": 2}} and adj[0].source_month == "2026-02"
    assert _summary(svc, "2026-02", nos[0]).night_shifts == {}  # the locked month is unchanged
    done = svc.compute_month("2026-02")
    assert done.written == 0 and done.locked_skipped >= 1
    with pytest.raises(InvalidInput):
        svc.correct(ids[0], "2026-02", "salary", 1, "x", user="人事")


def test_rule_violations_through_the_service(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 2)
    violations = _set(svc, dept, "2026-02", {(nos[0], 5): "大夜", (nos[0], 6): "白"})
    rules = {(v.rule, v.staff_no, v.day.day) for v in violations}
    assert ("rest_after_night", nos[0], 6) in rules and ("no_early_after_night", nos[0], 6) in rules
    assert any(v.rule == "coverage" for v in violations)  # a 2-nurse ward cannot meet the default cover
    view = svc.roster(dept, "2026-02")
    assert view.roster.cell(nos[0], date(2026, 2, 5)) == "大夜"  # saved despite the violations
    assert {v.rule for v in view.violations} == {v.rule for v in violations}


def test_solver_on_a_small_ward_and_infeasibility_in_chinese(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, ids, nos = _ward(ctx, 12, seniors=5)
    svc.add_leave(ids[3], "年假", date(2026, 2, 9), date(2026, 2, 11), approved_by="护士长")
    res = svc.generate(dept, "2026-02", time_limit_s=10, first_solution=True)
    assert res.roster is not None and res.violations == ()
    assert [res.roster.cell(nos[3], date(2026, 2, d)) for d in (9, 10, 11)] == ["年", "年", "年"]
    for d in res.roster.days:
        nights = [sn for sn in nos if res.roster.cell(sn, d) == "大夜"]
        assert len(nights) >= 2 and any(nos.index(sn) < 5 for sn in nights)  # a 主管护师 every night
    saved = svc.save_roster(dept, res.roster)
    assert saved == []
    # three nurses cannot staff 7 shifts a day
    small, _i, _n = _ward_in(ctx, "T-W2", 3)
    bad = svc.generate(small, "2026-02", time_limit_s=5)
    assert bad.roster is None and bad.reasons and "需要" in bad.message


def _ward_in(ctx, code: str, n: int):  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        dept = Department(code=code, name=code, kind="nursing", shift_set="三班倒")
        s.add(dept)
        s.flush()
        pos = Position(code=code + "P", title="护士", department_id=dept.id, job_family="nursing")
        s.add(pos)
        s.flush()
        for i in range(n):
            p = Person(name=f"{code}{i}", professional_title="主管护师")
            s.add_all([p, Employee(person=p, staff_no=f"{code}-{i}", department_id=dept.id, position_id=pos.id,
                                   hire_date=date(2020, 1, 1)),
                       Licence(person=p, kind="护士执业证书", issue_date=date(2020, 1, 1))])
        return dept.id, None, None


def test_export_sheet_never_writes_user_text_as_formula(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    svc = ctx.services.attendance
    dept, ids, nos = _ward(ctx, 1)
    _set(svc, dept, "2026-02", {(nos[0], 2): "白"})
    svc.compute_month("2026-02")
    svc.correct(ids[0], "2026-02", "absent_days", 0, "=HYPERLINK(\"x\")", user="人事")
    out = svc.export_sheet("2026-02", tmp_path / "a.xlsx")
    ws = load_workbook(out).worksheets[0]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("HYPERLINK" in t for t in texts) and not any(t.startswith("=") for t in texts)
    exc = svc.export_exceptions("2026-02", tmp_path / "e.xlsx")
    assert exc.exists()


def test_demo_month_is_locked_and_paid_from_the_summary(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.attendance
    month = str(Month.previous_complete(DEMO_TODAY))
    assert svc.is_locked(month)
    rows = svc.summary(month)
    assert rows and all(r.locked and r.locked_by == "演示数据" for r in rows)
    nights = {k for r in rows for k in r.night_shifts}
    assert nights <= {"小夜", "大夜", "长夜班"} and "长夜班" in nights and "大夜" in nights
    assert sum(r.duty_shifts for r in rows) > 50
    assert sum(r.late_count for r in rows) > 5 and sum(r.missing_punches for r in rows) > 5
    assert any(r.leave_days for r in rows)
    flags = [f for r in demo_ctx.services.payroll.review(month) for f in r.flags]
    assert flags and not any("考勤" in f and "锁定" in f for f in flags)
    with unit_of_work(demo_ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(AttendanceMonth).where(AttendanceMonth.month == month)) == len(rows)
    # the export the demo imported is in the data folder, with its errors
    path = demo_ctx.data.root / "imports" / f"clock_{month}.csv"
    pv = svc.preview_clock(path, month, remember=False)
    codes = {p.code for p in pv.preview.problems}
    assert {"unknown_staff", "bad_time", "outside_month", "duplicate"} <= codes
    assert pv.new_punches == 0  # all good rows were imported
    # demo rosters meet the ward rules
    for ward in svc.wards():
        if ward.shift_set != "值班":
            view = svc.roster(ward.department_id, month)
            assert not [v for v in view.violations if v.rule in ("coverage", "rest_after_night", "licence")], ward.name


def test_cli_import_and_summary(ctx, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 1)
    _set(svc, dept, "2026-02", {(nos[0], 2): "白"})
    data_dir = str(ctx.data.root)
    f = tmp_path / "m.csv"
    with f.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["人员", "时刻"])
        w.writerows([(nos[0], "2026-02-02 07:55"), (nos[0], "2026-02-02 16:03"), ("ZZZ", "2026-02-02 08:00")])
    assert main(["attendance", "import", str(f), "--month", "2026-02", "--data-dir", data_dir]) == 2  # columns unknown
    assert "人员" in capsys.readouterr().err
    args = ["attendance", "import", str(f), "--month", "2026-02", "--data-dir", data_dir, "--mapping", "staff=人员,time=时刻"]
    assert main([*args, "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["good_punches"] == 2 and out["errors"] == 1 and out["stored"] is None
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stored"] == 2
    # the mapping is remembered for this export layout
    assert main(["attendance", "import", str(f), "--month", "2026-02", "--data-dir", data_dir, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["already_imported"] == 2
    assert main(["attendance", "import", str(tmp_path / "none.csv"), "--month", "2026-02", "--data-dir", data_dir]) == 2
    assert main(["attendance", "import", str(f), "--month", "02/2026", "--data-dir", data_dir]) == 2
    capsys.readouterr()
    xlsx = tmp_path / "s.xlsx"
    assert main(["attendance", "summary", "--month", "2026-02", "--compute", "--lock", "--xlsx", str(xlsx),
                 "--data-dir", data_dir, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    row = next(r for r in out["rows"] if r["staff_no"] == nos[0])
    assert row["days_worked"] == 1 and row["locked"] and xlsx.exists()
