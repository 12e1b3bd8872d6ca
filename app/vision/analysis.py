"""Per-frame non-verbal observations and their per-second aggregation.

:class:`FrameAnalyzer` turns one BGR frame into a :class:`FrameObservation`: face present, head
yaw/pitch/roll, looking at the camera (|yaw| and |pitch| below 15°, head pose only, like the
reference), smile and frown scores, head angular speed and body motion (frame differencing outside
the face). The face is detected with YuNet (Haar fallback) and tracked from frame to frame the way
MediaPipe does it: the landmark crop for a frame comes from the previous frame's landmarks, and the
detector runs again when the track is lost and once a second to re-anchor it.

:class:`SecondAggregator` folds observations into :class:`SecondSummary` rows
(``second = floor(frame index / fps)``) and a :class:`VideoSummary`; :func:`analyze_video` runs the
whole thing over a file. Nothing keeps a frame: only numbers leave this module.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from app.vision import expression, headpose
from app.vision.capture import Frame, frames_from_file, video_info
from app.vision.face import FaceDetector, LandmarkModel, Roi, roi_from_box, roi_from_landmarks

log = logging.getLogger(__name__)

LOOK_LIMIT_DEG = 15.0
"""Looking at the camera: |yaw| < 15° and |pitch| < 15° (strict), as in the reference rules."""
PRESENCE_THRESHOLD = 0.5
"""Face-mesh presence probability below which the track is dropped (MediaPipe's default)."""
MOTION_WIDTH = 160
"""Body motion is measured on a frame downscaled to this width."""
MOTION_PIXEL_DELTA = 12
"""Grey-level change (0-255, after blur) that counts a pixel as moving."""
SMILE_MIN_S = 0.2
"""A smile is counted once it has lasted this long (seconds) ..."""
SMILE_GAP_S = 0.5
"""... and it ends only after this long without smiling, so a flickering score is one smile."""


@dataclass(frozen=True)
class FrameObservation:
    index: int
    time_s: float
    face_present: bool
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    roll_deg: float | None = None
    looking_at_camera: bool = False
    smile: float | None = None
    frown: float | None = None
    smiling: bool = False
    frowning: bool = False
    head_speed_deg_s: float | None = None
    body_motion: float | None = None
    face_box: tuple[int, int, int, int] | None = None
    """x, y, w, h in frame pixels (for drawing an overlay)."""
    fresh: bool = True
    """False when landmarks were not run on this frame and the face values are carried over."""


@dataclass(frozen=True)
class AnalyzerInfo:
    detector: str
    """``yunet`` or ``haar`` (fallback: YuNet model missing)."""
    landmark_stride: int
    redetect_every: int
    expression_model: dict[str, Any] = field(default_factory=dict)


class FrameAnalyzer:
    """Stateful analyser of one video stream (create one per stream; not thread-safe).

    ``landmark_stride`` > 1 runs the face mesh on every n-th frame only and carries the face values
    over in between (for slow machines); the default 1 runs it on every frame, which keeps up with
    15 fps on a 2-core PC (see ``python -m benchmarks vision``).
    """

    def __init__(
        self,
        *,
        fps: float = 15.0,
        landmark_stride: int = 1,
        detector: FaceDetector | None = None,
        landmarks: LandmarkModel | None = None,
        expressions: expression.ExpressionModel | None = None,
    ) -> None:
        self.fps = fps if fps and fps > 0 else 15.0
        self.detector = detector or FaceDetector()
        self.landmarks = landmarks or LandmarkModel()
        self.face = headpose.canonical_face()
        self.expressions = expressions or expression.expression_model()
        self.landmark_stride = max(1, int(landmark_stride))
        self.redetect_every = max(1, round(self.fps))
        self.info = AnalyzerInfo(
            detector=self.detector.backend,
            landmark_stride=self.landmark_stride,
            redetect_every=self.redetect_every,
            expression_model=dict(self.expressions.info),
        )
        self.reset()

    def reset(self) -> None:
        self._index = 0
        self._track: np.ndarray | None = None
        self._last: FrameObservation | None = None
        self._prev_pose: tuple[float, float, float] | None = None  # time, yaw, pitch
        self._prev_gray: np.ndarray | None = None

    # -- face --------------------------------------------------------------------------------
    def _roi(self, frame: np.ndarray, index: int) -> Roi | None:
        tracked = roi_from_landmarks(self._track) if self._track is not None else None
        if tracked is not None and index % self.redetect_every != 0:
            return tracked
        boxes = self.detector.detect(frame)
        if not boxes:
            return tracked  # the detector misses strongly turned faces; the mesh presence decides
        det = roi_from_box(boxes[0])
        if tracked is None:
            return det
        # re-anchor when the tracked crop has drifted away from the detected face
        if math.hypot(det.cx - tracked.cx, det.cy - tracked.cy) > 0.25 * det.size:
            return det
        return tracked

    def _mesh(self, frame: np.ndarray, index: int) -> tuple[np.ndarray, float] | None:
        roi = self._roi(frame, index)
        if roi is None:
            return None
        mesh = self.landmarks.run(frame, roi)
        if mesh.presence < PRESENCE_THRESHOLD and self._track is not None:
            # lost the track: one fresh detection before giving up on this frame
            self._track = None
            boxes = self.detector.detect(frame)
            if not boxes:
                return None
            mesh = self.landmarks.run(frame, roi_from_box(boxes[0]))
        if mesh.presence < PRESENCE_THRESHOLD:
            self._track = None
            return None
        self._track = mesh.points
        return mesh.points, mesh.presence

    # -- motion ------------------------------------------------------------------------------
    def _body_motion(self, frame: np.ndarray, box: tuple[int, int, int, int] | None) -> float | None:
        h, w = frame.shape[:2]
        f = MOTION_WIDTH / w
        small = cv2.resize(frame, (MOTION_WIDTH, max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        prev, self._prev_gray = self._prev_gray, gray
        if prev is None or prev.shape != gray.shape:
            return None
        moving = cv2.absdiff(gray, prev) > MOTION_PIXEL_DELTA
        mask = np.ones(gray.shape, dtype=bool)
        if box is not None:
            x, y, bw, bh = box
            # the face and a margin around it are excluded: talking and head turns are not body motion
            x0, y0 = int((x - 0.25 * bw) * f), int((y - 0.25 * bh) * f)
            x1, y1 = int(math.ceil((x + 1.25 * bw) * f)), int(math.ceil((y + 1.25 * bh) * f))
            mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
        outside = int(mask.sum())
        if outside == 0:
            return 0.0
        return float(np.count_nonzero(moving & mask)) / outside

    # -- main --------------------------------------------------------------------------------
    def analyze(self, frame: np.ndarray, time_s: float | None = None) -> FrameObservation:
        """Observe one BGR frame (frames must come in stream order)."""
        index = self._index
        self._index += 1
        t = index / self.fps if time_s is None else float(time_s)
        h, w = frame.shape[:2]
        if (
            self.landmark_stride > 1
            and index % self.landmark_stride != 0
            and self._last is not None
        ):
            last = self._last
            motion = self._body_motion(frame, last.face_box)
            obs = FrameObservation(**{**asdict(last), "index": index, "time_s": t, "body_motion": motion, "fresh": False})
            self._last = obs
            return obs
        found = self._mesh(frame, index)
        if found is None:
            self._prev_pose = None
            obs = FrameObservation(index=index, time_s=t, face_present=False, body_motion=self._body_motion(frame, None))
            self._last = obs
            return obs
        points, _presence = found
        pose, canonical = headpose.estimate(points, w, h, self.face)
        feats = expression.geometry_features(canonical)
        smile = self.expressions.smile.score(feats)
        frown = self.expressions.frown.score(feats)
        speed = None
        if self._prev_pose is not None and t > self._prev_pose[0]:
            pt, py, pp = self._prev_pose
            speed = math.hypot(pose.yaw_deg - py, pose.pitch_deg - pp) / (t - pt)
        self._prev_pose = (t, pose.yaw_deg, pose.pitch_deg)
        x0, y0 = points[:, 0].min(), points[:, 1].min()
        x1, y1 = points[:, 0].max(), points[:, 1].max()
        box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
        obs = FrameObservation(
            index=index,
            time_s=t,
            face_present=True,
            yaw_deg=pose.yaw_deg,
            pitch_deg=pose.pitch_deg,
            roll_deg=pose.roll_deg,
            looking_at_camera=abs(pose.yaw_deg) < LOOK_LIMIT_DEG and abs(pose.pitch_deg) < LOOK_LIMIT_DEG,
            smile=smile,
            frown=frown,
            smiling=smile >= self.expressions.smile.threshold,
            frowning=frown >= self.expressions.frown.threshold,
            head_speed_deg_s=speed,
            body_motion=self._body_motion(frame, box),
            face_box=box,
        )
        self._last = obs
        return obs

    def features(self, frame: np.ndarray) -> dict[str, float] | None:
        """Expression geometry of the frame's face (for calibration); advances the stream like analyze()."""
        self._index += 1
        found = self._mesh(frame, self._index - 1)
        if found is None:
            return None
        h, w = frame.shape[:2]
        pose, canonical = headpose.estimate(found[0], w, h, self.face)
        feats = expression.geometry_features(canonical)
        feats["yaw_deg"], feats["pitch_deg"] = pose.yaw_deg, pose.pitch_deg
        return feats


# -- aggregation -------------------------------------------------------------------------------


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 2) if values else None


@dataclass(frozen=True)
class SecondSummary:
    second: int
    frames: int
    pct_face_present: float
    pct_looking_at_camera: float
    pct_smiling: float
    pct_frowning: float
    mean_yaw_deg: float | None
    mean_pitch_deg: float | None
    head_motion: float | None
    """Mean head angular speed in this second, degrees per second (None: no two face frames)."""
    body_motion: float | None
    """Mean fraction (0-1) of the picture outside the face that changed between frames."""

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("frames")
        return d


@dataclass(frozen=True)
class VideoSummary:
    frames: int
    fps: float
    duration_s: float
    pct_face_present: float
    pct_looking_at_camera: float
    pct_smiling: float
    pct_frowning: float
    smiles_per_minute: float
    head_motion: float | None
    body_motion: float | None
    mean_yaw_deg: float | None
    mean_pitch_deg: float | None
    detector: str
    landmark_stride: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class SecondAggregator:
    """Collects observations; ``add`` returns the finished second when a new one starts."""

    def __init__(self, fps: float) -> None:
        self.fps = fps if fps and fps > 0 else 15.0
        self._current: list[FrameObservation] = []
        self._second: int | None = None
        self._all_seconds: list[SecondSummary] = []
        self._frames = 0
        self._counts = {"face": 0, "look": 0, "smile": 0, "frown": 0}
        self._yaw: list[float] = []
        self._pitch: list[float] = []
        self._speeds: list[float] = []
        self._motion: list[float] = []
        self._smile_onsets = 0
        self._smile_run = 0
        self._no_smile_run = 0
        self._in_smile = False
        self._min_smile_frames = max(1, round(SMILE_MIN_S * self.fps))
        self._smile_gap_frames = max(1, round(SMILE_GAP_S * self.fps))

    def _close(self) -> SecondSummary | None:
        if self._second is None or not self._current:
            return None
        obs = self._current
        n = len(obs)
        face = [o for o in obs if o.face_present]
        row = SecondSummary(
            second=self._second,
            frames=n,
            pct_face_present=_pct(len(face), n),
            pct_looking_at_camera=_pct(sum(o.looking_at_camera for o in obs), n),
            pct_smiling=_pct(sum(o.smiling for o in obs), n),
            pct_frowning=_pct(sum(o.frowning for o in obs), n),
            mean_yaw_deg=_mean([o.yaw_deg for o in face if o.yaw_deg is not None]),
            mean_pitch_deg=_mean([o.pitch_deg for o in face if o.pitch_deg is not None]),
            head_motion=_mean([o.head_speed_deg_s for o in obs if o.head_speed_deg_s is not None]),
            body_motion=_mean4([o.body_motion for o in obs if o.body_motion is not None]),
        )
        self._all_seconds.append(row)
        self._current = []
        return row

    def add(self, obs: FrameObservation) -> SecondSummary | None:
        second = int(math.floor(obs.index / self.fps + 1e-9))
        done = None
        if self._second is not None and second != self._second:
            done = self._close()
        self._second = second
        self._current.append(obs)
        self._frames += 1
        self._counts["face"] += obs.face_present
        self._counts["look"] += obs.looking_at_camera
        self._counts["smile"] += obs.smiling
        self._counts["frown"] += obs.frowning
        if obs.face_present and obs.yaw_deg is not None and obs.pitch_deg is not None:
            self._yaw.append(obs.yaw_deg)
            self._pitch.append(obs.pitch_deg)
        if obs.head_speed_deg_s is not None:
            self._speeds.append(obs.head_speed_deg_s)
        if obs.body_motion is not None:
            self._motion.append(obs.body_motion)
        self._count_smile(obs.smiling)
        return done

    def _count_smile(self, smiling: bool) -> None:
        if smiling:
            self._smile_run += 1
            self._no_smile_run = 0
            if not self._in_smile and self._smile_run >= self._min_smile_frames:
                self._in_smile = True
                self._smile_onsets += 1
        else:
            self._smile_run = 0
            self._no_smile_run += 1
            if self._no_smile_run >= self._smile_gap_frames:
                self._in_smile = False

    @property
    def smile_count(self) -> int:
        return self._smile_onsets

    def finish(self) -> SecondSummary | None:
        """Close the last (possibly partial) second."""
        return self._close()

    @property
    def seconds(self) -> list[SecondSummary]:
        return list(self._all_seconds)

    def summary(self, info: AnalyzerInfo | None = None) -> VideoSummary:
        n = self._frames
        duration = n / self.fps
        return VideoSummary(
            frames=n,
            fps=round(self.fps, 3),
            duration_s=round(duration, 2),
            pct_face_present=_pct(self._counts["face"], n),
            pct_looking_at_camera=_pct(self._counts["look"], n),
            pct_smiling=_pct(self._counts["smile"], n),
            pct_frowning=_pct(self._counts["frown"], n),
            smiles_per_minute=round(self._smile_onsets / (duration / 60.0), 2) if duration > 0 else 0.0,
            head_motion=_mean(self._speeds),
            body_motion=_mean4(self._motion),
            mean_yaw_deg=_mean(self._yaw),
            mean_pitch_deg=_mean(self._pitch),
            detector=info.detector if info else "",
            landmark_stride=info.landmark_stride if info else 1,
        )


def _mean4(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


@dataclass(frozen=True)
class VideoAnalysis:
    summary: VideoSummary
    seconds: list[SecondSummary]
    frames: list[FrameObservation]

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary.to_json(), "seconds": [s.to_json() for s in self.seconds]}


BACKLOG_LIMIT_S = 2.0
"""Live: with more audio than this waiting for speech recognition, video analysis thins out ..."""
THINNED_FPS = 5.0
"""... to this many analysed frames per second (every frame is still recorded and shown)."""


class PacedAnalyzer:
    """Live analysis that never holds up the recording: late frames are recorded but not analysed.

    A frame is analysed only when it is handled within ``max_lag`` seconds of its stream time
    (measured from the first frame); otherwise it is skipped and counted, so under CPU load the
    analysis thins out instead of falling behind (speech recognition keeps the CPU it needs). The
    face mesh runs on every ``landmark_stride``-th analysed frame. Observations are numbered by
    stream time (``index = round(time_s * fps)``), so the per-second rows stay on the clock when
    frames are skipped. The underlying :class:`FrameAnalyzer` (and its models) is created on the
    first frame, i.e. in the video thread. With ``backlog`` (seconds of audio waiting for speech
    recognition) above ``backlog_limit``, only ``thinned_fps`` frames a second are analysed, so the
    recogniser gets the CPU back; those frames count in ``skipped`` and ``skipped_for_speech``.
    """

    def __init__(self, *, fps: float = 15.0, landmark_stride: int = 2, max_lag: float = 0.25,
                 clock: Any = None, analyzer: FrameAnalyzer | None = None,
                 backlog: Callable[[], float] | None = None, backlog_limit: float = BACKLOG_LIMIT_S,
                 thinned_fps: float = THINNED_FPS) -> None:
        self.fps = fps
        self.landmark_stride = landmark_stride
        self.max_lag = max_lag
        self._clock = clock or time.monotonic
        self._inner = analyzer
        self._origin: tuple[float, float] | None = None  # (clock, stream time) of the first frame
        self.backlog = backlog
        """Seconds of audio waiting for speech recognition (set by the live pipeline); None: not watched."""
        self.backlog_limit = backlog_limit
        self.thinned_fps = thinned_fps
        self.analysed = 0
        self.skipped = 0
        self.skipped_for_speech = 0
        """Frames not analysed because speech recognition had fallen behind (part of ``skipped``)."""
        self._last_thinned = -1

    @property
    def inner(self) -> FrameAnalyzer:
        if self._inner is None:
            self._inner = FrameAnalyzer(fps=self.fps, landmark_stride=self.landmark_stride)
        return self._inner

    @property
    def info(self) -> AnalyzerInfo:
        return self.inner.info

    @property
    def skipped_share(self) -> float:
        total = self.analysed + self.skipped
        return self.skipped / total if total else 0.0

    def lateness(self, time_s: float) -> float:
        now = self._clock()
        if self._origin is None:
            self._origin = (now, time_s)
        return (now - self._origin[0]) - (time_s - self._origin[1])

    def speech_behind(self) -> bool:
        return self.backlog is not None and self.backlog() > self.backlog_limit

    def analyze(self, frame: np.ndarray, time_s: float) -> FrameObservation | None:
        if self.lateness(time_s) > self.max_lag and self.analysed:
            self.skipped += 1
            return None
        if self.analysed and self.speech_behind():
            # Speech recognition is behind: analyse only ``thinned_fps`` frames a second so it gets the CPU.
            slot = int(time_s * self.thinned_fps + 1e-6)
            if slot == self._last_thinned:
                self.skipped += 1
                self.skipped_for_speech += 1
                return None
            self._last_thinned = slot
        obs = self.inner.analyze(frame, time_s)
        self.analysed += 1
        return replace(obs, index=int(round(time_s * self.fps)))


def observe(
    frames: Iterable[Frame], analyzer: FrameAnalyzer, *, cancel: CancelToken = NEVER_CANCELLED
) -> Iterator[FrameObservation]:
    """Generator: one observation per frame (for live use; pair with a SecondAggregator)."""
    for frame in frames:
        cancel.raise_if_cancelled()
        yield analyzer.analyze(frame.image, frame.time_s)


def analyze_video(
    path: Path,
    *,
    landmark_stride: int = 1,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> VideoAnalysis:
    """Analyse a whole video file (as fast as possible)."""
    info = video_info(path)
    analyzer = FrameAnalyzer(fps=info.fps, landmark_stride=landmark_stride)
    agg = SecondAggregator(info.fps)
    observations: list[FrameObservation] = []
    for obs in observe(frames_from_file(path, cancel=cancel), analyzer, cancel=cancel):
        observations.append(obs)
        agg.add(obs)
        if obs.index % 25 == 0:
            progress(obs.index, info.frame_count, "")
    agg.finish()
    progress(len(observations), len(observations), "")
    log.info("analysed %d frames at %.2f fps (detector %s)", len(observations), info.fps, analyzer.info.detector)
    return VideoAnalysis(agg.summary(analyzer.info), agg.seconds, observations)
