"""Frame sources (video file, camera) and a crash-safe segmented video recorder.

- :func:`frames_from_file` yields :class:`Frame` objects from a video file, as fast as possible or
  paced at the file's frame rate (to simulate a live camera).
- :func:`list_cameras` probes camera indices; :func:`frames_from_camera` yields frames from one.
  Every camera read happens in a helper thread with a timeout, so an unplugged camera or a driver
  that stops answering raises :class:`CameraError` with a clear message instead of hanging.
- :class:`SegmentedVideoWriter` records XVID in AVI segments (default 60 s). Measured here: when the
  process is killed, an AVI segment stays readable up to the encoder's last buffer, whereas an
  unfinished MP4 loses everything (its index is written on close) — hence AVI. :func:`list_segments`
  and :func:`join_segments` recover a recording after a crash.

No frame is kept anywhere except in the recording the caller asks for.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.errors import AppError, InvalidInput, StorageError
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

DEFAULT_FPS = 15.0
CAMERA_OPEN_TIMEOUT_S = 5.0
CAMERA_READ_TIMEOUT_S = 3.0
SEGMENT_SECONDS = 60.0
SEGMENT_FOURCC = "XVID"
SEGMENT_SUFFIX = ".avi"


class CameraError(AppError):
    """No camera, camera busy, or it stopped delivering frames (unplugged)."""


@dataclass(frozen=True)
class Frame:
    index: int
    time_s: float
    image: np.ndarray  # BGR uint8, H x W x 3


@dataclass(frozen=True)
class VideoInfo:
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def _open_file(path: Path) -> cv2.VideoCapture:
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(_("Video file not found: {path}.").format(path=path))
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise InvalidInput(
            _("Cannot read the video file {path}. Check that it is a video (MP4 or AVI) and not damaged.").format(
                path=path
            )
        )
    return cap


def _fps_of(cap: cv2.VideoCapture) -> float:
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    return fps if 1.0 <= fps <= 240.0 else DEFAULT_FPS


def video_info(path: Path) -> VideoInfo:
    cap = _open_file(path)
    try:
        return VideoInfo(
            fps=_fps_of(cap),
            frame_count=max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)),
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0),
        )
    finally:
        cap.release()


def frames_from_file(path: Path, *, paced: bool = False, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Frame]:
    """Frames of a video file; ``paced`` sleeps so frames come at the file's frame rate."""
    cap = _open_file(path)
    try:
        fps = _fps_of(cap)
        start = time.monotonic()
        index = 0
        while True:
            cancel.raise_if_cancelled()
            ok, image = cap.read()
            if not ok:
                break
            t = index / fps
            if paced:
                delay = start + t - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(index, t, image)
            index += 1
        if index == 0:
            raise InvalidInput(_("The video file {path} contains no readable frames.").format(path=path))
    finally:
        cap.release()


# -- cameras -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CameraInfo:
    index: int
    width: int
    height: int
    fps: float


def _call_with_timeout(fn, timeout: float):  # type: ignore[no-untyped-def]
    """Run ``fn`` in a daemon thread; (done, result). A driver that never returns cannot hang us."""
    box: queue.Queue = queue.Queue(maxsize=1)

    def target() -> None:
        try:
            box.put((True, fn()))
        except Exception as exc:  # noqa: BLE001 - reported to the caller below
            box.put((False, exc))

    threading.Thread(target=target, daemon=True, name="camera-call").start()
    try:
        ok, value = box.get(timeout=timeout)
    except queue.Empty:
        return False, None
    if not ok:
        log.warning("camera call failed: %s", type(value).__name__)
        return False, None
    return True, value


def _open_camera(index: int, width: int | None, height: int | None, fps: float | None) -> cv2.VideoCapture | None:
    def opener() -> cv2.VideoCapture | None:
        cap = cv2.VideoCapture(index)
        if not cap.isOpened():
            cap.release()
            return None
        if width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if fps:
            cap.set(cv2.CAP_PROP_FPS, fps)
        return cap

    done, cap = _call_with_timeout(opener, CAMERA_OPEN_TIMEOUT_S)
    return cap if done else None


def list_cameras(max_index: int = 4) -> list[CameraInfo]:
    """Cameras that open and deliver a frame, probing indices 0..max_index-1."""
    found: list[CameraInfo] = []
    for index in range(max_index):
        cap = _open_camera(index, None, None, None)
        if cap is None:
            continue
        try:
            done, result = _call_with_timeout(cap.read, CAMERA_READ_TIMEOUT_S)
            if done and result is not None and result[0]:
                image = result[1]
                found.append(CameraInfo(index, int(image.shape[1]), int(image.shape[0]), _fps_of(cap)))
        finally:
            cap.release()
    return found


