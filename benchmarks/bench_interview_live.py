"""Live interview at real-time pace from files: audio + whisper + video 15 fps + analysis + recording,
through the real recording page (offscreen) with its QThread workers and a threaded db lane.

Figures: keeps up or not (recogniser backlog), GUI event-loop stall (max gap of a 20 ms QTimer),
whisper final latency after an utterance ends (median / max), video frames recorded and shown per
second, peak memory. Default 60 s of interview; ``HRDESK_BENCH_LIVE_SECONDS=600`` for 10 minutes.
Needs ``HRDESK_MODELS_DIR`` (faster-whisper-base) and ``../shared/data/media``.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path


def _media() -> Path:
    env = os.environ.get("HRDESK_SHARED_DIR")
    base = Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared"
    return base / "data" / "media"


def run() -> Iterable[dict]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    seconds = float(os.environ.get("HRDESK_BENCH_LIVE_SECONDS", "60"))
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from app.context import open_app
    from app.demo.recordings import DEMO_CLIPS, concat_clips, looped_frames
    from app.demo.service import create_demo
    from app.speech.audio import wav_source
    from app.speech.engine import Final, SpeechSettings, create_engine
    from ui.tabs.interview_capture import InterviewCapturePage
    from ui.workers import WorkerPool

    media = _media()
    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    ctx, _stats = create_demo(work / "data")
    clips = [media / "speech" / n for pair in DEMO_CLIPS for n in pair]
    wav = work / "interview.wav"
    spans = concat_clips(clips * max(1, int(seconds // 60) + 1), wav)
    end_s = min(seconds, spans[-1].end + 1.0)
    video = media / "video" / "LivePortrait_d9.mp4"
    latencies: list[float] = []

    def engine_factory(vocab: tuple[str, ...]):  # type: ignore[no-untyped-def]
        return create_engine(SpeechSettings(engine="whisper", hotwords=vocab, speaker_labels=False))

    def audio(cancel):  # type: ignore[no-untyped-def]
        for chunk in wav_source(wav, chunk_seconds=0.1, realtime=True, cancel=cancel):
            if chunk.start >= end_s:
                return
            yield chunk

    pool = WorkerPool()
    page = InterviewCapturePage(ctx.services, pool, audio_factory=audio,
                                frame_factory=lambda cancel: looped_frames(video, end_s, paced=True, cancel=cancel),
                                engine_factory=engine_factory)
    page.resize(1400, 800)
    page.show()
    cs = ctx.services.capture
    iv = next(i.id for i in cs.interviews() if i.state == "planned" and cs.setup(i.id).questions)
    page.select_interview(iv)

    def wait(cond, timeout: float) -> None:  # type: ignore[no-untyped-def]
        t0 = time.monotonic()
        while not cond() and time.monotonic() - t0 < timeout:
            app.processEvents()
            time.sleep(0.005)

    wait(lambda: page.setup is not None and page.setup.interview_id == iv, 30)
    page.save_consent(True, True, True)
    wait(lambda: page.setup is not None and page.setup.consent.given, 30)
    page.start_recording()
    wait(page.is_recording, 30)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    probe = QTimer()
    probe.setInterval(20)
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    probe.timeout.connect(tick)
    probe.start()
    backlog = [0.0]

    def on_final(f: Final) -> None:
        latencies.append(max(0.0, page.stream_seconds() - f.end))

    page.asr_worker.final.connect(on_final)
    t0 = time.monotonic()
    started_wall = t0
    while time.monotonic() - t0 < end_s + 60:
        app.processEvents()
        time.sleep(0.002)
        if page.audio_worker is not None and page.audio_worker.chunks is not None:
            backlog[0] = max(backlog[0], page.audio_worker.chunks.backlog_seconds)
        if "audio" in page._ended and "video" in page._ended:
            break
    sources_done = time.monotonic() - started_wall
    frames = page.video_worker.frames if page.video_worker else 0
    shown = page.video.frames_shown
    probe.stop()
    page.stop_recording()
    t_stop = time.monotonic()
    wait(lambda: page.recording is not None and page.recording.state == "finished", 600)
    drain = time.monotonic() - t_stop
    pool.shutdown()
    segs = len(cs.segments(iv, "live"))
    obs = cs.observation_count(iv)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    yield {
        "bench": "interview_live", "interview_s": round(end_s, 1), "wall_s": round(sources_done, 1),
        "segments": segs, "observations": obs, "video_frames_recorded": frames,
        "video_fps_recorded": round(frames / max(1e-6, end_s), 1), "video_fps_shown": round(shown / max(1e-6, sources_done), 1),
        "max_asr_backlog_s": round(backlog[0], 2), "keeps_up": backlog[0] < 10.0,
        "final_latency_median_s": round(statistics.median(latencies), 2) if latencies else None,
        "final_latency_max_s": round(max(latencies), 2) if latencies else None,
        "gui_max_gap_ms": max(gaps) if gaps else None,
        "gui_p99_gap_ms": sorted(gaps)[int(len(gaps) * 0.99) - 1] if len(gaps) > 100 else None,
        "stop_to_saved_s": round(drain, 1), "peak_rss_mb": round(rss_mb, 0),
    }
    ctx.close()
