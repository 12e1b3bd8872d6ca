"""Two workstations (two processes) on one PostgreSQL database: the same record, the same payroll month."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.tables import Department, PayrollLine, PayrollRun
from app.db.uow import unit_of_work
from tests.pg import workers

MONTH = "2026-10"


def _race(target: Any, args_for: list[tuple[Any, ...]]) -> list[tuple[str, Any]]:
    spawn = multiprocessing.get_context(workers.START_METHOD)
    barrier, out = spawn.Barrier(len(args_for)), spawn.Queue()
    procs = [spawn.Process(target=target, args=(*args, barrier, out)) for args in args_for]
    for p in procs:
        p.start()
    try:
        return [out.get(timeout=240) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()


@pytest.mark.slow
def test_two_workstations_saving_one_record_one_gets_a_conflict(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(pg_ctx.session_factory) as s:
        s.add(Department(code="XN", name="心内科"))
    dept = pg_ctx.services.org.department_tree()[0]
    url = pg_ctx.database_url
    results = _race(workers.rename_department, [(url, dept.id, dept.version, "心血管内科"),
                                                (url, dept.id, dept.version, "心脏内科")])
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["Conflict", "ok"], results
    winner = next(r[1] for r in results if r[0] == "ok")
    conflict = next(r[1] for r in results if r[0] == "Conflict")
    assert "另一台工作站" in conflict and "版本 1 → 2" in conflict
    row = pg_ctx.services.org.department_tree()[0]
    assert (row.name, row.version) == (winner, 2)  # the first save kept whole, the second changed nothing


@pytest.mark.slow
def test_the_same_payroll_month_on_two_workstations_is_serialised(pg_ctx) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.bench_payroll_pg import bulk_staff

    bulk_staff(pg_ctx.engine, 150)
    url = pg_ctx.database_url
    results = _race(workers.run_payroll, [(url, MONTH), (url, MONTH)])
    assert results == [("ok", 150), ("ok", 150)], results  # the second waited for the first, then replaced it

    def stored() -> tuple[int, list[tuple[int, str, int]]]:
        with unit_of_work(pg_ctx.session_factory) as s:
            runs = s.scalar(select(func.count()).select_from(PayrollRun).where(PayrollRun.month == MONTH))
            lines = s.execute(select(PayrollLine.employee_id, PayrollLine.item_code, PayrollLine.amount_fen)
                              .order_by(PayrollLine.employee_id, PayrollLine.item_code, PayrollLine.amount_fen)).all()
            return int(runs or 0), [tuple(r) for r in lines]

    runs, after_race = stored()
    assert runs == 1
    pg_ctx.services.payroll.run_draft(MONTH, user="alone")  # one run on its own gives exactly the same lines
    assert stored() == (1, after_race)
    assert len({(e, c) for e, c, _a in after_race}) == len(after_race)  # no line stored twice
    summary = pg_ctx.services.payroll.run_for(MONTH)
    assert summary is not None and summary.headcount == 150
