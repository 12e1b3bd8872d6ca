"""Per-second aggregation rules on hand-made observations."""

from __future__ import annotations

import pytest

from app.vision.analysis import FrameObservation, SecondAggregator


def _obs(i: int, *, face: bool = True, look: bool = True, smile: bool = False, speed: float | None = None) -> FrameObservation:
    return FrameObservation(
        index=i,
        time_s=i / 10,
        face_present=face,
        yaw_deg=5.0 if face else None,
        pitch_deg=-2.0 if face else None,
        looking_at_camera=face and look,
        smiling=face and smile,
        head_speed_deg_s=speed,
        body_motion=0.1,
    )


def test_second_is_floor_of_index_over_fps_and_no_face_counts_as_not_looking() -> None:
    agg = SecondAggregator(fps=2.5)  # fractional fps: seconds hold 3, 2, 3, 2 ... frames
    done = []
    for i in range(10):
        row = agg.add(_obs(i, face=i % 2 == 0))
        if row:
            done.append(row)
    last = agg.finish()
    assert last is not None
    rows = agg.seconds
    assert [r.second for r in rows] == [0, 1, 2, 3]
    assert [r.frames for r in rows] == [3, 2, 3, 2]
    assert rows[0].pct_face_present == pytest.approx(66.7)
    assert rows[0].pct_looking_at_camera == pytest.approx(66.7)
    assert rows[1].mean_yaw_deg == 5.0
    assert set(rows[0].to_json()) == {
        "second",
        "pct_face_present",
        "pct_looking_at_camera",
        "pct_smiling",
        "pct_frowning",
        "mean_yaw_deg",
        "mean_pitch_deg",
        "head_motion",
        "body_motion",
    }


def test_flickering_smile_counts_once_and_rate_is_per_minute() -> None:
    agg = SecondAggregator(fps=10)
    pattern = [False] * 10 + [True, True, True, False, True, True, False, True] + [False] * 20 + [True] * 5 + [False] * 7
    for i, s in enumerate(pattern):
        agg.add(_obs(i, smile=s))
    agg.finish()
    assert agg.smile_count == 2
    summary = agg.summary()
    assert summary.duration_s == pytest.approx(5.0)  # 50 frames at 10 fps
    assert summary.smiles_per_minute == pytest.approx(24.0)


def test_a_single_smiling_frame_is_not_a_smile() -> None:
    agg = SecondAggregator(fps=10)
    for i, s in enumerate([False, True, False, False, False]):
        agg.add(_obs(i, smile=s))
    assert agg.smile_count == 0
    assert agg.summary().pct_smiling == pytest.approx(20.0)


def test_head_motion_is_the_mean_of_known_speeds() -> None:
    agg = SecondAggregator(fps=4)
    for i, sp in enumerate([None, 10.0, 30.0, None]):
        agg.add(_obs(i, speed=sp))
    agg.finish()
    assert agg.seconds[0].head_motion == pytest.approx(20.0)
    assert agg.summary().head_motion == pytest.approx(20.0)
