"""Reader for the per-frame reference files (``<clip>.reference.jsonl``, MediaPipe FaceLandmarker).

Used by calibration, tests and benchmarks only — never at runtime. A file holds one ``meta`` line, then
``frame`` rows and ``second`` rows (see the meta line's ``rules``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ReferenceFrame:
    frame: int
    face_present: bool
    yaw_deg: float | None
    pitch_deg: float | None
    looking_at_camera: bool
    smile: float | None
    frown: float | None
    smiling: bool
    frowning: bool


@dataclass(frozen=True)
class Reference:
    clip: str
    fps: float
    meta: dict[str, Any]
    frames: list[ReferenceFrame]
    seconds: list[dict[str, Any]]


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def load_reference(path: Path) -> Reference:
    meta: dict[str, Any] = {}
    frames: list[ReferenceFrame] = []
    seconds: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            kind = row.get("type")
            if kind == "meta":
                meta = row
            elif kind == "frame":
                frames.append(
                    ReferenceFrame(
                        frame=int(row["frame"]),
                        face_present=bool(row["face_present"]),
                        yaw_deg=_opt(row.get("yaw_deg")),
                        pitch_deg=_opt(row.get("pitch_deg")),
                        looking_at_camera=bool(row.get("looking_at_camera", False)),
                        smile=_opt(row.get("smile")),
                        frown=_opt(row.get("frown")),
                        smiling=bool(row.get("smiling", False)),
                        frowning=bool(row.get("frowning", False)),
                    )
                )
            elif kind == "second":
                seconds.append(row)
    frames.sort(key=lambda f: f.frame)
    return Reference(str(meta.get("clip", Path(path).stem)), float(meta.get("fps", 0.0)), meta, frames, seconds)


def reference_for(video: Path) -> Path:
    """``clip.mp4`` -> ``clip.reference.jsonl`` beside it."""
    return video.with_name(video.stem + ".reference.jsonl")


def _agreement(a: list[bool], b: list[bool]) -> float:
    return round(100.0 * sum(x == y for x, y in zip(a, b, strict=True)) / len(a), 1) if a else 0.0


def _f1(pred: list[bool], truth: list[bool]) -> float | None:
    tp = sum(p and t for p, t in zip(pred, truth, strict=True))
    fp = sum(p and not t for p, t in zip(pred, truth, strict=True))
    fn = sum(t and not p for p, t in zip(pred, truth, strict=True))
    return None if tp + fp + fn == 0 else round(2 * tp / (2 * tp + fp + fn), 3)


def compare(observations: list[Any], ref: Reference) -> dict[str, Any]:
    """Agreement of per-frame observations (``FrameObservation``-like) with a reference clip.

    Yaw/pitch errors are over frames where both see a face; the boolean agreements are over all frames
    of the reference (no face = not looking/smiling/frowning, as in the reference rules).
    """
    by_index = {o.index: o for o in observations}
    yaw_err: list[float] = []
    pitch_err: list[float] = []
    pairs: dict[str, tuple[list[bool], list[bool]]] = {k: ([], []) for k in ("face", "look", "smile", "frown")}
    for r in ref.frames:
        o = by_index.get(r.frame)
        if o is None:
            continue
        for key, mine, theirs in (
            ("face", o.face_present, r.face_present),
            ("look", o.looking_at_camera, r.looking_at_camera),
            ("smile", o.smiling, r.smiling),
            ("frown", o.frowning, r.frowning),
        ):
            pairs[key][0].append(bool(mine))
            pairs[key][1].append(bool(theirs))
        if o.face_present and r.face_present and o.yaw_deg is not None and r.yaw_deg is not None:
            yaw_err.append(abs(o.yaw_deg - r.yaw_deg))
            assert r.pitch_deg is not None and o.pitch_deg is not None
            pitch_err.append(abs(o.pitch_deg - r.pitch_deg))
    n = len(pairs["face"][0])
    return {
        "clip": ref.clip,
        "frames_compared": n,
        "yaw_mae_deg": round(sum(yaw_err) / len(yaw_err), 2) if yaw_err else None,
        "pitch_mae_deg": round(sum(pitch_err) / len(pitch_err), 2) if pitch_err else None,
        "face_present_agreement_pct": _agreement(*pairs["face"]),
        "looking_agreement_pct": _agreement(*pairs["look"]),
        "smiling_agreement_pct": _agreement(*pairs["smile"]),
        "smiling_f1": _f1(*pairs["smile"]),
        "frowning_agreement_pct": _agreement(*pairs["frown"]),
        "frowning_f1": _f1(*pairs["frown"]),
        "ref_pct_looking": _agreement(pairs["look"][1], [True] * n),
        "ref_pct_smiling": _agreement(pairs["smile"][1], [True] * n),
        "ref_pct_frowning": _agreement(pairs["frown"][1], [True] * n),
    }
