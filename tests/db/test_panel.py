"""Interview panels (issue 11): an interviewer sees and acts on the interviews whose panel lists their account,
not interviews where a name like theirs is typed; older interviews without a panel keep the name match; the
one-time link-up of older interviews; panel editing (version, decided, audit); the policy of the new calls."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.db.tables import AppSetting, AuditEntry, Interview, InterviewPanelMember, User
from app.db.uow import unit_of_work
from app.demo.interviews import DEMO_EXTERNAL_EXPERT, DEMO_PANEL_ACCOUNTS, DEMO_PASSWORD
from app.errors import Conflict, InvalidInput
from app.security.permissions import PermissionDenied, Principal, principal_for
from app.services.recruiting import PANEL_LINK_SETTING, assigned_interview_ids
from tests.unit.security.matrix import assert_matrix, principal

SYSTEM = Principal.system("test")


@contextmanager
def signed_in(ctx: Any, who: Principal) -> Iterator[None]:
    before = ctx.services.identity.principal
    ctx.services.identity.sign_in(who)
    try:
        yield
    finally:
        if before is None:
            ctx.services.identity.sign_out()
        else:
            ctx.services.identity.sign_in(before)


def _user_id(ctx: Any, username: str) -> int:
    with unit_of_work(ctx.session_factory) as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return uid


def _panel_of(ctx: Any, user_id: int) -> set[int]:
    with unit_of_work(ctx.session_factory) as s:
        return set(s.scalars(select(InterviewPanelMember.interview_id)
                             .where(InterviewPanelMember.user_id == user_id)).all())


def _interviewer(username: str, display: str) -> Principal:
    return principal_for(username, "interviewer", display_name=display)


# ----------------------------------------------------------------------------- the demo's panels

def test_demo_panels_are_assigned_through_accounts(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    accounts = {a.username: a for a in ctx.services.recruiting.panel_accounts()}
    assert {u for u, _d, _r in DEMO_PANEL_ACCOUNTS} <= set(accounts)
    # interviewers are offered first
    roles = [a.role for a in ctx.services.recruiting.panel_accounts()]
    assert roles[:2] == ["interviewer", "interviewer"]
    zhang, liu = _user_id(ctx, "demo-zhangwei"), _user_id(ctx, "demo-liuna")
    assert _panel_of(ctx, zhang) and _panel_of(ctx, liu) and not _panel_of(ctx, zhang) >= _panel_of(ctx, liu)
    with unit_of_work(ctx.session_factory) as s:
        first = s.scalar(select(InterviewPanelMember.interview_id).order_by(InterviewPanelMember.interview_id))
    panel = ctx.services.recruiting.panel(first)
    assert panel.chair is not None and panel.chair.role == "chair"
    assert sum(m.role == "chair" for m in panel.members) == 1
    assert panel.extra_names == (DEMO_EXTERNAL_EXPERT,)
    assert panel.interviewers.split("、")[0] == panel.chair.display_name  # the chair is printed first
    # the demo accounts can sign in with the documented one-time password (and must change it)
    assert ctx.services.accounts.login("demo-zhangwei", DEMO_PASSWORD).must_change_password


# ----------------------------------------------------------------------------- guard: panel, not names

def test_interviewer_sees_and_acts_only_on_panel_interviews(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    zhang, liu = _user_id(ctx, "demo-zhangwei"), _user_id(ctx, "demo-liuna")
    mine = _panel_of(ctx, zhang)
    only_liu = sorted(_panel_of(ctx, liu) - mine)
    assert mine and only_liu
    other = only_liu[0]
    with unit_of_work(ctx.session_factory, write=True) as s:
        # someone types 张伟 into the printed list of an interview whose panel does not include him
        s.get(Interview, other).interviewers = "刘娜、张伟"
        panel_less = set(s.scalars(select(Interview.id).where(
            Interview.id.not_in(select(InterviewPanelMember.interview_id)))).all())
    # a second account with the same display name
    ctx.services.accounts.create_user(SYSTEM, "zhangwei2", "interviewer", "Other-2026x", display_name="张伟")

    me = _interviewer("demo-zhangwei", "张伟")
    expected = mine | {i for i in panel_less if "张伟" in (ctx.services.recruiting.panel(i).interviewers or "")}
    with signed_in(ctx, me):
        # list
        assert {r.id for r in ctx.services.recruiting.interviews()} == expected
        assert {c.id for c in ctx.services.capture.interviews()} == expected
        assert {r.interview_id for r in ctx.services.assessment.analysed()} <= expected
        assert set(ctx.services.assessment.pending_analysis()) <= expected
        # open
        own = sorted(mine)[0]
        assert ctx.services.capture.consent(own) is not None
        assert ctx.services.recruiting.panel(own).interview_id == own
        with pytest.raises(PermissionDenied, match="面试"):
            ctx.services.capture.consent(other)
        with pytest.raises(PermissionDenied):
            ctx.services.capture.setup(other)
        with pytest.raises(PermissionDenied):
            ctx.services.recruiting.panel(other)
        # record
        with pytest.raises(PermissionDenied):
            ctx.services.capture.set_notes(other, 1, "笔记")
        with pytest.raises(PermissionDenied):
            ctx.services.capture.record_consent(other, audio=True, video=False, ai=False)
        # review
        with pytest.raises(PermissionDenied):
            ctx.services.assessment.detail(other)
        reviewed = sorted(mine & {r.interview_id for r in ctx.services.assessment.analysed()})
        assert reviewed, "the demo analyses some interviews of each interviewer"
        assert ctx.services.assessment.detail(reviewed[0]).interview_id == reviewed[0]
        ctx.services.capture.set_notes(reviewed[0], 1, "回答完整。")  # acting on their own interview works
    # the namesake account sees nothing: no panel lists it, and every interview has a panel or another name
    with signed_in(ctx, _interviewer("zhangwei2", "张伟")):
        seen = {r.id for r in ctx.services.recruiting.interviews()}
        assert not seen & (mine | {other})
        with pytest.raises(PermissionDenied):
            ctx.services.capture.consent(sorted(mine)[0])
    # HR sees every interview
    with signed_in(ctx, principal("hr")):
        with unit_of_work(ctx.session_factory) as s:
            total = len(s.scalars(select(Interview.id)).all())
        assert len(ctx.services.recruiting.interviews()) == total


def test_interviews_without_a_panel_fall_back_to_the_name(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    liu = _user_id(ctx, "demo-liuna")
    old = sorted(_panel_of(ctx, liu))[0]
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.execute(delete(InterviewPanelMember).where(InterviewPanelMember.interview_id == old))
        s.get(Interview, old).interviewers = "刘娜, 外院专家"
    with unit_of_work(ctx.session_factory) as s:
        assert old in assigned_interview_ids(s, "demo-liuna", "刘娜")
        assert old in assigned_interview_ids(s, "someone", "刘娜")  # the old rule: any account with the name
        assert old not in assigned_interview_ids(s, "demo-zhangwei", "张伟")
    with signed_in(ctx, _interviewer("demo-liuna", "刘娜")):
        assert old in {r.id for r in ctx.services.recruiting.interviews()}
        assert ctx.services.capture.consent(old) is not None
    # once the panel is set, the name no longer counts
    hr = principal("hr")
    with signed_in(ctx, hr):
        version = ctx.services.recruiting.panel(old).version
        ctx.services.recruiting.set_panel(old, _user_id(ctx, "demo-zhangwei"), [], ["刘娜"],
                                          expected_version=version, user=hr.username)
    with unit_of_work(ctx.session_factory) as s:
        assert old not in assigned_interview_ids(s, "demo-liuna", "刘娜")
        assert old in assigned_interview_ids(s, "demo-zhangwei", "张伟")


# ----------------------------------------------------------------------------- editing the panel

def _planned(ctx: Any) -> int:
    with unit_of_work(ctx.session_factory) as s:
        iid = s.scalar(select(Interview.id).where(Interview.state == "planned").order_by(Interview.id))
    assert iid is not None
    return iid


def test_set_panel_derives_the_printed_list_and_is_audited(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    svc = ctx.services.recruiting
    iid = _planned(ctx)
    zhang, liu, li = (_user_id(ctx, u) for u in ("demo-zhangwei", "demo-liuna", "demo-lijianguo"))
    before = svc.panel(iid)
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with signed_in(ctx, principal("hr", username="hr1")):
        saved = svc.set_panel(iid, liu, [zhang, li, liu, zhang], ["外院专家陈教授", " 王  教授 ", "张伟"],
                              expected_version=before.version, scheduled_at=when, user="hr1")
    assert [m.user_id for m in saved.members] == [liu, zhang, li]
    assert saved.chair is not None and saved.chair.user_id == liu
    assert saved.interviewers == "刘娜、张伟、李建国、外院专家陈教授、王 教授"
    assert saved.extra_names == ("外院专家陈教授", "王 教授")
    assert saved.scheduled_at == when and saved.version > before.version
    with unit_of_work(ctx.session_factory) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "interview",
                                                     AuditEntry.object_id == str(iid))
                               .order_by(AuditEntry.id)).all()
    detail = [e for e in entries if e.action == "interview.panel"][-1]
    assert detail.username == "hr1" and "张伟" not in detail.detail and '"chair":' in detail.detail
    assert any(e.action == "recruiting.set_panel" for e in entries)  # the guard's entry too
    # removing a member and changing the chair
    again = svc.set_panel(iid, zhang, [], [], expected_version=saved.version, user="hr1")
    assert [(m.user_id, m.role) for m in again.members] == [(zhang, "chair")]
    assert again.interviewers == "张伟" and again.extra_names == ()
    assert again.scheduled_at == when  # no time given: kept


def test_set_panel_refusals(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    svc = ctx.services.recruiting
    iid = _planned(ctx)
    zhang, liu = _user_id(ctx, "demo-zhangwei"), _user_id(ctx, "demo-liuna")
    version = svc.panel(iid).version
    svc.set_panel(iid, zhang, [liu], expected_version=version)
    with pytest.raises(Conflict, match="另一台工作站"):  # another workstation saved in between
        svc.set_panel(iid, liu, [], expected_version=version)
    current = svc.panel(iid).version
    with pytest.raises(InvalidInput, match="停用|不存在"):
        svc.set_panel(iid, 999_999, [], expected_version=current)
    ctx.services.accounts.update_user(SYSTEM, "demo-liuna", active=False)
    with pytest.raises(InvalidInput, match="停用"):
        svc.set_panel(iid, liu, [], expected_version=current)
    with pytest.raises(InvalidInput, match="顿号"):
        svc.set_panel(iid, zhang, [], ["甲、乙"], expected_version=current)
    with pytest.raises(InvalidInput, match="太长"):
        svc.set_panel(iid, zhang, [], [f"专家{i:02d}号某某某某某某某某某某某" for i in range(12)], expected_version=current)
    assert svc.panel(iid).version == current  # nothing was saved by the refusals
    with unit_of_work(ctx.session_factory) as s:
        decided = s.scalar(select(Interview).where(Interview.state == "decided"))
        assert decided is not None
        decided_id, decided_version = decided.id, decided.version
    with pytest.raises(Conflict, match="已作出决定"):
        svc.set_panel(decided_id, zhang, [], expected_version=decided_version)
    assert not svc.panel(decided_id).editable


def test_panel_policy_by_role(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    iid = _planned(ctx)
    zhang = _user_id(ctx, "demo-zhangwei")
    version = ctx.services.recruiting.panel(iid).version

    def as_role(call: Any) -> Any:
        def op(who: Principal) -> Any:
            with signed_in(ctx, who):
                return call(ctx.services.recruiting)
        return op

    matrix = {
        "choose accounts": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
        "set the panel": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
        "link older interviews": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
        "link at start": dict(admin=True, hr=True, interviewer=True, dept_head=True, payroll=True),
    }
    ops = {
        "choose accounts": as_role(lambda s: s.panel_accounts()),
        "set the panel": as_role(lambda s: s.set_panel(iid, zhang, [], expected_version=version)),
        "link older interviews": as_role(lambda s: s.link_panels()),
        "link at start": as_role(lambda s: s.link_panels_at_start()),
    }
    assert_matrix(matrix, ops)
    # an interviewer not on the panel cannot read it; HR can
    with signed_in(ctx, _interviewer("nobody", "无名")):
        with pytest.raises(PermissionDenied):
            ctx.services.recruiting.panel(iid)
    with signed_in(ctx, principal("hr")):
        assert ctx.services.recruiting.panel(iid).interview_id == iid


# ----------------------------------------------------------------------------- link-up of older interviews

def test_link_up_of_older_interviews(demo_ctx, caplog) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    svc = ctx.services.recruiting
    zhang, liu = _user_id(ctx, "demo-zhangwei"), _user_id(ctx, "demo-liuna")
    ctx.services.accounts.create_user(SYSTEM, "lijg2", "dept_head", "Other-2026x", display_name="李建国")
    ctx.services.accounts.create_user(SYSTEM, "gone", "interviewer", "Other-2026x", display_name="离职医生")
    ctx.services.accounts.update_user(SYSTEM, "gone", active=False)
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.execute(delete(InterviewPanelMember))
        ids = s.scalars(select(Interview.id).order_by(Interview.id)).all()
        texts = {ids[0]: "张伟, 外院专家", ids[1]: "刘娜、demo-zhangwei", ids[2]: "李建国、刘娜",
                 ids[3]: "人事专员, 科室主任", ids[4]: "离职医生"}
        for iid, text in texts.items():
            s.get(Interview, iid).interviewers = text
        for iid in ids[5:]:
            s.get(Interview, iid).interviewers = ""
    with caplog.at_level(logging.INFO, logger="app.services.recruiting"):
        report = svc.link_panels_at_start(user="admin")
    assert not report.already_done
    assert report.interviews_linked == 3 and report.members_linked == 4
    assert report.ambiguous_interviews == (ids[2],)
    assert [(m.user_id, m.role) for m in svc.panel(ids[0]).members] == [(zhang, "chair")]
    assert svc.panel(ids[0]).extra_names == ("外院专家",)
    assert [(m.user_id, m.role) for m in svc.panel(ids[1]).members] == [(liu, "chair"), (zhang, "member")]
    assert [m.user_id for m in svc.panel(ids[2]).members] == [liu]  # 李建国 is two accounts: left unlinked
    assert svc.panel(ids[3]).members == () and svc.panel(ids[4]).members == ()  # no account / disabled
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert str(ids[2]) in logged and "李建国" not in logged and "张伟" not in logged  # ids only
    with unit_of_work(ctx.session_factory) as s:
        setting = s.scalar(select(AppSetting).where(AppSetting.key == PANEL_LINK_SETTING))
        assert setting is not None and setting.value["interviews"] == 3 and setting.value["ambiguous"] == [ids[2]]
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "interview.panel_link")) is not None
    # start-up runs it once: the second start does nothing, even with new unlinked interviews
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.get(Interview, ids[5]).interviewers = "张伟"
    assert svc.link_panels_at_start().already_done
    assert svc.panel(ids[5]).members == ()
    # HR may run the link-up again by hand (only interviews without a panel are touched)
    again = svc.link_panels(user="hr")
    assert again.interviews_linked == 1 and [m.user_id for m in svc.panel(ids[5]).members] == [zhang]
    assert [m.user_id for m in svc.panel(ids[1]).members] == [liu, zhang]
