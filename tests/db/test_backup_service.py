from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from app.db.tables import Meta
from app.db.uow import unit_of_work
from app.services.backup import MANIFEST, BackupDamaged, BackupService, sha256_file


def _meta_count(db: Path, like: str = "w-%") -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM meta WHERE key LIKE ?", (like,)).fetchone()[0]
    finally:
        con.close()


def _put(ctx, key: str, value: str = "x") -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.merge(Meta(key=key, value=value))


def test_backup_verify_and_manifest_lists_the_archive(ctx) -> None:  # type: ignore[no-untyped-def]
    (ctx.data.archive / "p1").mkdir(parents=True)
    (ctx.data.archive / "p1" / "resume.pdf").write_bytes(b"%PDF-1.4 demo")
    _put(ctx, "marker", "one")
    svc = BackupService(ctx.data)
    info = svc.create()
    manifest = json.loads((info.path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["archive"]["p1/resume.pdf"]["size"] == 13
    assert manifest["database"]["sha256"] == sha256_file(info.path / "hrdesk.sqlite3")
    report = svc.verify(info.path)
    assert report.ok and report.problems == ()
    (ctx.data.archive / "p1" / "resume.pdf").write_bytes(b"changed")
    (ctx.data.archive / "new.txt").write_text("n")
    diff = svc.verify(info.path).archive
    assert diff.changed == ("p1/resume.pdf",) and diff.added == ("new.txt",) and diff.missing == ()


def test_rotation_keeps_the_newest(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = BackupService(ctx.data, keep=2)
    names = [svc.create().name for _ in range(4)]
    assert [b.name for b in svc.list()] == [names[3], names[2]]


def test_backup_taken_while_the_app_writes_is_consistent(ctx) -> None:  # type: ignore[no-untyped-def]
    """A writer thread adds pairs of rows per transaction; every backup holds whole pairs only."""
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        i = 0
        while not stop.is_set():
            with unit_of_work(ctx.session_factory, write=True) as s:
                s.add(Meta(key=f"w-{i}-a", value="x" * 500))
                s.add(Meta(key=f"w-{i}-b", value="y" * 500))
            i += 1
            written[0] = i

    t = threading.Thread(target=writer)
    t.start()
    try:
        while written[0] < 20:
            stop.wait(0.01)
        svc = BackupService(ctx.data, keep=5)
        counts = []
        for _ in range(3):
            info = svc.create()
            assert svc.verify(info.path).ok
            counts.append(_meta_count(info.path / "hrdesk.sqlite3"))
    finally:
        stop.set()
        t.join()
    assert all(c % 2 == 0 for c in counts), counts
    assert counts[0] > 0 and counts == sorted(counts)
    assert _meta_count(ctx.data.db_path) == 2 * written[0] >= counts[-1]


def test_restore_brings_the_data_back_and_keeps_a_safety_copy(ctx) -> None:  # type: ignore[no-untyped-def]
    _put(ctx, "state", "before")
    svc = BackupService(ctx.data)
    backup = svc.create()
    _put(ctx, "state", "after")
    result = svc.restore(backup.path)
    with unit_of_work(ctx.session_factory) as s:
        assert s.get(Meta, "state").value == "before"  # the open engine sees the restored data
    assert result.safety_copy is not None and result.safety_copy.name.endswith("before-restore")
    con = sqlite3.connect(result.safety_copy / "hrdesk.sqlite3")
    assert con.execute("SELECT value FROM meta WHERE key='state'").fetchone()[0] == "after"
    con.close()
    con = sqlite3.connect(ctx.data.db_path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    _put(ctx, "state", "writable again")


def test_damaged_backup_is_refused_and_nothing_changes(ctx) -> None:  # type: ignore[no-untyped-def]
    _put(ctx, "state", "before")
    svc = BackupService(ctx.data)
    backup = svc.create()
    _put(ctx, "state", "current")
    copy = backup.path / "hrdesk.sqlite3"
    data = bytearray(copy.read_bytes())
    data[5000:5100] = b"\xff" * 100
    copy.write_bytes(bytes(data))
    report = svc.verify(backup.path)
    assert not report.ok and "清单不符" in report.problems[0]
    with pytest.raises(BackupDamaged) as err:
        svc.restore(backup.path)
    assert "未做任何改动" in err.value.message
    with unit_of_work(ctx.session_factory) as s:
        assert s.get(Meta, "state").value == "current"
    assert not [b for b in svc.list() if b.label == "before-restore"]


def test_corrupt_database_with_matching_manifest_fails_integrity_check(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = BackupService(ctx.data)
    backup = svc.create()
    copy = backup.path / "hrdesk.sqlite3"
    data = bytearray(copy.read_bytes())
    data[4096 * 3:4096 * 3 + 64] = b"\x00" * 64  # damage inside a b-tree page
    copy.write_bytes(bytes(data))
    manifest = json.loads((backup.path / MANIFEST).read_text(encoding="utf-8"))
    manifest["database"]["sha256"] = sha256_file(copy)
    (backup.path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    report = svc.verify(backup.path)
    assert not report.ok


def test_backup_from_a_newer_program_is_refused(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = BackupService(ctx.data)
    backup = svc.create()
    copy = backup.path / "hrdesk.sqlite3"
    con = sqlite3.connect(copy)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    manifest = json.loads((backup.path / MANIFEST).read_text(encoding="utf-8"))
    manifest["database"].update(sha256=sha256_file(copy), size=copy.stat().st_size)
    manifest["schema_revision"] = "9999_from_the_future"
    (backup.path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupDamaged) as err:
        svc.restore(backup.path)
    assert "更新版本" in err.value.message


def test_missing_manifest(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = BackupService(ctx.data)
    backup = svc.create()
    (backup.path / MANIFEST).unlink()
    report = svc.verify(backup.path)
    assert not report.ok and report.info is None


def test_cli_create_verify_restore(ctx, capsys) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    root = str(ctx.data.root)
    assert main(["backup", "create", "--data-dir", root, "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert main(["backup", "verify", "--data-dir", root, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["backup", "restore", created["path"], "--data-dir", root]) == 0
    assert "已从" in capsys.readouterr().out
    assert main(["backup", "verify", str(Path(root) / "nope"), "--data-dir", root]) == 2
    assert "不存在" in capsys.readouterr().err
