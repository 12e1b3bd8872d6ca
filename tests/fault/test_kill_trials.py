"""Fault trials: real processes killed with SIGKILL in the middle of work, and a disk that fills up.

Each trial runs the real command line (``python -m app ...``) on a private copy of the demo hospital,
kills it at several points of its run, and checks that what is on disk is all or nothing: the database
passes ``PRAGMA integrity_check``, a payroll draft is either the old one or the new one complete, an
import stored every row or none, a backup is either absent or verifies. Then the same command, run
again, finishes. The kill points are fractions of a measured full run, so the trial is not tied to the
speed of the machine; where a kill lands is reported, not assumed.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL and RLIMIT_FSIZE are POSIX")]

ROOT = Path(__file__).resolve().parents[2]
MONTH = "2026-11"
KILL_FRACTIONS = (0.45, 0.7, 0.85, 0.97)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HRDESK_LANG"] = "zh_CN"
    return env


def _run(args: list[str], timeout: float = 300) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=timeout, check=False)
    return done, time.monotonic() - started


def _kill_after(args: list[str], seconds: float) -> int:
    """Start ``args``, SIGKILL it after ``seconds`` (if still running); the exit status (-9 when killed)."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), cwd=ROOT)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return proc.returncode


def _integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _query(db: Path, sql: str, *params: object) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture()
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


# ------------------------------------------------------------------------------------ payroll

def _draft_state(db: Path) -> tuple[int, int, int, str]:
    """(headcount, employees with lines, Σ net lines == total_net ? 1 : 0, updated_at) of the month's draft."""
    rows = _query(db, "SELECT id, headcount, total_net_fen, updated_at FROM payroll_runs WHERE month = ? AND kind = 'regular'",
                  MONTH)
    assert len(rows) == 1, "the demo has a November draft"
    run_id, headcount, total_net, updated = rows[0]
    employees = _query(db, "SELECT COUNT(DISTINCT employee_id) FROM payroll_lines WHERE run_id = ?", run_id)[0][0]
    net = _query(db, "SELECT COALESCE(SUM(amount_fen), 0) FROM payroll_lines WHERE run_id = ? AND item_code = '_net'",
                 run_id)[0][0]
    return headcount, employees, int(net == total_net), str(updated)


def test_payroll_run_killed_at_any_point_leaves_a_complete_draft(demo_dir: Path) -> None:
    db = demo_dir / "hrdesk.sqlite3"
    before = _draft_state(db)
    assert before[0] == before[1] and before[2] == 1
    args = _cli("payroll", "run", "--month", MONTH, "--data-dir", str(demo_dir))
    done, full = _run(args)
    assert done.returncode == 0, done.stderr
    outcomes = []
    for fraction in KILL_FRACTIONS:
        _kill_after(args, full * fraction)
        assert _integrity(db) == "ok"
        headcount, employees, sums_match, updated = _draft_state(db)
        assert headcount == employees, f"killed at {fraction:.0%}: draft header and lines disagree"
        assert sums_match == 1, f"killed at {fraction:.0%}: the draft's total is not the sum of its lines"
        outcomes.append(updated)
    done, _seconds = _run(args)  # and the month can be run again afterwards
    assert done.returncode == 0, done.stderr
    assert _draft_state(db)[0] == before[0]


# ------------------------------------------------------------------------------------ staff import

def _staff_file(path: Path, departments: list[str], count: int) -> None:
    from app.demo.vocab import id_check_digit

    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["工号", "姓名", "性别", "身份证号", "科室", "入职日期", "手机号"])
        for i in range(count):
            birth = date(1975 + i % 25, 1 + i % 12, 1 + i % 28)
            gender = "男" if i % 2 else "女"
            first17 = f"110105{birth:%Y%m%d}{(i % 499) * 2 + (1 if gender == '男' else 0):03d}"  # odd: male
            out.writerow([f"T{i:05d}", "测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "一二三四五六七八九十"[i // 10 % 10],
                          gender, first17 + id_check_digit(first17), rng.choice(departments),
                          f"2020-{1 + i % 12:02d}-01", f"139{i:08d}"])


