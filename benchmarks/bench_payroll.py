"""Payroll benchmark: 5,000 employees with a month of attendance.

Figures: engine seconds (evaluate_month for everyone, with six earlier tax months each), pay-sheet
seconds, the same cells written by plain openpyxl write-only mode (baseline) and their ratio, and
peak memory (RSS of the process, and Python heap peak during the engine run by tracemalloc).
Run: ``nice python -m benchmarks payroll``.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from decimal import Decimal as D
from pathlib import Path
from typing import Any

N_EMPLOYEES = 5000


def _people(n: int) -> list[Any]:
    from app.payroll.social import ContributionBases
    from app.payroll.structure import EmployeeProfile

    rng = random.Random(20260701)
    grades = ["专技七级", "专技八级", "专技九级", "专技十级", "专技十一级", "专技十二级", "管理八级", "技术工三级"]
    cats = ["医师", "护士", "护士", "医技", "药剂", "行政", "工勤"]
    depts = [f"{d}科" for d in ("内", "外", "儿", "妇产", "急诊", "ICU", "骨", "眼", "口腔", "检验", "放射", "药剂",
                                   "行政", "后勤", "麻醉", "康复", "皮肤", "中医", "感染", "肿瘤")]
    people = []
    for i in range(n):
        cat = rng.choice(cats)
        base = D(rng.randrange(500_000, 2_500_000)) / 100
        hire = dt.date(2026, 7, rng.randrange(2, 28)) if i % 97 == 0 else dt.date(2010 + i % 15, 1 + i % 12, 1)
        people.append(EmployeeProfile(
            employee_id=f"E{i:05d}", name=f"员工{i}", department=rng.choice(depts), category=cat,
            roles=frozenset({"护士长"}) if cat == "护士" and i % 40 == 0 else frozenset(),
            attributes={"post_grade": rng.choice(grades), "salary_level": str(rng.randrange(1, 66)),
                        "nursing_years": str(rng.randrange(0, 35))},
            variables={"岗位系数": D(rng.choice(["0.9", "1.0", "1.1", "1.2", "1.5"])),
                       "绩效系数": D(rng.choice(["0.8", "0.9", "1.0"]))},
            hire_date=hire, probation_end=hire + dt.timedelta(days=180) if hire.year == 2026 else None,
            bases=ContributionBases(base, base), special_additional_deduction=D(rng.choice([0, 1000, 2000, 3500])),
        ))
    return people


def run() -> Iterable[dict[str, Any]]:
    from openpyxl import Workbook

    from app.payroll.excel import sheet_from_results, write_payroll_sheet
    from app.payroll.rules import OvertimeHours
    from app.payroll.social import load_city_settings
    from app.payroll.structure import AttendanceSummary, evaluate_month, load_structure
    from app.payroll.tax import MonthInput

    structure = load_structure()
    city = load_city_settings()["示例市"]
    people = _people(N_EMPLOYEES)
    rng = random.Random(7)
    months = [
        AttendanceSummary(2026, 7, counts={"大夜": D(rng.randrange(0, 6)), "小夜": D(rng.randrange(0, 6)),
                                           "值班": D(rng.randrange(0, 3))},
                          variables={"出勤系数": D(rng.choice(["1", "1", "0.95"]))},
                          overtime=OvertimeHours(D(rng.randrange(0, 10))), absent_days=D(rng.randrange(0, 2)),
                          amounts={"reward_perf": D(rng.randrange(0, 400_000)) / 100})
        for _ in people
    ]
    prior = [MonthInput(m, D("12000"), special_deduction=D("2000"), special_additional_deduction=D("1000"),
                        other_deduction=D("400")) for m in range(1, 7)]

    def engine(n: int) -> list[Any]:
        return [evaluate_month(structure, p, a, city, prior if p.hire_date.year < 2026 else ())
                for p, a in zip(people[:n], months[:n], strict=True)]

    t0 = time.perf_counter()
    results = engine(len(people))
    engine_s = time.perf_counter() - t0
    tracemalloc.start()  # heap peak on a tenth of the run (tracemalloc slows Python several times)
    engine(len(people) // 10)
    _cur, engine_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    yield {"benchmark": "payroll", "case": "engine", "employees": len(results), "seconds": round(engine_s, 3),
           "per_employee_ms": round(engine_s / len(results) * 1000, 3),
           "python_heap_peak_mb_500_employees": round(engine_peak / 2**20, 1)}

    sheet = sheet_from_results(structure, results, "2026年7月工资表")
    keys = [c.key for c in sheet.columns]
    cells = len(sheet.rows) * len(keys)
    with tempfile.TemporaryDirectory() as tmp:
        ours, base = [], []
        for _ in range(2):
            t0 = time.perf_counter()
            write_payroll_sheet(sheet, Path(tmp) / "ours.xlsx")
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("baseline")
            for row in sheet.rows:
                ws.append([row.get(k) for k in keys])
            wb.save(Path(tmp) / "base.xlsx")
            base.append(time.perf_counter() - t0)
        size_kb = (Path(tmp) / "ours.xlsx").stat().st_size // 1024
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield {"benchmark": "payroll", "case": "excel", "rows": len(sheet.rows), "columns": len(keys), "cells": cells,
           "seconds": round(min(ours), 3), "baseline_write_only_seconds": round(min(base), 3),
           "ratio_vs_write_only": round(min(ours) / min(base), 3), "file_kb": size_kb,
           "peak_rss_mb": round(rss_kb / 1024 if sys.platform != "darwin" else rss_kb / 2**20, 1)}

    # Dated settings: checking a document (parse + formula check + trial run on sample profiles) runs after
    # each pause in the settings editor; parsing the documents a run uses happens once per text (cached).
    from app.payroll.documents import default_text, parse_city_text, parse_structure_text, validate_document

    text, city_text = default_text("structure"), default_text("city")
    parsed_city = parse_city_text(city_text)
    t0 = time.perf_counter()
    for _ in range(5):
        parse_structure_text(text)
    parse_s = (time.perf_counter() - t0) / 5
    t0 = time.perf_counter()
    for _ in range(5):
        check = validate_document("structure", text, "2026-07", city=parsed_city)
    check_s = (time.perf_counter() - t0) / 5
    yield {"benchmark": "payroll", "case": "settings_check", "document_chars": len(text), "ok": check.ok,
           "samples": len(check.samples), "parse_ms": round(parse_s * 1000, 1),
           "check_with_trial_run_ms": round(check_s * 1000, 1)}
