"""The 录制 page with file-fed sources: consent first, live recording into the DB, marks and notes,
PageDown through the plan, declined consent, recovery dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.services.capture import decimate
from app.speech.audio import wav_source
from tests.support import require_model, shared_data
from ui.dialogs.consent import ConsentDialog
from ui.tabs.interview_capture import InterviewCapturePage
from ui.workers import SyncPool


def _wav(tmp_path: Path) -> Path:
    from app.demo.recordings import concat_clips

    speech = shared_data("media/speech")
    out = tmp_path / "interview.wav"
    concat_clips([speech / "sherpa_paraformer_1.wav", speech / "sherpa_funasrnano_rag_chemistry.wav"], out)
    return out


def _page(qtbot, demo_ctx, tmp_path, engine_factory=None):  # type: ignore[no-untyped-def]
    from app.vision.capture import frames_from_file

    wav = _wav(tmp_path)
    video = shared_data("media/video/LivePortrait_d3.mp4")
    page = InterviewCapturePage(
        demo_ctx.services, SyncPool(),
        audio_factory=lambda cancel: wav_source(wav, chunk_seconds=0.1, realtime=True, cancel=cancel),
        frame_factory=lambda cancel: decimate(frames_from_file(video, paced=True, cancel=cancel), 15),
        engine_factory=engine_factory,
    )
    qtbot.addWidget(page)
    page.resize(1400, 800)
    page.show()
    page.ensure_loaded()
    return page


def _planned(page: InterviewCapturePage, demo_ctx) -> int:  # type: ignore[no-untyped-def]
    cs = demo_ctx.services.capture
    iv = next(i.id for i in cs.interviews() if i.state == "planned" and cs.setup(i.id).questions)
    page.select_interview(iv)
    assert page.setup is not None and page.setup.interview_id == iv
    return iv


def test_consent_dialog_needs_every_answer(qtbot) -> None:  # type: ignore[no-untyped-def]
    d = ConsentDialog("张三")
    qtbot.addWidget(d)
    ok = d.buttons.buttons()[0]
    assert not d.complete() and not ok.isEnabled()
    d.yes["audio"].setChecked(True)
    d.no["video"].setChecked(True)
    assert not d.complete()
    d.no["ai"].setChecked(True)
    assert d.complete() and d.answers() == (True, False, False)
    from PySide6.QtWidgets import QTextBrowser

    text = d.findChild(QTextBrowser).toPlainText()
    assert "第二十八条" in text and "180 天" in text  # the notice is shown in Chinese, with the retention period


def test_declined_interview_runs_with_notes_only(qtbot, demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, demo_ctx, tmp_path)
    iv = _planned(page, demo_ctx)
    assert page.start_button.isEnabled() and not page.stop_button.isEnabled()
    page.save_consent(False, False, False)
    assert page.setup.consent.given
    page.start_recording()
    assert page.is_recording()
    assert page.audio_worker is None and page.video_worker is None  # nothing captured
    assert "同意" in page.video._message
    page.notes.setPlainText("候选人拒绝录音录像，手写记录：回答完整。")
    qtbot.keyClick(page.notes, Qt.Key.Key_PageDown)
    assert page.current == 1
    page.mark.setValue(8)
    page.stop_recording()
    assert not page.is_recording()
    setup = demo_ctx.services.capture.setup(iv)
    assert setup.questions[0].notes.startswith("候选人拒绝") and setup.questions[1].mark == 8
    assert setup.finished_recording is not None and setup.finished_recording.audio_path is None
    assert not (demo_ctx.data.archive / "recordings" / f"interview_{iv}").exists()


@pytest.mark.slow
def test_live_recording_from_files(qtbot, demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.speech.engine import SpeechSettings, create_engine

    require_model("faster-whisper-base")
    page = _page(qtbot, demo_ctx, tmp_path, engine_factory=lambda vocab: create_engine(
        SpeechSettings(engine="whisper", hotwords=vocab, speaker_labels=False)))
    iv = _planned(page, demo_ctx)
    page.save_consent(True, True, True)
    page.start_recording()
    assert page.is_recording() and page.audio_worker is not None and page.video_worker is not None
    qtbot.waitUntil(lambda: page.video.frames_shown >= 30, timeout=20000)
    assert page.video.indicators()  # face / gaze indicators with AI consent
    qtbot.waitUntil(lambda: page.meter.level > 0, timeout=10000)
    # the interviewer moves on in the pause between the two clips (8.3 s – 9.8 s of the stream)
    qtbot.waitUntil(lambda: page.stream_seconds() >= 8.8, timeout=30000)
    page.next_question()
    assert page.timeline.at(9.5) == 2
    qtbot.waitUntil(lambda: len(page.transcript.segments) >= 1, timeout=30000)
    qtbot.waitUntil(lambda: "_ended" in dir(page) and "audio" in page._ended, timeout=30000)
    page.stop_recording()
    qtbot.waitUntil(lambda: not page.is_recording() and page.recording is not None
                    and page.recording.state == "finished", timeout=60000)
    cs = demo_ctx.services.capture
    live = cs.segments(iv, "live")
    assert len(live) == len(page.transcript.segments) >= 2
    assert live[0].question_index == 1 and live[-1].question_index == 2, (page.timeline.changes, live)
    assert cs.observation_count(iv) >= 8
    rec = cs.setup(iv).finished_recording
    assert rec is not None and rec.audio_path.is_file() and rec.video_file.is_file()
    assert page.play_button.isEnabled() and page.export_button.isEnabled()
    page.export_transcript(str(tmp_path / "out.txt"))
    assert live[0].text in (tmp_path / "out.txt").read_text(encoding="utf-8")
