"""Which database and archive folder a workstation uses, and a shared archive that is missing (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import config
from app.context import open_app, resolve_archive_dir, resolve_data_dir, resolve_database_url
from app.errors import StorageError
from app.paths import ARCHIVE_MARKER, DataDir


def test_database_url_order_env_then_setting_then_the_data_folder(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = DataDir(tmp_path / "d")
    settings = config.Settings(database_url="postgresql://hr@db.hospital.local/hrdesk")
    monkeypatch.delenv("HRDESK_DATABASE_URL", raising=False)
    assert resolve_database_url(data) == f"sqlite+pysqlite:///{data.db_path.as_posix()}"
    assert resolve_database_url(data, settings) == "postgresql+psycopg://hr@db.hospital.local/hrdesk"
    monkeypatch.setenv("HRDESK_DATABASE_URL", "postgresql+psycopg://hr@other/hrdesk")
    assert resolve_database_url(data, settings) == "postgresql+psycopg://hr@other/hrdesk"
    assert resolve_database_url(data, settings, "postgresql://x@y/z") == "postgresql+psycopg://x@y/z"


def test_settings_keep_the_new_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    config.save(config.Settings(database_url="postgresql+psycopg://hr@db/hrdesk", archive_dir="/mnt/hr"), path)
    loaded = config.load(path)
    assert (loaded.database_url, loaded.archive_dir) == ("postgresql+psycopg://hr@db/hrdesk", "/mnt/hr")
    assert config.load(tmp_path / "none.toml").database_url == ""


def test_a_shared_archive_resolves_stored_paths_the_same_on_every_workstation(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.setenv("HRDESK_ARCHIVE_DIR", str(share))
    one = resolve_data_dir(tmp_path / "pc1", config.Settings())
    two = resolve_data_dir(tmp_path / "pc2", config.Settings(archive_dir="/elsewhere"))  # env wins
    assert resolve_archive_dir(config.Settings()) == share
    stored = "archive/resumes/2026/11/abc_简历.pdf"
    assert one.resolve(stored) == two.resolve(stored) == share / "resumes/2026/11/abc_简历.pdf"
    assert one.relative(share / "recordings" / "rec_1" / "audio.wav") == "archive/recordings/rec_1/audio.wav"
    assert one.resolve("imports/clock.csv") == one.root / "imports/clock.csv"  # not archive: the local folder
    assert (share / ARCHIVE_MARKER).is_file()  # the share is marked as HR Desk's archive on first use

    local = DataDir(tmp_path / "pc3")
    assert local.resolve(stored) == local.root / stored and local.archive == local.root / "archive"


def test_a_missing_share_is_reported_clearly_and_nothing_is_written_locally(tmp_path: Path) -> None:
    share = tmp_path / "unmapped-drive" / "hr"
    data = DataDir(tmp_path / "pc", share)
    ctx = open_app(data)  # the database still opens: payroll and attendance do not need the share
    try:
        with pytest.raises(StorageError) as info:
            ctx.data.resolve("archive/resumes/x.pdf")
        assert "共享档案文件夹" in info.value.message and str(share) in info.value.message
        with pytest.raises(StorageError):
            _ = ctx.data.archive
        assert not share.exists()  # never created in place of the missing share
    finally:
        ctx.close()


def test_a_configured_server_counts_as_an_existing_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.context import database_exists

    data = DataDir(tmp_path / "new-pc")
    monkeypatch.delenv("HRDESK_DATABASE_URL", raising=False)
    assert not database_exists(data)  # SQLite, no file yet: the first-run dialog offers demo or empty
    assert database_exists(data, config.Settings(database_url="postgresql+psycopg://hr@db/hrdesk"))
    monkeypatch.setenv("HRDESK_DATABASE_URL", "postgresql+psycopg://hr@db/hrdesk")
    assert database_exists(data)
