"""Permissions enforced in the service layer: policy coverage, the role × operation matrix, scoping, audit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text

from app.db.tables import AuditEntry, Employee, Interview, InterviewPanelMember
from app.db.uow import unit_of_work
from app.security.permissions import BUILTIN_ROLES, PermissionDenied, Principal
from app.security.policy import POLICY, Rule
from app.services.base import Service
from app.services.guard import Guard, GuardedService, Identity, public_members, unwrap
from tests.unit.security.matrix import ROLES, assert_matrix, principal

MONTH = "2026-10"  # locked attendance and payroll in the demo


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


def as_role(ctx: Any, call: Callable[[Any], Any]) -> Callable[[Principal], Any]:
    def op(who: Principal) -> Any:
        with signed_in(ctx, who):
            return call(ctx.services)
    return op


# ----------------------------------------------------------------------------- coverage (deny by default)

def test_every_public_method_of_every_service_is_in_the_policy(ctx) -> None:  # type: ignore[no-untyped-def]
    services = ctx.services
    raw = [n for n, v in vars(services).items() if not isinstance(v, GuardedService)
           and (isinstance(v, Service) or type(v).__name__.endswith("Service"))]
    assert not raw, f"services not behind the guard (wrap them in Services.__init__): {raw}"
    missing, stale = [], []
    for name in services.names():
        target = unwrap(getattr(services, name))
        members = set(public_members(type(target), target))
        listed = set(POLICY.get(name, {}))
        missing += [f"{name}.{m}" for m in sorted(members - listed)]
        stale += [f"{name}.{m}" for m in sorted(listed - members)]
    assert not missing, f"add these to app/security/policy.py: {missing}"
    assert not stale, f"the policy lists methods that no longer exist: {stale}"
    assert len(services.names()) >= 18


def test_an_unlisted_method_is_refused_even_for_the_system(ctx) -> None:  # type: ignore[no-untyped-def]
    policy = {k: dict(v) for k, v in POLICY.items()}
    del policy["payroll"]["runs"]
    guard = Guard(ctx.session_factory, Identity(Principal.system()), policy)
    payroll = guard.wrap("payroll", unwrap(ctx.services.payroll))
    with pytest.raises(PermissionDenied, match="payroll.runs"):
        payroll.runs()
    with pytest.raises(AttributeError):
        payroll._factory  # noqa: B018 - private attributes are not reachable through the proxy
    assert isinstance(ctx.services.payroll, GuardedService)


def test_nobody_signed_in_may_only_use_the_public_operations(ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.services.identity.sign_out()
    assert ctx.services.accounts.has_users() is False
    with pytest.raises(PermissionDenied, match="登录"):
        ctx.services.org.department_tree()


# ----------------------------------------------------------------------------- the whole matrix, statically

def _allowed(guard: Guard, role: str) -> set[str]:
    who = principal(role, department_id=1)
    return {f"{s}.{m}" for s, rules in POLICY.items() for m in rules if guard.allowed(who, s, m)}


def test_every_role_against_every_operation(ctx) -> None:  # type: ignore[no-untyped-def]
    """The issue's rules over the whole policy: 5 roles × every guarded operation."""
    guard = ctx.services.guard
    ops = {f"{s}.{m}" for s, rules in POLICY.items() for m in rules}
    allowed = {role: _allowed(guard, role) for role in ROLES}
    hidden = {f"{s}.{m}" for s, rules in POLICY.items() for m, r in rules.items() if r.hidden}
    assert allowed["admin"] == ops - hidden  # the administrator may do everything that is offered
    assert hidden == {"capture.questions"}
    individual_pay = {"payroll.results", "payroll.review", "payroll.compute", "payroll.export_sheet",
                      "payroll.export_payslips"}
    user_admin = {"accounts.users", "accounts.create_user", "accounts.update_user", "accounts.unlock",
                  "accounts.reset_password", "settings.delete", "backup.restore", "backup.create"}
    for role in ROLES:
        got = allowed[role]
        assert (individual_pay <= got) == (role in ("admin", "payroll")), role
        assert not (individual_pay & got) or role in ("admin", "payroll"), role
        assert not (user_admin & got) or role == "admin", (role, user_admin & got)
    # interviewers: positions, candidates and their interviews, nothing about staff, pay or attendance
    # the automatic daily backup starts for any signed-in user; only administrators list, verify or restore
    assert all("backup.ensure_recent" in allowed[role] for role in ROLES)
    for op in allowed["interviewer"] - {"backup.ensure_recent"}:
        assert op.split(".")[0] in {"positions", "recruiting", "questions", "assessment", "capture", "screening",
                                    "org", "settings", "accounts", "audit", "training", "talent"}, op
    assert not {o for o in allowed["interviewer"] if o.startswith(("payroll.", "attendance.", "people."))}
    # department heads cannot change staff, run payroll or manage users
    assert not {o for o in allowed["dept_head"] - {"backup.ensure_recent"} if POLICY[o.split(".")[0]][o.split(".")[1]].write
                and o.split(".")[0] in ("payroll", "people", "backup", "staff_import")}
    total = sum(len(r) for r in POLICY.values()) * len(ROLES)
    assert total >= 5 * 250


