"""数据库与档案文件夹 dialog: shows what is in use, tests an address in the worker pool, saves this workstation's
settings (never a password) and says a restart is needed. Real databases (SQLite; PostgreSQL when the test
server runs), ``SyncPool``."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app import config
from app.db.migrate import head_revision
from ui.dialogs.database_settings import DatabaseSettingsDialog
from ui.workers import SyncPool


def _dialog(qtbot, ctx, tmp_path: Path, *, can_edit: bool = True) -> DatabaseSettingsDialog:  # type: ignore[no-untyped-def]
    dialog = DatabaseSettingsDialog(ctx, SyncPool(), can_edit=can_edit, settings_path=tmp_path / "settings.toml")
    qtbot.addWidget(dialog)
    return dialog


def test_shows_the_sqlite_database_and_the_local_archive(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx, tmp_path)
    assert dialog.windowTitle() == "数据库与档案文件夹"
    assert dialog.backend_label.text() == "SQLite 文件（仅本工作站）"
    assert dialog.url_label.text().startswith("sqlite+pysqlite:///") and str(ctx.data.root) in dialog.url_label.text()
    assert dialog.server_label.text().startswith("SQLite 3.")
    assert dialog.revision_label.text() == f"{head_revision()}（最新）"
    assert dialog.archive_label.text() == f"{ctx.data.root / 'archive'}（仅本工作站）"


def test_a_password_in_the_address_is_refused_and_nothing_is_saved(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx, tmp_path)
    dialog.url_edit.setText("postgresql://hr:Secret123@db.hospital.local/hrdesk")
    qtbot.mouseClick(dialog.save_btn, Qt.MouseButton.LeftButton)
    assert "密码" in dialog.result_label.text() and "pgpass" in dialog.result_label.text()
    assert not (tmp_path / "settings.toml").exists() and not dialog.saved
    qtbot.mouseClick(dialog.test_btn, Qt.MouseButton.LeftButton)  # the test button refuses it too
    assert "密码" in dialog.result_label.text() and "Secret123" not in dialog.result_label.text()


def test_an_unreachable_server_reports_the_translated_error(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx, tmp_path)
    dialog.url_edit.setText("postgresql+psycopg://hr@127.0.0.1:1/hrdesk")  # nothing listens on port 1
    qtbot.mouseClick(dialog.test_btn, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert "无法连接数据库服务器" in text and "127.0.0.1:1" in text and dialog.test_btn.isEnabled()


def test_saving_keeps_the_address_and_the_share_for_this_workstation(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    share = tmp_path / "share"
    share.mkdir()
    dialog = _dialog(qtbot, ctx, tmp_path)
    dialog.url_edit.setText("postgres://hr@db.hospital.local:5432/hrdesk")
    dialog.archive_edit.setText(str(share))
    qtbot.mouseClick(dialog.save_btn, Qt.MouseButton.LeftButton)
    assert dialog.saved and "重新启动" in dialog.result_label.text()
    saved = config.load(tmp_path / "settings.toml")
    assert saved.database_url == "postgresql+psycopg://hr@db.hospital.local:5432/hrdesk"
    assert saved.archive_dir == str(share)
    dialog.url_edit.clear()
    dialog.archive_edit.clear()
    qtbot.mouseClick(dialog.save_btn, Qt.MouseButton.LeftButton)  # back to the data folder's SQLite file
    saved = config.load(tmp_path / "settings.toml")
    assert (saved.database_url, saved.archive_dir) == ("", "")


def test_a_missing_share_shows_in_the_test_result(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx, tmp_path)
    dialog.archive_edit.setText(str(tmp_path / "not-mapped"))
    qtbot.mouseClick(dialog.test_btn, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert "连接成功" in text and "共享档案文件夹" in text and "无法访问" in text
    assert not (tmp_path / "not-mapped").exists()


def test_only_an_administrator_can_change_anything(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx, tmp_path, can_edit=False)
    assert not any(w.isEnabled() for w in (dialog.url_edit, dialog.archive_edit, dialog.test_btn, dialog.save_btn))
    assert "系统管理员" in dialog.result_label.text()
    assert dialog.revision_label.text().endswith("（最新）")  # still shows what is in use


@pytest.mark.parametrize("backend", ["pg"], indirect=True)
def test_on_postgresql_shows_the_server_and_tests_the_same_address(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    share = tmp_path / "share"
    share.mkdir()
    dialog = _dialog(qtbot, ctx, tmp_path)
    assert dialog.backend_label.text() == "PostgreSQL 服务器（各工作站共用）"
    assert dialog.server_label.text().startswith("PostgreSQL ")
    assert dialog.revision_label.text() == f"{head_revision()}（最新）"
    dialog.url_edit.setText(ctx.database_url)
    dialog.archive_edit.setText(str(share))
    qtbot.mouseClick(dialog.test_btn, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert text.startswith("连接成功：PostgreSQL 服务器") and head_revision() in text and "共享文件夹，可访问" in text
