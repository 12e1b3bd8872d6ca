"""Live analysis under load: late frames are recorded but not analysed, and the seconds stay on the clock."""

from __future__ import annotations

from pathlib import Path

from app.services.capture import decimate, video_events
from app.vision.analysis import FrameAnalyzer, PacedAnalyzer
from app.vision.capture import frames_from_file


class Machine:
    """Frames arrive at their stream time; each analysed frame then takes ``cost`` seconds of wall time."""

    def __init__(self, cost: float) -> None:
        self.now = 100.0
        self.cost = cost

    def __call__(self) -> float:
        return self.now

    def run(self, analyzer: PacedAnalyzer, frames: list) -> list:
        out = []
        for f in frames:
            self.now = max(self.now, 100.0 + f.time_s)  # the frame arrives
            obs = analyzer.analyze(f.image, f.time_s)
            if obs is not None:
                self.now += self.cost
            out.append(obs)
        return out


def _frames(video_dir: Path) -> list:
    return list(decimate(frames_from_file(video_dir / "LivePortrait_d9.mp4"), 15.0))[:45]


def test_frames_are_skipped_only_when_late(vision_models: None, video_dir: Path) -> None:
    frames = _frames(video_dir)
    fast = Machine(0.03)
    on_time = PacedAnalyzer(clock=fast, landmark_stride=1)  # faster than the frames arrive: nothing late
    assert all(o is not None for o in fast.run(on_time, frames))
    assert on_time.skipped == 0 and on_time.analysed == len(frames)

    slow = Machine(0.2)  # 3× slower than the frames arrive: about two frames in three are skipped
    loaded = PacedAnalyzer(clock=slow)
    obs = slow.run(loaded, frames)
    kept = [o for o in obs if o is not None]
    assert 0.5 < loaded.skipped_share < 0.8, loaded.skipped_share
    assert [o.index for o in kept] == [round(f.time_s * 15) for f, o in zip(frames, obs, strict=True) if o is not None]
    assert all(o.face_present for o in kept)  # a talking head throughout: analysed frames see it


def test_video_events_record_every_frame_and_keep_seconds_on_stream_time(
    vision_models: None, video_dir: Path, tmp_path: Path
) -> None:
    frames = _frames(video_dir)
    machine = Machine(0.2)
    analyzer = PacedAnalyzer(clock=machine, analyzer=FrameAnalyzer(fps=15.0, landmark_stride=2))

    def arriving():  # type: ignore[no-untyped-def]
        for f in frames:
            machine.now = max(machine.now, 100.0 + f.time_s)
            before = analyzer.analysed
            yield f
            machine.now += machine.cost * (analyzer.analysed - before)

    ticks = list(video_events(arriving(), tmp_path, analyze=True, analyzer=analyzer))
    recorded = [t for t in ticks if t.frame is not None]
    seconds = [t.second for t in ticks if t.second is not None]
    assert len(recorded) == len(frames)  # recording is never skipped
    assert sum(t.observation is None for t in recorded) == analyzer.skipped > 0
    assert [s.second for s in seconds] == [0, 1, 2]  # 45 frames at 15 fps
    assert sum(s.frames for s in seconds) == analyzer.analysed
    assert any(p.stat().st_size > 0 for p in tmp_path.iterdir())


def test_analysis_thins_out_while_speech_recognition_is_behind(vision_models: None, video_dir: Path) -> None:
    frames = _frames(video_dir)  # 3 s at 15 fps
    fast = Machine(0.01)  # never late by the clock: only the speech backlog decides
    backlog = [0.0]
    analyzer = PacedAnalyzer(clock=fast, landmark_stride=1, backlog=lambda: backlog[0], backlog_limit=2.0,
                             thinned_fps=5.0)
    first = fast.run(analyzer, frames[:15])
    assert all(o is not None for o in first) and analyzer.skipped == 0  # keeping up: every frame analysed
    backlog[0] = 6.0  # whisper falls behind: 5 of 15 frames a second are analysed
    second = fast.run(analyzer, frames[15:30])
    assert sum(o is not None for o in second) == 5
    assert analyzer.skipped == analyzer.skipped_for_speech == 10
    assert [o.index for o in second if o is not None] == [15, 18, 21, 24, 27]  # spread over the second
    backlog[0] = 0.5  # caught up: every frame again
    third = fast.run(analyzer, frames[30:45])
    assert all(o is not None for o in third) and analyzer.skipped == 10