# ----------------------------------------------------------------------------- real calls on the demo

def test_role_matrix_on_real_calls(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    expected: dict[str, dict[str, bool]] = {
        "list positions": dict(admin=True, hr=True, interviewer=True, dept_head=True, payroll=False),
        "individual pay": dict(admin=True, hr=False, interviewer=False, dept_head=False, payroll=True),
        "payroll sheet export": dict(admin=True, hr=False, interviewer=False, dept_head=False, payroll=True),
        "run payroll draft": dict(admin=True, hr=False, interviewer=False, dept_head=False, payroll=True),
        "staff list": dict(admin=True, hr=True, interviewer=False, dept_head=True, payroll=True),
        "list users": dict(admin=True, hr=False, interviewer=False, dept_head=False, payroll=False),
        "list backups": dict(admin=True, hr=False, interviewer=False, dept_head=False, payroll=False),
        "audit log": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
        "attendance summary": dict(admin=True, hr=True, interviewer=False, dept_head=True, payroll=True),
        "candidates": dict(admin=True, hr=True, interviewer=True, dept_head=True, payroll=False),
        "interviews": dict(admin=True, hr=True, interviewer=True, dept_head=True, payroll=False),
        "edit question": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
        "training catalogue": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
        "staff import preview": dict(admin=True, hr=True, interviewer=False, dept_head=False, payroll=False),
    }
    ops = {
        "list positions": as_role(ctx, lambda s: s.org.positions()),
        "individual pay": as_role(ctx, lambda s: s.payroll.results(MONTH)),
        "payroll sheet export": as_role(ctx, lambda s: s.payroll.export_sheet(MONTH, tmp_path / "pay.xlsx")),
        "run payroll draft": as_role(ctx, lambda s: s.payroll.run_draft("2026-10")),  # locked: Conflict = allowed
        "staff list": as_role(ctx, lambda s: s.people.employees()),
        "list users": as_role(ctx, lambda s: s.accounts.users(s.identity.principal)),
        "list backups": as_role(ctx, lambda s: s.backup.list()),
        "audit log": as_role(ctx, lambda s: s.audit.query(s.identity.principal)),
        "attendance summary": as_role(ctx, lambda s: s.attendance.summary(MONTH)),
        "candidates": as_role(ctx, lambda s: s.recruiting.candidates()),
        "interviews": as_role(ctx, lambda s: s.recruiting.interviews()),
        "edit question": as_role(ctx, lambda s: s.questions.edit(10**6, 1, text="x", key_points=["y"])),
        "training catalogue": as_role(ctx, lambda s: s.training.catalogue()),
        "staff import preview": as_role(ctx, lambda s: s.staff_import.preview(tmp_path / "missing.xlsx")),
    }
    dept = _busiest_department(ctx)
    assert_matrix(expected, ops, department_id=dept)


def test_refusal_is_in_chinese_and_names_the_action(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with signed_in(demo_ctx, principal("hr")), pytest.raises(PermissionDenied) as err:
        demo_ctx.services.payroll.results(MONTH)
    msg = err.value.message
    assert "test_hr" in msg and "HR专员" in msg and "个人工资" in msg and "无权" in msg
    with unit_of_work(demo_ctx.session_factory) as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (last.username, last.action) == ("test_hr", "denied") and "payroll.results" in last.detail


def _busiest_department(ctx: Any) -> int:
    with unit_of_work(ctx.session_factory) as s:
        rows = s.execute(text("SELECT department_id, count(*) c FROM employees GROUP BY department_id "
                              "ORDER BY c DESC LIMIT 1")).first()
    assert rows is not None
    return int(rows[0])


# ----------------------------------------------------------------------------- scoping

def test_department_head_sees_and_exports_only_their_department(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    dept = _busiest_department(ctx)
    with unit_of_work(ctx.session_factory) as s:
        own_people = set(s.scalars(select(Employee.person_id).where(Employee.department_id == dept)).all())
        other = s.scalar(select(Employee.department_id).where(Employee.department_id != dept).limit(1))
    everyone = ctx.services.people.employees()  # system principal: all
    head = principal("dept_head", department_id=dept, username="主任甲")
    with signed_in(ctx, head):
        mine = ctx.services.people.employees()
        assert mine and {e.person_id for e in mine} <= own_people and len(mine) < len(everyone)
        rows = ctx.services.attendance.summary(MONTH)  # "all departments" becomes the head's own
        assert rows and {r.employee_id for r in rows} <= _employees_of(ctx, dept)
        with pytest.raises(PermissionDenied, match="本部门"):
            ctx.services.attendance.summary(MONTH, department_id=other)
        out = ctx.services.attendance.export_sheet(MONTH, tmp_path / "mine.xlsx")
        assert out.exists()
        with pytest.raises(PermissionDenied):
            ctx.services.attendance.export_sheet(MONTH, tmp_path / "theirs.xlsx", department_id=other)
        assert not (tmp_path / "theirs.xlsx").exists()
        with pytest.raises(PermissionDenied):
            ctx.services.payroll.results(MONTH)  # no individual pay for department heads
    with unit_of_work(ctx.session_factory) as s:
        exported = s.scalars(select(AuditEntry).where(AuditEntry.username == "主任甲",
                                                      AuditEntry.action == "attendance.export_sheet")).all()
    assert len(exported) == 1 and '"kind":"export"' in exported[0].detail


def _employees_of(ctx: Any, dept: int) -> set[int]:
    with unit_of_work(ctx.session_factory) as s:
        return set(s.scalars(select(Employee.id).where(Employee.department_id == dept)).all())


def test_interviewer_sees_only_assigned_interviews(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    with unit_of_work(ctx.session_factory, write=True) as s:
        ids = s.scalars(select(Interview.id).order_by(Interview.id)).all()
        assert len(ids) >= 3
        mine, theirs = ids[0], ids[1]
        # an interview from before panels (no panel rows): the name in the free text still assigns it
        s.execute(delete(InterviewPanelMember).where(InterviewPanelMember.interview_id == mine))
        s.get(Interview, mine).interviewers = "王医生, 科室主任"
    iv = principal("interviewer", username="wangys")
    iv = Principal(iv.username, iv.role, None, iv.permissions, iv.department_scoped, display_name="王医生")
    with signed_in(ctx, iv):
        assert [r.id for r in ctx.services.recruiting.interviews()] == [mine]
        assert [c.id for c in ctx.services.capture.interviews()] == [mine]
        assert ctx.services.capture.consent(mine) is not None
        with pytest.raises(PermissionDenied, match="面试"):
            ctx.services.capture.consent(theirs)
        with pytest.raises(PermissionDenied):
            ctx.services.assessment.detail(theirs)
        assert set(ctx.services.assessment.pending_analysis()) <= {mine}
    with signed_in(ctx, principal("hr")):
        assert len(ctx.services.recruiting.interviews()) == len(ids)


def test_sensitive_views_are_audited_without_values(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    with signed_in(ctx, principal("payroll", username="xinchou")):
        results = ctx.services.payroll.results(MONTH)
    assert results
    with unit_of_work(ctx.session_factory) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.username == "xinchou")).one()
    assert (entry.action, entry.object_id) == ("payroll.results", MONTH)
    assert '"what":"pay.view"' in entry.detail and str(results[0].gross) not in entry.detail
    assert ctx.services.audit.verify(Principal.system()).intact


def test_writes_are_audited_by_the_guard(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    with signed_in(ctx, principal("hr", username="renshi")):
        ctx.services.positions.add_term("测试术语甲", "clin")
    with unit_of_work(ctx.session_factory) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.username == "renshi")).all()
    assert actions == ["positions.add_term"]


def test_custom_rule_table_shape() -> None:
    for service, rules in POLICY.items():
        for method, rule in rules.items():
            assert isinstance(rule, Rule), (service, method)
            assert rule.scope in ("", "department", "assigned"), (service, method)
            assert not (rule.public and rule.perms), (service, method)
            for p in rule.perms:
                assert any(p in perms for perms in BUILTIN_ROLES.values()), (service, method, p)


# ----------------------------------------------------------------------------- audit written with the change

class _Notes(Service):
    """A service whose change commits and whose call then fails, or whose change is rolled back."""

    def save(self, note_id: int, fail_after_commit: bool = False, fail_inside: bool = False) -> None:
        from app.services.shared_settings import write_setting

        with self._uow(write=True) as s:
            write_setting(s, f"test.note.{note_id}", {"text": "已保存"})
            if fail_inside:
                raise RuntimeError("the change is rolled back")
        if fail_after_commit:
            raise RuntimeError("a later step fails; the change above is already committed")


def _entries(ctx: Any, action: str) -> list[str]:
    with unit_of_work(ctx.session_factory) as s:
        return list(s.scalars(select(AuditEntry.object_id).where(AuditEntry.action == action)).all())


def test_a_change_and_its_audit_entry_commit_together(ctx) -> None:  # type: ignore[no-untyped-def]
    """The guard's entry for a change is written by the change's own transaction: a call that fails after its change
    committed still leaves the entry (before, the guard wrote it only after a successful return, so that change
    went unaudited); a change rolled back leaves none; a successful call leaves exactly one."""
    from app.security.policy import W

    guard = Guard(ctx.session_factory, Identity(Principal.system()), {"notes": {"save": W("settings.manage",
                                                                                           key="note_id")}})
    notes = guard.wrap("notes", _Notes(ctx.session_factory))
    notes.save(1)
    assert _entries(ctx, "notes.save") == ["1"]
    with pytest.raises(RuntimeError, match="already committed"):
        notes.save(2, fail_after_commit=True)
    assert _entries(ctx, "notes.save") == ["1", "2"]
    with pytest.raises(RuntimeError, match="rolled back"):
        notes.save(3, fail_inside=True)
    assert _entries(ctx, "notes.save") == ["1", "2"]
    assert ctx.services.audit.verify(Principal.system()).intact
