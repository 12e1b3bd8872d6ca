"""Crash-safe recording: WAV 16 kHz mono int16 written continuously.

The writer appends samples as they come and, at least once a second, rewrites the two size fields
of the header and flushes to disk (``fsync``). After a crash, kill or power cut the file therefore
plays up to the last flushed second; :func:`recover_wav` also repairs a header that is stale or
zero (e.g. a file cut off between two updates, or written by another program).

Disk space is checked before recording starts and every few seconds while it runs.
"""

from __future__ import annotations

import logging
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.errors import InvalidInput, StorageError
from app.i18n import _
from app.speech.audio import SAMPLE_RATE, AudioChunk, as_int16
from app.tasks import NEVER_CANCELLED, CancelToken

log = logging.getLogger(__name__)

BYTES_PER_SECOND = SAMPLE_RATE * 2
HEADER_BYTES = 44
WARN_MINUTES = 30.0
"""Warn when the disk holds less than this many minutes of recording."""
MIN_MINUTES = 2.0
"""Refuse to start (and stop cleanly) below this many minutes."""


def _header(data_bytes: int) -> bytes:
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, 1, SAMPLE_RATE, BYTES_PER_SECOND, 2, 16,
        b"data", data_bytes,
    )


@dataclass(frozen=True)
class DiskSpace:
    free_bytes: int

    @property
    def minutes_left(self) -> float:
        return self.free_bytes / BYTES_PER_SECOND / 60.0

    @property
    def low(self) -> bool:
        return self.minutes_left < WARN_MINUTES

    @property
    def too_low(self) -> bool:
        return self.minutes_left < MIN_MINUTES


def disk_space(folder: Path) -> DiskSpace:
    folder = Path(folder)
    probe = folder if folder.exists() else folder.parent
    return DiskSpace(shutil.disk_usage(probe).free)


def low_space_message(space: DiskSpace) -> str:
    return _("Disk space is low: about {minutes} minutes of recording left. Free some space or save the "
             "recording elsewhere.").format(minutes=int(space.minutes_left))


class CrashSafeWavWriter:
    """Append-only WAV writer whose header is valid after every flush (at most ``flush_seconds`` apart)."""

    def __init__(self, path: Path | str, *, flush_seconds: float = 1.0) -> None:
        self.path = Path(path)
        self.flush_seconds = flush_seconds
        self.data_bytes = 0
        self._flushed_bytes = -1
        self._last_flush = time.monotonic()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("wb")
            self._fh.write(_header(0))
        except OSError as exc:
            raise StorageError(
                _("Cannot create the recording file {path}: {error}. Choose another folder.").format(
                    path=self.path, error=exc.strerror or exc
                )
            ) from exc
        self.flush()

    @property
    def seconds(self) -> float:
        return self.data_bytes / BYTES_PER_SECOND

    def write(self, samples: np.ndarray | AudioChunk | bytes) -> None:
        data = as_int16(samples).astype("<i2", copy=False).tobytes()
        try:
            self._fh.write(data)
        except OSError as exc:
            raise StorageError(
                _("Writing the recording failed ({error}). The part recorded so far is kept in {path}.").format(
                    error=exc.strerror or exc, path=self.path
                )
            ) from exc
        self.data_bytes += len(data)
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Make everything written so far durable, with a header that matches it."""
        fh = self._fh
        fh.flush()
        if self.data_bytes != self._flushed_bytes:
            end = fh.tell()
            fh.seek(0)
            fh.write(_header(self.data_bytes))
            fh.seek(end)
            fh.flush()
            self._flushed_bytes = self.data_bytes
        try:
            os.fsync(fh.fileno())
        except OSError:  # some network drives do not support fsync
            log.debug("fsync not supported", exc_info=True)
        self._last_flush = time.monotonic()

    def close(self) -> None:
        if not self._fh.closed:
            self.flush()
            self._fh.close()

    def __enter__(self) -> CrashSafeWavWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def record(
    chunks: Iterable[AudioChunk],
    path: Path | str,
    *,
    flush_seconds: float = 1.0,
    check_every: float = 10.0,
    on_low_space: Callable[[DiskSpace], None] | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[AudioChunk]:
    """Write a stream to ``path`` while passing every chunk on (a tee for the live pipeline).

    Raises :class:`StorageError` before starting when the disk is nearly full, and stops cleanly
    (file closed and valid) when it fills up during the recording. ``on_low_space`` is called
    once when the space drops under the warning threshold.
    """
    path = Path(path)
    space = disk_space(path.parent)
    if space.too_low:
        raise StorageError(
            _("Not enough disk space to record: about {minutes} minutes left in {folder}. Free some space first.").format(
                minutes=int(space.minutes_left), folder=path.parent
            )
        )
    warned = False
    if space.low and on_low_space is not None:
        on_low_space(space)
        warned = True
    last_check = time.monotonic()
    with CrashSafeWavWriter(path, flush_seconds=flush_seconds) as writer:
        for chunk in chunks:
            cancel.raise_if_cancelled()
            writer.write(chunk)
            if time.monotonic() - last_check >= check_every:
                last_check = time.monotonic()
                space = disk_space(path.parent)
                if space.too_low:
                    log.warning("recording stopped: disk nearly full")
                    writer.close()
                    raise StorageError(
                        _("The disk is nearly full; the recording was stopped and saved in {path}.").format(path=path)
                    )
                if space.low and not warned and on_low_space is not None:
                    on_low_space(space)
                    warned = True
            yield chunk


@dataclass(frozen=True)
class RecoveryResult:
    path: Path
    seconds: float
    repaired: bool  # the header had to be rewritten
    trimmed_bytes: int  # a half-written sample at the end was cut off


def recover_wav(path: Path | str) -> RecoveryResult:
    """Repair the header of a WAV file cut off by a crash so that all complete samples play.

    Works on files from :class:`CrashSafeWavWriter` and on any 16-bit PCM WAV whose size fields are
    stale or zero. The file is changed in place only when needed.
    """
    from app.speech.audio import read_wav_info

    path = Path(path)
    if not path.exists():
        raise InvalidInput(_("The recording {path} does not exist.").format(path=path))
    size = path.stat().st_size
    if size < HEADER_BYTES:
        raise InvalidInput(_("The recording {path} is empty; nothing can be recovered.").format(path=path))
    info = read_wav_info(path)
    frame = info.channels * info.sample_width
    real = size - info.data_offset
    whole = real - real % frame
    trimmed = real - whole
    riff_ok = False
    with path.open("rb") as fh:
        riff_ok = struct.unpack("<I", fh.read(8)[4:])[0] == info.data_offset - 8 + whole
    repaired = info.header_data_bytes != whole or not riff_ok
    if repaired or trimmed:
        with path.open("r+b") as fh:
            if trimmed:
                fh.truncate(info.data_offset + whole)
            fh.seek(4)
            fh.write(struct.pack("<I", info.data_offset - 8 + whole))
            fh.seek(info.data_offset - 4)
            fh.write(struct.pack("<I", whole))
            fh.flush()
            os.fsync(fh.fileno())
        log.info("recovered recording: %.1f s, header repaired=%s", whole / frame / info.sample_rate, repaired)
    return RecoveryResult(path, whole / frame / info.sample_rate, repaired, trimmed)
