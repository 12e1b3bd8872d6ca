"""Capture service: consent before capture, file-fed recording sessions, observations only with consent,
re-transcription, edits, export, and recovery after a killed recording process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.errors import Conflict, InvalidInput
from app.services.capture import (
    ObservationValues,
    QuestionTimeline,
    SegmentEdit,
    highlights,
    run_session,
)
from app.speech.audio import read_wav_info, wav_source
from tests.support import REPO_ROOT, require_model, shared_data


def _planned(ctx) -> int:  # type: ignore[no-untyped-def]
    cs = ctx.services.capture
    return next(iv.id for iv in cs.interviews() if iv.state == "planned" and cs.setup(iv.id).questions)


def _video() -> Path:
    return shared_data("media/video/LivePortrait_d3.mp4")


def _interview_wav(tmp_path: Path):  # type: ignore[no-untyped-def]
    from app.demo.recordings import concat_clips

    speech = shared_data("media/speech")
    out = tmp_path / "interview.wav"
    spans = concat_clips([speech / "sherpa_paraformer_1.wav", speech / "sherpa_funasrnano_rag_chemistry.wav"], out)
    return out, spans


def test_nothing_is_captured_before_consent(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    with pytest.raises(InvalidInput):
        cs.start_recording(iv)
    assert cs.setup(iv).recordings == ()


def test_declined_everything_still_gives_an_interview_with_notes(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.vision.capture import frames_from_file

    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    wav, _spans = _interview_wav(tmp_path)
    cs.record_consent(iv, audio=False, video=False, ai=False)
    consent = cs.consent(iv)
    assert consent.given and not (consent.audio or consent.video or consent.ai)
    result = run_session(cs, iv, audio=wav_source(wav), frames=frames_from_file(_video()), engine=None,
                         notes="候选人不同意录音录像，已手写记录。")
    rec = result.recording
    assert rec.audio_path is None and rec.video_dir is None
    assert result.audio_seconds == 0 and result.frames == 0
    assert not (demo_ctx.data.archive / "recordings" / f"interview_{iv}").exists()
    cs.set_mark(iv, 1, 7.5)
    cs.set_notes(iv, 1, "回答条理清楚")
    setup = cs.setup(iv)
    assert setup.questions[0].mark == 7.5 and setup.questions[0].notes == "回答条理清楚"
    assert setup.state == "recorded" and setup.segments == 0 and cs.observation_count(iv) == 0
    assert setup.finished_recording is not None and setup.finished_recording.state == "finished"
    with pytest.raises(InvalidInput):
        cs.set_mark(iv, 1, 11)


def test_video_without_ai_consent_records_frames_but_no_observation(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.services.capture import decimate
    from app.vision.capture import frames_from_file, list_segments, video_info

    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    cs.record_consent(iv, audio=False, video=True, ai=False)
    result = run_session(cs, iv, audio=None, frames=decimate(frames_from_file(_video()), 15), engine=None)
    rec = result.recording
    assert rec.audio_path is None and rec.video_dir is not None
    assert result.frames > 150 and result.observations == 0 and cs.observation_count(iv) == 0
    assert len(list_segments(rec.video_dir, "video")) >= 2  # 10-second segments of a ~12 s clip
    assert rec.video_file is not None and video_info(rec.video_file).frame_count == result.frames
    with pytest.raises(Conflict):
        cs.add_observations(iv, [ObservationValues(0, 100, 100, 0, 0, 0, 0, 0, 0)])


@pytest.mark.slow
def test_recording_session_end_to_end(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Audio + whisper + video + analysis from files; segments carry the question on screen."""
    from app.services.capture import decimate, most_accurate_engine
    from app.speech.engine import SpeechSettings, create_engine
    from app.vision.capture import frames_from_file

    require_model("faster-whisper-base")
    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    wav, spans = _interview_wav(tmp_path)
    timeline = QuestionTimeline()
    timeline.set(0.0, 1)
    timeline.set(spans[1].start - 0.5, 2)
    cs.record_consent(iv, audio=True, video=True, ai=True)
    engine = create_engine(SpeechSettings(engine="whisper", speaker_labels=False))
    result = run_session(cs, iv, audio=wav_source(wav, chunk_seconds=0.1), frames=decimate(frames_from_file(_video()), 15),
                         engine=engine, question_at=timeline.at)
    assert not result.errors
    rec = result.recording
    assert rec.state == "finished" and rec.audio_path is not None
    assert rec.audio_path.is_relative_to(demo_ctx.data.archive)
    assert abs(read_wav_info(rec.audio_path).duration - read_wav_info(wav).duration) < 0.05
    assert rec.video_file is not None and rec.video_file.is_file()
    live = cs.segments(iv, "live")
    assert result.segments == len(live) >= 2
    assert {s.question_index for s in live} == {1, 2}
    first = "".join(s.text for s in live if s.question_index == 1)
    second = "".join(s.text for s in live if s.question_index == 2)
    assert "酸盐" in second and "酸盐" not in first  # 含氧酸盐 belongs to the second clip
    assert cs.observation_count(iv) == result.observations >= 10
    # re-transcription keeps both versions; an edit is a third one
    n = cs.retranscribe(iv, engine=most_accurate_engine())
    assert n >= 2 and cs.versions(iv) == ["live", "retranscribed"]
    assert {s.question_index for s in cs.segments(iv, "retranscribed")} == {1, 2}
    edits = [SegmentEdit(s.start_s, s.end_s, "candidate", s.text.replace("酸盐", "酸盐（已核对）"), s.question_index)
             for s in cs.segments(iv, "retranscribed")]
    cs.save_edited(iv, edits)
    assert cs.versions(iv) == ["live", "retranscribed", "edited"]
    assert cs.segments(iv)[0].version == "edited" and len(cs.segments(iv, "live")) == len(live)
    txt = cs.export_transcript(iv, tmp_path / "t.txt")
    body = txt.read_text(encoding="utf-8")
    assert cs.setup(iv).questions[1].question.text in body and "候选人" in body
    import docx

    d = docx.Document(str(cs.export_transcript(iv, tmp_path / "t.docx", version="live")))
    assert any(live[0].text in p.text for p in d.paragraphs)
    with pytest.raises(InvalidInput):
        cs.export_transcript(iv, tmp_path / "t.pdf")
    with pytest.raises(Conflict):  # one recording per interview
        cs.start_recording(iv)


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.context import open_app
    from app.services.capture import decimate, run_session
    from app.speech.audio import wav_source
    from app.vision.capture import frames_from_file

    ctx = open_app(sys.argv[1])
    iv = int(sys.argv[2])
    def started(rec):
        print("STARTED", rec.id, flush=True)
    run_session(ctx.services.capture, iv, audio=wav_source(sys.argv[3], realtime=True),
                frames=decimate(frames_from_file(Path(sys.argv[4]), paced=True), 15), engine=None,
                on_recording=started)
    print("FINISHED", flush=True)
    """
)


@pytest.mark.slow
def test_killed_recording_is_found_and_recovered(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a recording process mid-interview; the next start finds it and recover() restores
    the audio (header), the video (segments joined) and the transcript of the unrecognised tail."""
    from app.speech.engine import SpeechSettings, create_engine

    require_model("faster-whisper-base")
    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    wav, _spans = _interview_wav(tmp_path)
    cs.record_consent(iv, audio=True, video=True, ai=False)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    video = shared_data("media/video/LivePortrait_d9.mp4")  # 19.6 s, longer than the kill time
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(demo_ctx.data.root), str(iv), str(wav), str(video)],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("STARTED"), proc.stderr.read() if proc.stderr else line
        time.sleep(12.5)  # past the first 10-second video segment, well before the end of the 18 s audio
        assert proc.poll() is None, "the recording ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    found = cs.interrupted()
    assert [r.interview_id for r in found] == [iv]
    assert found[0].audio_bytes > 32000 * 9 and found[0].video_segments >= 1
    engine = create_engine(SpeechSettings(engine="whisper", speaker_labels=False))
    report = cs.recover(found[0].recording_id, engine=engine)
    assert 10.0 <= report.audio_seconds <= 14.0  # flushed every second: at most ~1 s lost
    assert report.video_frames >= 140  # 15 fps; at most the encoder's buffer of the open segment is lost
    assert report.tail_segments >= 1 and report.tail_note == ""
    assert cs.interrupted() == []
    rec = cs.setup(iv).finished_recording
    assert rec is not None and rec.state == "recovered" and rec.audio_seconds == report.audio_seconds
    assert read_wav_info(rec.audio_path).duration == pytest.approx(report.audio_seconds)
    assert cs.segments(iv, "live")
    with pytest.raises(Conflict):
        cs.recover(found[0].recording_id)


def test_question_timeline_and_highlights() -> None:
    tl = QuestionTimeline()
    tl.set(0.0, 1)
    tl.set(30.0, 2)
    tl.set(55.5, None)
    assert [tl.at(t) for t in (0, 29.9, 30.0, 55.0, 60)] == [1, 1, 2, 2, None]
    text = "我用Python做过ROC曲线分析，AUC达到0.92，收治了30例患者，危急值要在15分钟内上报。"
    found = {text[h.start:h.end]: h.kind for h in highlights(text, ["ROC曲线", "危急值"])}
    assert found["危急值"] == "term"
    assert found["Python"] == "tool" and found["ROC曲线"] == "tool"  # the lexicon tags both as technology
    assert found["30例"] == "number" and found["15分钟"] == "number" and found["0.92"] == "number"
