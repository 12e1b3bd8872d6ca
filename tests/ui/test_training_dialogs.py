"""The group-assignment and scenario-practice dialogs of the training tab, and overrides signed by the
signed-in user (the dialogs call the real services through ``SyncPool``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QDate
from sqlalchemy import select

from app.db.tables import Course
from app.db.uow import unit_of_work
from app.security.permissions import PERMISSIONS, Principal
from app.services.training import FALLBACK_SIGNER, PlannedItem
from tests.conftest import DEMO_TODAY
from tests.support import require_model, shared_data
from ui.dialogs.group_assign import GroupAssignDialog
from ui.dialogs.scenario_practice import ScenarioPracticeDialog
from ui.tabs.training_tab import TrainingTab
from ui.workers import SyncPool


def _courses(ctx) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory) as s:
        return {c.code: c.id for c in s.scalars(select(Course))}


def test_group_dialog_previews_then_assigns_the_nurses_hired_in_a_date_range(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    dialog = GroupAssignDialog(tr, SyncPool(), DEMO_TODAY, user="护理部 王丽")
    qtbot.addWidget(dialog)
    assert dialog.course_model.rowCount() == len(tr.courses()) and dialog.department.count() > 1
    assert dialog.windowTitle() == "为一组人员分配学习路径"
    dialog.family.setCurrentIndex(dialog.family.findData("nursing"))
    dialog.limit_hire.setChecked(True)
    dialog.hired_from.setDate(QDate(DEMO_TODAY.year - 3, 1, 1))
    dialog.hired_to.setDate(QDate(DEMO_TODAY.year, DEMO_TODAY.month, DEMO_TODAY.day))
    codes = _courses(demo_ctx)
    dialog.set_courses([codes["C-GT02"], codes["C-PY01"]])
    dialog.path_title.setText("新护士院感与急救")
    assert not dialog.assign_btn.isEnabled()  # nothing assigned before a preview
    dialog.preview()
    rows = dialog._preview
    assert rows and dialog.preview_table.model.rowCount() == len(rows)
    assert all(r.hire_date is not None and r.hire_date.year >= DEMO_TODAY.year - 3 for r in rows)
    assert "人" in dialog.summary.text() and dialog.assign_btn.isEnabled()
    # changing the group invalidates the preview
    dialog.probation_only.setChecked(True)
    assert not dialog.assign_btn.isEnabled()
    dialog.probation_only.setChecked(False)
    dialog.preview()
    getting = [r for r in dialog._preview if r.gets_path]
    before = len(tr.learning_paths(DEMO_TODAY))
    dialog.assign()
    assert dialog.result_value is not None and dialog.result_value.paths == len(getting)
    paths = tr.learning_paths(DEMO_TODAY)
    assert len(paths) == before + len(getting)
    assert {p.created_by for p in paths if p.title == "新护士院感与急救"} == {"护理部 王丽"}


def test_group_dialog_without_a_course_says_so(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    dialog = GroupAssignDialog(demo_ctx.services.training, SyncPool(), DEMO_TODAY)
    qtbot.addWidget(dialog)
    dialog.family.setCurrentIndex(dialog.family.findData("nursing"))
    dialog.preview()
    assert dialog.summary.text() == "请至少勾选一门课程。" and not dialog.assign_btn.isEnabled()


def _enrolled_scenario(ctx) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    tr = ctx.services.training
    scn = next(r for r in tr.scenarios() if r.course == "患者沟通技巧")
    people = tr.scenario_people(scn.quiz_id)
    if not people:
        person = tr.people("family", "nursing")[0]
        tr.assign_path([person.person_id], [PlannedItem(scn.course_id, DEMO_TODAY + timedelta(days=30))],
                       title="沟通", today=DEMO_TODAY)
        people = tr.scenario_people(scn.quiz_id)
    return scn.quiz_id, people[0].person_id


def test_scenario_dialog_needs_consent_before_anything_can_be_recorded(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    quiz_id, person_id = _enrolled_scenario(demo_ctx)
    dialog = ScenarioPracticeDialog(demo_ctx.services.training, SyncPool(), DEMO_TODAY)
    qtbot.addWidget(dialog)
    assert dialog.scenario_combo.count() == len(demo_ctx.services.training.scenarios()) >= 3
    dialog.scenario_combo.setCurrentIndex(dialog.scenario_combo.findData(quiz_id))
    dialog.person_combo.setCurrentIndex(dialog.person_combo.findData(person_id))
    assert "要点" in dialog.brief.toPlainText() or "key points" in dialog.brief.toPlainText()
    assert not dialog.record_btn.isEnabled() and not dialog.file_btn.isEnabled()  # no answer yet
    dialog.set_consent(analysis=False, keep=False)
    assert not dialog.record_btn.isEnabled() and "学习进度" in dialog.status.text()
    dialog.set_consent(analysis=True, keep=False)
    assert dialog.record_btn.isEnabled() and dialog.file_btn.isEnabled() and not dialog.stop_btn.isEnabled()


@pytest.mark.slow
def test_scenario_dialog_practises_from_a_file_and_shows_the_scored_result(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    require_model("faster-whisper-base")
    quiz_id, person_id = _enrolled_scenario(demo_ctx)
    tr = demo_ctx.services.training
    dialog = ScenarioPracticeDialog(tr, SyncPool(), DEMO_TODAY)
    qtbot.addWidget(dialog)
    dialog.scenario_combo.setCurrentIndex(dialog.scenario_combo.findData(quiz_id))
    dialog.person_combo.setCurrentIndex(dialog.person_combo.findData(person_id))
    dialog.set_consent(analysis=True, keep=True)
    clip = shared_data("media/speech/old_funasr_asr_example.wav")
    dialog.practise_file(clip)
    assert dialog.record is not None, dialog.status.text()
    assert "语音识别" in dialog.live.toPlainText()  # the live transcript lines arrived through the signal
    html = dialog.result.toPlainText()
    assert "/ 100" in html and "未答到" in html and "保留录音" in html
    assert dialog.status.text() == "演练已保存。"
    row = dialog.record.attempt.row
    assert row.person_id == person_id and row.quiz_id == quiz_id
    assert [e for e in tr.evidence(person_id) if e.source == "scenario" and e.observed_on == DEMO_TODAY]
    # the stored practice opens read-only from the tab
    shown = ScenarioPracticeDialog(tr, SyncPool(), DEMO_TODAY, record=tr.practice(row.id))
    qtbot.addWidget(shown)
    assert shown.setup_widgets.isHidden() and "语音识别" in shown.live.toPlainText()


def test_overrides_and_decisions_are_signed_by_the_signed_in_user(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tab = TrainingTab(demo_ctx.services, SyncPool())
    qtbot.addWidget(tab)
    assert tab._signer() is None  # the system principal (command line, tests): the HR office signs
    demo_ctx.services.identity.sign_in(Principal("wangli", "admin", None, frozenset(PERMISSIONS), display_name="王丽"))
    assert tab._signer() == "王丽"
    tr = demo_ctx.services.training
    attempt = tr.attempts()[0]
    detail = tr.attempt(attempt.id)
    item = detail.grade.items[0]
    after = tr.override_score(attempt.id, item.version_id, 50, reason="复核", today=DEMO_TODAY, signer=tab._signer())
    assert after.row.overridden_by == "王丽" and after.grade.items[0].override_by == "王丽"
    fallback = tr.override_score(attempt.id, item.version_id, 60, reason="复核", today=DEMO_TODAY)
    assert fallback.row.overridden_by == FALLBACK_SIGNER
    assert tab.group_btn.text() == "按人群分配…" and tab.practice_btn.text() == "情景演练…"
