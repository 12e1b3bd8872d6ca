"""Payroll run for 5,000 employees on PostgreSQL vs SQLite, in the same run (issue 12: PG ≤ 1.5× SQLite).

Both databases get the same staff (bulk inserts: departments, posts, people, employees, pay profiles)
and the same month is drafted with ``PayrollService.run_draft`` (read staff and attendance, compute,
store ~100 lines per employee in one transaction). Figures: seconds per backend (best of
``REPEATS``), rows written, and the ratio PostgreSQL / SQLite.

PostgreSQL: ``HRDESK_BENCH_PG_URL`` or ``HRDESK_TEST_PG_URL`` (``source .ci/postgres.sh`` starts a
loopback server); a scratch database is created and dropped. Without a server only SQLite is measured.
Run: ``nice python -m benchmarks payroll_pg``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

N_EMPLOYEES = 5000
MONTH = "2026-10"
REPEATS = 2

GRADES = ["专技七级", "专技八级", "专技九级", "专技十级", "专技十一级", "专技十二级", "管理八级", "技术工三级"]
FAMILIES = [("physician", "医师"), ("nursing", "护士"), ("nursing", "护士"), ("medtech", "医技"),
            ("pharmacy", "药剂"), ("admin", "行政"), ("logistics", "工勤")]


def bulk_staff(engine: Any, n: int, *, seed: int = 20261001, departments: int = 20) -> int:
    """Insert ``n`` paid employees (with departments, posts, people and pay profiles); returns ``n``.

    Plain Core inserts in one transaction, identical on every backend for the same ``seed``.
    """
    from sqlalchemy import insert

    from app.db.base import utcnow
    from app.db.tables import Department, Employee, PayProfile, Person, Position

    rng = random.Random(seed)
    now = utcnow()
    stamp = {"created_at": now, "updated_at": now, "version": 1}
    with engine.begin() as conn:
        conn.execute(insert(Department), [
            {"id": d + 1, "code": f"D{d:02d}", "name": f"科室{d:02d}", "kind": "clinical", "sort_order": d,
             "active": True, **stamp} for d in range(departments)])
        conn.execute(insert(Position), [
            {"id": i + 1, "code": f"P{i:03d}", "title": f"{cat}岗{i}", "department_id": i % departments + 1,
             "job_family": fam, "grade": GRADES[i % len(GRADES)], "title_ladder": "", "headcount": 10,
             "duties": "", "requirements": {}, "nice_to_have": "", "is_ai_medical": False, "open": False, **stamp}
            for i, (fam, cat) in enumerate(FAMILIES * 4)])
        n_pos = len(FAMILIES) * 4
        people, employees, profiles = [], [], []
        for i in range(n):
            pos = rng.randrange(n_pos)
            fam, cat = (FAMILIES * 4)[pos]
            hire = dt.date(2026, 9, rng.randrange(2, 28)) if i % 97 == 0 else dt.date(2005 + i % 20, 1 + i % 12, 1)
            contract = rng.randrange(400_000, 1_800_000)
            people.append({"id": i + 1, "name": f"员工{i:05d}", "gender": "女" if i % 3 else "男",
                           "highest_degree": "本科", "school": "", "major": "", "professional_title": "",
                           "notes": "", **stamp})
            employees.append({"id": i + 1, "person_id": i + 1, "staff_no": f"E{i:05d}",
                              "department_id": pos % departments + 1, "position_id": pos + 1, "hire_date": hire,
                              "contract_type": "fixed_3y", "status": "active",
                              "probation_end": hire + dt.timedelta(days=180) if hire.year == 2026 else None,
                              "nursing_start": hire if fam == "nursing" else None, **stamp})
            profiles.append({"id": i + 1, "employee_id": i + 1, "post_grade": rng.choice(GRADES),
                             "salary_level": rng.randrange(1, 66), "contract_wage_fen": contract,
                             "performance_base_fen": 0, "post_coefficient": rng.choice([0.9, 1.0, 1.1, 1.2]),
                             "performance_coefficient": rng.choice([0.8, 0.9, 1.0]),
                             "si_base_fen": contract + 400_000, "hf_base_fen": contract + 400_000,
                             "hf_rate_pct": 12.0, "bank_account": None,
                             "special_additional_deduction_fen": rng.choice([0, 100_000, 200_000]),
                             "category": cat, "roles": ["护士长"] if cat == "护士" and i % 40 == 0 else [], **stamp})
        for table, rows in ((Person, people), (Employee, employees), (PayProfile, profiles)):
            for k in range(0, len(rows), 2000):
                conn.execute(insert(table), rows[k:k + 2000])
    if engine.dialect.name == "postgresql":
        from app.db.copy import copy_tables, reset_sequences

        with engine.begin() as conn:
            reset_sequences(conn, copy_tables())
    return n


def _pg_admin_url() -> str:
    return (os.environ.get("HRDESK_BENCH_PG_URL") or os.environ.get("HRDESK_TEST_PG_URL") or "").strip()


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password,
                           dbname=u.database or "postgres", autocommit=True, connect_timeout=5)


def _time_run(ctx: Any) -> tuple[float, int]:
    t0 = time.perf_counter()
    summary = ctx.services.payroll.run_draft(MONTH, user="bench")
    return time.perf_counter() - t0, summary.headcount


def _measure(data_dir: Path, database_url: str | None) -> dict[str, Any]:
    from app.context import open_app

    ctx = open_app(data_dir, database_url=database_url)
    try:
        t0 = time.perf_counter()
        bulk_staff(ctx.engine, N_EMPLOYEES)
        load_s = time.perf_counter() - t0
        times = []
        headcount = 0
        for _ in range(REPEATS):  # the second run replaces the first draft (deletes and re-inserts its lines)
            seconds, headcount = _time_run(ctx)
            times.append(seconds)
        from sqlalchemy import func, select

        from app.db.tables import PayrollLine

        with ctx.engine.connect() as conn:
            lines = int(conn.scalar(select(func.count()).select_from(PayrollLine)) or 0)
        return {"seconds": round(min(times), 2), "all_seconds": [round(t, 2) for t in times],
                "load_staff_s": round(load_s, 2), "headcount": headcount, "payroll_lines": lines}
    finally:
        ctx.close()


def run() -> Iterable[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="hrdesk-bench-pg-") as tmp:
        sqlite = _measure(Path(tmp) / "sqlite", None)
        record: dict[str, Any] = {"benchmark": "payroll_pg", "employees": N_EMPLOYEES, "month": MONTH,
                                  "sqlite_s": sqlite["seconds"], "sqlite": sqlite}
        admin = _pg_admin_url()
        if not admin:
            record["postgresql"] = "skipped: set HRDESK_TEST_PG_URL (source .ci/postgres.sh)"
            yield record
            return
        from sqlalchemy.engine import make_url

        name = f"hrdesk_bench_{os.getpid()}"
        with _pg_admin(admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(admin).set(database=name, drivername="postgresql+psycopg").render_as_string(
                hide_password=False)
            pg = _measure(Path(tmp) / "pg", url)
        finally:
            with _pg_admin(admin) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        assert pg["payroll_lines"] == sqlite["payroll_lines"], "both backends must store the same run"
        record.update({"postgresql_s": pg["seconds"], "postgresql": pg,
                       "ratio_pg_to_sqlite": round(pg["seconds"] / sqlite["seconds"], 2), "target_ratio": 1.5})
        yield record
