"""The 录制 page after the interview and around it: replay (click a segment → seek), hand edits kept,
TXT/DOCX export; the recovery dialog at start after a SIGKILLed recording; the device dialog with no
devices (Chinese message, a way to continue with typed notes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.services.capture import format_clock, run_session
from app.speech.audio import wav_source
from app.speech.engine import Final
from tests.support import REPO_ROOT, shared_data
from ui.dialogs.devices import DevicesDialog
from ui.dialogs.recovery import RecoveryDialog
from ui.tabs.interview_capture import InterviewCapturePage, TranscriptEditDialog
from ui.workers import SyncPool


def _multimedia_available() -> bool:
    try:
        import PySide6.QtMultimedia  # noqa: F401
    except ImportError:
        return False
    return True


def _planned(ctx) -> int:  # type: ignore[no-untyped-def]
    cs = ctx.services.capture
    return next(iv.id for iv in cs.interviews() if iv.state == "planned" and cs.setup(iv.id).questions)


def _page(qtbot, ctx) -> InterviewCapturePage:  # type: ignore[no-untyped-def]
    page = InterviewCapturePage(ctx.services, SyncPool())
    qtbot.addWidget(page)
    page.resize(1400, 800)
    page.show()
    page.ensure_loaded()
    return page


class ModalAnswerer:
    """Answers the modal dialogs a page opens (``exec()`` blocks the test otherwise)."""

    def __init__(self, handler: Callable[[QDialog], bool]) -> None:
        self.handler = handler
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        w = QApplication.activeModalWidget()
        if isinstance(w, QDialog) and w.isVisible() and not getattr(w, "_answered", False):
            w._answered = True  # type: ignore[attr-defined]
            self.seen.append(type(w).__name__)
            if not self.handler(w):
                w._answered = False  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def recorded(demo_ctx, tmp_path):  # type: ignore[no-untyped-def]
    """A finished recording of two real clips with a two-segment transcript (no recogniser needed)."""
    from app.demo.recordings import concat_clips

    speech = shared_data("media/speech")
    wav = tmp_path / "interview.wav"
    spans = concat_clips([speech / "sherpa_paraformer_1.wav", speech / "masr_test.wav"], wav)
    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    cs.record_consent(iv, audio=True, video=False, ai=False)
    run_session(cs, iv, audio=wav_source(wav, chunk_seconds=0.5), frames=None, engine=None)
    texts = ("来，哥哥再给你唱首歌。", "近几年不但我用书给女儿压岁，也劝说亲朋不要给女儿压岁钱。")
    for i, (span, text) in enumerate(zip(spans, texts, strict=True), 1):
        cs.add_segment(iv, Final(span.start, span.end, text, (), "candidate"), i)
    return iv, spans, texts


def test_replay_seek_edit_and_export(qtbot, demo_ctx, recorded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    iv, spans, texts = recorded
    page = _page(qtbot, demo_ctx)
    page.select_interview(iv)
    assert [s.text for s in page.transcript.segments] == list(texts)
    assert page.play_button.isEnabled() and page.edit_button.isEnabled() and page.export_button.isEnabled()

    # a click on the second segment's time link seeks the player there and marks the segment
    page.transcript.anchorClicked.emit(QUrl("seg:1"))
    assert page.transcript._current == 1
    if _multimedia_available():
        assert page.player is not None
        assert page.player.source() == QUrl.fromLocalFile(str(page.setup.finished_recording.audio_path))
        qtbot.waitUntil(lambda: abs(page.player.position() - int(spans[1].start * 1000)) < 300, timeout=10000)
    else:  # no sound system library: the page says so in Chinese instead of failing
        assert page.player is None and "回放" in page._warnings["replay"]
    assert page.clock.text() == format_clock(spans[1].start)

    # edit by hand: the second text is corrected in the dialog and the edit is what is shown and kept
    def edit(dialog: QDialog) -> bool:
        if not isinstance(dialog, TranscriptEditDialog):
            return False
        dialog.model.item(1, 3).setText("近几年不但我用书给女儿压岁（已核对）")
        dialog.accept()
        return True

    answers = ModalAnswerer(edit)
    try:
        page.edit_transcript()
    finally:
        answers.stop()
    assert answers.seen == ["TranscriptEditDialog"]
    assert demo_ctx.services.capture.versions(iv) == ["live", "edited"]
    assert page.transcript.segments[1].text == "近几年不但我用书给女儿压岁（已核对）"
    assert page.version_combo.currentData() == "edited"

    again = _page(qtbot, demo_ctx)  # a fresh page (e.g. after a restart) shows the edited version
    again.select_interview(iv)
    assert again.transcript.segments[1].text.endswith("（已核对）")
    assert [s.text for s in demo_ctx.services.capture.segments(iv, "live")] == list(texts)  # the original is kept

    page.export_transcript(str(tmp_path / "t.txt"))
    body = (tmp_path / "t.txt").read_text(encoding="utf-8")
    assert "（已核对）" in body and texts[0] in body and "候选人" in body
    assert "t.txt" in page.status.text()
    page.version_combo.setCurrentIndex(page.version_combo.findData("live"))
    assert page.transcript.segments[1].text == texts[1]
    page.export_transcript(str(tmp_path / "t.docx"))
    import docx

    paragraphs = [p.text for p in docx.Document(str(tmp_path / "t.docx")).paragraphs]
    assert any(texts[1] in p for p in paragraphs) and not any("已核对" in p for p in paragraphs)


_CHILD = """
import sys
from app.context import open_app
from app.services.capture import format_clock, run_session
from app.speech.audio import wav_source

