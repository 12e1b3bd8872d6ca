"""Attendance through the database: 5,000 staff × 31 days (~300,000 punches).

Import (read + validate + store) and the monthly computation through ``AttendanceService`` on a
temporary SQLite database; the punch insert is compared with a raw ``executemany`` of the same
rows into an identical table in the same run.  ``python -m benchmarks attendance_db``
"""

from __future__ import annotations

import csv
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

STAFF = 5000
WARD_SIZE = 50
MONTH = "2026-03"


def _setup(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    from app.db.tables import Department, Employee, Person, RosterEntry
    from app.db.uow import unit_of_work
    from app.services.attendance import _catalog

    rng = random.Random(7)
    days = [date(2026, 3, d) for d in range(1, 32)]
    nos: list[str] = []
    with unit_of_work(ctx.session_factory, write=True) as s:
        for w in range(STAFF // WARD_SIZE):
            dept = Department(code=f"W{w:03d}", name=f"病区{w:03d}", kind="nursing", shift_set="三班倒",
                              working_time="comprehensive", sort_order=w)
            s.add(dept)
            s.flush()
            _cat, ids = _catalog(s, dept)
            people = [Person(name=f"职工{w}-{i}", professional_title="护师") for i in range(WARD_SIZE)]
            s.add_all(people)
            s.flush()
            emps = [{"person_id": p.id, "staff_no": f"B{w:03d}{i:03d}", "department_id": dept.id,
                     "hire_date": date(2020, 1, 1), "status": "active"} for i, p in enumerate(people)]
            s.execute(insert(Employee), emps)
            emp_ids = dict(s.execute(Employee.__table__.select().with_only_columns(Employee.staff_no, Employee.id)
                                     .where(Employee.department_id == dept.id)).all())
            cycle = ("白", "白", "小夜", "大夜", "下夜", "休")
            rows = []
            for i, e in enumerate(emps):
                for k, d in enumerate(days):
                    rows.append({"employee_id": emp_ids[e["staff_no"]], "day": d,
                                 "shift_type_id": ids[cycle[(i + k) % len(cycle)]], "fixed": False})
            s.execute(insert(RosterEntry), rows)
            nos += [e["staff_no"] for e in emps]
    _ = rng
    return nos


def _export(path: Path, nos: list[str]) -> int:
    """Two punches for every shift of the cycle (plus the doubles and misses of a real export)."""
    rng = random.Random(11)
    spans = {"白": (8, 8), "小夜": (16, 8), "大夜": (24, 8)}
    cycle = ("白", "白", "小夜", "大夜", "下夜", "休")
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工号", "打卡时间", "设备"])
        for i, sn in enumerate(nos):
            for k in range(31):
                code = cycle[(i % WARD_SIZE + k) % len(cycle)]
                if code not in spans:
                    continue
                start = datetime(2026, 3, 1) + timedelta(days=k, hours=spans[code][0])
                end = start + timedelta(hours=spans[code][1])
                punches = [start - timedelta(minutes=rng.randint(2, 20)), end + timedelta(minutes=rng.randint(0, 20))]
                if rng.random() < 0.02:
                    punches.pop()
                for p in punches:
                    w.writerow([sn, p.strftime("%Y-%m-%d %H:%M:%S"), "考勤机"])
                    n += 1
    return n


def _raw_insert(rows: list[tuple]) -> float:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "raw.sqlite3")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE clock_punches (id INTEGER PRIMARY KEY, employee_id INTEGER, punched_at DATETIME, "
                    "device VARCHAR(40), import_batch VARCHAR(64), import_key VARCHAR(80) UNIQUE, "
                    "UNIQUE (employee_id, punched_at))")
        t = time.perf_counter()
        con.executemany("INSERT OR IGNORE INTO clock_punches (employee_id, punched_at, device, import_batch, import_key) "
                        "VALUES (?, ?, ?, ?, ?)", rows)
        con.commit()
        elapsed = time.perf_counter() - t
        con.close()
    return elapsed


def run() -> Iterable[dict]:  # type: ignore[type-arg]
    from app.context import open_app
    from app.services.attendance import _utc

    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_app(Path(tmp) / "data")
        try:
            t0 = time.perf_counter()
            nos = _setup(ctx)
            setup_s = time.perf_counter() - t0
            path = Path(tmp) / "clock.csv"
            rows_written = _export(path, nos)
            svc = ctx.services.attendance
            t = time.perf_counter()
            preview = svc.preview_clock(path, MONTH, remember=False)
            preview_s = time.perf_counter() - t
            t = time.perf_counter()
            result = svc.commit_clock(preview)
            commit_s = time.perf_counter() - t
            t = time.perf_counter()
            again = svc.commit_clock(preview)
            reimport_s = time.perf_counter() - t
            t = time.perf_counter()
            computed = svc.compute_month(MONTH)
            compute_s = time.perf_counter() - t
            emp = {sn: i + 1 for i, sn in enumerate(nos)}
            raw_rows = [(emp[p.staff_no], _utc(p.at).replace(tzinfo=None).isoformat(sep=" "), p.device, "raw", p.import_key)
                        for p in preview.preview.punches]
            raw_s = _raw_insert(raw_rows)
        finally:
            ctx.close()
    total = preview_s + commit_s + compute_s
    yield {
        "bench": "attendance_db", "staff": STAFF, "days": 31, "rows": rows_written,
        "punches_stored": result.inserted, "reimport_added": again.inserted, "summaries": computed.written,
        "setup_s": round(setup_s, 2), "preview_s": round(preview_s, 2), "commit_s": round(commit_s, 2),
        "reimport_s": round(reimport_s, 2), "compute_s": round(compute_s, 2), "total_s": round(total, 2),
        "raw_executemany_s": round(raw_s, 2), "insert_vs_raw": round(commit_s / raw_s, 2) if raw_s else None,
        "target_total_s": 60, "ok": total < 60,
    }
