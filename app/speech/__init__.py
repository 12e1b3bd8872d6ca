"""Offline speech: audio sources, crash-safe recording and two recognisers behind one interface.

``transcribe(chunks, engine)`` turns a stream of 16 kHz mono int16 chunks into ``Partial`` and
``Final`` results (see :mod:`app.speech.engine`). Sources are in :mod:`app.speech.audio`, the
recorder in :mod:`app.speech.recorder`, file transcription in :mod:`app.speech.service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from app.speech.engine import (
    CANDIDATE,
    INTERVIEWER,
    Final,
    ModelMissing,
    Partial,
    SpeechEngine,
    SpeechSettings,
    Word,
    create_engine,
)
from app.tasks import NEVER_CANCELLED, CancelToken

__all__ = [
    "CANDIDATE",
    "INTERVIEWER",
    "Final",
    "ModelMissing",
    "Partial",
    "SpeechEngine",
    "SpeechSettings",
    "Word",
    "create_engine",
    "transcribe",
]


def transcribe(chunks: Iterable, engine: SpeechEngine, *, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Partial | Final]:
    """Recognise a stream with the given engine (see :func:`create_engine`)."""
    return engine.transcribe(chunks, cancel=cancel)
