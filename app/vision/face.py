"""Face detection (YuNet, Haar fallback) and 468-point face landmarks (MediaPipe mesh via cv2.dnn).

- :class:`FaceDetector` finds faces. It uses the YuNet ONNX model from the models folder through
  ``cv2.FaceDetectorYN``; when that file is missing it falls back to OpenCV's bundled frontal-face
  Haar cascade (no eye keypoints, lower recall on turned heads) and says so in ``backend``.
- :class:`LandmarkModel` runs MediaPipe's ``face_landmark.tflite`` through ``cv2.dnn`` on a square,
  eye-aligned region of interest (:class:`Roi`) built the way MediaPipe builds it: from the detector's
  eye keypoints, or from the previous frame's landmarks when tracking.

Everything here is plain OpenCV/numpy; no frame is stored.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app import paths
from app.errors import AppError
from app.i18n import _

log = logging.getLogger(__name__)

YUNET_MODEL = "opencv/face_detection_yunet_2023mar.onnx"
LANDMARK_MODEL = "mediapipe/face_landmark.tflite"
HAAR_CASCADE = "haarcascade_frontalface_default.xml"

LANDMARK_INPUT = 192
"""face_landmark.tflite takes a 192x192 RGB crop."""

ROI_SCALE_FROM_DETECTION = 1.5
"""Side of the landmark crop relative to the detector box (measured: see bench_vision / README)."""
ROI_SCALE_FROM_LANDMARKS = 1.5
"""Side of the landmark crop relative to the previous landmarks' extent (MediaPipe uses 1.5)."""

RIGHT_EYE_OUTER = 33  # subject's right eye, image left
LEFT_EYE_OUTER = 263


class ModelMissing(AppError):
    """A model file the vision pipeline needs is not in the models folder."""


@dataclass(frozen=True)
class FaceBox:
    """One detected face in image pixels. ``eyes`` is ((right_x, right_y), (left_x, left_y)) — the
    subject's right eye first (image left) — or None when the detector gives no keypoints (Haar)."""

    x: float
    y: float
    w: float
    h: float
    score: float
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def area(self) -> float:
        return self.w * self.h

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)


@dataclass(frozen=True)
class Roi:
    """A rotated square in the image: centre, side (px) and rotation (radians, image coordinates)."""

    cx: float
    cy: float
    size: float
    angle: float

    def crop_to_image(self, out: int = LANDMARK_INPUT) -> np.ndarray:
        """2x3 affine mapping crop pixels (0..out) to image pixels."""
        k = self.size / out
        c, s = math.cos(self.angle) * k, math.sin(self.angle) * k
        half = out / 2.0
        tx = self.cx - (c * half - s * half)
        ty = self.cy - (s * half + c * half)
        return np.array([[c, -s, tx], [s, c, ty]], dtype=np.float64)


def roi_from_box(box: FaceBox, scale: float = ROI_SCALE_FROM_DETECTION) -> Roi:
    """MediaPipe-style ROI: square around the box, rotated so the eyes are level (when known)."""
    angle = 0.0
    if box.eyes is not None:
        (rx, ry), (lx, ly) = box.eyes
        angle = math.atan2(ly - ry, lx - rx)
    cx, cy = box.center
    return Roi(cx, cy, max(box.w, box.h) * scale, angle)


def roi_from_landmarks(points: np.ndarray, scale: float = ROI_SCALE_FROM_LANDMARKS) -> Roi:
    """ROI for the next frame from this frame's landmarks (image px): eye-aligned bounding square."""
    xy = points[:, :2]
    d = xy[LEFT_EYE_OUTER] - xy[RIGHT_EYE_OUTER]
    angle = math.atan2(float(d[1]), float(d[0]))
    c, s = math.cos(angle), math.sin(angle)
    # bounding box in the eye-aligned frame
    rot = np.array([[c, s], [-s, c]])
    local = xy @ rot.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    mid_local = (lo + hi) / 2.0
    mid = mid_local @ rot  # back to image frame
    side = float(max(hi - lo)) * scale
    return Roi(float(mid[0]), float(mid[1]), side, angle)


def _model_path(relative: str) -> Path | None:
    return paths.find_model(relative)


