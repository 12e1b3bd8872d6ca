"""Face present / absent on a real photo, with YuNet and with the Haar fallback."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.vision.face import FaceDetector


@pytest.fixture(scope="module")
def messi(video_dir: Path) -> np.ndarray:
    image = cv2.imread(str(video_dir / "messi5.jpg"))
    assert image is not None
    return image


@pytest.mark.needs_models
def test_photo_with_a_face_is_face_present(vision_models, messi: np.ndarray) -> None:
    from app.vision.analysis import FrameAnalyzer

    obs = FrameAnalyzer().analyze(messi)
    assert obs.face_present
    assert obs.face_box is not None
    x, y, w, h = obs.face_box
    assert 200 < x + w / 2 < 280 and 80 < y + h / 2 < 140  # the player's head


@pytest.mark.parametrize("part", ["no_face_strip", "face_blanked", "black"])
@pytest.mark.needs_models
def test_frame_without_a_face_is_not_face_present(vision_models, messi: np.ndarray, part: str) -> None:
    from app.vision.analysis import FrameAnalyzer

    if part == "no_face_strip":
        image = messi[:, :180].copy()
    elif part == "face_blanked":
        image = messi.copy()
        image[60:170, 190:300] = cv2.GaussianBlur(image, (0, 0), 25)[60:170, 190:300]
    else:
        image = np.zeros_like(messi)
    obs = FrameAnalyzer().analyze(image)
    assert not obs.face_present
    assert not obs.looking_at_camera and not obs.smiling and not obs.frowning
    assert obs.yaw_deg is None


def test_haar_fallback_when_yunet_is_missing(messi: np.ndarray, monkeypatch, tmp_path) -> None:
    from app import paths

    monkeypatch.setattr(paths, "models_dir_candidates", lambda: [tmp_path])  # an empty models folder
    det = FaceDetector()
    assert det.backend == "haar"
    boxes = det.detect(messi)
    assert boxes and 200 < boxes[0].center[0] < 280
    assert det.detect(np.zeros_like(messi)) == []


@pytest.mark.needs_models
def test_analyzer_reports_the_fallback_in_its_metadata(vision_models, messi: np.ndarray) -> None:
    from app.vision.analysis import FrameAnalyzer, SecondAggregator

    analyzer = FrameAnalyzer(detector=FaceDetector(prefer_yunet=False))
    agg = SecondAggregator(15.0)
    agg.add(analyzer.analyze(messi))
    agg.finish()
    assert analyzer.info.detector == "haar"
    assert agg.summary(analyzer.info).detector == "haar"
