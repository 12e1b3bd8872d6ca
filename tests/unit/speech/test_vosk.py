"""Vosk engine mechanics with the Korean model from the pip package (no Mandarin Vosk model here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.speech.audio import read_wav_16k
from app.speech.engine import Final, Partial
from tests.unit.speech.conftest import clip, korean_vosk_model

pytestmark = pytest.mark.needs_models


@pytest.fixture(scope="module")
def results() -> list:
    from app.speech.vosk_engine import VoskEngine

    engine = VoskEngine(korean_vosk_model())
    a = read_wav_16k(clip("old_wenet_aishell-BAC009S0724W0121.wav"))
    b = read_wav_16k(clip("cosyvoice_zero_shot_prompt.wav"))
    audio = np.concatenate([a, np.zeros(16000, dtype=np.int16), b])
    out = []
    # one continuous stream; record how much audio had been fed when each result came out
    fed = 0

    def counted():  # type: ignore[no-untyped-def]
        nonlocal fed
        for i in range(0, len(audio), 1600):
            fed += 1600
            yield audio[i : i + 1600]

    for r in engine.transcribe(counted()):
        out.append((r, fed / 16000))
    return out


@pytest.mark.slow
def test_partials_arrive_while_speaking(results: list) -> None:
    partials = [(r, t) for r, t in results if isinstance(r, Partial)]
    finals = [(r, t) for r, t in results if isinstance(r, Final)]
    assert partials and finals
    first_final_at = finals[0][1]
    # partial text is available well before the utterance is finished
    assert partials[0][1] < first_final_at - 1.0
    assert all(p.text for p, _ in partials)
    # the first partial comes within about a second of the first word being spoken
    first_word = finals[0][0].words[0]
    assert partials[0][1] - first_word.end <= 1.5


@pytest.mark.slow
def test_finals_carry_word_times(results: list) -> None:
    finals = [r for r, _ in results if isinstance(r, Final)]
    assert len(finals) >= 2  # the pause between the two clips ends an utterance
    for f in finals:
        assert f.words and f.text
        assert f.start <= f.words[0].start and f.words[-1].end <= f.end + 1e-6
        assert all(w.start <= w.end for w in f.words)
        assert all(a.start <= b.start for a, b in zip(f.words, f.words[1:], strict=False))
    total = (read_wav_16k(clip("old_wenet_aishell-BAC009S0724W0121.wav")).size + 16000
             + read_wav_16k(clip("cosyvoice_zero_shot_prompt.wav")).size) / 16000
    assert finals[-1].end <= total
    assert finals[-1].start > 4.0  # second clip starts after 4.3 s + 1 s pause


def test_discovery_finds_dropped_in_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.speech import models

    def fake_model(p: Path) -> Path:
        (p / "am").mkdir(parents=True)
        (p / "am" / "final.mdl").write_bytes(b"x")
        return p

    fake_model(tmp_path / "vosk" / "vosk-model-small-cn-0.22")
    fake_model(tmp_path / "vosk-model-cn-0.22")
    fake_model(tmp_path / "vosk-model-en-us-0.22")
    (tmp_path / "vosk-model-spk-0.4").mkdir()
    monkeypatch.setenv("HRDESK_MODELS_DIR", str(tmp_path))
    names = [p.name for p in models.vosk_models()]
    assert names[:3] == ["vosk-model-cn-0.22", "vosk-model-small-cn-0.22", "vosk-model-en-us-0.22"]
    assert models.resolve_vosk_model().name == "vosk-model-cn-0.22"
    assert models.resolve_vosk_model("vosk-model-small-cn-0.22").name == "vosk-model-small-cn-0.22"


def test_missing_models_give_a_chinese_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.speech import models
    from app.speech.engine import ModelMissing

    monkeypatch.setenv("HRDESK_MODELS_DIR", str(tmp_path))
    if models.vosk_models() or models.whisper_models():
        pytest.skip("a models folder beside the program has models")
    with pytest.raises(ModelMissing) as exc:
        models.resolve_vosk_model()
    assert "vosk-model-small-cn-0.22" in exc.value.message and "手动录入" in exc.value.message
    with pytest.raises(ModelMissing) as exc:
        models.resolve_whisper_model()
    assert "faster-whisper-base" in exc.value.message and str(tmp_path) in exc.value.message
    with pytest.raises(ModelMissing):
        models.resolve_whisper_model("faster-whisper-medium")
