"""Archive files through a shared archive folder: two workstations (two data folders) on one database and one
share store ``archive/<path>`` and find each other's files; a missing share is a clear error, never a local
write. Also: backups refuse on PostgreSQL, and selftest reports the server, schema and archive folder."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.context import AppContext, open_app
from app.db.tables import Course, Document, InterviewRecording
from app.db.uow import unit_of_work
from app.errors import InvalidInput, StorageError
from app.paths import DataDir
from app.services.backup import BackupService, PostgresBackupRefused
from tests.db.test_talent_service import TODAY, _candidate, _recording, _seed_post

BOTH = pytest.mark.parametrize("backend", ["sqlite", "pg"], indirect=True)


@pytest.fixture()
def two_workstations(tmp_path: Path, backend: str, pg_database):  # type: ignore[no-untyped-def]
    """(pc1, pc2, share): two data folders on one database (a SQLite file or a PostgreSQL database)
    sharing one archive folder."""
    share = tmp_path / "share"
    share.mkdir()
    url = None
    if backend == "pg":
        from tests.pg import support

        url = pg_database(support.migrated_template())
    pc1 = open_app(DataDir(tmp_path / "pc1", share), database_url=url)
    pc2 = open_app(DataDir(tmp_path / "pc2", share), database_url=url or pc1.database_url)
    yield pc1, pc2, share
    pc1.close()
    pc2.close()


def _local_files(ctx: AppContext) -> list[Path]:
    local = ctx.data.root / "archive"
    return [p for p in local.rglob("*") if p.is_file()] if local.exists() else []


@BOTH
def test_documents_and_materials_land_in_the_share_and_are_found_from_the_other_workstation(
        two_workstations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pc1, pc2, share = two_workstations
    pos_id = _seed_post(pc1)
    person_id, _cid, _iv = _candidate(pc1, pos_id, "共享")
    src = tmp_path / "执业证书.pdf"
    src.write_bytes(b"%PDF-1.4 licence scan")
    doc_id, _ = pc1.services.talent.add_document(person_id, src, kind="certificate", user="王敏")
    with unit_of_work(pc2.session_factory) as s:
        stored = s.scalar(select(Document.stored_path).where(Document.id == doc_id))
    assert stored is not None and stored.startswith("archive/person_") and "pc1" not in stored
    found = pc2.services.talent.document_path(doc_id)
    assert found.read_bytes() == src.read_bytes() and found.is_relative_to(share)
    items = pc2.services.talent.archive(person_id)
    assert [(i.path, i.exists) for i in items if i.document_id == doc_id] == [(stored, True)]

    with unit_of_work(pc1.session_factory) as s:
        course_id = s.scalar(select(Course.id).where(Course.code == "C-GT01"))
    notes = tmp_path / "讲义.txt"
    notes.write_text("沟通技巧讲义", encoding="utf-8")
    m = pc1.services.training.add_material(course_id, "讲义", file=notes)
    assert m.location.startswith("archive/courses/C-GT01/")
    there = pc2.services.training.material_path(m)
    assert there is not None and there.is_relative_to(share) and there.read_text(encoding="utf-8") == "沟通技巧讲义"
    assert _local_files(pc1) == [] and _local_files(pc2) == []  # nothing went into a local archive folder


@BOTH
def test_recordings_in_the_share_are_zipped_and_cleaned_up_from_the_other_workstation(
        two_workstations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pc1, pc2, share = two_workstations
    pos_id = _seed_post(pc1)
    person_id, _cid, iv_id = _candidate(pc1, pos_id, "甲", status="rejected")
    # the recorder on pc1 wrote into the share; _recording writes under the data folder, so move the files
    audio, frame = _recording(pc1, iv_id, 200, "r1")
    for rel in (audio, frame):
        target = pc1.data.resolve(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        (pc1.data.root / rel).replace(target)
    assert _local_files(pc1) == []

    items = pc2.services.talent.archive(person_id)
    assert {(i.kind, i.path, i.exists) for i in items if i.kind in ("audio", "video")} == \
        {("audio", audio, True), ("video", frame, True)}
    out = pc2.services.talent.export_archive(person_id, tmp_path / "out" / "archive.zip")
    with zipfile.ZipFile(out) as z:
        index = json.loads(z.read("index.json"))
        assert z.read(f"files/{audio}") == b"RIFF" + bytes(100)
        assert {e["source"]: e["status"] for e in index["entries"] if e["source"]} == \
            {audio: "included", frame: "included"}

    preview = pc2.services.talent.retention_preview(180, TODAY)
    assert [set(i.files) for i in preview] == [{audio, frame}] and preview[0].bytes == 104 + 52
    result = pc2.services.talent.run_retention(180, user="王敏", today=TODAY)
    assert result.deleted
    assert not (share / "recordings" / "r1").exists()  # files and their emptied folders are gone from the share
    assert (share / "recordings").is_dir()  # the archive's own folders stay
    with unit_of_work(pc1.session_factory) as s:
        assert s.scalars(select(InterviewRecording.id)).all() == []


def test_a_missing_share_fails_in_chinese_and_writes_nothing_locally(tmp_path: Path) -> None:
    share = tmp_path / "unmapped" / "hr-archive"
    ctx = open_app(DataDir(tmp_path / "pc", share))
    try:
        pos_id = _seed_post(ctx)
        person_id, _cid, iv_id = _candidate(ctx, pos_id, "乙")
        src = tmp_path / "学位证.pdf"
        src.write_bytes(b"%PDF-1.4 degree")
        with pytest.raises(StorageError) as info:
            ctx.services.talent.add_document(person_id, src, kind="certificate", user="王敏")
        assert "共享档案文件夹" in info.value.message and str(share) in info.value.message
        with unit_of_work(ctx.session_factory) as s:
            course_id = s.scalar(select(Course.id).where(Course.code == "C-GT01"))
            assert s.scalars(select(Document.id)).all() == []
        with pytest.raises(StorageError, match="共享档案文件夹"):
            ctx.services.training.add_material(course_id, "讲义", file=src)
        with unit_of_work(ctx.session_factory, write=True) as s:
            s.add(InterviewRecording(interview_id=iv_id, audio_path="archive/recordings/x/audio.wav", video_dir="",
                                     state="finished"))
        with pytest.raises(StorageError, match="共享档案文件夹"):
            ctx.services.talent.archive(person_id)
        with pytest.raises(StorageError, match="共享档案文件夹"):
            ctx.services.talent.retention_preview(0)
        assert not share.exists() and _local_files(ctx) == []
        assert ctx.services.training.materials(course_id) == []
    finally:
        ctx.close()


def test_a_stored_path_that_climbs_out_of_the_archive_is_refused(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    ctx = open_app(DataDir(tmp_path / "pc", share))
    try:
        pos_id = _seed_post(ctx)
        person_id, _cid, _iv = _candidate(ctx, pos_id, "丙")
        with unit_of_work(ctx.session_factory, write=True) as s:
            doc = Document(person_id=person_id, kind="certificate", filename="secret.txt",
                           stored_path="archive/../secret.txt", sha256="0" * 64, size_bytes=1, added_by="x")
            s.add(doc)
            s.flush()
            doc_id = doc.id
        with pytest.raises(InvalidInput, match="archive/../secret.txt"):
            ctx.services.talent.document_path(doc_id)
    finally:
        ctx.close()


# ------------------------------------------------------------------------------------ backups on PostgreSQL
@pytest.mark.parametrize("backend", ["pg"], indirect=True)
def test_backups_refuse_on_postgresql_and_say_how(tmp_path: Path, backend: str, pg_database) -> None:  # type: ignore[no-untyped-def]
    from tests.pg import support

    url = pg_database(support.migrated_template())  # also sets HRDESK_DATABASE_URL, like a configured workstation
    ctx = open_app(DataDir(tmp_path / "pc"))
    try:
        assert ctx.backend == "postgresql"
        for call in (lambda b: b.create(), lambda b: b.verify(), lambda b: b.restore(None)):
            with pytest.raises(PostgresBackupRefused) as info:
                call(ctx.services.backup)  # the service resolves the database like open_app does
            message = info.value.message
            assert "pg_dump" in message and "python -m app db copy --from" in message and "服务器" in message
        with pytest.raises(PostgresBackupRefused):
            BackupService(DataDir(tmp_path / "other"), database_url=url).create()
        assert not list((tmp_path / "pc" / "backups").iterdir())  # nothing half-written
    finally:
        ctx.close()


def test_backups_still_work_on_sqlite(ctx) -> None:  # type: ignore[no-untyped-def]
    info = ctx.services.backup.create()
    assert ctx.services.backup.verify(info.path).ok


# ------------------------------------------------------------------------------------ selftest
@pytest.mark.parametrize("backend", ["pg"], indirect=True)
def test_selftest_on_postgresql_reports_server_schema_and_archive(tmp_path: Path, backend: str, pg_database,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from app.db.migrate import head_revision
    from app.selftest import FAIL, OK, WARN, check_archive, check_database
    from tests.pg import support

    pg_database(support.migrated_template())
    db = check_database(tmp_path / "pc")
    assert db.status == OK and db.detail.startswith("PostgreSQL ") and head_revision() in db.detail
    assert "PRAGMA" not in db.detail and "wal" not in db.detail
    assert check_archive(tmp_path / "pc").status == WARN  # a server database with a local archive
    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.setenv("HRDESK_ARCHIVE_DIR", str(share))
    assert check_archive(tmp_path / "pc").status == OK
    monkeypatch.setenv("HRDESK_ARCHIVE_DIR", str(tmp_path / "gone"))
    gone = check_archive(tmp_path / "pc")
    assert gone.status == FAIL and "共享档案文件夹" in gone.detail and not gone.core


def test_selftest_on_sqlite_still_runs_the_pragmas(tmp_path: Path) -> None:
    from app.selftest import OK, check_archive, check_database

    db = check_database(tmp_path / "pc")
    assert db.status == OK and db.detail.startswith("SQLite ") and "wal" in db.detail
    assert check_archive(tmp_path / "pc").status == OK


def test_db_copy_counts_recording_folders_and_kept_practice_recordings(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The copy's archive check covers every kind of reference: files, a recording's video folder and the WAV of a
    kept 情景演练 inside quiz_attempts.answers; whatever is not on disk is listed."""
    from app.db.copy import copy_database
    from app.db.tables import Quiz, QuizAttempt

    pos_id = _seed_post(ctx)
    person_id, _cid, iv_id = _candidate(ctx, pos_id, "甲", status="rejected")
    audio, frame = _recording(ctx, iv_id, 10, "r1")
    practice = "archive/training/practice/p1.wav"
    (ctx.data.root / practice).parent.mkdir(parents=True, exist_ok=True)
    (ctx.data.root / practice).write_bytes(b"RIFF" + bytes(40))
    with unit_of_work(ctx.session_factory, write=True) as s:
        quiz = Quiz(title="沟通情景演练", question_version_ids=[])
        s.add(quiz)
        s.flush()
        s.add(QuizAttempt(quiz_id=quiz.id, person_id=person_id, answers={"_practice": {"recording": practice}}))
        s.add(QuizAttempt(quiz_id=quiz.id, person_id=person_id, answers={"_practice": {"recording": ""}}))
        s.add(QuizAttempt(quiz_id=quiz.id, person_id=person_id, answers={"1": "A"}))
    source = str(ctx.data.root / DataDir.DB_NAME)

    report = copy_database(source, str(tmp_path / "copy1.sqlite3"), data=ctx.data)
    assert report.archive_references == 3 and report.archive_missing == ()  # audio file, video folder, practice

    (ctx.data.root / frame).unlink()
    (ctx.data.root / frame).parent.rmdir()
    (ctx.data.root / practice).unlink()
    report = copy_database(source, str(tmp_path / "copy2.sqlite3"), data=ctx.data)
    assert report.archive_references == 3
    assert sorted(report.archive_missing) == sorted([practice, "archive/recordings/r1/video"])
    assert audio not in report.archive_missing
