"""Smile and frown scores from face-mesh geometry.

Features are measured on the landmarks in the canonical face frame (head pose and size removed,
see :func:`app.vision.headpose.estimate`) and divided by the face's own inter-ocular distance, so
they do not depend on how far or how turned the head is. Each score is a logistic model of a few
features, fitted (``python -m app.vision.calibrate``) to MediaPipe's blendshape scores in the
reference clips (``mouthSmileLeft/Right``, ``browDownLeft/Right``); the coefficients and the decision
thresholds ship in ``resources/vision/expression_model.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from app import paths
from app.errors import AppError
from app.i18n import _

MODEL_RESOURCE = ("vision", "expression_model.json")

# MediaPipe face-mesh indices (subject's right side = image left)
EYE_OUTER = (33, 263)
EYE_INNER = (133, 362)
UPPER_LID = (159, 386)
MOUTH_CORNER = (61, 291)
LIP_INNER_TOP, LIP_INNER_BOTTOM = 13, 14
LIP_OUTER_TOP, LIP_OUTER_BOTTOM = 0, 17
NOSE_TIP = 1
BROW_UPPER = ((70, 63, 105, 66, 107), (300, 293, 334, 296, 336))
BROW_LOWER = ((46, 53, 52, 65, 55), (276, 283, 282, 295, 285))
BROW_INNER = (55, 285)

SMILE_FEATURES = ("mouth_width", "corner_lift", "corner_to_nose", "mouth_open", "lip_thickness")
FROWN_FEATURES = ("brow_eye_gap", "inner_brow_eye_gap", "inner_brow_distance", "brow_height_inner_outer")
FEATURES = SMILE_FEATURES + FROWN_FEATURES


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def geometry_features(canonical: np.ndarray) -> dict[str, float]:
    """Expression geometry of one face, landmarks in the canonical frame (x right, y up)."""
    p = canonical
    iod = _dist(p[EYE_OUTER[0]], p[EYE_OUTER[1]]) or 1e-6
    corners = p[list(MOUTH_CORNER)]
    lip_mid_y = (p[LIP_INNER_TOP, 1] + p[LIP_INNER_BOTTOM, 1]) / 2.0
    brow_y = np.array([p[list(BROW_LOWER[s]), 1].mean() for s in (0, 1)])
    lids = p[list(UPPER_LID), 1]
    inner_brow_y = p[list(BROW_INNER), 1]
    inner_eye_y = p[list(EYE_INNER), 1]
    outer_brow_y = np.array([p[BROW_UPPER[0][0], 1], p[BROW_UPPER[1][0], 1]])
    return {
        "mouth_width": _dist(corners[0], corners[1]) / iod,
        "corner_lift": float(corners[:, 1].mean() - lip_mid_y) / iod,
        "corner_to_nose": float(p[NOSE_TIP, 1] - corners[:, 1].mean()) / iod,
        "mouth_open": _dist(p[LIP_INNER_TOP], p[LIP_INNER_BOTTOM]) / iod,
        "lip_thickness": _dist(p[LIP_OUTER_TOP], p[LIP_OUTER_BOTTOM]) / iod,
        "brow_eye_gap": float((brow_y - lids).mean()) / iod,
        "inner_brow_eye_gap": float((inner_brow_y - inner_eye_y).mean()) / iod,
        "inner_brow_distance": _dist(p[BROW_INNER[0]], p[BROW_INNER[1]]) / iod,
        "brow_height_inner_outer": float((inner_brow_y - outer_brow_y).mean()) / iod,
    }


@dataclass(frozen=True)
class LogisticScore:
    """score = sigmoid(bias + sum coef_i * (x_i - mean_i) / std_i); ``threshold`` decides yes/no."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float
    threshold: float

    def score(self, feats: dict[str, float]) -> float:
        z = self.bias
        for name, m, s, c in zip(self.features, self.mean, self.std, self.coef, strict=True):
            z += c * (feats[name] - m) / s
        z = max(-50.0, min(50.0, z))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "std": list(self.std),
            "coef": list(self.coef),
            "bias": self.bias,
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LogisticScore:
        return cls(
            tuple(d["features"]),
            tuple(float(v) for v in d["mean"]),
            tuple(float(v) for v in d["std"]),
            tuple(float(v) for v in d["coef"]),
            float(d["bias"]),
            float(d["threshold"]),
        )


@dataclass(frozen=True)
class ExpressionModel:
    smile: LogisticScore
    frown: LogisticScore
    info: dict[str, Any]


@lru_cache(maxsize=4)
def _load(path: Path) -> ExpressionModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ExpressionModel(
        LogisticScore.from_json(data["smile"]), LogisticScore.from_json(data["frown"]), dict(data.get("info", {}))
    )


def expression_model(path: Path | None = None) -> ExpressionModel:
    path = path or paths.resource(*MODEL_RESOURCE)
    if not path.exists():
        raise AppError(
            _("The expression model file is missing: {path}. Reinstall the program.").format(path=path)
        )
    return _load(path)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, iterations: int = 500
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Logistic regression with soft targets y in [0, 1] (cross-entropy, L2), by Newton's method.

    Returns (mean, std, coef, bias) on standardised features.
    """
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-9] = 1.0
    z = (x - mean) / std
    a = np.column_stack([z, np.ones(len(z))])
    w = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 0.0
    for _i in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -50, 50)))
        grad = a.T @ (p - y) / len(y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a / len(y) + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return mean, std, w[:-1], float(w[-1])
