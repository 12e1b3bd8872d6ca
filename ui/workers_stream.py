"""QThread workers for live streams: audio (record + level), speech recognition, video (record + analysis).

Each worker runs a plain generator from ``app.services.capture`` in its own QThread and reports
through signals only; it never touches a widget. The video worker keeps only the latest frame (as a
QImage copy) and signals ``frame_ready`` once per new frame; the view pulls it, so a slow GUI never
makes frames pile up. Sources and the recogniser are passed in as factories (``cancel → iterator``),
so tests and the benchmark feed files instead of devices.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from app.errors import Cancelled
from app.services.capture import ChunkQueue, VideoTick, audio_stream, video_events
from app.speech.audio import AudioChunk
from app.speech.engine import Final, Partial, SpeechEngine
from app.tasks import CancelToken

log = logging.getLogger(__name__)

AudioFactory = Callable[[CancelToken], Iterable[AudioChunk]]
FrameFactory = Callable[[CancelToken], Iterable[Any]]
EngineFactory = Callable[[], SpeechEngine]


class _StreamThread(QThread):
    failed = Signal(object)  # the exception (AppError messages are already in Chinese)
    ended = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.cancel_token = CancelToken()

    def stop(self) -> None:
        self.cancel_token.cancel()

    def run(self) -> None:
        try:
            self.work()
        except Cancelled:
            pass
        except BaseException as exc:  # noqa: BLE001 - delivered to the GUI
            if not self.cancel_token.cancelled:
                log.warning("%s failed: %s", type(self).__name__, type(exc).__name__)
                self.failed.emit(exc)
        finally:
            self.ended.emit()

    def work(self) -> None:
        raise NotImplementedError


class AudioWorker(_StreamThread):
    """Reads the microphone (or a file), records the WAV and feeds the recogniser's queue."""

    level = Signal(float, float)  # meter 0..1, stream seconds
    low_space = Signal(object)  # DiskSpace

    def __init__(self, source: AudioFactory, wav_path: Path | None, chunks: ChunkQueue | None,
                 parent: Any = None, meter_hz: float = 20.0) -> None:
        super().__init__(parent)
        self.source = source
        self.wav_path = wav_path
        self.chunks = chunks
        self.seconds = 0.0
        self._meter_every = 1.0 / meter_hz

    def work(self) -> None:
        last = 0.0
        try:
            stream = audio_stream(self.source(self.cancel_token), self.wav_path, on_low_space=self.low_space.emit,
                                  cancel=self.cancel_token)
            for chunk in stream:
                self.seconds = chunk.end
                if self.chunks is not None:
                    self.chunks.put(chunk)
                now = time.monotonic()
                if now - last >= self._meter_every:
                    last = now
                    self.level.emit(chunk.level, chunk.end)
        finally:
            if self.chunks is not None:
                self.chunks.close()


class PreparedEngine:
    """A recogniser built and warmed up ahead of the recording (in the worker pool), used once.

    Loading whisper, its tokenizer, pypinyin's tables, jieba's dictionary and the ONNX sessions holds
    the GIL for stretches of 50–250 ms (C code that does not release it), which froze the GUI when it
    happened in the recogniser thread after the recording had started. The page builds the engine
    when an interview with audio consent is set up, so those stalls fall before the recording, and the
    first utterance is not delayed by loading either. :meth:`take` waits for a build in progress and
    returns None when it failed (the recogniser thread then builds its own and reports the error).
    """

    def __init__(self, factory: EngineFactory) -> None:
        self._factory = factory
        self._done = threading.Event()
        self._engine: SpeechEngine | None = None
        self._taken = False
        self._lock = threading.Lock()

    def build(self) -> None:
        try:
            engine = self._factory()
            warm = getattr(engine, "warm_up", None)
            if warm is not None:
                warm()
            self._engine = engine
        except Exception as exc:  # noqa: BLE001 - the recogniser thread retries and reports it
            log.info("preparing the recogniser failed (%s); it is built when the recording starts", type(exc).__name__)
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def take(self, timeout: float = 120.0) -> SpeechEngine | None:
        self._done.wait(timeout)
        with self._lock:
            if self._taken:
                return None
            self._taken = True
            return self._engine


