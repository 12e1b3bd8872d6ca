"""Vision commands: ``analyze-video FILE`` (non-verbal observations per second) and ``cameras``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import add_json_argument, print_json
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "analyze-video",
        help=_("analyse a video: face present, looking at the camera, smiles, frowns and motion per second"),
    )
    p.add_argument("file", metavar="FILE", type=Path, help=_("video file (MP4 or AVI)"))
    p.add_argument(
        "--landmark-stride",
        type=int,
        default=1,
        metavar="N",
        help=_("run the face mesh on every N-th frame only (default 1: every frame)"),
    )
    add_json_argument(p)
    p.set_defaults(func=_analyze_video)

    p = sub.add_parser("cameras", help=_("list the cameras that deliver pictures"))
    add_json_argument(p)
    p.set_defaults(func=_cameras)


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return "-" if value is None else pattern.format(value)


def _analyze_video(args: argparse.Namespace) -> int:
    from app.errors import InvalidInput
    from app.vision.analysis import analyze_video

    if args.landmark_stride < 1:
        raise InvalidInput(_("--landmark-stride must be 1 or more."))
    result = analyze_video(args.file, landmark_stride=args.landmark_stride)
    if args.json:
        print_json(result.to_json())
        return 0
    s = result.summary
    print(_("Video: {path} ({seconds:.1f} s, {frames} frames at {fps:.1f} fps)").format(
        path=args.file, seconds=s.duration_s, frames=s.frames, fps=s.fps
    ))
    print(_("Face visible: {pct:.1f}%").format(pct=s.pct_face_present))
    print(_("Looking at the camera: {pct:.1f}%").format(pct=s.pct_looking_at_camera))
    print(_("Smiling: {pct:.1f}% ({rate:.1f} smiles per minute)").format(pct=s.pct_smiling, rate=s.smiles_per_minute))
    print(_("Frowning: {pct:.1f}%").format(pct=s.pct_frowning))
    print(_("Head motion: {value} degrees per second").format(value=_fmt(s.head_motion)))
    print(_("Body motion: {value} (share of the picture outside the face that moves)").format(
        value=_fmt(s.body_motion, "{:.3f}")
    ))
    if s.detector == "haar":
        print(_("Note: the YuNet face detector was not found; the simpler Haar detector was used."))
    print()
    print(_("second  face%  looking%  smiling%  frowning%  yaw  pitch  head  body"))
    for row in result.seconds:
        print(
            f"{row.second:6d}  {row.pct_face_present:5.1f}  {row.pct_looking_at_camera:8.1f}  "
            f"{row.pct_smiling:8.1f}  {row.pct_frowning:9.1f}  {_fmt(row.mean_yaw_deg):>5}  "
            f"{_fmt(row.mean_pitch_deg):>5}  {_fmt(row.head_motion):>5}  {_fmt(row.body_motion, '{:.3f}'):>5}"
        )
    return 0


def _cameras(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.vision.capture import list_cameras

    cams = list_cameras()
    if args.json:
        print_json({"cameras": [asdict(c) for c in cams]})
        return 0
    if not cams:
        print(_("No camera found. Plug in a camera and close other programs that use it."))
        return 0
    for c in cams:
        print(_("Camera {index}: {width}x{height} at {fps:.0f} fps").format(
            index=c.index, width=c.width, height=c.height, fps=c.fps
        ))
    return 0