def test_staff_import_killed_at_any_point_stores_all_rows_or_none(demo_dir: Path, tmp_path: Path) -> None:
    db = demo_dir / "hrdesk.sqlite3"
    departments = [name for (name,) in _query(db, "SELECT name FROM departments WHERE parent_id IS NOT NULL")]
    source = tmp_path / "staff.csv"
    count = 1500
    _staff_file(source, departments, count)
    staff_before = _query(db, "SELECT COUNT(*) FROM employees")[0][0]
    args = _cli("staff", "import", str(source), "--data-dir", str(demo_dir))
    # measure on a scratch copy so the real trials start from the same state
    scratch = tmp_path / "scratch"
    shutil.copytree(demo_dir, scratch)
    done, full = _run(_cli("staff", "import", str(source), "--data-dir", str(scratch)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _query(scratch / "hrdesk.sqlite3", "SELECT COUNT(*) FROM employees")[0][0] == staff_before + count
    for fraction in KILL_FRACTIONS:
        _kill_after(args, full * fraction)
        assert _integrity(db) == "ok"
        now = _query(db, "SELECT COUNT(*) FROM employees")[0][0]
        assert now in (staff_before, staff_before + count), f"killed at {fraction:.0%}: {now - staff_before} of {count} stored"
        if now == staff_before + count:
            break  # the import finished before the kill; later kills would hit the duplicate check instead
    if _query(db, "SELECT COUNT(*) FROM employees")[0][0] == staff_before:
        done, _seconds = _run(args)
        assert done.returncode == 0, done.stdout + done.stderr
    assert _query(db, "SELECT COUNT(*) FROM employees")[0][0] == staff_before + count


# ------------------------------------------------------------------------------------ backup

def test_backup_killed_at_any_point_leaves_only_backups_that_verify(demo_dir: Path) -> None:
    db = demo_dir / "hrdesk.sqlite3"
    args = _cli("backup", "create", "--data-dir", str(demo_dir))
    done, full = _run(args)
    assert done.returncode == 0, done.stderr
    for fraction in KILL_FRACTIONS:
        _kill_after(args, full * fraction)
        assert _integrity(db) == "ok"
    backups = demo_dir / "backups"
    listed = [d for d in backups.iterdir() if d.is_dir() and not d.name.endswith(".partial")]
    assert listed
    for folder in listed:
        if folder.name.endswith("safety") or not (folder / "manifest.json").exists():
            continue
        done, _seconds = _run(_cli("backup", "verify", str(folder), "--data-dir", str(demo_dir)))
        assert done.returncode == 0, f"{folder.name}: {done.stdout}{done.stderr}"
    done, _seconds = _run(args)  # the next backup clears what a killed one left half-written
    assert done.returncode == 0, done.stderr
    assert not list(backups.glob("*.partial"))


# ------------------------------------------------------------------------------------ full disk

_FULL_DISK_RUNNER = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from app.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_a_disk_that_fills_up_during_a_payroll_run_loses_nothing(demo_dir: Path, tmp_path: Path) -> None:
    db = demo_dir / "hrdesk.sqlite3"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = _draft_state(db)
    runner = tmp_path / "full_disk.py"
    runner.write_text(_FULL_DISK_RUNNER, encoding="utf-8")
    # Files may not grow past 64 KiB: the database file (already larger) cannot grow and its write-ahead log
    # fills after a few pages — what a full disk looks like to SQLite (SQLITE_FULL).
    done, _seconds = _run([sys.executable, str(runner), str(64 * 1024), "payroll", "run", "--month", MONTH,
                           "--data-dir", str(demo_dir)])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "磁盘" in done.stderr and "未保存" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert _integrity(db) == "ok"
    assert _draft_state(db) == before  # the old draft is untouched
    done, _seconds = _run(_cli("payroll", "run", "--month", MONTH, "--data-dir", str(demo_dir)))
    assert done.returncode == 0, done.stderr  # with space again, the run goes through