class FaceDetector:
    """Face detector: YuNet when its model is available, otherwise OpenCV's Haar cascade.

    ``max_side`` downsizes the frame before detection (YuNet cost grows with the pixel count; a face
    in an interview frame is large, so 320 px is plenty).
    """

    def __init__(self, *, prefer_yunet: bool = True, max_side: int = 320, score_threshold: float = 0.6) -> None:
        self.max_side = max_side
        self.score_threshold = score_threshold
        self._yunet: cv2.FaceDetectorYN | None = None
        self._haar: cv2.CascadeClassifier | None = None
        self._yunet_size: tuple[int, int] = (0, 0)
        model = _model_path(YUNET_MODEL) if prefer_yunet else None
        if model is not None:
            self._yunet = cv2.FaceDetectorYN.create(str(model), "", (320, 320), score_threshold, 0.3, 50)
            self.backend = "yunet"
        else:
            cascade = Path(cv2.data.haarcascades) / HAAR_CASCADE  # type: ignore[attr-defined]
            haar = cv2.CascadeClassifier(str(cascade))
            if haar.empty():
                raise ModelMissing(
                    _("No face detector is available: neither {model} nor OpenCV's Haar cascade was found.").format(
                        model=YUNET_MODEL
                    )
                )
            self._haar = haar
            self.backend = "haar"
            if prefer_yunet:
                log.warning("YuNet model not found; using the Haar cascade fallback")

    def detect(self, frame: np.ndarray) -> list[FaceBox]:
        """Faces in a BGR frame, largest first, in the frame's pixel coordinates."""
        h, w = frame.shape[:2]
        f = min(1.0, self.max_side / max(h, w))
        small = frame if f >= 1.0 else cv2.resize(frame, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
        sh, sw = small.shape[:2]
        boxes: list[FaceBox] = []
        if self._yunet is not None:
            if self._yunet_size != (sw, sh):
                self._yunet.setInputSize((sw, sh))
                self._yunet_size = (sw, sh)
            _, faces = self._yunet.detect(small)
            if faces is not None:
                for row in faces:
                    x, y, bw, bh = (float(v) / f for v in row[:4])
                    eyes = ((float(row[4]) / f, float(row[5]) / f), (float(row[6]) / f, float(row[7]) / f))
                    boxes.append(FaceBox(x, y, bw, bh, float(row[14]), eyes))
        else:
            assert self._haar is not None
            gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
            gray = cv2.equalizeHist(gray)
            found = self._haar.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
            for x, y, bw, bh in found if len(found) else []:
                boxes.append(FaceBox(x / f, y / f, bw / f, bh / f, 1.0, None))
        boxes.sort(key=lambda b: b.area, reverse=True)
        return boxes


@dataclass(frozen=True)
class Landmarks:
    """468 points (x, y, z) in image pixels (z: depth in the same pixel scale, negative = nearer the
    camera, as MediaPipe) and the model's face-presence probability."""

    points: np.ndarray
    presence: float
    roi: Roi


class LandmarkModel:
    """MediaPipe face mesh (``face_landmark.tflite``) run by OpenCV DNN."""

    def __init__(self, model: Path | None = None) -> None:
        path = model or _model_path(LANDMARK_MODEL)
        if path is None:
            raise ModelMissing(
                _("Model file not found: {model}. Copy the models folder next to the program.").format(
                    model=LANDMARK_MODEL
                )
            )
        self.net = cv2.dnn.readNetFromTFLite(str(path))
        self._out_names = ["conv2d_21", "conv2d_31"]

    def crop(self, frame: np.ndarray, roi: Roi) -> np.ndarray:
        m = roi.crop_to_image()
        return cv2.warpAffine(
            frame,
            m,
            (LANDMARK_INPUT, LANDMARK_INPUT),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
        )

    def run(self, frame: np.ndarray, roi: Roi) -> Landmarks:
        crop = self.crop(frame, roi)
        blob = cv2.dnn.blobFromImage(crop, 1.0 / 255.0, (LANDMARK_INPUT, LANDMARK_INPUT), swapRB=True)
        self.net.setInput(blob)
        mesh, presence = self.net.forward(self._out_names)
        pts = mesh.reshape(468, 3).astype(np.float64)
        m = roi.crop_to_image()
        xy = pts[:, :2] @ m[:, :2].T + m[:, 2]
        z = pts[:, 2] * (roi.size / LANDMARK_INPUT)
        logit = float(presence.reshape(-1)[0])
        prob = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
        return Landmarks(np.column_stack([xy, z]), prob, roi)