ctx = open_app(sys.argv[1])
def started(rec):
    print("STARTED", rec.id, flush=True)
run_session(ctx.services.capture, int(sys.argv[2]), audio=wav_source(sys.argv[3], realtime=True), frames=None,
            engine=None, on_recording=started)
print("FINISHED", flush=True)
"""


@pytest.mark.slow
def test_recording_of_a_killed_process_is_recovered_at_start(qtbot, demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.demo.recordings import concat_clips

    speech = shared_data("media/speech")
    wav = tmp_path / "long.wav"
    concat_clips([speech / "sherpa_qwen3asr_fast1.wav", speech / "sherpa_paraformer_5.wav"], wav)  # ~22 s
    cs = demo_ctx.services.capture
    iv = _planned(demo_ctx)
    cs.record_consent(iv, audio=True, video=False, ai=False)
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(demo_ctx.data.root), str(iv), str(wav)],
                            cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("STARTED"), proc.stderr.read() if proc.stderr else line
        time.sleep(5.5)
        assert proc.poll() is None, "the recording ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()

    # the next start: the page offers the interrupted recording, the user presses Recover
    texts: list[str] = []

    offered: list[list[int]] = []

    def answer(dialog: QDialog) -> bool:
        if isinstance(dialog, RecoveryDialog):  # seen again after the message box: then closed
            if dialog.items and not offered:
                offered.append([i.interview_id for i in dialog.items])
                QTimer.singleShot(0, dialog.recover_button.click)  # not inside this timer's slot: it opens a box
                return False
            dialog.reject()  # recovered (or failed: the assertions below say which)
            return True
        if isinstance(dialog, QMessageBox):
            texts.append(dialog.text())
            dialog.accept()
            return True
        return False

    page = _page(qtbot, demo_ctx)
    answers = ModalAnswerer(answer)
    try:
        page.offer_recovery()
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and len(answers.seen) >= 3, timeout=60000)
    finally:
        answers.stop()
    assert answers.seen[0] == "RecoveryDialog" and offered == [[iv]]
    assert texts and "录音：保留了" in texts[0]
    assert cs.interrupted() == []
    rec = cs.setup(iv).finished_recording
    assert rec is not None and rec.state == "recovered" and 4.0 <= rec.audio_seconds <= 8.0
    page.select_interview(iv)
    assert page.play_button.isEnabled()  # the recovered audio can be replayed


def test_device_dialog_without_devices_says_so_and_lets_the_interview_go_on(qtbot, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, demo_ctx)

    def no_devices() -> list:
        return []

    dialog = DevicesDialog(demo_ctx.services, SyncPool(), page, find_microphones=no_devices, find_cameras=no_devices)
    qtbot.addWidget(dialog)
    assert dialog.mic_message.text().startswith("未找到麦克风"), dialog.mic_message.text()
    assert dialog.camera_message.text().startswith("未找到摄像头")
    assert not dialog.listen_button.isEnabled() and not dialog.test_button.isEnabled()
    assert not dialog.preview_button.isEnabled() and not dialog.enrol_button.isEnabled()
    assert "文字记录" in dialog.mic.currentText() and dialog.camera.count() == 1
    ok = dialog.buttons.buttons()[0]
    assert ok.isEnabled()
    dialog.accept()
    assert dialog.choice().microphone is None and dialog.choice().camera is None

    # the interview goes on with typed notes and the page says why
    page.devices = dialog.choice()
    iv = _planned(demo_ctx)
    page.select_interview(iv)
    page.save_consent(True, True, False)
    page.start_recording()
    assert page.is_recording() and page.audio_worker is None and page.video_worker is None
    shown = " ".join(page._warnings.values())
    assert "麦克风" in shown and "摄像头" in shown
    page.notes.setPlainText("设备不可用，手写记录。")
    page.stop_recording()
    assert demo_ctx.services.capture.setup(iv).questions[0].notes == "设备不可用，手写记录。"
