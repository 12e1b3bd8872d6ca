from __future__ import annotations

from pathlib import Path

import pytest

from app import config, paths


def test_env_overrides_every_user_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HRDESK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("HRDESK_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("HRDESK_LOG_DIR", str(tmp_path / "l"))
    assert paths.user_data_dir() == (tmp_path / "d").resolve()
    assert paths.user_config_dir() == (tmp_path / "c").resolve()
    assert paths.user_log_dir() == (tmp_path / "l").resolve()


def test_models_dir_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "m" / "opencv").mkdir(parents=True)
    (tmp_path / "m" / "opencv" / "x.onnx").write_bytes(b"0")
    monkeypatch.setenv("HRDESK_MODELS_DIR", str(tmp_path / "m"))
    assert paths.models_dir_candidates()[0] == (tmp_path / "m").resolve()
    assert paths.find_model("opencv/x.onnx") == (tmp_path / "m" / "opencv" / "x.onnx").resolve()
    assert paths.find_model("opencv/none.onnx") is None


def test_settings_round_trip_and_recent_folders(tmp_path: Path) -> None:
    s = config.Settings()
    for i in range(12):
        s.remember_data_dir(f"/data/{i}")
    s.remember_data_dir("/data/3")
    assert s.recent_data_dirs[0] == "/data/3" and len(s.recent_data_dirs) == 8
    config.save(s, tmp_path / "settings.toml")
    loaded = config.load(tmp_path / "settings.toml")
    assert loaded == s


def test_corrupt_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("this is = = not toml", encoding="utf-8")
    assert config.load(path) == config.Settings()
    path.write_text('language = "en"\nunknown_key = 3\nschema_version = 1\n', encoding="utf-8")
    assert config.load(path).language == "en"


def test_log_file_never_blocks_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("HRDESK_LOG_DIR", str(blocker / "sub"))  # cannot create a folder under a file
    import app.logging_setup as ls

    monkeypatch.setattr(ls, "_configured", False)
    ls.configure_logging()  # must not raise
