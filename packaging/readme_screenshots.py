"""The README's extra screenshots: the review page, a profile with its radar, an onboarding form and the clock
import preview, rendered from the real window on a demo data folder (the tabs themselves come from
``main.py --screenshot``).

    xvfb-run -a python packaging/readme_screenshots.py DEMO_DATA_DIR OUT_DIR
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app import config, paths
from app.i18n import set_language
set_language("zh_CN")
from PySide6.QtCore import QSettings
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
fid = QFontDatabase.addApplicationFont(str(paths.resource("fonts", "wqy-microhei.ttc")))
app.setFont(QFont(QFontDatabase.applicationFontFamilies(fid)[0], 10))
from ui.bootstrap import install_qt_language, sign_in_at_start
install_qt_language(app)
from app.context import open_app
from ui.main_window import MainWindow
from ui.workers import WorkerPool
ctx = open_app(sys.argv[1])
pool = WorkerPool()
assert sign_in_at_start(ctx, pool, automatic=True)
qs = QSettings(str(Path(sys.argv[2]) / "window.ini"), QSettings.Format.IniFormat)
w = MainWindow(ctx, pool, qs)
w.resize(1440, 900); w.show()
out = Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)

def settle(extra=0.5):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        app.processEvents()
        if not pool.busy():
            break
        time.sleep(0.02)
    end = time.monotonic() + extra
    while time.monotonic() < end:
        app.processEvents(); time.sleep(0.02)

def tab(key):
    i = next(i for i, p in enumerate(w.tab_pages) if p.KEY == key)
    w.tabs.setCurrentIndex(i); w.tab_pages[i].ensure_loaded(); settle(); return w.tab_pages[i]

iv = tab("interview")
review = iv.page("interview_review")
iv.pages_widget.setCurrentWidget(review); review.ensure_loaded(); settle()
review.table.select_first(); settle(1.5)
w.grab().save(str(out / "interview_review.png")); print("review")

talent = tab("talent")
import sqlite3
con = sqlite3.connect(ctx.db_path)
pid = con.execute("SELECT c.person_id FROM candidates c JOIN interviews i ON i.candidate_id=c.id JOIN interview_assessments a ON a.interview_id=i.id JOIN employees e ON e.person_id=c.person_id LIMIT 1").fetchone()
pid = pid[0] if pid else con.execute("SELECT person_id FROM employees LIMIT 1").fetchone()[0]
talent.open_profile(pid); settle(2)
w.grab().save(str(out / "talent_profile.png")); print("profile")
ob = talent.show_page("onboarding"); settle(1)
ob.forms.select_first(); settle(1.5)
w.grab().save(str(out / "talent_onboarding.png")); print("onboarding")
w.close(); pool.shutdown()

from ui.dialogs.clock_import import ClockImportDialog
from ui.workers import SyncPool

clock_file = sorted((Path(sys.argv[1]) / "imports").glob("clock_*.csv"))[-1]
info = ctx.services.attendance.open_clock_file(clock_file)
d = ClockImportDialog(ctx.services.attendance, SyncPool(), info, clock_file.stem.split("_")[-1])
d.resize(1200, 760); d.show(); d.run_preview(); settle(1)
d.grab().save(str(out / "clock_import.png")); print("clock import")
ctx.close()