def frames_from_camera(
    index: int = 0,
    *,
    width: int | None = 640,
    height: int | None = 480,
    fps: float | None = DEFAULT_FPS,
    cancel: CancelToken = NEVER_CANCELLED,
    read_timeout_s: float = CAMERA_READ_TIMEOUT_S,
) -> Iterator[Frame]:
    """Live frames from camera ``index``; raises CameraError when it is missing or stops."""
    cap = _open_camera(index, width, height, fps)
    if cap is None:
        raise CameraError(
            _("Camera {index} cannot be opened. Check that it is plugged in and not used by another program.").format(
                index=index
            )
        )
    frames: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def offer(item: tuple[float, np.ndarray] | None) -> None:
        """Never blocks: when the consumer is slower, the oldest frame is dropped."""
        while True:
            try:
                frames.put_nowait(item)
                return
            except queue.Full:
                try:
                    frames.get_nowait()
                except queue.Empty:
                    pass

    def reader() -> None:
        try:
            while not stop.is_set():
                ok, image = cap.read()
                if not ok:
                    offer(None)
                    return
                offer((time.monotonic(), image))
        except Exception:  # noqa: BLE001 - any driver failure ends the stream below
            log.exception("camera reader failed")
            offer(None)

    thread = threading.Thread(target=reader, daemon=True, name=f"camera-{index}")
    thread.start()
    start: float | None = None
    count = 0
    try:
        while True:
            cancel.raise_if_cancelled()
            try:
                item = frames.get(timeout=read_timeout_s)
            except queue.Empty:
                item = None
            if item is None:
                raise CameraError(
                    _("Camera {index} stopped sending pictures. Check the cable, then start the recording again.").format(
                        index=index
                    )
                )
            stamp, image = item
            start = stamp if start is None else start
            yield Frame(count, stamp - start, image)
            count += 1
    finally:
        stop.set()
        thread.join(timeout=read_timeout_s)
        if not thread.is_alive():
            cap.release()
        else:  # stuck in the driver: leave it to the daemon thread rather than block the caller
            log.warning("camera %d did not stop in time", index)


# -- recording ---------------------------------------------------------------------------------

_SEGMENT_RE = re.compile(r"^(?P<stem>.+)_(?P<n>\d{4})\.avi$")


def segment_path(directory: Path, stem: str, number: int) -> Path:
    return Path(directory) / f"{stem}_{number:04d}{SEGMENT_SUFFIX}"


class SegmentedVideoWriter:
    """Writes frames into ``<stem>_0001.avi``, ``<stem>_0002.avi`` ... of ``segment_seconds`` each.

    Use as a context manager. A killed process loses at most the unflushed tail of the open segment;
    finished segments are complete files.
    """

    def __init__(
        self,
        directory: Path,
        stem: str,
        *,
        fps: float = DEFAULT_FPS,
        segment_seconds: float = SEGMENT_SECONDS,
        fourcc: str = SEGMENT_FOURCC,
    ) -> None:
        self.directory = Path(directory)
        self.stem = stem
        self.fps = fps if fps > 0 else DEFAULT_FPS
        self.frames_per_segment = max(1, round(segment_seconds * self.fps))
        self.fourcc = fourcc
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self._in_segment = 0
        self._number = 0
        self.paths: list[Path] = []
        self.frames_written = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                _("Cannot create the recording folder {path}. Check the disk and permissions.").format(
                    path=self.directory
                )
            ) from exc
        existing = list_segments(self.directory, stem)
        self._number = len(existing) and max(_segment_number(p) for p in existing)

    def _open_next(self, size: tuple[int, int]) -> None:
        self._close_segment()
        self._number += 1
        path = segment_path(self.directory, self.stem, self._number)
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*self.fourcc), self.fps, size)
        if not writer.isOpened():
            raise StorageError(
                _("Cannot write the recording file {path}. Check the free disk space and permissions.").format(
                    path=path
                )
            )
        self._writer = writer
        self._in_segment = 0
        self.paths.append(path)
        log.info("recording segment %d opened", self._number)

    def write(self, image: np.ndarray) -> None:
        size = (int(image.shape[1]), int(image.shape[0]))
        if self._size is None:
            self._size = size
        elif size != self._size:
            image = cv2.resize(image, self._size)
        if self._writer is None or self._in_segment >= self.frames_per_segment:
            self._open_next(self._size)
        assert self._writer is not None
        self._writer.write(image)
        self._in_segment += 1
        self.frames_written += 1

    def _close_segment(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def close(self) -> None:
        self._close_segment()

    def __enter__(self) -> SegmentedVideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _segment_number(path: Path) -> int:
    m = _SEGMENT_RE.match(path.name)
    return int(m.group("n")) if m else 0


def list_segments(directory: Path, stem: str) -> list[Path]:
    """Segments of one recording in order (files of size 0 — killed before any data — are left out)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for p in directory.iterdir():
        m = _SEGMENT_RE.match(p.name)
        if m and m.group("stem") == stem and p.stat().st_size > 0:
            found.append(p)
    return sorted(found, key=_segment_number)


def join_segments(
    segments: Sequence[Path],
    output: Path,
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> int:
    """Join segments (skipping unreadable tails) into one XVID AVI; returns the number of frames."""
    if not segments:
        raise InvalidInput(_("There are no recording segments to join."))
    writer: cv2.VideoWriter | None = None
    size: tuple[int, int] | None = None
    total = 0
    try:
        for i, seg in enumerate(segments):
            progress(i, len(segments), "")
            cap = cv2.VideoCapture(str(seg))
            try:
                fps = _fps_of(cap)
                while True:
                    cancel.raise_if_cancelled()
                    ok, image = cap.read()
                    if not ok:
                        break
                    if writer is None:
                        size = (int(image.shape[1]), int(image.shape[0]))
                        writer = cv2.VideoWriter(str(output), cv2.VideoWriter_fourcc(*SEGMENT_FOURCC), fps, size)
                        if not writer.isOpened():
                            raise StorageError(
                                _(
                                    "Cannot write the recording file {path}. Check the free disk space and permissions."
                                ).format(path=output)
                            )
                    elif size is not None and (image.shape[1], image.shape[0]) != size:
                        image = cv2.resize(image, size)
                    writer.write(image)
                    total += 1
            finally:
                cap.release()
    finally:
        if writer is not None:
            writer.release()
    progress(len(segments), len(segments), "")
    if total == 0:
        raise InvalidInput(_("None of the recording segments contains a readable frame."))
    return total
