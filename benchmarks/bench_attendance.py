"""Clock import at hospital scale: 5,000 staff × 31 days (~300,000 punches).

parse CSV + validate + attach to rostered shifts + per-day + monthly summary; wall time of each
stage and the process's peak resident memory (ru_maxrss, Linux: KiB) before and after. Run: ``nice python -m benchmarks attendance``.
"""

from __future__ import annotations

import random
import tempfile
import time
import resource
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

from app.attendance.attach import attach_punches, rostered_shifts
from app.attendance.calendar import load_calendar
from app.attendance.clock import ColumnMapping, preview_punches, read_table
from app.attendance.daily import compute_days
from app.attendance.roster import Roster
from app.attendance.shifts import default_catalog
from app.attendance.summary import summarise_month
from app.domain.org import Month

STAFF = 5000
MONTH = Month(2025, 12)


def _make(tmp: Path) -> tuple[Path, Roster, list[str]]:
    rnd = random.Random(42)
    cat = default_catalog("三班倒")
    staff = [f"{100000 + i}" for i in range(STAFF)]
    roster = Roster.empty("ALL", MONTH, staff).with_cycles({s: i % 6 for i, s in enumerate(staff)}, ["白", "小夜", "大夜", "白", "白", "休"])
    lines = ["工号,打卡时间,设备"]
    for sid, day, code in roster.entries():
        st = cat.get(code)
        if st is None or not st.is_work:
            continue
        s, e = st.span(day)
        cin = s - timedelta(minutes=rnd.randint(-10, 20))
        cout = e + timedelta(minutes=rnd.randint(-5, 60))
        lines.append(f"{sid},{cin:%Y-%m-%d %H:%M:%S},1号机")
        lines.append(f"{sid},{cout:%Y-%m-%d %H:%M:%S},2号机")
        if rnd.random() < 0.02:  # double punches
            lines.append(f"{sid},{cin + timedelta(minutes=1):%Y-%m-%d %H:%M:%S},1号机")
    p = tmp / "clock.csv"
    p.write_text("\n".join(lines), encoding="gbk")
    return p, roster, staff


def run() -> Iterable[dict]:  # type: ignore[type-arg]
    cat = default_catalog("三班倒")
    cal = load_calendar()
    with tempfile.TemporaryDirectory() as tmp:
        path, roster, staff = _make(Path(tmp))
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        table = read_table(path)
        t1 = time.perf_counter()
        shifts = rostered_shifts([roster], cat)
        spans: dict[str, list[tuple[datetime, datetime]]] = {}
        for s in shifts:
            spans.setdefault(s.staff_no, []).append((s.start, s.end))
        prev = preview_punches(table, ColumnMapping("工号", "打卡时间", device="设备"), known_staff=staff,
                               month=MONTH, rostered_spans=spans)
        t2 = time.perf_counter()
        att = attach_punches(((p.staff_no, p.at) for p in prev.punches), shifts)
        t3 = time.perf_counter()
        recs = compute_days(roster, cat, att, cal)
        sums = summarise_month(recs, MONTH, cal)
        t4 = time.perf_counter()
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield {
        "benchmark": "attendance",
        "staff": STAFF,
        "rows": prev.rows_read,
        "punches": len(prev.punches),
        "problems": len(prev.problems),
        "read_s": round(t1 - t0, 2),
        "validate_s": round(t2 - t1, 2),
        "attach_s": round(t3 - t2, 2),
        "daily_monthly_s": round(t4 - t3, 2),
        "total_s": round(t4 - t0, 2),
        "rows_per_s": round(prev.rows_read / (t4 - t0)),
        "peak_rss_mb": round(rss1 / 1024, 1),
        "peak_rss_growth_mb": round((rss1 - rss0) / 1024, 1),
        "summaries": len(sums),
        "unattached": len(att.unattached),
        "note": "engine only (no DB insert); shared 2-core machine",
        "first_day": str(date(MONTH.year, MONTH.month, 1)),
    }
