"""Transcribing a whole recording (used by the CLI and for re-transcribing a saved interview)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from app.i18n import _
from app.speech.audio import read_wav_info, wav_source
from app.speech.engine import Final, SpeechEngine, SpeechSettings, create_engine
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")


@dataclass(frozen=True)
class Transcript:
    segments: tuple[Final, ...]
    audio_seconds: float
    processing_seconds: float
    engine: str

    @property
    def text(self) -> str:
        out = ""
        for seg in self.segments:
            if out and not (_is_cjk(out[-1]) or _is_cjk(seg.text[:1])):
                out += " "
            out += seg.text
        return out

    @property
    def rtf(self) -> float:
        return self.processing_seconds / self.audio_seconds if self.audio_seconds > 0 else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "segments": [s.to_json() for s in self.segments],
            "audio_seconds": round(self.audio_seconds, 3),
            "processing_seconds": round(self.processing_seconds, 3),
            "rtf": round(self.rtf, 4),
        }


def transcribe_file(
    path: Path | str,
    settings: SpeechSettings | None = None,
    *,
    engine: SpeechEngine | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Transcript:
    """Transcribe a WAV file as fast as the computer allows.

    Same pipeline as the live stream (VAD utterances, decoding options, simplified conversion,
    vocabulary correction, speaker labels), except that whisper decodes consecutive utterances
    together in one 30-second window instead of one window per utterance (see
    :meth:`app.speech.whisper_engine.WhisperEngine.transcribe_offline`).
    """
    path = Path(path)
    info = read_wav_info(path)  # raises InvalidInput for a missing or unreadable file
    engine = engine or create_engine(settings or SpeechSettings())
    t0 = time.perf_counter()  # model loading is not part of the processing time
    segments: list[Final] = []
    total = max(1, int(info.duration))
    chunks = wav_source(path, chunk_seconds=0.5, cancel=cancel)
    # Engines with a file mode (whisper: utterances grouped into one window) use it; the rest stream.
    offline = getattr(engine, "transcribe_offline", None)
    results = offline(chunks, cancel=cancel) if offline is not None else engine.transcribe(chunks, cancel=cancel)
    for result in results:
        if isinstance(result, Final):
            segments.append(result)
            progress(min(total, int(result.end)), total, _("Transcribing…"))
    progress(total, total, _("Transcription finished."))
    elapsed = time.perf_counter() - t0
    log.info("transcribed %.1f s of audio in %.1f s (%s)", info.duration, elapsed, engine.name)
    return Transcript(tuple(segments), info.duration, elapsed, engine.name)
