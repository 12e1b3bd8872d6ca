"""``python -m app analyze-video`` through app.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

SECOND_KEYS = {
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
SUMMARY_KEYS = {
    "pct_face_present",
    "pct_looking_at_camera",
    "pct_smiling",
    "pct_frowning",
    "smiles_per_minute",
    "head_motion",
    "body_motion",
}


@pytest.mark.slow
@pytest.mark.needs_models
def test_analyze_video_json(vision_models, video_dir: Path, capsys) -> None:
    assert main(["analyze-video", str(video_dir / "SadTalker_WDA_KatieHill_000.mp4"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"summary", "seconds"}
    assert SUMMARY_KEYS <= set(data["summary"])
    assert data["summary"]["detector"] == "yunet"
    seconds = data["seconds"]
    assert [s["second"] for s in seconds] == list(range(8))  # 200 frames at 25 fps
    for s in seconds:
        assert set(s) == SECOND_KEYS
        for key in ("pct_face_present", "pct_looking_at_camera", "pct_smiling", "pct_frowning"):
            assert 0 <= s[key] <= 100
    assert data["summary"]["pct_face_present"] == 100.0
    assert 0 < data["summary"]["pct_looking_at_camera"] < 100  # this clip looks away at times


@pytest.mark.needs_models
def test_analyze_video_text_is_chinese_by_default(vision_models, video_dir: Path, capsys) -> None:
    from app.i18n import set_language

    set_language("zh_CN")
    assert main(["analyze-video", str(video_dir / "SadTalker_WDA_KatieHill_000.mp4"), "--landmark-stride", "3"]) == 0
    out = capsys.readouterr().out
    assert "注视镜头" in out and "微笑" in out


def test_missing_file_exits_2_with_a_message(tmp_path: Path, capsys) -> None:
    assert main(["analyze-video", str(tmp_path / "none.mp4"), "--json"]) == 2
    assert "none.mp4" in capsys.readouterr().err


def test_bad_stride_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["analyze-video", str(tmp_path / "none.mp4"), "--landmark-stride", "0"]) == 2
