"""Microphone source through PortAudio itself, with an ALSA file-plugin fake microphone.

PortAudio reads the ALSA configuration once per process, so each case runs in a subprocess whose
HOME holds an ``.asoundrc`` defining ``pcm.fakemic`` (reads a raw file, discards playback).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.support import REPO_ROOT
from tests.unit.speech.conftest import clip

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="ALSA fake microphone is Linux-only")


def _fake_home(tmp_path: Path, infile: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        'pcm.fakemic { type file; slave.pcm "null"; file "/dev/null"; '
        f'infile "{infile}"; format "raw" }}\n',
        encoding="utf-8",
    )
    return home


def _run(home: Path, code: str, timeout: float = 60) -> dict:
    env = dict(os.environ, HOME=str(home), PYTHONPATH=str(REPO_ROOT), HRDESK_LANG="zh_CN")
    env.pop("ALSA_CONFIG_PATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=timeout
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no output; rc={proc.returncode} stderr={proc.stderr[-2000:]}"
    return json.loads(lines[-1])


def _raw_from_clip(tmp_path: Path, name: str) -> tuple[Path, np.ndarray]:
    with wave.open(str(clip(name))) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    raw = tmp_path / "mic.raw"
    raw.write_bytes(samples.tobytes())
    return raw, samples


def test_fake_microphone_delivers_the_file(tmp_path: Path) -> None:
    raw, samples = _raw_from_clip(tmp_path, "wenet_nst_ID001.wav")
    home = _fake_home(tmp_path, raw)
    out = tmp_path / "got.raw"
    code = f"""
import json, numpy as np
from app.speech.audio import list_input_devices, microphone_source
names = [d.name for d in list_input_devices()]
chunks = list(microphone_source("fakemic", max_seconds={len(samples)} / 16000))
x = np.concatenate([c.samples for c in chunks])
open({str(out)!r}, "wb").write(x.tobytes())
print(json.dumps({{"names": names, "n": len(x), "levels": [c.level for c in chunks],
                   "dtype": str(x.dtype), "starts": [c.start for c in chunks[:3]]}}))
"""
    res = _run(home, code)
    assert "fakemic" in res["names"]
    assert res["n"] == len(samples) and res["dtype"] == "int16"
    assert res["starts"] == pytest.approx([0.0, 0.1, 0.2])
    got = np.frombuffer(out.read_bytes(), dtype=np.int16)
    assert np.array_equal(got, samples)
    assert max(res["levels"]) > 0.3  # speech moves the level meter


def test_test_recording_reports_a_good_level(tmp_path: Path) -> None:
    raw, samples = _raw_from_clip(tmp_path, "masr_test.wav")
    home = _fake_home(tmp_path, raw)
    code = """
import json
from app.speech.audio import test_recording
r = test_recording("fakemic", seconds=5)
print(json.dumps({"seconds": r.duration, "peak": r.peak_db, "verdict": r.verdict}, ensure_ascii=False))
"""
    res = _run(home, code)
    assert res["seconds"] == pytest.approx(5.0)
    assert -30 < res["peak"] < 0
    assert res["verdict"] == "麦克风工作正常，音量合适。"


def test_missing_microphone_raises_a_clear_error(tmp_path: Path) -> None:
    raw, _ = _raw_from_clip(tmp_path, "wenet_nst_ID003.wav")
    home = _fake_home(tmp_path, raw)
    code = """
import json
from app.speech.audio import MicrophoneError, microphone_source
try:
    list(microphone_source("no-such-microphone", max_seconds=1))
    print(json.dumps({"error": None}))
except MicrophoneError as e:
    print(json.dumps({"error": e.message}, ensure_ascii=False))
"""
    res = _run(home, code)
    assert res["error"] and "麦克风" in res["error"]


def test_microphone_that_stops_delivering_raises_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "mic.fifo"
    os.mkfifo(fifo)
    home = _fake_home(tmp_path, fifo)
    code = f"""
import json, os, threading, time
def feed():
    # sound for 3 s in real time (PortAudio's device probes open and close the FIFO too), then
    # nothing while the device stays open: the microphone "stops delivering"
    fd = os.open({str(fifo)!r}, os.O_WRONLY)
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        try:
            os.write(fd, b"\\x10\\x00" * 1600)
        except BrokenPipeError:
            os.close(fd)
            fd = os.open({str(fifo)!r}, os.O_WRONLY)
        time.sleep(0.1)
    time.sleep(30)
threading.Thread(target=feed, daemon=True).start()
from app.speech.audio import MicrophoneError, microphone_source
got = 0
t0 = time.monotonic()
try:
    for c in microphone_source("fakemic", stall_timeout=1.5):
        got += len(c.samples)
    print(json.dumps({{"error": None}}))
except MicrophoneError as e:
    print(json.dumps({{"error": e.message, "got": got, "waited": time.monotonic() - t0}}, ensure_ascii=False), flush=True)
os._exit(0)
"""
    res = _run(home, code, timeout=60)
    assert res["error"] and "麦克风" in res["error"]
    assert res["got"] >= 1600  # what arrived before the stall was delivered
    assert res["waited"] < 20  # gave up instead of hanging
