"""Streaming voice activity detection and utterance cutting (Silero VAD, shipped with faster-whisper).

:class:`UtteranceSegmenter` receives 16 kHz int16 audio as it arrives and hands back each utterance
as soon as the speaker pauses (``min_silence`` seconds below the threshold), so the recogniser can
write it down while the interview goes on. Very long stretches without a pause are cut at the
quietest moment before ``max_utterance`` seconds. Offline transcription uses the same segmenter, so a
file gives the same result as the live stream.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.speech.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

WINDOW = 512  # samples per VAD decision (32 ms)
CONTEXT = 64


@dataclass(frozen=True)
class VadParams:
    threshold: float = 0.5
    neg_threshold: float = 0.35
    min_silence: float = 0.5  # pause that ends an utterance (s)
    min_speech: float = 0.25  # shorter bursts are dropped (s)
    pad: float = 0.3  # audio kept before/after the speech (s)
    max_utterance: float = 12.0  # cut longer stretches at the quietest point (s), keeps latency ≤ ~3 s


@dataclass(frozen=True)
class Utterance:
    start: float  # seconds from the start of the stream
    samples: np.ndarray  # int16 including padding

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SAMPLE_RATE


@functools.lru_cache(maxsize=1)
def _session():  # type: ignore[no-untyped-def]
    import onnxruntime
    from faster_whisper.utils import get_assets_path

    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 4
    path = Path(get_assets_path()) / "silero_vad_v6.onnx"
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"], sess_options=opts)


class StreamingVad:
    """Speech probability per 32 ms window, keeping the model state between calls."""

    def __init__(self) -> None:
        self._session = _session()
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """``audio`` float32, length a multiple of 512 → one probability per 512 samples."""
        n = len(audio) // WINDOW
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        windows = audio[: n * WINDOW].reshape(n, WINDOW)
        contexts = np.concatenate([self._context[None, :], windows[:-1, -CONTEXT:]], axis=0)
        batch = np.concatenate([contexts, windows], axis=1).astype(np.float32)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)


class UtteranceSegmenter:
    """Cuts a live stream into utterances at the speaker's pauses."""

    def __init__(self, params: VadParams = VadParams()) -> None:
        self.p = params
        self._vad = StreamingVad()
        self._audio = np.zeros(0, dtype=np.int16)  # kept audio, starts at sample self._offset
        self._offset = 0
        self._pending = np.zeros(0, dtype=np.int16)  # not yet given to the VAD
        self._probs: list[float] = []  # per window since self._offset (window-aligned)
        self._in_speech = False
        self._speech_start = 0  # window index (absolute)
        self._silence_run = 0
        self._window_base = 0  # absolute window index of self._probs[0]
        self._next_window = 0  # absolute index of the next window to be scored

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def push(self, samples: np.ndarray) -> Iterator[Utterance]:
        self._audio = np.concatenate([self._audio, samples])
        self._pending = np.concatenate([self._pending, samples])
        n = len(self._pending) // WINDOW
        if n == 0:
            return
        block = self._pending[: n * WINDOW].astype(np.float32) / 32768.0
        self._pending = self._pending[n * WINDOW :]
        probs = self._vad.probabilities(block)
        for prob in probs:
            yield from self._step(float(prob))

    def flush(self) -> Iterator[Utterance]:
        """End of stream: return the utterance still open, if any."""
        if self._in_speech:
            yield from self._emit(self._next_window)
        self._in_speech = False

    # ---------------------------------------------------------------------------------------------

    def _win_sec(self) -> float:
        return WINDOW / SAMPLE_RATE

    def _step(self, prob: float) -> Iterator[Utterance]:
        i = self._next_window
        self._next_window += 1
        self._probs.append(prob)
        p = self.p
        if not self._in_speech:
            if prob >= p.threshold:
                self._in_speech = True
                self._speech_start = i
                self._silence_run = 0
            else:
                self._trim_idle()
            return
        if prob < p.neg_threshold:
            self._silence_run += 1
        elif prob >= p.threshold or self._silence_run == 0:
            self._silence_run = 0
        else:
            self._silence_run += 1
        if self._silence_run * self._win_sec() >= p.min_silence:
            end = i - self._silence_run + 1
            self._in_speech = False
            yield from self._emit(end)
        elif (i - self._speech_start + 1) * self._win_sec() >= p.max_utterance:
            cut = self._quietest(self._speech_start, i + 1)
            yield from self._emit(cut, keep_speaking=True)

    def _quietest(self, start: int, stop: int) -> int:
        """Window index to cut at: the lowest probability in the second half of the stretch."""
        lo = start + (stop - start) // 2
        seg = self._probs[lo - self._window_base : stop - self._window_base]
        return lo + int(np.argmin(seg)) if seg else stop

    def _emit(self, end_window: int, keep_speaking: bool = False) -> Iterator[Utterance]:
        p = self.p
        start_w = self._speech_start
        if (end_window - start_w) * self._win_sec() >= p.min_speech:
            pad = int(p.pad * SAMPLE_RATE)
            a = max(self._offset, start_w * WINDOW - pad)
            b = min(self._offset + len(self._audio), end_window * WINDOW + pad)
            if keep_speaking:
                b = end_window * WINDOW
            yield Utterance(a / SAMPLE_RATE, self._audio[a - self._offset : b - self._offset].copy())
        if keep_speaking:
            self._speech_start = end_window
            self._silence_run = 0
            self._drop_before(max(0, end_window * WINDOW - int(p.pad * SAMPLE_RATE)))
        else:
            self._drop_before(end_window * WINDOW)

    def _trim_idle(self) -> None:
        """Outside speech keep only the padding's worth of audio."""
        keep = int(self.p.pad * SAMPLE_RATE) + WINDOW
        now = self._next_window * WINDOW  # end of the window just scored
        if now - self._offset > 4 * keep:
            self._drop_before(now - keep)

    def _drop_before(self, sample: int) -> None:
        sample = min(max(sample, self._offset), self._offset + len(self._audio))
        self._audio = self._audio[sample - self._offset :]
        self._offset = sample
        first_window = sample // WINDOW
        if first_window > self._window_base:
            self._probs = self._probs[first_window - self._window_base :]
            self._window_base = first_window
