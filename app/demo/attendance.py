"""Demo attendance: ward shift sets, solver rosters, leave, a messy clock export, a locked month.

``seed_rosters`` runs inside the demo generation transaction (``_Generator.rosters``): it sets each
rostered department's shift set, seeds its shift types, adds a few approved leave records and
stores the month's roster — nurses by the CP-SAT solver (first roster meeting every rule, one
worker, so the same seed gives the same roster), physicians' 24 h 值班 as a simple rotation, head
nurses on weekday day shifts.

``demo_attendance`` runs after it, through the service like a user would: it writes the
attendance-machine export ``<data dir>/imports/clock_<month>.csv`` with the usual errors
(duplicates within a minute, missing punches, late arrivals, an unknown staff number, a time that
does not parse, a punch outside the month), previews it, commits the good rows, computes the month
and locks it as 演示数据, so the payroll demo pays the month from the locked summary.
"""

from __future__ import annotations

import csv
import logging
import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.attendance.calendar import load_calendar
from app.attendance.roster import Roster
from app.db.tables import Department, Employee, RosterEntry, ShiftType
from app.domain.org import Month
from app.services.attendance import (
    StaffInfo,
    _catalog,
    _load_roster,
    _ward_staff,
    build_problem,
    default_ward_rules,
    seed_shift_types,
    solve_ward,
)
from app.tasks import NEVER_CANCELLED, CancelToken

if TYPE_CHECKING:
    from app.context import AppContext
    from app.db.tables import LeaveRecord

log = logging.getLogger(__name__)

DEMO_USER = "演示数据"
SHIFT_SET_BY_KIND = {"ward": "三班倒", "icu": "ICU12", "duty": "值班"}
WORKING_TIME_BY_KIND = {"ward": "comprehensive", "icu": "comprehensive", "duty": "standard"}
SOLVER_SECONDS = 6.0  # safety limit; the first roster is found well before it
DEMO_SEED = 20261022


def seed_rosters(
    s: Session,
    month: Month,
    dept_defs: dict[str, Any],
    dept_by_code: dict[str, Department],
    employees_by_dept: dict[str, list[tuple[Employee, Any, Any]]],
    rng: random.Random,
) -> int:
    """Shift sets, shift types, leave and the month's roster of every rostered department."""
    from app.db.tables import LeaveRecord

    cal = load_calendar()
    days = month.days()
    total = 0
    for code, d in dept_defs.items():
        staff_defs = employees_by_dept.get(code, [])
        if not d.roster or not staff_defs:
            continue
        dept = dept_by_code[code]
        dept.shift_set = SHIFT_SET_BY_KIND[d.roster]
        dept.working_time = WORKING_TIME_BY_KIND[d.roster]
        has_physicians = any(post is not None and post.family == "physician" for _e, _p, post in staff_defs)
        seed_shift_types(s, dept, ("值班",) if has_physicians and d.roster != "duty" else ())
        nurses = [(e, post) for e, _p, post in staff_defs if post is not None and post.family == "nursing"]
        # a few approved leave records: annual leave for two nurses, sick leave for one
        for k, (emp, _post) in enumerate(nurses[3:6]):
            first = days[0] + timedelta(days=rng.randint(8, 20))
            length = rng.randint(2, 4)
            s.add(LeaveRecord(employee_id=emp.id, leave_type="病假" if k == 2 else "年假", first_day=first,
                              last_day=first + timedelta(days=length - 1), days=float(length), approved_by=DEMO_USER,
                              note="演示"))
        s.flush()
        cat, ids = _catalog(s, dept)
        staff = _ward_staff(s, dept.id, month)
        roster, _leave_cells = _load_roster(s, dept, month, staff, cat)
        heads = {e.staff_no for e, post in nurses if post.headcount == 1}
        rules = default_ward_rules(dept.shift_set, cat)
        early = sorted((abs(st.paid_minutes - 480), c) for c, st in cat.shifts.items()
                       if st.early and st.is_work and not st.duty)
        day_code = early[0][1] if early else ""
        for sn in heads if day_code else ():  # head nurse: day shifts on working days, fixed
            for day in days:
                if not roster.cell(sn, day):
                    roster = roster.with_cell(sn, day, day_code if cal.is_working_day(day) else "休", fixed=True)
        if nurses and rules.cover:
            problem = build_problem(s, dept, month, roster, staff, cat, rules)
            res = solve_ward(roster, problem, staff, time_limit_s=SOLVER_SECONDS, first_solution=True)
            if res.roster is not None:
                roster = res.roster
            else:  # never expected for the demo wards; keep the demo usable with a plain cycle
                log.warning("demo roster for ward %s not solved (%s); using a cycle", dept.code, res.status)
                cycle = ("D12", "D12", "N12", "下夜", "休", "休") if "D12" in cat.shifts else ("白", "小夜", "大夜", "下夜", "休", "休")
                roster = roster.with_cycles({st.staff_no: k for k, st in enumerate(staff) if st.nurse and st.staff_no not in heads}, cycle)
        roster = _physician_rotation(roster, staff, cat.shifts, cal)
        rows = []
        for sn, day, cell in roster.entries():
            if cell in ids:
                emp_id = next(st.employee_id for st in staff if st.staff_no == sn)
                rows.append({"employee_id": emp_id, "day": day, "shift_type_id": ids[cell],
                             "fixed": (sn, day) in roster.fixed and not cat.is_leave(cell)})
        if rows:
            s.execute(insert(RosterEntry), rows)
        total += len(rows)
    return total


