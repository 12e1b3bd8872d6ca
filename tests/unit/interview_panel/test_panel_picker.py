"""The panel picker (pytest-qt, offscreen, jobs inline) on the demo hospital: the interview schedule's
面试小组 button, choosing accounts and the chair, extra names, saving with the version check, read-only once
decided, and no button for an interviewer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.db.tables import Interview, User
from app.db.uow import unit_of_work
from app.security.permissions import Principal, principal_for
from ui.dialogs.interview_panel import USER_ID_ROLE, InterviewPanelDialog
from ui.tablemodels.base import ROW_ROLE
from ui.tabs.interview_tab import InterviewListPage
from ui.workers import SyncPool


@contextmanager
def signed_in(ctx: Any, who: Principal) -> Iterator[None]:
    ctx.services.identity.sign_in(who)
    try:
        yield
    finally:
        ctx.services.identity.sign_in(Principal.system())


def _ids(ctx: Any) -> dict[str, int]:
    with unit_of_work(ctx.session_factory) as s:
        return dict(s.execute(select(User.username, User.id)).tuples().all())


def _first(ctx: Any, state: str) -> int:
    with unit_of_work(ctx.session_factory) as s:
        iid = s.scalar(select(Interview.id).where(Interview.state == state).order_by(Interview.id))
    assert iid is not None
    return iid


def _select(page: InterviewListPage, interview_id: int) -> None:
    proxy = page.table.proxy
    for r in range(proxy.rowCount()):
        if proxy.index(r, 0).data(ROW_ROLE).id == interview_id:
            page.table.view.selectRow(r)
            return
    raise AssertionError(f"interview {interview_id} not listed")


def test_hr_chooses_the_panel_from_the_schedule(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    ids = _ids(ctx)
    iid = _first(ctx, "planned")
    with signed_in(ctx, principal_for("hr1", "hr", display_name="王敏")):
        page = InterviewListPage(ctx.services, SyncPool())
        qtbot.addWidget(page)
        page.reload()
        assert not page.panel_button.isEnabled()
        _select(page, iid)
        assert page.panel_button.isEnabled()
        dialog = page.open_panel_dialog()
        assert isinstance(dialog, InterviewPanelDialog)
        qtbot.addWidget(dialog)
        # accounts listed, interviewers first, the current panel ticked, its chair chosen
        first_rows = [dialog.model.item(r).data(USER_ID_ROLE) for r in range(2)]
        assert set(first_rows) == {ids["demo-zhangwei"], ids["demo-liuna"]}
        current = ctx.services.recruiting.panel(iid)
        assert set(dialog.checked_ids()) == {m.user_id for m in current.members}
        assert dialog.chair.currentData() == current.chair.user_id  # type: ignore[union-attr]
        assert "刘娜" in dialog.preview.text() or "张伟" in dialog.preview.text()
        # untick everyone: no chair, nothing to save
        for uid in list(dialog.checked_ids()):
            dialog.check_account(uid, False)
        assert dialog.chair.count() == 0 and not dialog.save_button.isEnabled()
        # the searched account is found in the list
        dialog.search.setText("李建国")
        assert dialog.proxy.rowCount() == 1
        dialog.search.clear()
        # tick two accounts, make the second the chair, add an external expert
        dialog.check_account(ids["demo-zhangwei"])
        dialog.check_account(ids["demo-lijianguo"])
        assert dialog.chair.count() == 2 and dialog.save_button.isEnabled()
        dialog.chair.setCurrentIndex(dialog.chair.findData(ids["demo-lijianguo"]))
        dialog.extra.setText("外院专家陈教授、 王教授")
        assert dialog.preview.text().endswith("李建国、张伟、外院专家陈教授、王教授")
        dialog.set_time.setChecked(True)
        dialog.save_button.click()
        assert dialog.result() == InterviewPanelDialog.DialogCode.Accepted and dialog.saved is not None
    saved = ctx.services.recruiting.panel(iid)
    assert [(m.user_id, m.role) for m in saved.members] == [(ids["demo-lijianguo"], "chair"),
                                                           (ids["demo-zhangwei"], "member")]
    assert saved.interviewers == "李建国、张伟、外院专家陈教授、王教授"
    assert saved.extra_names == ("外院专家陈教授", "王教授") and saved.scheduled_at is not None


def test_a_panel_saved_elsewhere_meanwhile_is_not_overwritten(qtbot, demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    ids = _ids(ctx)
    iid = _first(ctx, "planned")
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    dialog = InterviewPanelDialog(ctx.services.recruiting, SyncPool(), iid, user="hr1")
    qtbot.addWidget(dialog)
    # another workstation saves the panel after the dialog loaded it
    other = ctx.services.recruiting.panel(iid)
    ctx.services.recruiting.set_panel(iid, ids["demo-liuna"], [], expected_version=other.version, user="hr2")
    dialog.check_account(ids["demo-lijianguo"])
    dialog.save_button.click()
    assert warnings and "另一台工作站" in warnings[0]
    assert dialog.saved is None and dialog.result() != InterviewPanelDialog.DialogCode.Accepted
    assert [m.user_id for m in ctx.services.recruiting.panel(iid).members] == [ids["demo-liuna"]]


def test_decided_interview_is_read_only_and_interviewers_have_no_button(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    decided = _first(ctx, "decided")
    dialog = InterviewPanelDialog(ctx.services.recruiting, SyncPool(), decided)
    qtbot.addWidget(dialog)
    assert "已作出决定" in dialog.state_label.text()
    assert not dialog.save_button.isEnabled() and not dialog.accounts_view.isEnabled()
    with signed_in(ctx, principal_for("demo-zhangwei", "interviewer", display_name="张伟")):
        page = InterviewListPage(ctx.services, SyncPool())
        qtbot.addWidget(page)
        page.reload()
        assert page.table.proxy.rowCount() > 0
        page.table.view.selectRow(0)
        assert page.table.view.currentIndex().isValid()
        assert not page.panel_button.isEnabled()


def test_start_up_links_older_interviews_once(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from app.db.tables import AppSetting, InterviewPanelMember
    from app.services.recruiting import PANEL_LINK_SETTING
    from ui.tabs.interview_tab import InterviewTab

    ctx = demo_ctx
    ids = _ids(ctx)
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.execute(delete(InterviewPanelMember))
        first = s.scalar(select(Interview).order_by(Interview.id))
        assert first is not None
        first.interviewers, first_id = "张伟, 外院专家", first.id
    with signed_in(ctx, principal_for("hr1", "hr")):
        tab = InterviewTab(ctx.services, SyncPool())
        qtbot.addWidget(tab)
        tab.offer_recovery()  # what the main window calls at start-up
    assert [m.user_id for m in ctx.services.recruiting.panel(first_id).members] == [ids["demo-zhangwei"]]
    with unit_of_work(ctx.session_factory) as s:
        assert s.scalar(select(AppSetting.value).where(AppSetting.key == PANEL_LINK_SETTING))["interviews"] >= 1
