"""faster-whisper engine: each utterance is written down when the speaker pauses.

Pipeline per stream: Silero VAD cuts utterances at pauses (:mod:`app.speech.vad`) → whisper
decodes the utterance (settings below, chosen by measuring CER on real clips, see the README
table in ``resources/speech/README.md``) → OpenCC traditional→simplified → near-homophone
correction against the position's vocabulary → optional speaker label.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
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
OFFLINE_GROUP_SECONDS = 25.0
"""Files are decoded in groups of utterances up to this length (whisper's window is 30 s)."""
CATCHUP_BACKLOG_SECONDS = 4.0
"""Live: with more audio than this waiting, utterances are grouped to catch up ..."""
CATCHUP_GROUP_SECONDS = 20.0
"""... up to this length per whisper window."""
REDECODE_RUNS = False
"""True: utterances whisper skipped next to each other in a group are decoded again together (one
encoder pass for the run; a run skipped again is then decoded one by one). Measured on the 176.5 s
file of all clips: CPU 1.14× the raw engine instead of 1.49×, but CER 0.400 instead of 0.377, so
files keep the slower, more accurate one-by-one re-decoding (see resources/speech/README.md)."""
COVERED_OVERLAP = 0.5
"""An utterance counts as written down when a segment overlaps it by this share of its length (max 1 s)."""


def _covered(segments: Sequence[Any], start: float, end: float) -> bool:
    need = COVERED_OVERLAP * min(1.0, end - start)
    return any(min(end, float(s.end)) - max(start, float(s.start)) >= need for s in segments)


def _runs(group: Sequence[Utterance], missed: Sequence[Utterance]) -> list[list[Utterance]]:
    """The missed utterances as runs of neighbours in ``group`` (each run is decoded again as one window)."""
    ids = {id(u) for u in missed}
    runs: list[list[Utterance]] = []
    current: list[Utterance] = []
    for utt in group:
        if id(utt) in ids:
            current.append(utt)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


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
        self.backlog: Callable[[], float] | None = None
        """Seconds of audio waiting for the recogniser (set by the live pipeline; None for files)."""

    def warm_up(self) -> None:
        """Load everything the first utterance would otherwise load: OpenCC, jieba and pypinyin tables
        (vocabulary correction), the VAD session, and one decode (CTranslate2's first call allocates).
        Call it off the GUI thread before recording: some of these hold the GIL for up to ~250 ms."""
        self.postprocess("測試寒氧酸鹽")
        UtteranceSegmenter(self.vad)
        if self.labeler is not None:
            self.labeler.extractor(np.zeros(SAMPLE_RATE, dtype=np.int16))
        opts = asdict(replace(self.decode, beam_size=1, temperature=(0.0,)))
        segments, _info = self.model.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), language=self.language,
                                                vad_filter=False, **opts)
        for _seg in segments:
            pass

    def transcribe(
        self, chunks: Iterable[Chunk], *, cancel: CancelToken = NEVER_CANCELLED, group_seconds: float | None = None
    ) -> Iterator[Partial | Final]:
        """Finals for each utterance, produced at the pause that ends it (no partials).

        With ``group_seconds`` > 0, consecutive utterances are decoded together up to that length
        (one encoder pass instead of one per utterance). Whisper sometimes stops early in a longer
        window and drops the rest; every utterance of a group that no decoded segment covers is
        therefore decoded again on its own (see :meth:`_decode_group`). Live recording decodes per
        utterance (``group_seconds`` 0, lowest latency) while it keeps up; when ``backlog`` (audio
        waiting for the recogniser, seconds) exceeds :data:`CATCHUP_BACKLOG_SECONDS`, the waiting
        utterances are decoded together (up to :data:`CATCHUP_GROUP_SECONDS`) to catch up. Files use
        :meth:`transcribe_offline`.
        """
        fixed = self.group_seconds if group_seconds is None else group_seconds

        def limit() -> float:
            if fixed > 0:
                return fixed
            backlog = self.backlog
            return CATCHUP_GROUP_SECONDS if backlog is not None and backlog() > CATCHUP_BACKLOG_SECONDS else 0.0

        segmenter = UtteranceSegmenter(self.vad)
        group: list[Utterance] = []
        for chunk in chunks:
            cancel.raise_if_cancelled()
            for utt in segmenter.push(as_int16(chunk)):
                if group and utt.end - group[0].start > limit():
                    yield from self._decode_group(group, cancel)
                    group = []
                group.append(utt)
            if group and limit() <= 0:  # live and keeping up: write each utterance down at once
                yield from self._decode_group(group, cancel)
                group = []
        for utt in segmenter.flush():
            if group and utt.end - group[0].start > limit():
                yield from self._decode_group(group, cancel)
                group = []
            group.append(utt)
        if group:
            yield from self._decode_group(group, cancel)

    def transcribe_offline(self, chunks: Iterable[Chunk], *, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Final]:
        """A whole recording as fast as possible: utterances grouped up to :data:`OFFLINE_GROUP_SECONDS`."""
        for r in self.transcribe(chunks, cancel=cancel, group_seconds=OFFLINE_GROUP_SECONDS):
            if isinstance(r, Final):
                yield r

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
        if len(group) > 1:
            # Whisper may stop early in a longer window: utterances no segment covers are decoded alone.
            decoded = [seg for seg in segments if self.postprocess(seg.text)]
            missed = [utt for utt, (b_start, length, _s) in zip(group, pieces, strict=True)
                      if not _covered(decoded, b_start, b_start + length)]
            if missed:
                log.info("whisper skipped %d of %d utterances in a group; decoding them again", len(missed), len(group))
            finals = list(self._finals(decoded, samples, duration, to_stream, cancel))
            for run in _runs(group, missed):
                if len(run) == 1 or len(run) == len(group) or not REDECODE_RUNS:
                    for utt in run:
                        finals += list(self._decode_group([utt], cancel))
                else:  # a stretch whisper dropped (usually the tail): one more window for all of it
                    finals += list(self._decode_group(run, cancel))
            yield from sorted(finals, key=lambda f: f.start)
            return
        yield from self._finals(segments, samples, duration, to_stream, cancel)

    def _finals(self, segments: Iterable[Any], samples: np.ndarray, duration: float,
                to_stream: Callable[[float], float], cancel: CancelToken) -> Iterator[Final]:
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
