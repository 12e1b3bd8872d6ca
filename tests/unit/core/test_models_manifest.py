from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.models_manifest import MISMATCH, MISSING, OK, load_manifest, verify
from tests.support import require_model


def test_manifest_lists_every_model_the_app_looks_for() -> None:
    from app.models_registry import SPECS

    models = load_manifest()
    assert {m.key for m in models} >= {s.key for s in SPECS}
    for m in models:
        assert m.source and m.licence and m.purpose, m.key


def test_verify_the_shared_models(capsys: pytest.CaptureFixture[str]) -> None:
    folder = require_model("opencv").parent
    checks = {c.key: c.status for c in verify(folder)}
    assert checks["face_detector"] == OK and checks["face_landmarks"] == OK and checks["whisper"] == OK
    assert main(["models", "verify", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_a_damaged_file_is_caught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = require_model("opencv/face_detection_yunet_2023mar.onnx")
    (tmp_path / "opencv").mkdir()
    copy = tmp_path / "opencv" / source.name
    shutil.copy(source, copy)
    data = bytearray(copy.read_bytes())
    data[1000] ^= 0xFF
    copy.write_bytes(bytes(data))
    checks = {c.key: c for c in verify(tmp_path)}
    assert checks["face_detector"].status == MISMATCH and "sha256" in checks["face_detector"].problems[0]
    assert checks["whisper"].status == MISSING
    assert main(["models", "verify", str(tmp_path)]) == 1
    assert "已损坏" in capsys.readouterr().out
