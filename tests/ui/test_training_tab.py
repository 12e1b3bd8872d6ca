"""The training tab on the demo hospital: every page filled, overdue filter, quiz dialog, reminder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from tests.conftest import DEMO_TODAY
from ui.dialogs.quiz import QuizDialog
from ui.main_window import MainWindow
from ui.tabs.training_tab import TrainingTab
from ui.workers import SyncPool


def _tab(qtbot, demo_ctx) -> TrainingTab:  # type: ignore[no-untyped-def]
    tab = TrainingTab(demo_ctx.services, SyncPool())
    tab.today = lambda: DEMO_TODAY  # type: ignore[method-assign]
    qtbot.addWidget(tab)
    tab.ensure_loaded()
    return tab


def test_pages_show_demo_data_in_chinese(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, demo_ctx)
    assert [tab.pages.tabText(i) for i in range(tab.pages.count())] == ["课程目录", "学习路径", "学习进度", "测验", "报表"]
    for table in (tab.courses, tab.paths, tab.enrollments, tab.quizzes, tab.attempts, tab.credits):
        assert table.model.rowCount() > 0
    assert tab.modules_model.rowCount() > 0  # first course selected → its modules
    assert tab.items_model.rowCount() > 0  # first path selected → its courses with reasons
    assert tab.chart.series() and tab.chart.series()[0].count() == 1
    assert "逾期" in tab.summary.text()
    headers = [tab.enrollments.model.headerData(i, Qt.Orientation.Horizontal) for i in range(tab.enrollments.model.columnCount())]
    assert "逾期天数" in headers


def test_overdue_filter_matches_the_service(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, demo_ctx)
    tab.overdue_only.setChecked(True)
    assert tab.enrollments.proxy.rowCount() == demo_ctx.services.training.overdue_count(DEMO_TODAY) > 0
    tab.overdue_only.setChecked(False)
    assert tab.enrollments.proxy.rowCount() == tab.enrollments.model.rowCount()


def test_quiz_dialog_answers_are_graded_by_the_service(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    quiz = next(q for q in tr.quizzes() if q.choice_questions == q.questions)
    title, _p, questions = tr.quiz_questions(quiz.id)
    people = tr.people()[:3]
    dialog = QuizDialog(title, questions, people)
    qtbot.addWidget(dialog)
    for q in questions:
        dialog.set_answer(q.version_id, q.answer)
    assert dialog.answers() == {q.version_id: "".join(sorted(q.answer)) for q in questions}
    detail = tr.submit_attempt(quiz.id, dialog.person_id(), dialog.answers(), today=DEMO_TODAY)
    assert detail.row.score == 100.0 and detail.row.passed


def test_status_bar_reminder_counts_overdue(qtbot, demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(demo_ctx, SyncPool(), QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    label = TrainingTab.install_reminder(win, DEMO_TODAY)
    n = demo_ctx.services.training.overdue_count(DEMO_TODAY)
    assert n > 0 and label.text() == f"{n} 项培训已逾期"
