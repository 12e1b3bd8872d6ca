"""faster-whisper engine: each utterance is written down when the speaker pauses.

Pipeline per stream: Silero VAD cuts utterances at pauses (:mod:`app.speech.vad`) → whisper
decodes the utterance (settings below, chosen by measuring CER on real clips, see the README
table in ``resources/speech/README.md``) → OpenCC traditional→simplified → near-homophone
correction against the position's vocabulary → optional speaker label.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.speech.audio import SAMPLE_RATE, as_int16
from app.speech.engine import Chunk, Final, Partial, Word
from app.speech.hotwords import HotwordCorrector
from app.speech.textnorm import to_simplified
from app.speech.vad import Utterance, UtteranceSegmenter, VadParams
from app.tasks import NEVER_CANCELLED, CancelToken

if TYPE_CHECKING:
    from app.speech.speakers import SpeakerLabeler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecodeOptions:
    """Options passed to ``WhisperModel.transcribe`` for each utterance."""

    beam_size: int = 5
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    condition_on_previous_text: bool = False
    word_timestamps: bool = False
    no_speech_threshold: float = 0.6
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    repetition_penalty: float = 1.0
    initial_prompt: str | None = None


GROUP_GAP = 0.3
"""Silence put between utterances decoded together (seconds)."""

_MODEL_CACHE: dict[tuple[str, int, str], Any] = {}
_MODEL_LOCK = threading.Lock()


def load_model(model_dir: Path, threads: int = 2, compute_type: str = "int8") -> Any:
    """Load (once per process) a CTranslate2 whisper model from a local folder; never downloads."""
    from faster_whisper import WhisperModel

    key = (str(model_dir), threads, compute_type)
    with _MODEL_LOCK:
        if key not in _MODEL_CACHE:
            log.info("loading whisper model %s (%d threads)", Path(model_dir).name, threads)
            _MODEL_CACHE[key] = WhisperModel(
                str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=threads, local_files_only=True
            )
        return _MODEL_CACHE[key]


def _seed_sampling() -> None:
    """Temperature fallback samples at random; a fixed seed makes the same audio give the same text."""
    try:
        import ctranslate2

        ctranslate2.set_random_seed(1234)
    except (ImportError, AttributeError):  # pragma: no cover - older ctranslate2
        pass


class WhisperEngine:
    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        hotwords: Iterable[str] = (),
        threads: int = 2,
        decode: DecodeOptions = DecodeOptions(),
        vad: VadParams = VadParams(),
        labeler: SpeakerLabeler | None = None,
        language: str = "zh",
        group_seconds: float = 0.0,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.model = load_model(self.model_dir, threads)
        self.decode = decode
        self.vad = vad
        self.corrector = HotwordCorrector(hotwords)
        self.labeler = labeler
        self.language = language
        self.group_seconds = group_seconds

    def transcribe(self, chunks: Iterable[Chunk], *, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Partial | Final]:
        """Finals for each utterance, produced at the pause that ends it (no partials).

        With ``group_seconds`` > 0, consecutive utterances are decoded together up to that length.
        It is off by default: on the short test clips it lowered CER a little (0.387 → 0.379), but
        on a 3-minute recording whisper skipped whole stretches (CER 0.392 → 0.477).
        """
        segmenter = UtteranceSegmenter(self.vad)
        group: list[Utterance] = []
        for chunk in chunks:
            cancel.raise_if_cancelled()
            for utt in segmenter.push(as_int16(chunk)):
                if group and utt.end - group[0].start > self.group_seconds:
                    yield from self._decode_group(group, cancel)
                    group = []
                group.append(utt)
                if self.group_seconds <= 0:
                    yield from self._decode_group(group, cancel)
                    group = []
        for utt in segmenter.flush():
            if group and utt.end - group[0].start > self.group_seconds:
                yield from self._decode_group(group, cancel)
                group = []
            group.append(utt)
        if group:
            yield from self._decode_group(group, cancel)

    def transcribe_utterance(
        self, samples: np.ndarray, offset: float = 0.0, *, cancel: CancelToken = NEVER_CANCELLED
    ) -> Iterator[Final]:
        """Decode one stretch of audio that starts ``offset`` seconds into the stream."""
        yield from self._decode_group([Utterance(offset, samples)], cancel)

    def _decode_group(self, group: list[Utterance], cancel: CancelToken) -> Iterator[Final]:
        gap = np.zeros(int(GROUP_GAP * SAMPLE_RATE), dtype=np.int16)
        pieces: list[tuple[float, float, float]] = []  # (start in buffer, length, start in stream)
        parts: list[np.ndarray] = []
        pos = 0
        for i, utt in enumerate(group):
            if i:
                parts.append(gap)
                pos += len(gap)
            pieces.append((pos / SAMPLE_RATE, len(utt.samples) / SAMPLE_RATE, utt.start))
            parts.append(utt.samples)
            pos += len(utt.samples)
        samples = np.concatenate(parts) if len(parts) > 1 else parts[0]

        def to_stream(t: float) -> float:
            b_start, length, s_start = pieces[0]
            for piece in pieces:
                if piece[0] <= t + 1e-6:
                    b_start, length, s_start = piece
            return s_start + min(max(0.0, t - b_start), length)

        audio = samples.astype(np.float32) / 32768.0
        opts = asdict(self.decode)
        opts["temperature"] = list(opts["temperature"])
        _seed_sampling()
        segments, _info = self.model.transcribe(audio, language=self.language, vad_filter=False, **opts)
        duration = len(samples) / SAMPLE_RATE
        for seg in segments:
            cancel.raise_if_cancelled()
            text = self.postprocess(seg.text)
            if not text:
                continue
            b0, b1 = max(0.0, float(seg.start)), min(duration, float(seg.end))
            start, end = to_stream(b0), to_stream(b1)
            words: tuple[Word, ...] = ()
            if seg.words:
                words = tuple(
                    Word(to_simplified(w.word.strip()), to_stream(float(w.start)), to_stream(float(w.end)),
                         float(w.probability))
                    for w in seg.words
                    if w.word.strip()
                )
            speaker = None
            if self.labeler is not None:
                a, b = int(b0 * SAMPLE_RATE), int(b1 * SAMPLE_RATE)
                speaker = self.labeler.label(samples[a:b] if b - a > SAMPLE_RATE // 2 else samples)
            yield Final(start, max(start, end), text, words, speaker)

    def postprocess(self, text: str) -> str:
        text = to_simplified(text.strip())
        if self.corrector:
            text, _corrections = self.corrector.correct(text)
        return text
