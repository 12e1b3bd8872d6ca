"""Frame sources and the segmented recorder, on real files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.errors import InvalidInput
from app.tasks import CancelToken
from app.vision.capture import (
    CameraError,
    SegmentedVideoWriter,
    frames_from_camera,
    frames_from_file,
    join_segments,
    list_segments,
    video_info,
)
from tests.support import REPO_ROOT


def test_file_frames_have_index_time_and_match_the_container(video_dir: Path) -> None:
    video = video_dir / "SadTalker_WDA_KatieHill_000.mp4"
    info = video_info(video)
    assert info.fps == pytest.approx(25.0) and (info.width, info.height) == (512, 512)
    frames = list(frames_from_file(video))
    assert len(frames) == info.frame_count == 200
    assert [f.index for f in frames[:3]] == [0, 1, 2]
    assert frames[50].time_s == pytest.approx(2.0)
    assert frames[0].image.shape == (512, 512, 3)


def test_paced_reading_follows_the_frame_rate(video_dir: Path) -> None:
    video = video_dir / "SadTalker_WDA_KatieHill_000.mp4"
    start = time.monotonic()
    n = 0
    for frame in frames_from_file(video, paced=True):
        n += 1
        if frame.index == 10:
            break
    # 10 frame intervals at 25 fps = 0.4 s; only a lower bound (no upper timing assertion)
    assert n == 11 and time.monotonic() - start >= 0.39


def test_cancel_stops_reading(video_dir: Path) -> None:
    from app.errors import Cancelled

    token = CancelToken()
    gen = frames_from_file(video_dir / "LivePortrait_d3.mp4", cancel=token)
    next(gen)
    token.cancel()
    with pytest.raises(Cancelled):
        next(gen)


def test_missing_or_bad_video_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        video_info(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(InvalidInput):
        list(frames_from_file(bad))


def test_missing_camera_raises_camera_error_quickly() -> None:
    start = time.monotonic()
    with pytest.raises(CameraError) as exc:
        next(frames_from_camera(97))  # no machine has a camera at index 97
    assert "97" in exc.value.message
    assert time.monotonic() - start < 30  # bounded by the open timeout, never a hang


def _test_frames(n: int) -> list[np.ndarray]:
    out = []
    for i in range(n):
        image = np.random.default_rng(i).integers(0, 255, (120, 160, 3), dtype=np.uint8)
        cv2.putText(image, str(i), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
        out.append(image)
    return out


def test_segmented_writer_splits_lists_and_joins(tmp_path: Path) -> None:
    frames = _test_frames(50)
    with SegmentedVideoWriter(tmp_path, "rec", fps=10.0, segment_seconds=2.0) as writer:
        for image in frames:
            writer.write(image)
    segs = list_segments(tmp_path, "rec")
    assert [p.name for p in segs] == ["rec_0001.avi", "rec_0002.avi", "rec_0003.avi"]
    counts = [sum(1 for _ in frames_from_file(p)) for p in segs]
    assert counts == [20, 20, 10]
    joined = tmp_path / "joined.avi"
    assert join_segments(segs, joined) == 50
    assert video_info(joined).frame_count == 50
    # a second recording with the same stem continues the numbering instead of overwriting
    with SegmentedVideoWriter(tmp_path, "rec", fps=10.0, segment_seconds=2.0) as writer:
        writer.write(frames[0])
    assert list_segments(tmp_path, "rec")[-1].name == "rec_0004.avi"


def test_killed_recording_keeps_closed_segments_and_most_of_the_open_one(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        import numpy as np
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from app.vision.capture import SegmentedVideoWriter
        w = SegmentedVideoWriter({str(tmp_path)!r}, "crash", fps=10.0, segment_seconds=20.0)
        for i in range(300):
            w.write(np.random.default_rng(i).integers(0, 255, (240, 320, 3), dtype=np.uint8))
        os._exit(0)  # killed: no close, no flush
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    segs = list_segments(tmp_path, "crash")
    assert len(segs) == 2  # 200 frames closed + 100 in the open segment
    recovered = join_segments(segs, tmp_path / "recovered.avi")
    assert 250 <= recovered <= 300


def test_join_without_segments_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        join_segments([], tmp_path / "x.avi")
