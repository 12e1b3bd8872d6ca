from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import require_model, shared_data

CLIPS = (
    "LivePortrait_d3",
    "LivePortrait_d9",
    "SadTalker_WDA_AlexandriaOcasioCortez_000",
    "SadTalker_WDA_KatieHill_000",
)


@pytest.fixture(scope="session")
def vision_models() -> None:
    require_model("opencv/face_detection_yunet_2023mar.onnx")
    require_model("mediapipe/face_landmark.tflite")
    require_model("mediapipe/geometry_pipeline_metadata_landmarks.pbtxt")


@pytest.fixture(scope="session")
def video_dir() -> Path:
    return shared_data("media/video")


@pytest.fixture(scope="session")
def clip_results(vision_models: None, video_dir: Path) -> dict[str, tuple[object, dict[str, object]]]:
    """Every reference clip analysed once (the expensive part of this test area)."""
    from app.vision.analysis import analyze_video
    from app.vision.reference import compare, load_reference, reference_for

    out = {}
    for name in CLIPS:
        video = video_dir / f"{name}.mp4"
        result = analyze_video(video)
        out[name] = (result, compare(result.frames, load_reference(reference_for(video))))
    return out