class AsrWorker(_StreamThread):
    """Loads the recogniser in its thread and turns the queued audio into partial and final text."""

    ready = Signal(str)  # engine name
    partial = Signal(str)
    final = Signal(object)  # app.speech.engine.Final

    def __init__(self, engine: EngineFactory, chunks: ChunkQueue, parent: Any = None) -> None:
        super().__init__(parent)
        self.engine_factory = engine
        self.chunks = chunks

    def work(self) -> None:
        engine = self.engine_factory()
        self.ready.emit(engine.name)
        for result in engine.transcribe(self.chunks.iterate(self.cancel_token), cancel=self.cancel_token):
            if isinstance(result, Partial):
                self.partial.emit(result.text)
            elif isinstance(result, Final):
                self.final.emit(result)


def to_qimage(image: np.ndarray) -> QImage:
    """A QImage copy of a BGR uint8 frame (owned by Qt, safe to hand to the GUI thread)."""
    h, w = image.shape[:2]
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class VideoWorker(_StreamThread):
    """Camera (or file) frames: recorded in segments, analysed when allowed; the latest frame is kept."""

    frame_ready = Signal()
    second = Signal(object)  # SecondSummary
    low_space = Signal(object)

    def __init__(self, source: FrameFactory, video_dir: Path | None, *, analyze: bool, parent: Any = None,
                 analyzer: Any | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.video_dir = video_dir
        self.analyze = analyze
        self.analyzer = analyzer
        self._lock = threading.Lock()
        self._latest: tuple[QImage, Any, float] | None = None
        self._pending = False
        self.frames = 0
        self.delivered = 0

    def latest(self) -> tuple[QImage, Any, float] | None:
        """The newest frame (image, FrameObservation or None, stream seconds); None when nothing new."""
        with self._lock:
            item, self._latest = self._latest, None
            self._pending = False
        if item is not None:
            self.delivered += 1
        return item

    def work(self) -> None:
        import cv2

        # OpenCV's own thread pool (DNN face detector and landmarks) would take both cores next to
        # whisper's two CTranslate2 threads: one thread here, so the recogniser is not starved.
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            self._frames()
        finally:
            cv2.setNumThreads(threads)

    def _frames(self) -> None:
        for tick in video_events(self.source(self.cancel_token), self.video_dir, analyze=self.analyze,
                                 analyzer=self.analyzer, cancel=self.cancel_token):
            self._handle(tick)

    def _handle(self, tick: VideoTick) -> None:
        if tick.second is not None:
            self.second.emit(tick.second)
        if tick.low_space is not None:
            self.low_space.emit(tick.low_space)
        if tick.frame is None:
            return
        self.frames += 1
        image = to_qimage(tick.frame.image)
        with self._lock:
            self._latest = (image, tick.observation, float(tick.frame.time_s))
            notify = not self._pending
            self._pending = True
        if notify:
            self.frame_ready.emit()


class PreviewWorker(_StreamThread):
    """Device check before the interview: level meter or camera preview, nothing recorded."""

    level = Signal(float, float)
    frame_ready = Signal()

    def __init__(self, audio: AudioFactory | None = None, frames: FrameFactory | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.audio = audio
        self.frames_source = frames
        self._lock = threading.Lock()
        self._latest: QImage | None = None

    def latest(self) -> QImage | None:
        with self._lock:
            item, self._latest = self._latest, None
        return item

    def work(self) -> None:
        if self.audio is not None:
            for chunk in self.audio(self.cancel_token):
                self.cancel_token.raise_if_cancelled()
                self.level.emit(chunk.level, chunk.end)
        elif self.frames_source is not None:
            for frame in self.frames_source(self.cancel_token):
                self.cancel_token.raise_if_cancelled()
                image = to_qimage(frame.image)
                with self._lock:
                    self._latest = image
                self.frame_ready.emit()


def stop_all(workers: Iterable[QThread | None], timeout_ms: int = 8000) -> None:
    """Ask every worker to stop, then wait for each (files are closed in a valid state on the way)."""
    live = [w for w in workers if w is not None]
    for w in live:
        if isinstance(w, _StreamThread):
            w.stop()
    for w in live:
        if not w.wait(timeout_ms):
            log.warning("%s did not stop within %d ms", type(w).__name__, timeout_ms)