def _physician_rotation(roster: Roster, staff: list[StaffInfo], shifts: dict[str, Any], cal: Any) -> Roster:
    """24 h 值班 every sixth day, the day after it off (下夜), day shifts on working days otherwise."""
    if "值" not in shifts:
        return roster
    out = roster
    physicians = [st for st in staff if not st.nurse]
    for k, st in enumerate(physicians):
        for i, day in enumerate(roster.days):
            if roster.cell(st.staff_no, day):
                continue  # leave stays
            phase = (i + k) % 6
            code = "值" if phase == 0 else "下夜" if phase == 1 else ("白" if cal.is_working_day(day) else "休")
            out = out.with_cell(st.staff_no, day, code)
    return out


def write_clock_export(ctx: AppContext, month: Month, rng: random.Random) -> tuple[Any, int]:
    """The attendance machines' CSV for the month, with the errors such exports have."""
    folder = ctx.data.root / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"clock_{month}.csv"
    svc = ctx.services.attendance
    lines: list[tuple[str, str, str, str]] = []
    names: dict[str, str] = {}
    for ward in svc.wards():
        view = svc.roster(ward.department_id, str(month))
        cat_shifts = {r.code: r for r in svc.shift_types(ward.department_id)}
        for st in view.staff:
            names[st.staff_no] = st.name
        for sn, day, code in view.roster.entries():
            row = cat_shifts.get(code)
            if row is None or row.rest or row.start is None or row.end is None:
                continue
            start = datetime.combine(day + timedelta(days=row.start_day_offset), row.start)
            end = datetime.combine(start.date(), row.end)
            if end <= start:
                end += timedelta(days=1)
            r = rng.random()
            clock_in = start - timedelta(minutes=rng.randint(3, 20), seconds=rng.randint(0, 59))
            if r < 0.03:
                clock_in = start + timedelta(minutes=rng.randint(6, 40), seconds=rng.randint(0, 59))  # late
            clock_out = end + timedelta(minutes=rng.randint(0, 25), seconds=rng.randint(0, 59))
            punches = [clock_in, clock_out]
            if r > 0.985:
                punches.pop(rng.randrange(2))  # missing punch
            elif 0.95 < r <= 0.975:
                punches.append(clock_in + timedelta(seconds=rng.randint(5, 50)))  # pressed twice within a minute
            device = "门诊楼1F" if row.duty else f"{ward.code}考勤机"
            for p in punches:
                lines.append((sn, names.get(sn, ""), p.strftime("%Y-%m-%d %H:%M:%S"), device))
    lines.sort(key=lambda x: x[2])
    first = month.first_day()
    some = lines[len(lines) // 3][0] if lines else "E00000"
    lines.insert(len(lines) // 4, ("E99999", "外来人员", (datetime.combine(first, datetime.min.time()) + timedelta(days=4, hours=8)).strftime("%Y-%m-%d %H:%M:%S"), "门诊楼1F"))
    lines.insert(len(lines) // 2, (some, names.get(some, ""), f"{month.year}-{month.month:02d}-3 25:61", "门诊楼1F"))
    before = first - timedelta(days=20)
    lines.insert(2 * len(lines) // 3, (some, names.get(some, ""), f"{before.isoformat()} 08:01:12", "门诊楼1F"))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工号", "姓名", "打卡时间", "设备"])
        w.writerows(lines)
    return path, len(lines)


def demo_attendance(ctx: AppContext, month: Month, *, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Import the month's clock export through the service, compute the month and lock it.
    Returns the number of punches stored."""
    svc = ctx.services.attendance
    path, _rows = write_clock_export(ctx, month, random.Random(DEMO_SEED))
    cancel.raise_if_cancelled()
    preview = svc.preview_clock(path, str(month), remember=False, cancel=cancel)
    result = svc.commit_clock(preview, cancel=cancel)
    svc.compute_month(str(month), cancel=cancel)
    svc.lock_month(str(month), user=DEMO_USER)
    log.info("demo attendance %s: %d punches, %d problems in the export", month, result.inserted,
             len(preview.preview.problems))
    return result.inserted


