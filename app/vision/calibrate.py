"""Developer tool: fit the smile/frown scores to the reference clips and write
``resources/vision/expression_model.json``.

    HRDESK_MODELS_DIR=../shared/models python -m app.vision.calibrate ../shared/data/media/video

Each clip's frames go through the real :class:`~app.vision.analysis.FrameAnalyzer` pipeline (same
crop, tracking and head pose as at runtime); targets are MediaPipe's blendshape means
(``smile = mean(mouthSmileLeft, mouthSmileRight)``, ``frown = mean(browDownLeft, browDownRight)``).
A logistic model with soft targets maps the geometry to a 0-1 score. The smile threshold is chosen on
leave-one-clip-out predictions (each clip scored by a model that never saw it) and those held-out
figures are written into the file's ``info``; the final coefficients use all clips. Frowning only
occurs clearly in one clip, so the frown model cannot be validated on an unseen clip; its
threshold is the best in-sample F1 and ``info`` says so. Never used at runtime.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from app import paths
from app.vision import expression
from app.vision.capture import frames_from_file, video_info
from app.vision.reference import load_reference, reference_for

log = logging.getLogger(__name__)

SMILE_FEATURES = ("mouth_width", "corner_lift", "mouth_open")
FROWN_FEATURES = ("inner_brow_distance", "brow_height_inner_outer", "brow_eye_gap", "inner_brow_eye_gap")
L2 = 1e-2


def _neutral_model() -> expression.ExpressionModel:
    zero = expression.LogisticScore(("mouth_width",), (0.0,), (1.0,), (0.0,), 0.0, 0.5)
    return expression.ExpressionModel(zero, zero, {})


def clip_features(video: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Feature matrix and (smile, frown) targets for frames where both sides see a face."""
    from app.vision.analysis import FrameAnalyzer

    ref = load_reference(reference_for(video))
    by_frame = {f.frame: f for f in ref.frames}
    analyzer = FrameAnalyzer(fps=video_info(video).fps, expressions=_neutral_model())
    names = list(expression.FEATURES)
    rows, smile, frown = [], [], []
    for frame in frames_from_file(video):
        feats = analyzer.features(frame.image)
        r = by_frame.get(frame.index)
        if feats is None or r is None or not r.face_present or r.smile is None or r.frown is None:
            continue
        rows.append([feats[n] for n in names])
        smile.append(r.smile)
        frown.append(r.frown)
    return np.array(rows), np.array(smile), np.array(frown), names


def _score(x: np.ndarray, fit: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> np.ndarray:
    mean, std, coef, bias = fit
    z = np.clip(((x - mean) / std) @ coef + bias, -50, 50)
    return 1.0 / (1.0 + np.exp(-z))


def f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    return 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else 1.0


def _to_score(names: list[str], feats: tuple[str, ...], fit: Any, threshold: float) -> expression.LogisticScore:
    mean, std, coef, bias = fit
    return expression.LogisticScore(
        feats,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in std),
        tuple(round(float(v), 6) for v in coef),
        round(float(bias), 6),
        round(float(threshold), 3),
    )


def calibrate(videos: list[Path]) -> dict[str, Any]:
    data = {v.stem: clip_features(v) for v in videos}
    names = next(iter(data.values()))[3]
    si = [names.index(f) for f in SMILE_FEATURES]
    fi = [names.index(f) for f in FROWN_FEATURES]

    # leave-one-clip-out smile scores
    held_scores: dict[str, np.ndarray] = {}
    for held in data:
        train = [c for c in data if c != held]
        x = np.vstack([data[c][0][:, si] for c in train])
        y = np.concatenate([data[c][1] for c in train])
        held_scores[held] = _score(data[held][0][:, si], expression.fit_logistic(x, y, l2=L2))
    pooled_s = np.concatenate([held_scores[c] for c in data])
    pooled_t = np.concatenate([data[c][1] for c in data]) > 0.5
    grid = np.round(np.arange(0.20, 0.81, 0.02), 2)
    best = max(grid, key=lambda th: (f1(pooled_s >= th, pooled_t), -abs(th - 0.5)))
    held_out = {
        c: {
            "frames": int(len(held_scores[c])),
            "agreement_pct": round(100 * float(np.mean((held_scores[c] >= best) == (data[c][1] > 0.5))), 1),
            "ref_smiling_pct": round(100 * float(np.mean(data[c][1] > 0.5)), 1),
            "pred_smiling_pct": round(100 * float(np.mean(held_scores[c] >= best)), 1),
            "score_mae": round(float(np.mean(np.abs(held_scores[c] - data[c][1]))), 3),
        }
        for c in data
    }

    x_all = np.vstack([data[c][0] for c in data])
    smile_fit = expression.fit_logistic(x_all[:, si], np.concatenate([data[c][1] for c in data]), l2=L2)
    frown_t = np.concatenate([data[c][2] for c in data])
    frown_fit = expression.fit_logistic(x_all[:, fi], frown_t, l2=L2)
    frown_s = _score(x_all[:, fi], frown_fit)
    frown_th = max(grid, key=lambda th: (f1(frown_s >= th, frown_t > 0.5), -abs(th - 0.5)))
    frown_in_sample = {
        c: round(100 * float(np.mean((_score(data[c][0][:, fi], frown_fit) >= frown_th) == (data[c][2] > 0.5))), 1)
        for c in data
    }
    return {
        "smile": _to_score(names, SMILE_FEATURES, smile_fit, float(best)).to_json(),
        "frown": _to_score(names, FROWN_FEATURES, frown_fit, float(frown_th)).to_json(),
        "info": {
            "fitted_on": sorted(data),
            "frames": int(len(x_all)),
            "targets": "MediaPipe FaceLandmarker 0.10.21 blendshapes (reference.jsonl)",
            "smile_threshold_from": "best pooled F1 of leave-one-clip-out scores",
            "smile_leave_one_clip_out": held_out,
            "smile_leave_one_clip_out_f1": round(f1(pooled_s >= best, pooled_t), 3),
            "frown_threshold_from": "best pooled F1 in sample (no held-out frowning clip exists)",
            "frown_agreement_in_sample_pct": frown_in_sample,
            "frown_in_sample_f1": round(f1(frown_s >= frown_th, frown_t > 0.5), 3),
            "frown_note": "only one clip frowns clearly; frown is NOT validated on unseen faces",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video_dir", type=Path)
    parser.add_argument("--out", type=Path, default=paths.resource(*expression.MODEL_RESOURCE))
    args = parser.parse_args(argv)
    videos = sorted(p for p in args.video_dir.glob("*.mp4") if reference_for(p).exists())
    result = calibrate(videos)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result["info"], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
