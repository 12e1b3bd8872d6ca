"""Punch → shift attachment and per-day / monthly figures, with cross-midnight month and year ends."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.attendance.attach import attach_punches, rostered_shifts
from app.attendance.calendar import load_calendar
from app.attendance.daily import EXTENDED, HOLIDAY, REST_DAY, DailySettings, Supplement, compute_days
from app.attendance.roster import Roster
from app.attendance.shifts import default_catalog, shift_from_dict
from app.attendance.summary import adjustment, apply_adjustment, summarise_month
from app.domain.org import Month

CAL = load_calendar()


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s)


def one_person(month: Month, cells: dict[int, str], rest: str = "休") -> Roster:
    r = Roster.empty("W", month, ["A"]).with_cycle("A", [rest])
    for d, code in cells.items():
        r = r.with_cell("A", date(month.year, month.month, d), code)
    return r


def run(rosters: list[Roster], punches: list[str], cat, **kw):  # type: ignore[no-untyped-def]
    shifts = rostered_shifts(rosters, cat)
    att = attach_punches([("A", dt(p)) for p in punches], shifts)
    recs = compute_days(rosters[-1], cat, att, CAL, kw.pop("settings", None), kw.pop("supplements", ()))
    return att, {r.day: r for r in recs}


def test_big_night_on_new_years_eve_checks_out_next_year() -> None:
    cat = default_catalog("三班倒")
    dec = one_person(Month(2025, 12), {31: "大夜"})
    jan = one_person(Month(2026, 1), {1: "下夜"})
    att, recs = run([dec, jan], ["2025-12-31T23:50", "2026-01-01T08:03"], cat)
    sp = att.by_key()[("A", date(2025, 12, 31))]
    assert sp.check_in == dt("2025-12-31T23:50") and sp.check_out == dt("2026-01-01T08:03")
    assert att.unattached == ()
    # December's records: the 31st is worked, not absent; nothing lands on 1 January
    dec_recs = {r.day: r for r in compute_days(dec, cat, att, CAL)}
    r = dec_recs[date(2025, 12, 31)]
    assert not r.absent and r.worked_minutes == 480 and r.night_class == "大夜"
    # the shift runs on 1 Jan 2026 (statutory holiday) but belongs to 31 Dec (a workday)
    assert r.overtime == {}
    assert recs[date(2026, 1, 1)].kind == "rest"


def test_18_to_07_shift_at_month_end_is_not_absent() -> None:
    cat = default_catalog("三班倒").with_shifts(
        [shift_from_dict({"code": "E", "start": "18:00", "end": "07:00", "paid_minutes": 720, "night": True,
                          "night_class": "大夜"})]
    )
    jan = one_person(Month(2025, 1), {31: "E", 30: "E"})
    att, recs = run([jan], ["2025-01-30T17:55", "2025-01-31T07:02", "2025-01-31T17:58", "2025-02-01T07:10"], cat)
    for d in (30, 31):
        r = recs[date(2025, 1, d)]
        assert not r.absent and not r.missing_in and not r.missing_out
        assert r.worked_minutes == 720
    assert recs[date(2025, 1, 31)].check_out == dt("2025-02-01T07:10")
    # Jan 31 2025 is 春节 (statutory): the whole shift is holiday overtime
    assert recs[date(2025, 1, 31)].overtime == {HOLIDAY: 720}
    assert recs[date(2025, 1, 30)].overtime == {HOLIDAY: 720}


def test_24h_duty_checks_out_next_morning_and_is_not_overtime() -> None:
    cat = default_catalog("值班")
    feb = one_person(Month(2026, 2), {28: "值"})
    att, recs = run([feb], ["2026-02-28T07:55", "2026-03-01T08:20"], cat)
    r = recs[date(2026, 2, 28)]
    assert r.kind == "duty" and not r.absent and r.check_out == dt("2026-03-01T08:20")
    assert r.overtime == {} and r.worked_minutes == 0 and r.duty_minutes == 480
    s = summarise_month(recs.values(), Month(2026, 2), CAL)["A"]
    assert s.duty_shifts == 1 and s.overtime_minutes == {} and s.night_shifts == {"值班夜": 1}


def test_late_early_missing_absent_and_supplement() -> None:
    cat = default_catalog("三班倒")
    mar = one_person(Month(2025, 3), {3: "白", 4: "白", 5: "白", 6: "白", 7: "小夜"})
    punches = [
        "2025-03-03T08:12", "2025-03-03T15:40",  # 12 min late, 20 min early
        "2025-03-04T07:58",  # check-in only
        # 5 March: nothing → absent
        "2025-03-06T16:05",  # check-out only (nearer the end)
        "2025-03-07T15:50", "2025-03-08T00:03",  # 小夜 to midnight
    ]
    sup = [Supplement("A", date(2025, 3, 4), "out", dt("2025-03-04T16:00"), "忘记打卡")]
    att, recs = run([mar], punches, cat, supplements=sup)
    r3 = recs[date(2025, 3, 3)]
    assert (r3.late_minutes, r3.early_minutes, r3.worked_minutes) == (12, 20, 448)
    r4 = recs[date(2025, 3, 4)]
    assert r4.supplemented == ("out",) and not r4.missing_out and r4.worked_minutes == 480
    assert recs[date(2025, 3, 5)].absent
    r6 = recs[date(2025, 3, 6)]
    assert r6.missing_in and not r6.missing_out and r6.check_out == dt("2025-03-06T16:05")
    r7 = recs[date(2025, 3, 7)]
    assert r7.check_out == dt("2025-03-08T00:03") and r7.night_class == "小夜"
    s = summarise_month(recs.values(), Month(2025, 3), CAL)["A"]
    assert (s.days_worked, s.absent_days, s.late_count, s.early_count, s.missing_punches) == (4, 1, 1, 1, 1)
    assert s.night_shifts == {"小夜": 1}


def test_overtime_kinds_standard_hours() -> None:
    cat = default_catalog("三班倒")
    # 2025-10-01 statutory, 2025-10-08 moved rest day, 2025-10-09 workday, 2025-10-11 调休 Saturday
    octo = one_person(Month(2025, 10), {1: "白", 8: "白", 9: "白", 11: "白"})
    punches = ["2025-10-01T07:55", "2025-10-01T16:00", "2025-10-08T07:55", "2025-10-08T16:00",
               "2025-10-09T07:55", "2025-10-09T17:40",  # 100 min after the end → 90 min extended
               "2025-10-11T07:55", "2025-10-11T16:20"]  # 20 min: below the 30 min threshold
    att, recs = run([octo], punches, cat)
    assert recs[date(2025, 10, 1)].overtime == {HOLIDAY: 480}
    assert recs[date(2025, 10, 8)].overtime == {REST_DAY: 480}
    assert recs[date(2025, 10, 9)].overtime == {EXTENDED: 90}
    assert recs[date(2025, 10, 11)].overtime == {}
    s = summarise_month(recs.values(), Month(2025, 10), CAL)["A"]
    assert s.overtime_minutes == {EXTENDED: 90, HOLIDAY: 480, REST_DAY: 480}
    assert s.overtime_hours()[EXTENDED] == 1.5


def test_comprehensive_hours_month_excess() -> None:
    cat = default_catalog("ICU12")
    # February 2026: 16 working days (调休 14th and 28th included) → standard 7680 min
    cells = {d: "D12" for d in range(1, 15)}  # 14 × 660 = 9240 minutes, 16th–19th not worked
    cells[17] = "D12"  # statutory holiday: 300%, not part of the excess
    feb = one_person(Month(2026, 2), cells)
    punches = [p for d in sorted(cells) for p in (f"2026-02-{d:02d}T07:55", f"2026-02-{d:02d}T20:00")]
    att, recs = run([feb], punches, cat, settings=DailySettings(hours_system="comprehensive"))
    s = summarise_month(recs.values(), Month(2026, 2), CAL, DailySettings(hours_system="comprehensive"))["A"]
    assert CAL.working_days(Month(2026, 2).days()) == 16
    assert s.overtime_minutes == {EXTENDED: 14 * 660 - 16 * 480, HOLIDAY: 660}
    assert REST_DAY not in s.overtime_minutes


def test_leave_days_by_type_annual_leave_skips_statutory_holiday() -> None:
    cat = default_catalog("三班倒")
    octo = one_person(Month(2025, 10), {1: "年", 2: "年", 9: "年", 20: "病", 21: "病", 22: "婚"})
    att, recs = run([octo], [], cat)
    s = summarise_month(recs.values(), Month(2025, 10), CAL)["A"]
    assert s.leave_days == {"婚假": 1.0, "年假": 1.0, "病假": 2.0}
    assert s.absent_days == 0


def test_overlapping_windows_go_to_nearest_shift() -> None:
    cat = default_catalog("三班倒")
    # 白 on the 10th then 小夜 on the 11th: a 16:30 punch on the 10th is 白's check-out
    r = one_person(Month(2025, 12), {10: "白", 11: "小夜", 12: "白"})
    att, recs = run([r], ["2025-12-10T07:50", "2025-12-10T16:30", "2025-12-11T15:50", "2025-12-12T00:05",
                          "2025-12-12T07:58", "2025-12-12T16:01"], cat)
    assert recs[date(2025, 12, 10)].check_out == dt("2025-12-10T16:30")
    assert recs[date(2025, 12, 11)].check_out == dt("2025-12-12T00:05")
    assert recs[date(2025, 12, 12)].check_in == dt("2025-12-12T07:58")


def test_punch_without_shift_is_unattached() -> None:
    cat = default_catalog("三班倒")
    r = one_person(Month(2025, 12), {10: "白"})
    att, _recs = run([r], ["2025-12-20T09:00"], cat)
    assert att.unattached == (("A", dt("2025-12-20T09:00")),)


def test_adjustment_after_lock() -> None:
    cat = default_catalog("三班倒")
    dec = one_person(Month(2025, 12), {30: "白", 31: "白"})
    _a, locked_recs = run([dec], ["2025-12-30T07:55", "2025-12-30T16:00"], cat)  # 31st: absent
    locked = summarise_month(locked_recs.values(), Month(2025, 12), CAL)["A"]
    sup = [Supplement("A", date(2025, 12, 31), "in", dt("2025-12-31T08:00")),
           Supplement("A", date(2025, 12, 31), "out", dt("2025-12-31T17:30"))]
    _b, fixed_recs = run([dec], ["2025-12-30T07:55", "2025-12-30T16:00"], cat, supplements=sup)
    corrected = summarise_month(fixed_recs.values(), Month(2025, 12), CAL)["A"]
    adj = adjustment(locked, corrected)
    assert adj.book_month == "2026-01" and adj.source_month == "2025-12"
    assert adj.deltas == {"absent_days": -1, "days_worked": 1, "worked_minutes": 480 + 90}
    assert adj.overtime_minutes == {EXTENDED: 90}
    assert apply_adjustment(locked, adj) == corrected
    assert adjustment(corrected, corrected).empty
    with pytest.raises(Exception):
        adjustment(locked, corrected, Month(2025, 11))
