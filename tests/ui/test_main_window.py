"""The main window on the demo hospital: every tab shows real rows; models pass Qt's model tester."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ui.main_window import MainWindow
from ui.tablemodels.base import Column, DtoTableModel
from ui.tablemodels.roster import RosterGridModel
from ui.widgets.table import FilterTable
from ui.workers import SyncPool, WorkerPool


@pytest.fixture()
def window(qtbot, demo_ctx, tmp_path: Path):  # type: ignore[no-untyped-def]
    qsettings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    win = MainWindow(demo_ctx, SyncPool(), qsettings)
    qtbot.addWidget(win)
    win.show()
    return win


def _tables(page) -> list[FilterTable]:  # type: ignore[no-untyped-def]
    return page.findChildren(FilterTable)


def test_six_tabs_in_chinese(window) -> None:  # type: ignore[no-untyped-def]
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["岗位", "简历筛选", "面试", "人才画像", "培训", "工资考勤"]


def test_every_tab_shows_demo_data(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    for i, page in enumerate(window.tab_pages):
        window.tabs.setCurrentIndex(i)
        tables = _tables(page)
        if page.KEY == "payroll":
            roster = page.page("roster")
            assert roster.grid_model.rowCount() > 10 and roster.grid_model.columnCount() == 2 + 31
            assert "夜班" in roster.summary.text()
            pay = page.page("payroll_run")
            page.pages_widget.setCurrentWidget(pay)
            assert pay.table.model.rowCount() > 250
            assert "草稿" in pay.state.text() and pay.calc.isEnabled()
        else:
            assert tables and all(t.model.rowCount() > 0 for t in tables), page.KEY
    assert "数据库" in window.db_label.text()


def test_department_selection_filters_positions(window) -> None:  # type: ignore[no-untyped-def]
    page = window.tab_pages[0]
    total = page.table.proxy.rowCount()
    model = page.tree_model
    top = model.index(0, 0)  # 内科 and its sub-departments
    page.tree.setCurrentIndex(top)
    shown = page.table.proxy.rowCount()
    assert 0 < shown < total
    rows = [page.table.proxy.index(r, 2).data() for r in range(shown)]
    assert all(d in {"心血管内科", "心内一病区", "呼吸与危重症医学科"} for d in rows)
    page.table.view.selectRow(0)
    assert "胜任力模型" in page.detail.toPlainText()


def test_search_box_filters(window) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentIndex(3)
    people = window.tab_pages[3].people
    total = people.proxy.rowCount()
    people.search.setText("心内一病区")
    assert 0 < people.proxy.rowCount() < total


def test_last_tab_and_geometry_persist(qtbot, demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ini = str(tmp_path / "w.ini")
    win = MainWindow(demo_ctx, SyncPool(), QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.tabs.setCurrentIndex(4)
    win.resize(1000, 700)
    win.close()
    again = MainWindow(demo_ctx, SyncPool(), QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 4
    assert again.tab_pages[4].courses.model.rowCount() > 0  # the restored tab loads at start


def test_models_pass_the_model_tester(qtmodeltester, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    rows = demo_ctx.services.people.employees()
    model = DtoTableModel([Column("staff_no", "工号"), Column("age", "年龄"), Column("hire_date", "入职")])
    model.set_rows(rows)
    qtmodeltester.check(model)
    grid_model = RosterGridModel()
    ward = next(w for w in demo_ctx.services.workforce.rostered_wards() if w.name == "心内一病区")
    grid_model.set_grid(demo_ctx.services.workforce.roster(ward.department_id, ward.month))
    qtmodeltester.check(grid_model)


def test_background_pool_delivers_results_errors_and_progress(qtbot) -> None:  # type: ignore[no-untyped-def]
    pool = WorkerPool()
    got: list[object] = []
    pool.submit(lambda: 41 + 1, on_done=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [42]

    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("x")

    pool.submit(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)

    progress: list[tuple[int, int, str]] = []
    results: list[object] = []

    def long_job(progress, cancel):  # type: ignore[no-untyped-def]
        for i in range(3):
            cancel.raise_if_cancelled()
            progress(i + 1, 3, "step")
        return "done"

    pool.submit(long_job, on_done=results.append, on_progress=lambda d, t, m: progress.append((d, t, m)))
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results == ["done"] and progress[-1] == (3, 3, "step")
    assert not pool.busy()
    pool.shutdown()


def test_cancelled_job_reports_cancelled(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    from app.errors import Cancelled

    pool = WorkerPool()
    started = threading.Event()
    errors: list[BaseException] = []

    def waits(progress, cancel):  # type: ignore[no-untyped-def]
        started.set()
        while True:
            cancel.raise_if_cancelled()
            threading.Event().wait(0.01)

    job = pool.submit(waits, lane="io", on_error=errors.append)
    assert started.wait(5)
    job.cancel()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], Cancelled) and "取消" in errors[0].message
    pool.shutdown()
