"""Telling the interviewer from the candidate by voice (x-vectors from ``vosk-model-spk-0.4``).

Vosk computes a speaker x-vector from the speech frames of what a recogniser decoded, so it needs a
recogniser model. Decoding with a tiny grammar of a few short words keeps that cheap (about a tenth
of real time) and works for any language: the words only serve to separate speech from silence.
Measured on the real clips with the Korean model: halves of the same recording have cosine
0.31–0.73 (median ≈ 0.49), different recordings −0.1–0.49 (median ≈ 0.15).

Which recogniser: :func:`app.speech.models.speaker_host_model` (a small Vosk model first; any language).
The whisper engine therefore gets x-vectors from the same host recogniser as the Vosk engine: the
x-vector does not depend on the words, only on which frames are speech.

Labelling: the interviewer enrols a few seconds of their voice; each segment is compared with the
interviewer's voice and with the voice the candidate has had so far (built up from the segments
labelled candidate). Without enrolment, speakers are numbered in order of appearance (S1, S2 ...).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.ascii_path import native_path
from app.speech.audio import SAMPLE_RATE, read_wav_16k
from app.speech.engine import CANDIDATE, INTERVIEWER

log = logging.getLogger(__name__)

_GRAMMAR_CANDIDATES = (
    "的", "是", "我", "你", "他", "这", "那", "好",  # Mandarin models
    "네", "아니", "그", "이", "저",  # Korean
    "the", "a", "and", "i", "you", "yes", "no",  # English and others
)
MIN_SECONDS = 0.7
"""Shorter segments carry too little voice to tell who spoke."""
SAME_SPEAKER = 0.3
"""Cosine above which a voice counts as the enrolled one when no other voice is known yet."""


@functools.lru_cache(maxsize=2)
def _load_spk_model(spk_model: str):  # type: ignore[no-untyped-def]
    import vosk

    vosk.SetLogLevel(-1)
    return vosk.SpkModel(str(native_path(Path(spk_model))))  # ASCII path on Windows (app.ascii_path)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


class XVectorExtractor:
    """x-vector of a stretch of 16 kHz int16 audio (None when it holds too little speech)."""

    def __init__(self, host_model: Path, spk_model: Path) -> None:
        from app.speech.vosk_engine import load_model

        self.host_model = Path(host_model)
        self.spk_model = Path(spk_model)
        self._model = load_model(str(host_model))
        self._spk = _load_spk_model(str(spk_model))
        words = [w for w in _GRAMMAR_CANDIDATES if self._model.vosk_model_find_word(w) >= 0]
        self._grammar = json.dumps(words + ["[unk]"], ensure_ascii=False) if words else None
        self._lock = threading.Lock()

    def __call__(self, samples: np.ndarray) -> np.ndarray | None:
        import vosk

        if len(samples) < MIN_SECONDS * SAMPLE_RATE:
            return None
        with self._lock:
            rec = (
                vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar)
                if self._grammar
                else vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
            )
            rec.SetSpkModel(self._spk)
            vectors: list[tuple[np.ndarray, int]] = []
            step = SAMPLE_RATE * 5
            data = samples.astype("<i2")
            for i in range(0, len(data), step):
                if rec.AcceptWaveform(data[i : i + step].tobytes()):
                    self._collect(json.loads(rec.Result()), vectors)
            self._collect(json.loads(rec.FinalResult()), vectors)
        if not vectors:
            return None
        total = sum(n for _, n in vectors)
        return sum(v * n for v, n in vectors) / total

    @staticmethod
    def _collect(result: dict, out: list[tuple[np.ndarray, int]]) -> None:
        if result.get("spk"):
            out.append((np.asarray(result["spk"], dtype=np.float64), int(result.get("spk_frames", 1))))


def default_extractor() -> XVectorExtractor | None:
    """The extractor from the installed speaker model and host recogniser, or None when one is missing."""
    from app.speech import models

    spk = models.speaker_model()
    host = models.speaker_host_model()
    if spk is None or host is None:
        return None
    return XVectorExtractor(host, spk)


@dataclass
class _Voice:
    label: str
    vector: np.ndarray
    weight: float = 1.0

    def add(self, v: np.ndarray) -> None:
        self.vector = (self.vector * self.weight + v) / (self.weight + 1)
        self.weight = min(self.weight + 1, 20.0)


@dataclass
class SpeakerLabeler:
    extractor: XVectorExtractor
    voices: list[_Voice] = field(default_factory=list)
    enrolled: bool = False

    @classmethod
    def create_if_available(
        cls, interviewer_voice: Path | None = None, interviewer_vector: Sequence[float] | None = None
    ) -> SpeakerLabeler | None:
        """A labeler when the speaker model and a Vosk recogniser model are installed, else None.

        ``interviewer_vector`` is a stored enrolment (``speaker_profiles.vector``); ``interviewer_voice``
        a WAV of the interviewer speaking.
        """
        extractor = default_extractor()
        if extractor is None:
            log.info("speaker labels off: speaker model or Vosk model not installed")
            return None
        labeler = cls(extractor)
        if interviewer_vector:
            labeler.load_vector(interviewer_vector)
        elif interviewer_voice is not None:
            labeler.enroll(read_wav_16k(interviewer_voice))
        return labeler

    @property
    def model_name(self) -> str:
        """What the vectors are comparable with (stored beside an enrolment)."""
        return self.extractor.spk_model.name

    def voice_vector(self, samples: np.ndarray) -> np.ndarray:
        """The x-vector of a voice sample for enrolment (InvalidInput when it holds too little speech)."""
        from app.errors import InvalidInput
        from app.i18n import _

        v = self.extractor(samples)
        if v is None:
            raise InvalidInput(_("The voice sample holds too little speech. Record at least 5 seconds of the "
                                 "interviewer speaking and try again."))
        return v

    def load_vector(self, vector: Sequence[float] | np.ndarray, label: str = INTERVIEWER) -> None:
        """Enrol from a stored x-vector (e.g. the interviewer's profile): forget the voices heard so far."""
        v = np.asarray(vector, dtype=np.float64)
        if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError("an x-vector is a non-empty 1-D array of finite numbers")
        self.voices = [_Voice(label, v, weight=5.0)]
        self.enrolled = True

    def enroll(self, samples: np.ndarray, label: str = INTERVIEWER) -> np.ndarray:
        """Learn the interviewer's voice from a recording of them speaking (5+ seconds is best).

        Returns the x-vector, which the caller may store as the interviewer's profile.
        """
        v = self.voice_vector(samples)
        self.load_vector(v, label)
        return v

    def label(self, samples: np.ndarray) -> str | None:
        v = self.extractor(samples)
        if v is None:
            return None
        if not self.voices:
            self.voices.append(_Voice("S1", v))
            return "S1"
        scores = [cosine(v, voice.vector) for voice in self.voices]
        best = int(np.argmax(scores))
        if self.enrolled:
            if len(self.voices) == 1:
                if scores[0] >= SAME_SPEAKER:
                    return INTERVIEWER
                self.voices.append(_Voice(CANDIDATE, v))
                return CANDIDATE
            chosen = self.voices[best]
            if chosen.label == CANDIDATE:
                chosen.add(v)
            return chosen.label
        if scores[best] >= SAME_SPEAKER:
            self.voices[best].add(v)
            return self.voices[best].label
        label = f"S{len(self.voices) + 1}"
        self.voices.append(_Voice(label, v))
        return label
