"""One interface for the speech engines: ``transcribe(chunks) -> Iterator[Partial | Final]``.

- :class:`Partial`: the text heard so far in the current utterance (may change; Vosk only).
- :class:`Final`: one finished segment with start/end times in seconds from the start of the
  stream, the text (simplified Chinese), the words with times where the engine gives them, and a
  speaker label when speaker labelling is on (``"interviewer"``/``"candidate"`` after enrolment,
  ``"S1"``, ``"S2"`` ... otherwise).

Engines are created from :class:`SpeechSettings` by :func:`create_engine`; when the model is
missing the caller gets :class:`ModelMissing` with a Chinese message naming the model and the
folder to put it in, so the interview can go on with typed notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from app.errors import AppError
from app.speech.audio import AudioChunk
from app.tasks import NEVER_CANCELLED, CancelToken

ENGINES = ("whisper", "vosk")

INTERVIEWER = "interviewer"
CANDIDATE = "candidate"


class ModelMissing(AppError):
    """The speech model the settings ask for is not installed."""


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float | None = None


@dataclass(frozen=True)
class Partial:
    text: str
    start: float


@dataclass(frozen=True)
class Final:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text, "speaker": self.speaker}


Chunk = AudioChunk | np.ndarray | bytes


class SpeechEngine(Protocol):
    name: str

    def transcribe(self, chunks: Iterable[Chunk], *, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Partial | Final]:
        ...


@dataclass(frozen=True)
class SpeechSettings:
    """What the user picks in the settings (engine and model) plus the position's vocabulary."""

    engine: str = "whisper"
    model: str | None = None  # a folder, or a model name inside the models folder; None = best found
    hotwords: tuple[str, ...] = ()
    threads: int = 2
    speaker_labels: bool = True
    interviewer_voice: Path | None = None  # WAV of the interviewer speaking (enrolment)
    interviewer_vector: tuple[float, ...] = ()  # a stored enrolment (speaker_profiles.vector)


def create_engine(settings: SpeechSettings) -> SpeechEngine:
    """Build the engine the settings ask for (raises ModelMissing / InvalidInput with a clear reason)."""
    from app.errors import InvalidInput
    from app.i18n import _
    from app.speech import models

    if settings.engine not in ENGINES:
        raise InvalidInput(
            _("Unknown speech engine {name}; choose one of: {choices}.").format(
                name=settings.engine, choices=", ".join(ENGINES)
            )
        )
    labeler = None
    if settings.speaker_labels:
        from app.speech.speakers import SpeakerLabeler

        labeler = SpeakerLabeler.create_if_available(settings.interviewer_voice, settings.interviewer_vector)
    if settings.engine == "vosk":
        from app.speech.vosk_engine import VoskEngine

        return VoskEngine(models.resolve_vosk_model(settings.model), hotwords=settings.hotwords, labeler=labeler)
    from app.speech.whisper_engine import WhisperEngine

    return WhisperEngine(
        models.resolve_whisper_model(settings.model),
        hotwords=settings.hotwords,
        threads=settings.threads,
        labeler=labeler,
    )
