from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.support import require_model
from tests.unit.speech.conftest import clip, korean_vosk_model


@pytest.mark.needs_models
def test_transcribe_json_with_whisper(capsys: pytest.CaptureFixture[str]) -> None:
    require_model("faster-whisper-base")
    code = main(["transcribe", str(clip("old_funasr_asr_example.wav")), "--json", "--no-speakers",
                 "--hotwords", "达摩院,语音识别"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["text", "segments", "audio_seconds", "processing_seconds", "rtf"]
    assert data["audio_seconds"] == pytest.approx(5.547, abs=0.01)
    assert data["rtf"] == pytest.approx(data["processing_seconds"] / data["audio_seconds"], rel=0.01)
    assert data["segments"] and all(list(s) == ["start", "end", "text", "speaker"] for s in data["segments"])
    assert all(0 <= s["start"] <= s["end"] <= data["audio_seconds"] + 0.01 for s in data["segments"])
    assert data["text"] == "".join(s["text"] for s in data["segments"])
    assert "语音识别" in data["text"] and "達" not in data["text"]


@pytest.mark.needs_models
@pytest.mark.slow
def test_transcribe_with_vosk_and_a_model_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["transcribe", str(clip("fireredasr_IT0011W0001.wav")), "--engine", "vosk",
                 "--model", str(korean_vosk_model()), "--json", "--no-speakers"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["segments"] and data["text"]
    assert data["audio_seconds"] == pytest.approx(1.992, abs=0.01)


def test_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", str(tmp_path / "nope.wav")]) == 2
    assert "不存在" in capsys.readouterr().err


def test_not_a_wav_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "a.wav"
    bad.write_bytes(b"ID3 not audio")
    assert main(["transcribe", str(bad)]) == 2
    assert "WAV" in capsys.readouterr().err


def test_missing_model_explains_where_to_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HRDESK_MODELS_DIR", str(tmp_path))
    code = main(["transcribe", str(clip("fireredasr_IT0011W0001.wav")), "--model", "faster-whisper-medium"])
    err = capsys.readouterr().err
    assert code == 1
    assert "faster-whisper-medium" in err and str(tmp_path) in err and "手动录入" in err
