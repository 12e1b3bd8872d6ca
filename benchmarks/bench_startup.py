"""Start-up time to a visible main window on the demo database, against a bare QMainWindow in the
same run (each measured in a fresh process, offscreen, median of several runs)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("HRDESK_BENCH_RUNS", "5"))

BARE = r"""
import time, json
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1440, 900); w.show(); app.processEvents()
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

FULL = r"""
import time, json, sys
t0 = time.perf_counter()
sys.path.insert(0, ROOT)
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.context import open_app
from ui.main_window import MainWindow
from ui.workers import WorkerPool
ctx = open_app(DATA)
pool = WorkerPool()
w = MainWindow(ctx, pool, QSettings(INI, QSettings.Format.IniFormat))
w.show(); app.processEvents()
visible = time.perf_counter() - t0
while pool.busy():  # the first tab's rows arrive from the background
    app.processEvents(); time.sleep(0.005)
print(json.dumps({"seconds": visible, "first_tab_filled": time.perf_counter() - t0}))
"""


def _run(code: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> Iterator[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HRDESK_CONFIG_DIR=f"{tmp}/cfg", HRDESK_LOG_DIR=f"{tmp}/log")
        data = f"{tmp}/demo"
        subprocess.run([sys.executable, "-m", "app", "demo", "--data-dir", data, "--today", "2026-11-22"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
        full_code = FULL.replace("ROOT", repr(str(ROOT))).replace("DATA", repr(data)).replace("INI", repr(f"{tmp}/w.ini"))
        bare = [_run(BARE, env)["seconds"] for _ in range(RUNS)]
        full = [_run(full_code, env) for _ in range(RUNS)]
    visible = statistics.median(r["seconds"] for r in full)
    filled = statistics.median(r["first_tab_filled"] for r in full)
    bare_s = statistics.median(bare)
    yield {
        "benchmark": "startup",
        "runs": RUNS,
        "bare_qmainwindow_s": round(bare_s, 3),
        "hrdesk_window_visible_s": round(visible, 3),
        "hrdesk_first_tab_filled_s": round(filled, 3),
        "ratio_visible_vs_bare": round(visible / bare_s, 2),
    }
