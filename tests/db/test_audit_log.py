from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.db.uow import unit_of_work
from app.security.permissions import PermissionDenied
from app.services.audit import AuditFilter, record
from tests.unit.security.matrix import assert_matrix, principal


def _fill(ctx, n: int = 6) -> None:  # type: ignore[no-untyped-def]
    for i in range(1, n + 1):
        with unit_of_work(ctx.session_factory, write=True) as s:
            record(s, "hr1" if i % 2 else "hr2", "staff.edit", "employee", i, {"fields": ["phone"]})


def _sql(ctx, statement: str, *args: object) -> None:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(ctx.data.db_path)
    con.execute(statement, args)
    con.commit()
    con.close()


ADMIN = principal("admin")


def test_intact_chain_verifies(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    report = ctx.services.audit.verify(ADMIN)
    assert report.intact and report.checked == 6


def test_entry_rolls_back_with_the_change(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx, 2)
    with pytest.raises(RuntimeError), unit_of_work(ctx.session_factory, write=True) as s:
        record(s, "hr1", "staff.edit", "employee", 9)
        raise RuntimeError("the change failed")
    assert len(ctx.services.audit.query(ADMIN)) == 2
    assert ctx.services.audit.verify(ADMIN).intact


def test_edited_entry_detected_at_its_id(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    _sql(ctx, "UPDATE audit_log SET username='someone' WHERE id=3")
    report = ctx.services.audit.verify(ADMIN)
    assert not report.intact and report.broken_id == 3
    assert "3" in report.message() and "修改" in report.message()


def test_deleted_entry_detected_at_the_next_id(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    _sql(ctx, "DELETE FROM audit_log WHERE id=4")
    report = ctx.services.audit.verify(ADMIN)
    assert not report.intact and report.broken_id == 5


def test_reordered_entries_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    # swap entries 2 and 3 completely (content, links and hashes), keeping the ids
    _sql(ctx, "UPDATE audit_log SET id=100 WHERE id=2")
    _sql(ctx, "UPDATE audit_log SET id=2 WHERE id=3")
    _sql(ctx, "UPDATE audit_log SET id=3 WHERE id=100")
    report = ctx.services.audit.verify(ADMIN)
    assert not report.intact and report.broken_id == 2


def test_cut_off_newest_entries_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    _sql(ctx, "DELETE FROM audit_log WHERE id >= 5")
    report = ctx.services.audit.verify(ADMIN)
    assert not report.intact and report.broken_id == 4


def test_query_filters(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    svc = ctx.services.audit
    assert {r.username for r in svc.query(ADMIN, AuditFilter(username="hr2"))} == {"hr2"}
    assert len(svc.query(ADMIN, AuditFilter(action="staff."))) == 6
    assert len(svc.query(ADMIN, AuditFilter(action="staff"))) == 0
    assert [r.object_id for r in svc.query(ADMIN, AuditFilter(object_type="employee", object_id="4"))] == ["4"]
    today = svc.query(ADMIN)[0].at.date()
    from datetime import timedelta

    assert svc.query(ADMIN, AuditFilter(first_day=today + timedelta(days=2))) == []
    assert len(svc.query(ADMIN, AuditFilter(first_day=today - timedelta(days=1), last_day=today + timedelta(days=1)))) == 6


def test_export_never_writes_a_formula(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        record(s, "=HYPERLINK(\"http://x\",\"y\")", "staff.edit", "employee", "=1+1", "@SUM(A1)")
    out = tmp_path / "audit.xlsx"
    assert ctx.services.audit.export_xlsx(ADMIN, out) == 1
    ws = load_workbook(out).active
    row = [c for c in ws[2]]
    assert row[2].value.startswith("=HYPERLINK") and row[2].data_type == "s"
    assert row[5].value == "=1+1" and row[5].data_type == "s"
    assert ctx.services.audit.query(ADMIN)[0].action == "audit.export"  # the export itself is audited


def test_only_admin_and_hr_read_the_audit_log(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.audit
    ops = {
        "verify": lambda p: svc.verify(p),
        "query": lambda p: svc.query(p),
        "export": lambda p: svc.export_xlsx(p, tmp_path / f"{p.role}.xlsx"),
    }
    allowed = {"admin": True, "hr": True, "interviewer": False, "dept_head": False, "payroll": False}
    assert_matrix({name: allowed for name in ops}, ops)
    with pytest.raises(PermissionDenied):
        svc.query(principal("payroll"))


def test_cli_verify_and_export(ctx, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    _fill(ctx, 3)
    root = str(ctx.data.root)
    assert main(["audit", "verify", "--data-dir", root, "--json"]) == 0
    assert '"intact": true' in capsys.readouterr().out
    assert main(["audit", "export", "--xlsx", str(tmp_path / "a.xlsx"), "--user", "hr1", "--data-dir", root]) == 0
    assert "2 条" in capsys.readouterr().out
    _sql(ctx, "UPDATE audit_log SET detail='x' WHERE id=2")
    assert main(["audit", "verify", "--data-dir", root]) == 1
    assert "第 2 条" in capsys.readouterr().out
    assert main(["audit", "export", "--xlsx", "x.xlsx", "--from", "2026-13-01", "--data-dir", root]) == 2
