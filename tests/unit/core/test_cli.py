from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import __version__
from app.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_selftest_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest"]) == 0
    out = capsys.readouterr().out
    assert "数据库" in out and "中文字体" in out and "核心组件工作正常" in out
    assert main(["selftest", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["core_ok"] is True
    components = {c["component"] for c in data["checks"]}
    assert {"数据库", "中文字体", "音频（PortAudio）", "摄像头（OpenCV）"} <= components
    assert sum(1 for c in data["checks"] if c["component"].startswith("模型")) == 5


def test_demo_command_creates_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--data-dir", str(folder), "--today", "2026-11-22", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["employees"] > 250 and stats["month"] == "2026-10"
    assert main(["demo", "--data-dir", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and "已存在数据库" in err
    assert main(["demo", "--data-dir", str(folder), "--today", "2026-11-22", "--force"]) == 0


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--data-dir", str(tmp_path / "x"), "--today", "22/11/2026"]) == 2
    assert "2026-11-22" in capsys.readouterr().err
    assert main([]) == 2


def test_unwritable_data_dir_is_a_clear_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--data-dir", str(blocker / "sub")]) == 1
    assert "--data-dir" in capsys.readouterr().err
