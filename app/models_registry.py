"""Which offline models the app can use, and where it found them.

The list here is what the app looks for; ``models/MANIFEST.toml`` (packaging issue) adds where a
hospital obtains each file and its licence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.i18n import N_, _


@dataclass(frozen=True)
class ModelSpec:
    key: str
    label: str  # msgid, translated where shown
    candidates: tuple[str, ...]  # relative paths tried in order (globs allowed)
    purpose: str  # msgid
    required_for_core: bool = False


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "whisper",
        N_("Whisper speech model"),
        ("faster-whisper-medium", "faster-whisper-small", "faster-whisper-base"),
        N_("accurate Mandarin transcription"),
    ),
    ModelSpec(
        "vosk",
        N_("Vosk Chinese speech model"),
        ("vosk/vosk-model-cn-0.22", "vosk/vosk-model-small-cn-0.22", "vosk-model-cn-0.22", "vosk-model-small-cn-0.22"),
        N_("streaming live transcription"),
    ),
    ModelSpec(
        "speaker",
        N_("Vosk speaker model"),
        ("vosk-model-spk-0.4", "vosk/vosk-model-spk-0.4"),
        N_("telling interviewer and candidate apart"),
    ),
    ModelSpec(
        "face_detector",
        N_("YuNet face detector"),
        ("opencv/face_detection_yunet_2023mar.onnx",),
        N_("face detection (falls back to OpenCV's Haar cascade)"),
    ),
    ModelSpec(
        "face_landmarks",
        N_("Face landmark model"),
        ("mediapipe/face_landmark.tflite",),
        N_("head pose and expression"),
    ),
)


@dataclass(frozen=True)
class ModelStatus:
    key: str
    label: str
    purpose: str
    path: Path | None

    @property
    def found(self) -> bool:
        return self.path is not None


def _find(spec: ModelSpec) -> Path | None:
    for rel in spec.candidates:
        found = paths.find_model(rel)
        if found is not None:
            return found
    return None


def status() -> list[ModelStatus]:
    return [ModelStatus(s.key, _(s.label), _(s.purpose), _find(s)) for s in SPECS]


def summary_text(statuses: list[ModelStatus] | None = None) -> str:
    statuses = statuses if statuses is not None else status()
    found = [s.label for s in statuses if s.found]
    missing = [s.label for s in statuses if not s.found]
    if not missing:
        return _("All models found")
    if not found:
        return _("No models found; see Help > About")
    return _("Models: {found} found, {missing} missing").format(found=len(found), missing=len(missing))
