from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from app.errors import InvalidInput, StorageError
from app.speech.audio import AudioChunk, read_wav_16k, wav_source
from app.speech.recorder import (
    BYTES_PER_SECOND,
    CrashSafeWavWriter,
    DiskSpace,
    disk_space,
    low_space_message,
    record,
    recover_wav,
)
from tests.support import REPO_ROOT
from tests.unit.speech.conftest import clip


def _frames(path: Path) -> int:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        return w.getnframes()


def test_header_is_valid_after_each_flush(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    writer = CrashSafeWavWriter(path, flush_seconds=1.0)
    assert _frames(path) == 0
    writer.write(np.arange(16000, dtype=np.int16))
    writer.flush()
    assert _frames(path) == 16000  # readable while still being written
    writer.write(np.ones(800, dtype=np.int16))
    writer.close()
    assert _frames(path) == 16800
    assert np.array_equal(read_wav_16k(path)[:16000], np.arange(16000, dtype=np.int16))


def test_record_tees_the_stream_into_a_wav(tmp_path: Path) -> None:
    source = clip("wenet_nst_ID002.wav")
    out = tmp_path / "interview.wav"
    passed = list(record(wav_source(source), out))
    assert np.array_equal(np.concatenate([c.samples for c in passed]), read_wav_16k(source))
    assert np.array_equal(read_wav_16k(out), read_wav_16k(source))


def test_recover_repairs_stale_header_and_half_sample(tmp_path: Path) -> None:
    samples = read_wav_16k(clip("wenet_nst_ID001.wav"))
    path = tmp_path / "cut.wav"
    with CrashSafeWavWriter(path) as w:
        w.write(samples[:8000])
    # a crash after more audio reached the disk but before the header was updated, cut mid-sample
    with path.open("ab") as fh:
        fh.write(samples[8000:24000].tobytes() + b"\x01")
    assert _frames(path) == 8000
    result = recover_wav(path)
    assert result.repaired and result.trimmed_bytes == 1
    assert result.seconds == pytest.approx(24000 / 16000)
    assert np.array_equal(read_wav_16k(path), samples[:24000])
    again = recover_wav(path)
    assert not again.repaired and again.trimmed_bytes == 0


def test_recover_repairs_a_zero_size_header(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    with CrashSafeWavWriter(path):
        pass
    with path.open("ab") as fh:
        fh.write(np.full(3200, 1000, dtype=np.int16).tobytes())
    assert recover_wav(path).seconds == pytest.approx(0.2)
    assert _frames(path) == 3200


def test_recover_rejects_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        recover_wav(tmp_path / "none.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(InvalidInput):
        recover_wav(tmp_path / "empty.wav")


def test_killed_recording_is_recoverable(tmp_path: Path) -> None:
    """SIGKILL a process that records in real time, then recover what reached the disk."""
    path = tmp_path / "killed.wav"
    code = f"""
import sys
from app.speech.audio import wav_source
from app.speech.recorder import record
n = 0
for chunk in record(wav_source({str(clip('masr_test.wav'))!r}, realtime=True), {str(path)!r}):
    n += 1
    if n == 25:
        print("recording", flush=True)
"""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "recording"
        time.sleep(1.2)  # at least one more flush
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    header_frames = _frames(path)  # what the header said at the last flush
    result = recover_wav(path)
    assert header_frames >= result.seconds * 16000 - 1.3 * 16000  # flushed at least every second
    assert 2.0 <= result.seconds < 8.39
    original = read_wav_16k(clip("masr_test.wav"))
    recovered = read_wav_16k(path)
    assert np.array_equal(recovered, original[: len(recovered)])


def test_disk_space_estimate_and_low_space(tmp_path: Path) -> None:
    space = disk_space(tmp_path)
    assert space.free_bytes > 0
    assert space.minutes_left == pytest.approx(space.free_bytes / BYTES_PER_SECOND / 60)
    low = DiskSpace(BYTES_PER_SECOND * 60 * 10)
    assert low.low and not low.too_low and int(low.minutes_left) == 10
    assert "10" in low_space_message(low)
    assert DiskSpace(BYTES_PER_SECOND * 30).too_low


def test_refuses_to_record_to_an_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    chunks = [AudioChunk(np.zeros(1600, dtype=np.int16), 0.0)]
    with pytest.raises(StorageError):
        list(record(chunks, blocker / "sub" / "rec.wav"))


def test_recording_goes_on_while_the_recogniser_is_busy(tmp_path: Path) -> None:
    from app.speech.live import recorded_stream

    source = clip("masr_test.wav")
    out = tmp_path / "live.wav"
    total = len(read_wav_16k(source))
    stream = recorded_stream(wav_source(source, chunk_seconds=0.1), out)
    first = next(stream)  # the "recogniser" takes one chunk and then is busy
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _frames(out) < total:
        time.sleep(0.1)
    assert _frames(out) == total  # everything reached the file while nobody pulled the stream
    rest = list(stream)
    assert len(first.samples) + sum(len(c.samples) for c in rest) == total


def test_closing_the_live_stream_stops_the_recording(tmp_path: Path) -> None:
    from app.speech.live import recorded_stream

    out = tmp_path / "stopped.wav"
    stream = recorded_stream(wav_source(clip("masr_test.wav"), chunk_seconds=0.1, realtime=True), out)
    got = [next(stream) for _ in range(5)]
    stream.close()
    frames = _frames(out)
    assert len(got) == 5 and 5 * 1600 <= frames < 8.39 * 16000
