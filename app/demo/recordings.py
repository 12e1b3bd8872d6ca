"""Demo recordings built from real media clips (only with ``create_demo(media_dir=...)``; off by default).

Speech clips (``<media>/speech/*.wav``) are joined with pauses into one interview WAV per planned
interview; the interview is then recorded through :func:`app.services.capture.run_session` exactly as
the recording page does it (consent stored first, WAV in the archive, live transcript with the whisper
engine when the model is installed, video segments and per-second observations from a real
talking-face clip). Without a speech model the transcript is skipped and a note says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.context import AppContext
from app.speech.audio import SAMPLE_RATE, AudioChunk, read_wav_16k
from app.speech.recorder import CrashSafeWavWriter
from app.tasks import NEVER_CANCELLED, CancelToken

log = logging.getLogger(__name__)

DEMO_CLIPS = (
    ("sherpa_paraformer_1.wav", "sherpa_funasrnano_rag_chemistry.wav"),
    ("sherpa_paraformer_3.wav", "sherpa_paraformer_5.wav"),
)
DEMO_VIDEOS = ("LivePortrait_d3.mp4", "SadTalker_WDA_KatieHill_000.mp4")
GAP_S = 1.5


@dataclass(frozen=True)
class ClipSpan:
    name: str
    start: float
    end: float


def concat_clips(paths: Sequence[Path], out: Path, *, gap_s: float = GAP_S, lead_s: float = 0.5) -> list[ClipSpan]:
    """Join speech clips (any WAV, converted to 16 kHz mono) with pauses into ``out``; returns their spans."""
    spans: list[ClipSpan] = []
    with CrashSafeWavWriter(out) as writer:
        writer.write(np.zeros(int(lead_s * SAMPLE_RATE), dtype=np.int16))
        for i, p in enumerate(paths):
            if i:
                writer.write(np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.int16))
            samples = read_wav_16k(p)
            start = writer.seconds
            writer.write(samples)
            spans.append(ClipSpan(Path(p).name, start, writer.seconds))
        writer.write(np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.int16))
    return spans


def looped_frames(path: Path, seconds: float, *, fps: float = 15.0, paced: bool = False,
                  cancel: CancelToken = NEVER_CANCELLED) -> Iterator[object]:
    """Frames of a video file, looped to ``seconds`` of stream time at ``fps`` (a stand-in camera)."""
    from app.services.capture import decimate
    from app.vision.capture import Frame, frames_from_file

    images = [f.image for f in decimate(frames_from_file(path, cancel=cancel), fps)]
    n = int(seconds * fps)
    t0 = time.monotonic()
    for i in range(n):
        cancel.raise_if_cancelled()
        t = i / fps
        if paced:
            wait = t0 + t - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        m = len(images)
        k = i % (2 * m - 2) if m > 1 else 0
        yield Frame(i, t, images[k if k < m else 2 * m - 2 - k])  # back and forth: no jump at the loop


@dataclass
class DemoRecordingStats:
    interviews: list[int] = field(default_factory=list)
    segments: int = 0
    observations: int = 0
    notes: list[str] = field(default_factory=list)


def demo_recordings(ctx: AppContext, media_dir: Path | None, *, limit: int = 2,
                    cancel: CancelToken = NEVER_CANCELLED) -> DemoRecordingStats:
    """Record up to ``limit`` of the planned demo interviews from the real clips in ``media_dir``."""
    stats = DemoRecordingStats()
    if media_dir is None:
        return stats
    from app.services.capture import QuestionTimeline, run_session
    from app.speech.audio import wav_source
    from app.speech.engine import ModelMissing, SpeechSettings, create_engine

    media_dir = Path(media_dir)
    speech, video = media_dir / "speech", media_dir / "video"
    if not speech.is_dir():
        stats.notes.append(f"no speech clips in {speech}")
        return stats
    capture = ctx.services.capture
    planned = [iv for iv in capture.interviews() if iv.state == "planned"]
    planned = [iv for iv in planned if capture.setup(iv.id).questions][:limit]
    engine = None
    try:
        engine = create_engine(SpeechSettings(engine="whisper", speaker_labels=False))
    except ModelMissing as exc:
        stats.notes.append(f"transcript skipped: {exc}")
    for n, iv in enumerate(planned):
        cancel.raise_if_cancelled()
        clips = [speech / name for name in DEMO_CLIPS[n % len(DEMO_CLIPS)] if (speech / name).is_file()]
        if not clips:
            continue
        work = ctx.data.root / "tmp" / f"demo_interview_{iv.id}.wav"
        work.parent.mkdir(parents=True, exist_ok=True)
        spans = concat_clips(clips, work)
        timeline = QuestionTimeline()
        for i, span in enumerate(spans, 1):
            timeline.set(0.0 if i == 1 else span.start - GAP_S / 2, i)
        capture.record_consent(iv.id, audio=True, video=True, ai=True)
        clip = video / DEMO_VIDEOS[n % len(DEMO_VIDEOS)]
        seconds = spans[-1].end + GAP_S
        frames = looped_frames(clip, seconds, cancel=cancel) if clip.is_file() else None
        result = run_session(capture, iv.id, audio=wav_source(work, chunk_seconds=0.1, cancel=cancel),
                             frames=frames, engine=engine, question_at=timeline.at,
                             notes="演示录制：由真实语音片段拼接而成", cancel=cancel)
        work.unlink(missing_ok=True)
        stats.interviews.append(iv.id)
        stats.segments += result.segments
        stats.observations += result.observations
        stats.notes.extend(result.errors)
    try:
        (ctx.data.root / "tmp").rmdir()
    except OSError:
        pass
    log.info("demo recordings: %d interviews, %d segments", len(stats.interviews), stats.segments)
    return stats


def chunks_of(samples: np.ndarray, seconds: float = 0.1) -> Iterator[AudioChunk]:
    size = int(seconds * SAMPLE_RATE)
    for i in range(0, len(samples), size):
        yield AudioChunk(samples[i:i + size], i / SAMPLE_RATE)
