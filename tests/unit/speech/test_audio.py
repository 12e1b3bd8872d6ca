from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from app.errors import InvalidInput
from app.speech.audio import (
    SAMPLE_RATE,
    AudioChunk,
    StreamResampler,
    read_wav_16k,
    read_wav_info,
    rechunk,
    wav_source,
)
from app.tasks import CancelToken
from tests.unit.speech.conftest import clip, write_wav


def _tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def _dominant_freq(x: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def test_real_clip_chunks_are_16k_int16_and_complete() -> None:
    path = clip("wenet_nst_ID001.wav")
    info = read_wav_info(path)
    chunks = list(wav_source(path, chunk_seconds=0.1))
    assert all(c.samples.dtype == np.int16 and c.samples.ndim == 1 for c in chunks)
    assert all(len(c.samples) == 1600 for c in chunks[:-1])
    assert sum(len(c.samples) for c in chunks) == info.frames
    assert chunks[1].start == pytest.approx(0.1)
    import wave

    with wave.open(str(path)) as w:
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), raw)


def test_stereo_44k_24bit_is_downmixed_and_resampled(tmp_path: Path) -> None:
    rate = 44100
    left = _tone(440.0, 2.0, rate)
    right = _tone(440.0, 2.0, rate)
    ints = np.round(np.stack([left, right], axis=1) * (1 << 23)).astype(np.int32).reshape(-1)
    raw = b"".join(struct.pack("<i", int(v))[:3] for v in ints)
    path = tmp_path / "stereo.wav"
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(3)
        w.setframerate(rate)
        w.writeframes(raw)
    out = read_wav_16k(path)
    assert abs(len(out) - 2 * SAMPLE_RATE) <= 1
    assert _dominant_freq(out) == pytest.approx(440.0, abs=2.0)
    assert np.abs(out).max() == pytest.approx(0.5 * 32768, rel=0.02)


def test_8k_file_is_upsampled(tmp_path: Path) -> None:
    x = np.round(_tone(300.0, 1.5, 8000) * 32767).astype("<i2")
    out = read_wav_16k(write_wav(tmp_path / "phone.wav", x, rate=8000))
    assert len(out) == 3 * 8000
    assert _dominant_freq(out) == pytest.approx(300.0, abs=2.0)


def test_float_wav(tmp_path: Path) -> None:
    x = _tone(1000.0, 1.0, 16000).astype("<f4")
    path = tmp_path / "float.wav"
    data = x.tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, 16000, 16000 * 4, 4, 32)
    path.write_bytes(
        b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    out = read_wav_16k(path)
    assert len(out) == 16000
    assert np.abs(out.astype(np.float64) / 32768 - x).max() < 1e-3


def test_stream_resampler_has_no_seams() -> None:
    from scipy.signal import resample_poly

    x = np.random.default_rng(1).standard_normal(48000 * 2).astype(np.float32) * 0.1
    r = StreamResampler(48000)
    parts = [r.push(x[i : i + 4801], final=i + 4801 >= len(x)) for i in range(0, len(x), 4801)]
    y = np.concatenate(parts)
    full = resample_poly(x, 1, 3)
    assert len(y) == len(full)
    assert np.abs(y - full).max() < 1e-5


def test_not_a_wav_is_invalid_input(tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        list(wav_source(bad))
    assert "WAV" in exc.value.message
    with pytest.raises(InvalidInput):
        list(wav_source(tmp_path / "missing.wav"))


def test_cancel_stops_the_source() -> None:
    token = CancelToken()
    seen = 0
    from app.errors import Cancelled

    with pytest.raises(Cancelled):
        for _chunk in wav_source(clip("masr_test.wav"), chunk_seconds=0.1, cancel=token):
            seen += 1
            if seen == 3:
                token.cancel()
    assert seen == 3


def test_level_meter_and_rechunk() -> None:
    silence = AudioChunk(np.zeros(1600, dtype=np.int16), 0.0)
    loud = AudioChunk(np.full(1600, 32767, dtype=np.int16), 0.1)
    assert silence.level == 0.0 and silence.level_db == -100.0
    assert loud.level == pytest.approx(1.0, abs=1e-3)
    speech = next(iter(wav_source(clip("masr_test.wav"), chunk_seconds=1.0)))
    assert 0.2 < speech.level < 0.95
    parts = list(rechunk([np.arange(250, dtype=np.int16)] * 10, 0.01))
    assert [len(p.samples) for p in parts] == [160] * 15 + [100]
    assert np.array_equal(np.concatenate([p.samples for p in parts]), np.tile(np.arange(250, dtype=np.int16), 10))
