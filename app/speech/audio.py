"""Audio sources: generators of 16 kHz mono int16 chunks (from a WAV file or a microphone).

Every source yields :class:`AudioChunk` objects. A chunk carries its samples, its start time in the
stream and a level-meter value, so the UI can draw a meter and the recorder and the recognisers
consume the same stream.
"""

from __future__ import annotations

import logging
import math
import queue
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from app.errors import AppError, InvalidInput
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
"""Every chunk in the speech pipeline is 16 kHz, mono, int16."""


class MicrophoneError(AppError):
    """No usable microphone, or it stopped delivering audio (unplugged, taken by another program)."""


@dataclass(frozen=True)
class AudioChunk:
    samples: np.ndarray  # int16, 1-D, 16 kHz mono
    start: float  # seconds from the start of the stream

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def level_db(self) -> float:
        """RMS level in dBFS (−100 for digital silence)."""
        return rms_dbfs(self.samples)

    @property
    def level(self) -> float:
        """Level-meter value 0..1 (−60 dBFS → 0, 0 dBFS → 1)."""
        return meter_value(self.level_db)


def rms_dbfs(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -100.0
    x = samples.astype(np.float64) / 32768.0
    rms = math.sqrt(float(np.mean(x * x)))
    return max(-100.0, 20.0 * math.log10(rms)) if rms > 0 else -100.0


def meter_value(db: float, floor_db: float = -60.0) -> float:
    return min(1.0, max(0.0, (db - floor_db) / -floor_db))


def as_int16(chunk: AudioChunk | np.ndarray | bytes) -> np.ndarray:
    """Samples of a chunk given as AudioChunk, int16/float array or raw little-endian int16 bytes."""
    if isinstance(chunk, AudioChunk):
        return chunk.samples
    if isinstance(chunk, bytes | bytearray | memoryview):
        return np.frombuffer(bytes(chunk), dtype="<i2")
    arr = np.asarray(chunk)
    if arr.dtype == np.int16:
        return arr.reshape(-1)
    if np.issubdtype(arr.dtype, np.floating):
        return np.clip(arr.reshape(-1) * 32768.0, -32768, 32767).astype(np.int16)
    raise TypeError(f"unsupported chunk type {arr.dtype}")


def rechunk(chunks: Iterable[AudioChunk | np.ndarray | bytes], seconds: float) -> Iterator[AudioChunk]:
    """Regroup any stream of samples into chunks of a fixed length (the last one may be shorter)."""
    size = max(1, int(round(seconds * SAMPLE_RATE)))
    pending: list[np.ndarray] = []
    have = 0
    pos = 0
    for c in chunks:
        s = as_int16(c)
        pending.append(s)
        have += len(s)
        while have >= size:
            buf = np.concatenate(pending)
            yield AudioChunk(buf[:size].copy(), pos / SAMPLE_RATE)
            pos += size
            rest = buf[size:]
            pending, have = [rest], len(rest)
    if have:
        yield AudioChunk(np.concatenate(pending), pos / SAMPLE_RATE)


# --------------------------------------------------------------------------------------------------
# WAV files


@dataclass(frozen=True)
class WavInfo:
    sample_rate: int
    channels: int
    sample_width: int  # bytes per sample
    is_float: bool
    data_offset: int
    data_bytes: int  # as found in the file (clipped to the file's real size)
    header_data_bytes: int  # as written in the header

    @property
    def frames(self) -> int:
        return self.data_bytes // (self.channels * self.sample_width)

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


def read_wav_info(path: Path) -> WavInfo:
    """Parse a RIFF/WAVE header (PCM 8/16/24/32-bit or float 32/64-bit, plain or extensible)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            return _parse_header(fh, size, path)
    except OSError as exc:
        raise InvalidInput(_("Cannot read the audio file {path}: {error}").format(path=path, error=exc)) from exc


def _bad_wav(path: Path, why: str) -> InvalidInput:
    return InvalidInput(
        _("{path} is not a WAV file that can be read ({why}). Save the recording as WAV (PCM) and try again.").format(
            path=path, why=why
        )
    )


def _parse_header(fh: BinaryIO, size: int, path: Path) -> WavInfo:
    head = fh.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise _bad_wav(path, "RIFF/WAVE")
    fmt: tuple[int, int, int, int] | None = None
    offset = 12
    while True:
        fh.seek(offset)
        ch = fh.read(8)
        if len(ch) < 8:
            raise _bad_wav(path, "data")
        cid, clen = ch[:4], struct.unpack("<I", ch[4:])[0]
        if cid == b"fmt ":
            body = fh.read(min(clen, 40))
            tag, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            if tag == _EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise _bad_wav(path, "fmt")
            tag, channels, rate, bits = fmt
            if tag not in (_PCM, _FLOAT) or channels < 1 or rate < 1000 or bits not in (8, 16, 24, 32, 64):
                raise _bad_wav(path, f"format {tag}, {bits} bit")
            if tag == _FLOAT and bits not in (32, 64):
                raise _bad_wav(path, f"float {bits} bit")
            start = offset + 8
            real = max(0, size - start)
            return WavInfo(rate, channels, bits // 8, tag == _FLOAT, start, min(clen, real) if clen else real, clen)
        offset += 8 + clen + (clen & 1)
        if offset >= size:
            raise _bad_wav(path, "data")


def _decode(raw: bytes, info: WavInfo) -> np.ndarray:
    """Raw frames → float32 in [-1, 1], shape (frames, channels)."""
    w = info.sample_width
    if info.is_float:
        x = np.frombuffer(raw, dtype="<f4" if w == 4 else "<f8").astype(np.float32)
    elif w == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif w == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif w == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float32) / float(1 << 23)
    else:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / float(1 << 31)
    return x.reshape(-1, info.channels)


class StreamResampler:
    """Polyphase resampling of a stream, block by block, without seams at block edges.

    Each block is resampled together with some real context on both sides; since blocks start at
    multiples of the decimation factor, the kept output samples line up exactly.
    """

    def __init__(self, source_rate: int, target_rate: int = SAMPLE_RATE) -> None:
        g = math.gcd(source_rate, target_rate)
        self.up, self.down = target_rate // g, source_rate // g
        self.context = self.down * max(1, math.ceil(64 / self.down))
        self._buf = np.zeros(0, dtype=np.float32)
        self._history = np.zeros(0, dtype=np.float32)

    def push(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        """Feed float32 samples; returns the resampled samples that are ready (all of them if final)."""
        if self.up == self.down:
            return x
        from scipy.signal import resample_poly

        self._buf = np.concatenate([self._buf, x.astype(np.float32)])
        if final:
            usable = len(self._buf)
        else:
            usable = len(self._buf) - self.context
            usable -= usable % self.down
        if usable <= 0:
            return np.zeros(0, dtype=np.float32)
        block = self._buf[:usable]
        after = self._buf[usable : usable + self.context]
        ext = np.concatenate([self._history, block, after])
        y = resample_poly(ext, self.up, self.down).astype(np.float32)
        a = len(self._history) * self.up // self.down
        n = -(-usable * self.up // self.down) if final else usable * self.up // self.down
        out = y[a : a + n]
        self._history = np.concatenate([self._history, block])[-self.context :]
        self._buf = self._buf[usable:]
        return out


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def wav_source(
    path: Path | str,
    *,
    chunk_seconds: float = 0.1,
    realtime: bool = False,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[AudioChunk]:
    """Chunks of a WAV file as 16 kHz mono int16, as fast as possible or paced in real time.

    Other sample rates, widths and channel counts are converted (channels averaged).
    """
    path = Path(path)
    info = read_wav_info(path)
    if info.frames == 0:
        raise InvalidInput(_("The audio file {path} contains no sound.").format(path=path))
    resampler = StreamResampler(info.sample_rate) if info.sample_rate != SAMPLE_RATE else None
    block_frames = max(1, int(info.sample_rate * 2))  # read 2 s at a time
    frame_bytes = info.channels * info.sample_width
    out = _rechunker(chunk_seconds)
    next(out)
    t0 = time.monotonic()
    with path.open("rb") as fh:
        fh.seek(info.data_offset)
        remaining = info.frames
        while remaining > 0:
            cancel.raise_if_cancelled()
            n = min(block_frames, remaining)
            raw = fh.read(n * frame_bytes)
            n = len(raw) // frame_bytes
            if n == 0:  # the file is shorter than its header says
                if resampler is not None:
                    yield from out.send(_to_int16(resampler.push(np.zeros(0, np.float32), final=True)))
                break
            remaining -= n
            raw = raw[: n * frame_bytes]
            if info.sample_width == 2 and info.channels == 1 and not info.is_float and resampler is None:
                samples = np.frombuffer(raw, dtype="<i2").copy()
            else:
                x = _decode(raw, info).mean(axis=1).astype(np.float32)
                if resampler is not None:
                    x = resampler.push(x, final=remaining <= 0)
                samples = _to_int16(x)
            for chunk in out.send(samples):
                cancel.raise_if_cancelled()
                if realtime:
                    wait = chunk.end - (time.monotonic() - t0)
                    if wait > 0:
                        time.sleep(wait)
                yield chunk
    for chunk in out.send(None):
        if realtime:
            wait = chunk.end - (time.monotonic() - t0)
            if wait > 0:
                time.sleep(wait)
        yield chunk


def _rechunker(seconds: float):  # type: ignore[no-untyped-def]
    """Coroutine: send int16 arrays, get back the complete chunks; send None to flush the rest."""
    size = max(1, int(round(seconds * SAMPLE_RATE)))
    buf = np.zeros(0, dtype=np.int16)
    pos = 0
    ready: list[AudioChunk] = []
    while True:
        x = yield ready
        ready = []
        if x is None:
            if len(buf):
                ready.append(AudioChunk(buf, pos / SAMPLE_RATE))
                buf = np.zeros(0, dtype=np.int16)
            continue
        buf = np.concatenate([buf, x])
        while len(buf) >= size:
            ready.append(AudioChunk(buf[:size].copy(), pos / SAMPLE_RATE))
            pos += size
            buf = buf[size:]


def read_wav_16k(path: Path | str) -> np.ndarray:
    """The whole file as 16 kHz mono int16."""
    parts = [c.samples for c in wav_source(path, chunk_seconds=10.0)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


# --------------------------------------------------------------------------------------------------
# Microphone (PortAudio through sounddevice)


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    host_api: str
    channels: int
    default_sample_rate: float
    is_default: bool


def _sounddevice():  # type: ignore[no-untyped-def]
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise MicrophoneError(
            _("The sound library (PortAudio) is not available on this computer, so no microphone can be used. "
              "Ask IT to install it, or type the interview notes by hand."),
            detail=str(exc),
        ) from exc
    return sd


def list_input_devices() -> list[InputDevice]:
    """Devices that can record, default first."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        try:
            default_in = sd.default.device[0]
        except Exception:  # noqa: BLE001
            default_in = -1
    except Exception as exc:  # noqa: BLE001 - PortAudio errors vary by platform
        raise MicrophoneError(_no_microphone_message(), detail=str(exc)) from exc
    found = [
        InputDevice(
            index=i,
            name=str(d["name"]),
            host_api=str(apis[d["hostapi"]]["name"]),
            channels=int(d["max_input_channels"]),
            default_sample_rate=float(d["default_samplerate"]),
            is_default=i == default_in,
        )
        for i, d in enumerate(devices)
        if int(d["max_input_channels"]) > 0
    ]
    return sorted(found, key=lambda d: (not d.is_default, d.index))


def _no_microphone_message() -> str:
    return _("No microphone was found. Plug in a microphone (or choose another one in the settings) and try again; "
             "the interview can go on with typed notes.")


def _lost_microphone_message() -> str:
    return _("The microphone stopped sending sound (unplugged or taken by another program). "
             "Plug it back in and start the recording again; what was recorded so far is kept.")


def _resolve_device(device: int | str | None) -> int | str | None:
    if device is None or isinstance(device, int):
        return device
    for d in list_input_devices():
        if d.name == device:
            return d.index
    return device


def microphone_source(
    device: int | str | None = None,
    *,
    chunk_seconds: float = 0.1,
    max_seconds: float | None = None,
    stall_timeout: float = 2.0,
    start_timeout: float = 5.0,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[AudioChunk]:
    """Record from a microphone until cancelled (or ``max_seconds``), as 16 kHz mono int16 chunks.

    Raises :class:`MicrophoneError` when there is no such device, it cannot be opened, or it stops
    delivering audio for ``stall_timeout`` seconds (``start_timeout`` for the first block); never hangs.
    """
    sd = _sounddevice()
    dev = _resolve_device(device)
    try:
        info: Any = sd.query_devices(dev, "input")
    except Exception as exc:  # noqa: BLE001
        raise MicrophoneError(_no_microphone_message(), detail=str(exc)) from exc
    # Prefer 16 kHz directly; otherwise use the device's own rate and convert.
    rate = SAMPLE_RATE
    try:
        sd.check_input_settings(device=dev, channels=1, dtype="int16", samplerate=SAMPLE_RATE)
    except Exception:  # noqa: BLE001
        rate = int(info["default_samplerate"])
    q: queue.Queue[np.ndarray | None] = queue.Queue()
    status_flags: list[str] = []

    def callback(indata: np.ndarray, frames: int, t: Any, status: Any) -> None:  # noqa: ARG001
        if status:
            status_flags.append(str(status))
        q.put(indata[:, 0].copy())

    def finished() -> None:
        q.put(None)

    blocksize = max(1, int(rate * chunk_seconds))
    try:
        stream = sd.InputStream(
            device=dev, channels=1, samplerate=rate, dtype="int16", blocksize=blocksize,
            callback=callback, finished_callback=finished,
        )
        stream.start()
    except Exception as exc:  # noqa: BLE001
        raise MicrophoneError(
            _("The microphone could not be opened ({name}). Check that it is plugged in and not used by another "
              "program, then try again.").format(name=info.get("name", dev)),
            detail=str(exc),
        ) from exc
    log.info("microphone opened: device %s at %d Hz", info.get("name"), rate)
    resampler = StreamResampler(rate) if rate != SAMPLE_RATE else None
    out = _rechunker(chunk_seconds)
    next(out)
    limit = int(max_seconds * SAMPLE_RATE) if max_seconds else None
    produced = 0
    started_any = False
    try:
        while limit is None or produced < limit:
            cancel.raise_if_cancelled()
            try:
                # drivers may take a moment to deliver the first block; after that a gap means trouble
                block = q.get(timeout=stall_timeout if produced or started_any else max(stall_timeout, start_timeout))
            except queue.Empty:
                raise MicrophoneError(_lost_microphone_message()) from None
            started_any = True
            if block is None:
                if limit is None:
                    raise MicrophoneError(_lost_microphone_message())
                break
            if resampler is not None:
                block = _to_int16(resampler.push(block.astype(np.float32) / 32768.0))
            if limit is not None:
                block = block[: limit - produced]
            produced += len(block)
            yield from out.send(block)
        yield from out.send(None)
    finally:
        _close_stream(stream)
        if status_flags:
            log.warning("microphone reported %d status flags (e.g. %s)", len(status_flags), status_flags[0])


def _close_stream(stream: Any, timeout: float = 1.0) -> None:
    """Stop a PortAudio stream without hanging: a driver stuck in a read can block ``abort``."""

    def close() -> None:
        try:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        except Exception:  # noqa: BLE001
            log.debug("closing the microphone stream failed", exc_info=True)

    t = threading.Thread(target=close, name="close-microphone", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        log.warning("the microphone driver did not stop within %.0f s; left to finish in the background", timeout)


@dataclass(frozen=True)
class TestRecording:
    samples: np.ndarray
    peak_db: float
    rms_db: float

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def verdict(self) -> str:
        """A short advice for the user about the level."""
        if self.peak_db < -45:
            return _("Almost no sound was recorded. Check that the microphone is switched on and not muted.")
        if self.peak_db > -0.5:
            return _("The sound is too loud and distorts. Move the microphone further away or lower its volume.")
        if self.rms_db < -40:
            return _("The sound is quiet. Speak closer to the microphone or raise its volume.")
        return _("The microphone works and the level is good.")


def test_recording(
    device: int | str | None = None, seconds: float = 5.0, *, cancel: CancelToken = NEVER_CANCELLED
) -> TestRecording:
    """Record a few seconds (5 by default) to check the microphone and its level."""
    parts = [c.samples for c in microphone_source(device, max_seconds=seconds, cancel=cancel)]
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    peak = float(np.abs(samples.astype(np.int32)).max()) if len(samples) else 0.0
    peak_db = 20 * math.log10(peak / 32768.0) if peak > 0 else -100.0
    return TestRecording(samples, peak_db, rms_dbfs(samples))


test_recording.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
TestRecording.__test__ = False  # type: ignore[attr-defined]
