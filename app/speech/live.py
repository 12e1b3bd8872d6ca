"""Live interview stream: record in the background, recognise from a buffer.

Whisper takes a second or more per utterance; if the recogniser pulled the microphone directly,
nothing would be written to disk while it works. :func:`recorded_stream` therefore reads the source
and writes the crash-safe WAV in its own thread (flushed every second whatever the recogniser is
doing) and hands the same chunks to the caller through a queue.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from app.speech.audio import AudioChunk
from app.speech.recorder import DiskSpace, record
from app.tasks import NEVER_CANCELLED, CancelToken

log = logging.getLogger(__name__)

_END = object()


def recorded_stream(
    source: Iterable[AudioChunk],
    path: Path | str,
    *,
    on_low_space: Callable[[DiskSpace], None] | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
    flush_seconds: float = 1.0,
) -> Iterator[AudioChunk]:
    """Yield the chunks of ``source`` while a background thread records them to ``path``.

    Errors of the source or the recorder (microphone lost, disk full) are raised here, in the
    consumer's thread, after the file has been closed in a valid state. Closing this generator
    stops the recording.
    """
    buffer: queue.Queue[object] = queue.Queue()
    stop = CancelToken()

    def pump() -> None:
        try:
            for chunk in record(source, path, on_low_space=on_low_space, cancel=stop, flush_seconds=flush_seconds):
                buffer.put(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            buffer.put(exc)
        finally:
            buffer.put(_END)

    thread = threading.Thread(target=pump, name="speech-recorder", daemon=True)
    thread.start()
    try:
        while True:
            cancel.raise_if_cancelled()
            try:
                item = buffer.get(timeout=0.5)
            except queue.Empty:
                continue
            if item is _END:
                break
            if isinstance(item, BaseException):
                if stop.cancelled:
                    break
                raise item
            assert isinstance(item, AudioChunk)
            yield item
    finally:
        stop.cancel()
        thread.join(timeout=5.0)
        if thread.is_alive():
            log.warning("the recording thread did not stop within 5 s")
