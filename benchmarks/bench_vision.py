"""Vision benchmark: speed of each stage on this machine and agreement with the reference clips.

    HRDESK_MODELS_DIR=../shared/models python -m benchmarks vision

Records: one ``vision.speed`` line per clip (ms/frame for YuNet detection, face-mesh landmarks,
head pose + expression, full analysis, the fps that full analysis sustains, ratio to the 15 fps live
target) and one ``vision.agreement`` line per clip (yaw/pitch MAE and the agreement on face present,
looking at the camera, smiling and frowning vs MediaPipe FaceLandmarker), plus per-second head-motion
agreement with the reference's ``head_speed_deg_per_s``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

LIVE_FPS = 15.0


def _shared_video_dir() -> Path:
    base = Path(os.environ.get("HRDESK_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
    return base / "data" / "media" / "video"


def _frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        out.append(image)
    cap.release()
    return out


def _ms(fn: Any, items: list[Any]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) * 1000.0 / max(1, len(items))


def _speed(clip: Path) -> dict[str, Any]:
    from app.vision import expression, headpose
    from app.vision.analysis import FrameAnalyzer
    from app.vision.face import FaceDetector, LandmarkModel, roi_from_box

    frames = _frames(clip)
    det = FaceDetector()
    lm = LandmarkModel()
    face = headpose.canonical_face()
    model = expression.expression_model()
    det_ms = _ms(det.detect, frames)
    rois = [roi_from_box(b[0]) for b in (det.detect(f) for f in frames[:60]) if b]
    pairs = list(zip(frames[:60], rois, strict=False))
    lm_ms = _ms(lambda p: lm.run(p[0], p[1]), pairs)
    meshes = [lm.run(f, r).points for f, r in pairs]
    h, w = frames[0].shape[:2]

    def pose_expr(points: np.ndarray) -> None:
        _pose, canon = headpose.estimate(points, w, h, face)
        feats = expression.geometry_features(canon)
        model.smile.score(feats)
        model.frown.score(feats)

    pose_ms = _ms(pose_expr, meshes)
    analyzer = FrameAnalyzer(fps=30.0)
    full_ms = _ms(analyzer.analyze, frames)
    analyzer2 = FrameAnalyzer(fps=30.0, landmark_stride=2)
    stride2_ms = _ms(analyzer2.analyze, frames)
    return {
        "benchmark": "vision.speed",
        "clip": clip.stem,
        "size": f"{w}x{h}",
        "frames": len(frames),
        "opencv_threads": cv2.getNumThreads(),
        "detect_ms": round(det_ms, 2),
        "landmarks_ms": round(lm_ms, 2),
        "pose_expression_ms": round(pose_ms, 2),
        "full_analysis_ms": round(full_ms, 2),
        "full_analysis_fps": round(1000.0 / full_ms, 1),
        "realtime_ratio_15fps": round((1000.0 / full_ms) / LIVE_FPS, 2),
        "stride2_analysis_ms": round(stride2_ms, 2),
    }


def _agreement(clip: Path) -> Iterator[dict[str, Any]]:
    from app.vision.analysis import analyze_video
    from app.vision.reference import compare, load_reference, reference_for

    ref = load_reference(reference_for(clip))
    result = analyze_video(clip)
    record = {"benchmark": "vision.agreement", **compare(result.frames, ref)}
    mine = {s.second: s.head_motion for s in result.seconds}
    pairs = [
        (mine[r["second"]], r["head_speed_deg_per_s"])
        for r in ref.seconds
        if r.get("head_speed_deg_per_s") and mine.get(r["second"]) is not None
    ]
    if len(pairs) >= 3:
        a, b = np.array(pairs).T
        record["head_motion_corr"] = round(float(np.corrcoef(a, b)[0, 1]), 3)
        record["head_motion_ratio"] = round(float(a.mean() / b.mean()), 3)
    record["smiles_per_minute"] = result.summary.smiles_per_minute
    yield record


def run() -> Iterable[dict[str, Any]]:
    clips = sorted(p for p in _shared_video_dir().glob("*.mp4"))
    if not clips:
        yield {"benchmark": "vision", "skipped": f"no clips in {_shared_video_dir()}"}
        return
    for clip in clips:
        yield _speed(clip)
    for clip in clips:
        yield from _agreement(clip)
