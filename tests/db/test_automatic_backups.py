"""Automatic backups (issue 11): before a payroll month is locked, and at most a day apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import StorageError


def test_locking_a_payroll_month_first_backs_up_the_approved_month(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    payroll, backup = demo_ctx.services.payroll, demo_ctx.services.backup
    month = "2026-11"
    payroll.advance(month, "review", user="薪酬专员")
    payroll.advance(month, "approved", user="薪酬专员")
    assert not [b for b in backup.list() if b.label == f"payroll-lock-{month}"]
    payroll.advance(month, "locked", user="薪酬专员")
    taken = [b for b in backup.list() if b.label == f"payroll-lock-{month}"]
    assert len(taken) == 1
    assert backup.verify(taken[0].path).ok
    import sqlite3

    con = sqlite3.connect(taken[0].path / "hrdesk.sqlite3")
    try:
        state = con.execute("SELECT state FROM payroll_runs WHERE month = ? AND kind = 'regular'", (month,)).fetchone()[0]
    finally:
        con.close()
    assert state == "approved"  # the copy holds the month as approved, before the lock


def test_a_failed_backup_leaves_the_month_unlocked(demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.services.guard import unwrap

    payroll = demo_ctx.services.payroll
    month = "2026-11"
    payroll.advance(month, "review")
    payroll.advance(month, "approved")

    def full_disk(_month: str) -> None:
        raise StorageError("磁盘已满")

    monkeypatch.setattr(unwrap(payroll), "_before_lock", full_disk)
    with pytest.raises(StorageError):
        payroll.advance(month, "locked")
    assert payroll.run_for(month).state == "approved"


def test_the_scheduled_backup_runs_only_when_the_newest_is_a_day_old(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    backup = demo_ctx.services.backup
    first = backup.ensure_recent()
    assert first is not None and first.label == "auto"
    assert backup.ensure_recent() is None  # a recent one exists
    manifest = first.path / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["created_at"] = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    manifest.write_text(json.dumps(data), encoding="utf-8")
    second = backup.ensure_recent()
    assert second is not None and second.path != first.path
