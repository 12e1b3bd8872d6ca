"""录制: the live interview page — consent first, devices, recording with live transcript and video
indicators, moving through the plan (PageDown/PageUp), marks and notes, then replay, re-transcription,
hand edits and export.

Sources are injectable (``audio_factory``, ``frame_factory``, ``engine_factory``) so tests and the
benchmark feed files; by default they come from the devices chosen in the devices dialog and the
speech engine of the settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.timeutil import to_local
from app.errors import AppError
from app.i18n import _
from app.services.capture import (
    CaptureSetup,
    ChunkQueue,
    InterviewChoice,
    ObservationValues,
    QuestionTimeline,
    RecordingInfo,
    SegmentEdit,
    SegmentRow,
    disk_warning,
    format_clock,
    version_label,
)
from app.speech.audio import AudioChunk
from app.speech.engine import Final, SpeechEngine
from app.tasks import CancelToken, ChangeSet
from ui.dialogs.consent import ConsentDialog
from ui.dialogs.devices import DeviceChoice, DevicesDialog
from ui.tabs.base import Tab
from ui.widgets.level_meter import LevelMeter
from ui.widgets.progress import run_with_progress
from ui.widgets.transcript_view import ShownSegment, TranscriptView
from ui.widgets.video_view import VideoView
from ui.workers_stream import AsrWorker, AudioWorker, PreparedEngine, VideoWorker, stop_all

log = logging.getLogger(__name__)

AudioFactory = Callable[[CancelToken], Iterable[AudioChunk]]
FrameFactory = Callable[[CancelToken], Iterable[Any]]
EngineFactory = Callable[[tuple[str, ...]], SpeechEngine]

OBSERVATION_BATCH = 5


def default_engine(vocabulary: tuple[str, ...], interviewer_vector: list[float] | None = None) -> SpeechEngine:
    """The engine and model of the settings, with the position's vocabulary and the enrolled voice."""
    from app import config
    from app.speech.engine import SpeechSettings, create_engine

    settings = config.load()
    return create_engine(SpeechSettings(engine=settings.speech_engine, model=settings.speech_model or None,
                                        hotwords=vocabulary, interviewer_vector=tuple(interviewer_vector or ())))


class InterviewCapturePage(Tab):
    KEY = "interview_capture"
    TABLES = frozenset({"interviews", "interview_questions", "interview_recordings", "transcript_segments",
                        "speaker_profiles"})

    def __init__(
        self,
        *args: Any,
        audio_factory: AudioFactory | None = None,
        frame_factory: FrameFactory | None = None,
        engine_factory: EngineFactory | None = None,
        retention_days: int = 180,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.audio_factory = audio_factory
        self.frame_factory = frame_factory
        self.engine_factory = engine_factory
        self.retention_days = retention_days
        self.devices = DeviceChoice(None, None, "")
        self.setup: CaptureSetup | None = None
        self.recording: RecordingInfo | None = None
        self.current = 0  # index into setup.questions
        self.timeline = QuestionTimeline()
        self.audio_worker: AudioWorker | None = None
        self.asr_worker: AsrWorker | None = None
        self.video_worker: VideoWorker | None = None
        self.analyzer: Any = None  # PacedAnalyzer of the running recording (skipped share)
        self._prepared: PreparedEngine | None = None  # recogniser built ahead for the interview on screen
        self._prepared_for: tuple[Any, ...] | None = None
        self._obs_pending: list[ObservationValues] = []
        self._ended: set[str] = set()
        self._engine_label = ""
        self._started_at = 0.0
        self._stopping = False
        self._warnings: dict[str, str] = {}
        self.player: Any = None
        self._build()
        self._connect_signals()
        self._set_state()

    # ================================================================ layout
    def _build(self) -> None:
        self.interview_combo = QComboBox(self)
        self.interview_combo.setMinimumWidth(320)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.consent_button = QPushButton(_("Consent…"), self)
        self.devices_button = QPushButton(_("Devices…"), self)
        self.start_button = QPushButton(_("Start recording"), self)
        self.stop_button = QPushButton(_("Stop recording"), self)
        self.recover_button = QPushButton(_("Recover…"), self)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("color:#b03a2e;")
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Interview"), self))
        top.addWidget(self.interview_combo, 1)
        for b in (self.consent_button, self.devices_button, self.start_button, self.stop_button, self.recover_button):
            top.addWidget(b)

        # left: video, level, status
        self.video = VideoView(self)
        self.meter = LevelMeter(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.video, 1)
        lv.addWidget(self.meter)
        lv.addWidget(self.status)

        # middle: the question on screen, mark and notes
        qbox = QGroupBox(_("Question"), self)
        self.question_title = QLabel(qbox)
        self.question_text = QLabel(qbox)
        self.question_text.setWordWrap(True)
        self.question_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_points = QLabel(qbox)
        self.key_points.setWordWrap(True)
        self.key_points.setStyleSheet("color:#506070;")
        self.prev_button = QPushButton(_("◀ Previous (PgUp)"), qbox)
        self.next_button = QPushButton(_("Next (PgDn) ▶"), qbox)
        self.mark = QDoubleSpinBox(qbox)
        self.mark.setRange(-1, 10)
        self.mark.setSingleStep(0.5)
        self.mark.setDecimals(1)
        self.mark.setSpecialValueText(_("no mark"))
        self.mark.setValue(-1)
        self.notes = QPlainTextEdit(qbox)
        self.notes.setPlaceholderText(_("Typed notes on this answer"))
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addStretch(1)
        nav.addWidget(QLabel(_("Mark (0–10)"), qbox))
        nav.addWidget(self.mark)
        qv = QVBoxLayout(qbox)
        qv.addWidget(self.question_title)
        qv.addWidget(self.question_text)
        qv.addWidget(self.key_points)
        qv.addLayout(nav)
        qv.addWidget(self.notes, 1)

        # right: transcript and replay
        self.transcript = TranscriptView(self)
        self.version_combo = QComboBox(self)
        self.play_button = QPushButton(_("Play"), self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.clock = QLabel("00:00", self)
        self.retranscribe_button = QPushButton(_("Re-transcribe"), self)
        self.edit_button = QPushButton(_("Edit…"), self)
        self.export_button = QPushButton(_("Export…"), self)
        replay = QHBoxLayout()
        replay.addWidget(self.play_button)
        replay.addWidget(self.slider, 1)
        replay.addWidget(self.clock)
        tools = QHBoxLayout()
        tools.addWidget(QLabel(_("Version"), self))
        tools.addWidget(self.version_combo)
        tools.addStretch(1)
        tools.addWidget(self.retranscribe_button)
        tools.addWidget(self.edit_button)
        tools.addWidget(self.export_button)
        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.transcript, 1)
        rv.addLayout(replay)
        rv.addLayout(tools)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(qbox)
        split.addWidget(right)
        split.setSizes([420, 360, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)

        self.next_shortcut = QShortcut(QKeySequence(Qt.Key.Key_PageDown), self)
        self.prev_shortcut = QShortcut(QKeySequence(Qt.Key.Key_PageUp), self)
        for sc in (self.next_shortcut, self.prev_shortcut):
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.frame_timer = QTimer(self)
        self.frame_timer.setInterval(20)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(500)
        self.notes_timer = QTimer(self)
        self.notes_timer.setSingleShot(True)
        self.notes_timer.setInterval(1500)

    def _connect_signals(self) -> None:
        self.interview_combo.currentIndexChanged.connect(self._on_interview_combo_current_index_changed)
        self.consent_button.clicked.connect(self.ask_consent)
        self.devices_button.clicked.connect(self.choose_devices)
        self.start_button.clicked.connect(self.start_recording)
        self.stop_button.clicked.connect(self.stop_recording)
        self.recover_button.clicked.connect(self.offer_recovery)
        self.prev_button.clicked.connect(self.previous_question)
        self.next_button.clicked.connect(self.next_question)
        self.next_shortcut.activated.connect(self.next_question)
        self.prev_shortcut.activated.connect(self.previous_question)
        self.mark.valueChanged.connect(self._on_mark_value_changed)
        self.notes.textChanged.connect(self.notes_timer.start)
        self.notes_timer.timeout.connect(self.save_notes)
        self.frame_timer.timeout.connect(self._on_frame_timer_timeout)
        self.clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self.transcript.seek_requested.connect(self.seek)
        self.version_combo.currentIndexChanged.connect(self._on_version_combo_current_index_changed)
        self.play_button.clicked.connect(self.toggle_play)
        self.slider.sliderMoved.connect(lambda ms: self.seek(ms / 1000.0))
        self.retranscribe_button.clicked.connect(self.retranscribe)
        self.edit_button.clicked.connect(self.edit_transcript)
        self.export_button.clicked.connect(self.export_transcript)
        self.notes.installEventFilter(self)

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt API
        """PageDown/PageUp move through the plan even while typing notes (the editor would page instead)."""
        from PySide6.QtCore import QEvent

        if watched is self.notes and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key = event.key()
            if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp) and not event.modifiers():
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # deliver it as a key press here, not to the page's shortcut as well
                    return False
                self._go(1 if key == Qt.Key.Key_PageDown else -1)
                return True
        return super().eventFilter(watched, event)

    def title(self) -> str:
        return _("Recording")

    # ================================================================ loading
    def reload(self) -> None:
        if self.is_recording():
            return  # nothing on screen may change under a running interview
        self.load(lambda: (self.services.capture.interviews(), self.services.capture.interrupted()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[InterviewChoice], list[Any]]) -> None:
        rows, interrupted = result
        keep = self.setup.interview_id if self.setup else None
        self.interview_combo.blockSignals(True)
        self.interview_combo.clear()
        for r in rows:
            when = to_local(r.scheduled_at).strftime("%m-%d %H:%M") if r.scheduled_at else ""
            self.interview_combo.addItem(f"{when} {r.candidate} · {r.position}", r.id)
        self.interview_combo.blockSignals(False)
        self.recover_button.setVisible(bool(interrupted))
        if interrupted:
            self._warn("interrupted", _("{n} interrupted recording(s) can be recovered: press Recover.").format(
                n=len(interrupted)))
        else:
            self._warnings.pop("interrupted", None)
            self._show_warnings()
        if not rows:
            self.setup = None
            self._set_state()
            return
        pos = self.interview_combo.findData(keep) if keep is not None else -1
        if pos < 0:
            planned = next((i for i, r in enumerate(rows) if r.state == "planned"), 0)
            pos = planned
        self.interview_combo.setCurrentIndex(pos)
        self.select_interview(int(self.interview_combo.itemData(pos)))

    def select_interview(self, interview_id: int) -> None:
        pos = self.interview_combo.findData(interview_id)
        if pos >= 0 and pos != self.interview_combo.currentIndex():
            self.interview_combo.blockSignals(True)
            self.interview_combo.setCurrentIndex(pos)
            self.interview_combo.blockSignals(False)
        self.load(lambda: self.services.capture.setup(interview_id), self._on_setup_loaded)

    def _on_interview_combo_current_index_changed(self, index: int) -> None:
        if index >= 0 and not self.is_recording():
            self.select_interview(int(self.interview_combo.itemData(index)))

    def _on_setup_loaded(self, setup: CaptureSetup) -> None:
        self.setup = setup
        self.current = min(self.current, max(0, len(setup.questions) - 1)) if self.recording else 0
        self.transcript.set_vocabulary(setup.vocabulary)
        if not getattr(self, "_tokenizer_warm", False):  # jieba loads its dictionary once (~1 s): not on the GUI thread
            self._tokenizer_warm = True
            from app.text.tokenize import cut

            self.pool.submit(lambda: cut("预热"), lane="io")
        self._show_info()
        self._show_question()
        self._set_state()
        if not self.is_recording():
            self._prepare_engine()
            self._load_versions()

    def _show_info(self) -> None:
        s = self.setup
        if s is None:
            self.info.setText("")
            return
        c = s.consent
        if not c.given:
            consent = _("consent not yet asked")
        else:
            yes, no = _("yes"), _("no")
            consent = _("audio {audio}, video {video}, AI analysis {ai}").format(
                audio=yes if c.audio else no, video=yes if c.video else no, ai=yes if c.ai else no)
        when = to_local(s.scheduled_at).strftime("%Y-%m-%d %H:%M") if s.scheduled_at else ""
        self.info.setText(_("<b>{candidate}</b> · {position} · {when} · interviewers: {interviewers} · "
                            "{n} planned questions · consent: {consent}").format(
            candidate=s.candidate, position=s.position, when=when, interviewers=s.interviewers or "—",
            n=len(s.questions), consent=consent))

    # ================================================================ state
    def is_recording(self) -> bool:
        return self.recording is not None and self.recording.state == "recording"

    def _set_state(self) -> None:
        s = self.setup
        recording = self.is_recording()
        done = s is not None and s.finished_recording is not None
        self.interview_combo.setEnabled(not recording)
        self.consent_button.setEnabled(s is not None and not recording and not done)
        self.devices_button.setEnabled(not recording)
        self.start_button.setEnabled(s is not None and not recording and not done and s.open_recording is None)
        self.stop_button.setEnabled(recording and not self._stopping)
        has_q = s is not None and bool(s.questions)
        for w in (self.prev_button, self.next_button, self.mark, self.notes):
            w.setEnabled(has_q)
        has_audio = done and s is not None and s.finished_recording is not None and \
            s.finished_recording.audio_path is not None
        self.play_button.setEnabled(bool(has_audio) and not recording)
        self.slider.setEnabled(bool(has_audio) and not recording)
        self.retranscribe_button.setEnabled(bool(has_audio) and not recording)
        self.edit_button.setEnabled(done and not recording and bool(self.transcript.segments))
        self.export_button.setEnabled(done and not recording and bool(self.transcript.segments))
        self.version_combo.setEnabled(not recording)
        if s is None:
            self.status.setText(_("Choose an interview."))
        elif not recording and not done:
            self.status.setText(self._device_summary())

    def _device_summary(self) -> str:
        mic = _("file source") if self.audio_factory else (
            _("microphone {index}").format(index=self.devices.microphone) if self.devices.microphone is not None
            else _("no microphone"))
        cam = _("file source") if self.frame_factory else (
            _("camera {index}").format(index=self.devices.camera) if self.devices.camera is not None
            else _("no camera"))
        return _("Audio: {mic}; video: {cam}. Press Devices to change.").format(mic=mic, cam=cam)

    def _warn(self, key: str, text: str) -> None:
        self._warnings[key] = text
        self._show_warnings()

    def _show_warnings(self) -> None:
        self.banner.setText("\n".join(self._warnings.values()))
        self.banner.setVisible(bool(self._warnings))

    # ================================================================ questions
    def _show_question(self) -> None:
        s = self.setup
        if s is None or not s.questions:
            self.question_title.setText(_("This interview has no question plan; typed notes go into the session "
                                          "notes.") if s else "")
            self.question_text.setText("")
            self.key_points.setText("")
            return
        q = s.questions[self.current]
        self.question_title.setText(_("Question {n} of {total} · {dimension} · {qtype}").format(
            n=self.current + 1, total=len(s.questions), dimension=q.question.dimension, qtype=q.question.qtype))
        self.question_text.setText(q.question.text)
        points = "；".join(q.question.key_points)
        self.key_points.setText(_("Key points: {points}").format(points=points) if points else "")
        for w, value in ((self.mark, q.mark if q.mark is not None else -1.0),):
            w.blockSignals(True)
            w.setValue(value)
            w.blockSignals(False)
        self.notes.blockSignals(True)
        self.notes.setPlainText(q.notes)
        self.notes.blockSignals(False)

    def current_question_number(self) -> int | None:
        if self.setup is None or not self.setup.questions:
            return None
        return self.setup.questions[self.current].question.position_in_plan

    def _go(self, step: int) -> None:
        s = self.setup
        if s is None or not s.questions:
            return
        target = min(len(s.questions) - 1, max(0, self.current + step))
        if target == self.current:
            return
        self.save_notes()
        self.current = target
        self._show_question()
        if self.is_recording():
            self.timeline.set(self.stream_seconds(), self.current_question_number())

    def next_question(self) -> None:
        self._go(1)

    def previous_question(self) -> None:
        self._go(-1)

    def _replace_question_state(self, mark: float | None = None, notes: str | None = None) -> None:
        from dataclasses import replace

        s = self.setup
        if s is None or not s.questions:
            return
        qs = list(s.questions)
        q = qs[self.current]
        qs[self.current] = replace(q, mark=q.mark if mark is None else (None if mark < 0 else mark),
                                   notes=q.notes if notes is None else notes)
        self.setup = replace(s, questions=tuple(qs))

    def _on_mark_value_changed(self, value: float) -> None:
        number = self.current_question_number()
        if number is None or self.setup is None:
            return
        iv = self.setup.interview_id
        mark = None if value < 0 else float(value)
        self._replace_question_state(mark=value)
        self.pool.submit(lambda: self.services.capture.set_mark(iv, number, mark), lane="db",
                         on_error=self.show_error)

    def save_notes(self) -> None:
        self.notes_timer.stop()
        number = self.current_question_number()
        if number is None or self.setup is None:
            return
        text = self.notes.toPlainText()
        if text == self.setup.questions[self.current].notes:
            return
        iv = self.setup.interview_id
        self._replace_question_state(notes=text)
        self.pool.submit(lambda: self.services.capture.set_notes(iv, number, text), lane="db",
                         on_error=self.show_error)

    # ================================================================ consent and devices
    def ask_consent(self, then: Callable[[], None] | None = None) -> None:
        s = self.setup
        if s is None:
            return
        dialog = ConsentDialog(s.candidate, self.retention_days, self)
        if s.consent.given:
            dialog.set_answers(s.consent.audio, s.consent.video, s.consent.ai)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.save_consent(*dialog.answers(), then=then if callable(then) else None)

    def save_consent(self, audio: bool, video: bool, ai: bool, then: Callable[[], None] | None = None) -> None:
        assert self.setup is not None
        iv = self.setup.interview_id

        def done(_c: ChangeSet) -> None:
            self.load(lambda: self.services.capture.setup(iv), lambda st: (self._on_setup_loaded(st), then and then()))

        self.pool.submit(lambda: self.services.capture.record_consent(iv, audio=audio, video=video, ai=ai),
                         lane="db", on_done=done, on_error=self.show_error)

    def choose_devices(self) -> None:
        dialog = DevicesDialog(self.services, self.pool, self, self.devices)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.devices = dialog.choice()
            self._set_state()
            self._prepare_engine()  # the enrolled interviewer's voice is part of the recogniser

    # ================================================================ recording
    def start_recording(self) -> None:
        s = self.setup
        if s is None or self.is_recording():
            return
        if not s.consent.given:
            self.ask_consent(then=self.start_recording)
            return
        iv = s.interview_id
        engine_name = self._engine_name()
        self.pool.submit(lambda: self.services.capture.start_recording(iv, engine=engine_name), lane="db",
                         on_done=self._on_recording_started, on_error=self.show_error)

    def _engine_name(self) -> str:
        from app import config

        return config.load().speech_engine

    def _audio_source(self) -> AudioFactory | None:
        if self.audio_factory is not None:
            return self.audio_factory
        device = self.devices.microphone
        if device is None:
            return None
        from app.speech.audio import microphone_source

        return lambda cancel: microphone_source(device, cancel=cancel)

    def _frame_source(self) -> FrameFactory | None:
        if self.frame_factory is not None:
            return self.frame_factory
        index = self.devices.camera
        if index is None:
            return None
        from app.vision.capture import frames_from_camera

        return lambda cancel: frames_from_camera(index, cancel=cancel)

    def _make_engine(self) -> SpeechEngine:
        vocab = self.setup.vocabulary if self.setup else ()
        if self.engine_factory is not None:
            return self.engine_factory(vocab)
        vector = self.services.capture.speaker_vector(self.devices.interviewer) if self.devices.interviewer else None
        return default_engine(vocab, vector)

    def _prepare_engine(self) -> None:
        """Build and warm up the recogniser in the pool once audio is consented, before recording starts."""
        s = self.setup
        if s is None or not (s.consent.given and s.consent.audio):
            return
        key = self._engine_key()
        if self._prepared is not None and self._prepared_for == key:
            return
        prepared = PreparedEngine(self._make_engine)
        self._prepared, self._prepared_for = prepared, key
        self.pool.submit(prepared.build, lane="io")

    def _engine_key(self) -> tuple[Any, ...]:
        """What the prepared recogniser depends on (interview vocabulary, enrolled voice, engine setting)."""
        s = self.setup
        return (s.interview_id if s else None, s.vocabulary if s else (), self.devices.interviewer,
                self.engine_factory, self._engine_name())

    def _on_recording_started(self, rec: RecordingInfo) -> None:
        assert self.setup is not None
        consent = self.setup.consent
        self.recording = rec
        self._stopping = False
        self._warnings.clear()
        self.timeline = QuestionTimeline()
        self.timeline.set(0.0, self.current_question_number())
        self.transcript.clear_segments()
        self.transcript.set_placeholder(_("The transcript appears here while the candidate speaks."))
        self._obs_pending = []
        self._ended: set[str] = set()
        self._started_at = time.monotonic()
        audio = self._audio_source() if consent.audio else None
        frames = self._frame_source() if consent.video else None
        if consent.audio and audio is None:
            self._warn("audio", _("No microphone is selected: nothing is recorded or transcribed. Type the notes."))
        if consent.video and frames is None:
            self._warn("video", _("No camera is selected: the interview continues without video."))
        if not consent.audio:
            self.transcript.set_placeholder(_("The candidate did not consent to audio recording: type the notes."))
        if not consent.video:
            self.video.set_message(_("No video: the candidate did not consent to video recording."))
        chunks = ChunkQueue() if audio is not None else None
        if audio is not None:
            self.audio_worker = AudioWorker(audio, rec.audio_path, chunks, self)
            self.audio_worker.level.connect(self._on_audio_level)
            self.audio_worker.low_space.connect(self._on_low_space)
            self.audio_worker.failed.connect(self._on_audio_failed)
            self.audio_worker.ended.connect(lambda: self._on_worker_ended("audio"))
            assert chunks is not None
            queue_ = chunks

            prepared = self._prepared if self._prepared_for == self._engine_key() else None
            self._prepared, self._prepared_for = None, None

            def make_engine() -> SpeechEngine:  # runs in the recogniser thread
                engine = prepared.take() if prepared is not None else None
                engine = engine if engine is not None else self._make_engine()
                if hasattr(engine, "backlog"):  # whisper groups waiting utterances when it falls behind
                    engine.backlog = lambda: queue_.backlog_seconds
                return engine

            self.asr_worker = AsrWorker(make_engine, chunks, self)
            self.asr_worker.ready.connect(self._on_asr_ready)
            self.asr_worker.partial.connect(self.transcript.set_partial)
            self.asr_worker.final.connect(self._on_final)
            self.asr_worker.failed.connect(self._on_asr_failed)
            self.asr_worker.ended.connect(lambda: self._on_worker_ended("asr"))
        if frames is not None:
            # Late frames are recorded but not analysed, so analysis never holds up recording or speech.
            from app.vision.analysis import PacedAnalyzer

            backlog = (lambda q=chunks: q.backlog_seconds) if chunks is not None and self.asr_worker is not None else None
            self.analyzer = PacedAnalyzer(backlog=backlog) if consent.observations else None
            self.video_worker = VideoWorker(frames, rec.video_dir, analyze=consent.observations, parent=self,
                                            analyzer=self.analyzer)
            self.video_worker.second.connect(self._on_video_second)
            self.video_worker.low_space.connect(self._on_low_space)
            self.video_worker.failed.connect(self._on_video_failed)
            self.video_worker.ended.connect(lambda: self._on_worker_ended("video"))
            self.video.set_message(_("Waiting for the camera…"))
        for w in (self.asr_worker, self.audio_worker, self.video_worker):
            if w is not None:
                w.start()
        self.frame_timer.start()
        self.clock_timer.start()
        self._set_state()
        self._on_clock_timer_timeout()

    def stream_seconds(self) -> float:
        if self.audio_worker is not None and self.audio_worker.isRunning():
            return self.audio_worker.seconds
        return time.monotonic() - self._started_at if self._started_at else 0.0

    def _on_audio_level(self, level: float, _t: float) -> None:
        self.meter.set_level(level)

    def _on_asr_ready(self, name: str) -> None:
        self._engine_label = name

    def _on_final(self, final: Final) -> None:
        if self.setup is None:
            return
        iv = self.setup.interview_id
        qi = self.timeline.at((final.start + final.end) / 2)
        self.transcript.add_segment(ShownSegment(final.start, final.end, final.speaker or "", final.text, qi))
        self.pool.submit(lambda: self.services.capture.add_segment(iv, final, qi), lane="db", on_error=self.show_error)

    def _on_video_second(self, summary: Any) -> None:
        self._obs_pending.append(ObservationValues.of(summary))
        if len(self._obs_pending) >= OBSERVATION_BATCH:
            self._flush_observations()

    def _flush_observations(self) -> None:
        if not self._obs_pending or self.setup is None:
            return
        batch, self._obs_pending = self._obs_pending, []
        iv = self.setup.interview_id
        self.pool.submit(lambda: self.services.capture.add_observations(iv, batch), lane="db", on_error=self.show_error)

    def _on_frame_timer_timeout(self) -> None:
        if self.video_worker is None:
            return
        item = self.video_worker.latest()
        if item is not None:
            image, obs, _t = item
            self.video.set_frame(image, obs)

    def _on_clock_timer_timeout(self) -> None:
        if not self.is_recording():
            return
        parts = [_("Recording {clock}").format(clock=format_clock(self.stream_seconds()))]
        if self.asr_worker is not None and self.asr_worker.isRunning() and self.audio_worker is not None:
            backlog = self.audio_worker.chunks.backlog_seconds if self.audio_worker.chunks else 0.0
            if backlog > 5:
                parts.append(_("transcript {seconds} s behind").format(seconds=int(backlog)))
        self.status.setText(" · ".join(parts))

    def _on_low_space(self, space: Any) -> None:
        self._warn("disk", disk_warning(space))

    def _on_audio_failed(self, exc: BaseException) -> None:
        reason = exc.message if isinstance(exc, AppError) else str(exc)
        self.meter.reset()
        self._warn("audio", _("Audio stopped: {reason} The recording so far is kept; video and typed notes "
                              "continue.").format(reason=reason))

    def _on_asr_failed(self, exc: BaseException) -> None:
        reason = exc.message if isinstance(exc, AppError) else str(exc)
        self._warn("asr", _("Live transcript unavailable: {reason} The audio is still recorded and can be "
                            "transcribed afterwards.").format(reason=reason))

    def _on_video_failed(self, exc: BaseException) -> None:
        reason = exc.message if isinstance(exc, AppError) else str(exc)
        self.video.set_message(_("No video"))
        self._warn("video", _("Video stopped: {reason} The recording so far is kept; audio and typed notes "
                              "continue.").format(reason=reason))

    def stop_recording(self) -> None:
        if not self.is_recording() or self._stopping:
            return
        self._stopping = True
        self.save_notes()
        for w in (self.audio_worker, self.video_worker):
            if w is not None:
                w.stop()
        self.status.setText(_("Stopping: the last sentence is being transcribed…"))
        self._set_state()
        self._maybe_finish()  # with no stream running (everything declined) this finishes at once

    def _workers(self) -> dict[str, Any]:
        return {k: w for k, w in (("audio", self.audio_worker), ("asr", self.asr_worker),
                                  ("video", self.video_worker)) if w is not None}

    def _on_worker_ended(self, key: str) -> None:
        self._ended.add(key)
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        workers = self._workers()
        sources = {k for k in workers if k != "asr"}
        if not self._stopping:
            if sources and sources <= self._ended:
                self._warn("ended", _("The sources ended. Press Stop recording to finish the interview."))
            return
        if set(workers) <= self._ended:
            self._finish()

    def _finish(self) -> None:
        if self.recording is None or self.recording.state != "recording":
            return
        stop_all([self.audio_worker, self.asr_worker, self.video_worker])
        self.frame_timer.stop()
        self.clock_timer.stop()
        self._flush_observations()
        rec_id = self.recording.id
        self.recording = RecordingInfo(rec_id, self.recording.interview_id, self.recording.audio_path,
                                       self.recording.video_dir, "finishing", self.recording.started_at, None, 0.0,
                                       self.recording.engine)
        self.audio_worker = self.asr_worker = self.video_worker = None
        self.meter.reset()
        capture = self.services.capture

        def job(progress: Any, cancel: Any) -> RecordingInfo:
            return capture.finish_recording(rec_id, progress=progress, cancel=cancel)

        run_with_progress(self, self.pool, _("Saving the recording…"), job, self._on_finished)

    def _on_finished(self, rec: RecordingInfo) -> None:
        self.recording = rec
        self._stopping = False
        self._warnings.pop("ended", None)
        self._show_warnings()
        self.status.setText(_("Recording saved ({clock}).").format(clock=format_clock(rec.audio_seconds)))
        if self.setup is not None:
            self.select_interview(self.setup.interview_id)

    # ================================================================ after the interview
    def _load_versions(self) -> None:
        if self.setup is None:
            return
        iv = self.setup.interview_id
        self.load(lambda: (self.services.capture.versions(iv), self.services.capture.segments(iv)),
                  self._on_versions_loaded)

    def _on_versions_loaded(self, result: tuple[list[str], list[SegmentRow]]) -> None:
        versions, rows = result
        self.version_combo.blockSignals(True)
        self.version_combo.clear()
        for v in versions:
            self.version_combo.addItem(version_label(v), v)
        if rows:
            self.version_combo.setCurrentIndex(max(0, self.version_combo.findData(rows[0].version)))
        self.version_combo.blockSignals(False)
        self._show_rows(rows)

    def _show_rows(self, rows: list[SegmentRow]) -> None:
        self.transcript.set_segments([ShownSegment(r.start_s, r.end_s, r.speaker, r.text, r.question_index)
                                      for r in rows])
        if not rows and self.setup is not None and self.setup.finished_recording is None:
            self.transcript.set_placeholder(_("The transcript appears here while the candidate speaks."))
        self._set_state()

    def _on_version_combo_current_index_changed(self, index: int) -> None:
        if index < 0 or self.setup is None:
            return
        iv, version = self.setup.interview_id, str(self.version_combo.itemData(index))
        self.load(lambda: self.services.capture.segments(iv, version), self._show_rows)

    def retranscribe(self) -> None:
        if self.setup is None:
            return
        iv = self.setup.interview_id
        capture = self.services.capture
        factory = self.engine_factory
        vocab = self.setup.vocabulary

        def job(progress: Any, cancel: Any) -> int:
            engine = factory(vocab) if factory is not None else None
            return capture.retranscribe(iv, engine=engine, progress=progress, cancel=cancel)

        run_with_progress(self, self.pool, _("Transcribing the whole recording with the most accurate model…"), job,
                          lambda _n: self._load_versions(), lane="io")

    def edit_transcript(self) -> None:
        if self.setup is None or not self.transcript.segments:
            return
        dialog = TranscriptEditDialog(self.transcript.segments, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        iv, edits = self.setup.interview_id, dialog.edits()
        self.pool.submit(lambda: self.services.capture.save_edited(iv, edits), lane="db",
                         on_done=lambda _c: self._load_versions(), on_error=self.show_error)

    def export_transcript(self, path: str | None = None) -> None:
        if self.setup is None:
            return
        if not path:
            path, _f = QFileDialog.getSaveFileName(self, _("Export the transcript"), "",
                                                    _("Word document (*.docx);;Text (*.txt)"))
        if not path:
            return
        iv = self.setup.interview_id
        version = self.version_combo.currentData()
        self.pool.submit(lambda: self.services.capture.export_transcript(iv, path, version=version), lane="io",
                         on_done=lambda p: self.status.setText(_("Transcript saved to {path}.").format(path=p)),
                         on_error=self.show_error)

    # ---------------------------------------------------------------- replay
    def _ensure_player(self) -> bool:
        s = self.setup
        rec = s.finished_recording if s else None
        if rec is None or rec.audio_path is None or not rec.audio_path.is_file():
            return False
        if self.player is None:
            try:
                from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
            except ImportError as exc:  # e.g. Linux without the PulseAudio client library
                log.warning("replay unavailable: %s", exc)
                self._warn("replay", _("Replay is not available on this computer (the sound system library is "
                                       "missing: {detail}). The transcript and the export still work; the recording "
                                       "can be played with another program.").format(detail=exc))
                return False
            self.player = QMediaPlayer(self)
            self.audio_output = QAudioOutput(self)
            self.player.setAudioOutput(self.audio_output)
            self.player.positionChanged.connect(self._on_player_position_changed)
            self.player.durationChanged.connect(lambda ms: self.slider.setRange(0, int(ms)))
        source = QUrl.fromLocalFile(str(rec.audio_path))
        if self.player.source() != source:
            self.player.setSource(source)
        return True

    def toggle_play(self) -> None:
        if not self._ensure_player():
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            self.play_button.setText(_("Play"))
        else:
            self.player.play()
            self.play_button.setText(_("Pause"))

    def seek(self, seconds: float) -> None:
        self.transcript.set_position(seconds)
        self.clock.setText(format_clock(seconds))
        if self._ensure_player():
            self.player.setPosition(int(seconds * 1000))

    def _on_player_position_changed(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.clock.setText(format_clock(ms / 1000.0))
        self.transcript.set_position(ms / 1000.0)

    # ================================================================ recovery and closing
    def offer_recovery(self) -> None:
        from ui.dialogs.recovery import RecoveryDialog

        def show(items: list[Any]) -> None:
            if not items:
                self.reload()
                return
            factory = self.engine_factory
            dialog = RecoveryDialog(self.services, self.pool, items, self,
                                    engine_factory=(lambda: factory(())) if factory else None)
            dialog.exec()
            self.reload()

        self.load(self.services.capture.interrupted, show)

    def shutdown(self) -> None:
        """Called when the window closes: stop the streams; files stay valid, the session stays 'recording'
        and is offered for recovery at the next start if it was not finished."""
        stop_all([self.audio_worker, self.asr_worker, self.video_worker])
        self.frame_timer.stop()
        self.clock_timer.stop()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)


class TranscriptEditDialog(QDialog):
    """Correct the transcript by hand: text and speaker of each segment (times stay)."""

    def __init__(self, segments: list[ShownSegment], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Edit the transcript"))
        self.resize(760, 520)
        self.segments = list(segments)
        self.model = QStandardItemModel(len(segments), 4, self)
        self.model.setHorizontalHeaderLabels([_("Time"), _("Question"), _("Speaker"), _("Text")])
        for row, seg in enumerate(segments):
            items = [QStandardItem(format_clock(seg.start_s)),
                     QStandardItem("" if seg.question_index is None else str(seg.question_index)),
                     QStandardItem(seg.speaker), QStandardItem(seg.text)]
            for item in items[:2]:
                item.setEditable(False)
            for col, item in enumerate(items):
                self.model.setItem(row, col, item)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.verticalHeader().setVisible(False)
        self.view.resizeColumnsToContents()
        hint = QLabel(_("Double-click a text to correct it. Speaker: interviewer or candidate. An emptied text "
                        "removes the segment. The live and re-transcribed versions are kept."), self)
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save as edited version"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    def edits(self) -> list[SegmentEdit]:
        out = []
        for row, seg in enumerate(self.segments):
            speaker = self.model.item(row, 2).text().strip()
            speaker = {"面试官": "interviewer", "候选人": "candidate"}.get(speaker, speaker)
            out.append(SegmentEdit(seg.start_s, seg.end_s, speaker, self.model.item(row, 3).text(), seg.question_index))
        return out


def file_path(p: Path | None) -> str:
    return str(p) if p else ""


# ==================================================================== file-fed recording (screenshots, benchmark)
def feed_from_files(page: InterviewCapturePage, media_dir: Path, work_dir: Path, *, seconds: float = 120.0,
                    engine_factory: EngineFactory | None = None) -> Path:
    """Make ``page`` record from the real clips in ``media_dir`` instead of the devices, paced in real time:
    the demo speech clips joined with pauses (looped to ``seconds``) and a talking-face video.
    Returns the interview WAV written to ``work_dir``. For README screenshots and the live benchmark."""
    from app.demo.recordings import DEMO_CLIPS, concat_clips, looped_frames
    from app.speech.audio import wav_source

    speech, video = Path(media_dir) / "speech", Path(media_dir) / "video" / "LivePortrait_d9.mp4"
    clips = [speech / n for pair in DEMO_CLIPS for n in pair if (speech / n).is_file()]
    if not clips or not video.is_file():
        raise FileNotFoundError(f"no demo clips in {media_dir}")
    work_dir.mkdir(parents=True, exist_ok=True)
    wav = work_dir / "file_fed_interview.wav"
    spans = concat_clips(clips * (int(seconds // 20) + 1), wav)  # the clips last ~30 s: loop past `seconds`
    end_s = min(seconds, spans[-1].end + 1.0)

    def audio(cancel: CancelToken) -> Iterable[AudioChunk]:
        for chunk in wav_source(wav, chunk_seconds=0.1, realtime=True, cancel=cancel):
            if chunk.start >= end_s:
                return
            yield chunk

    page.audio_factory = audio
    page.frame_factory = lambda cancel: looped_frames(video, end_s, paced=True, cancel=cancel)
    if engine_factory is not None:
        page.engine_factory = engine_factory
    return wav


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    from PySide6.QtWidgets import QApplication

    t0 = time.monotonic()
    while not cond() and time.monotonic() - t0 < timeout:
        QApplication.processEvents()
        time.sleep(0.005)
    return cond()


def start_file_fed_recording(page: InterviewCapturePage, media_dir: Path, work_dir: Path, *,
                             seconds: float = 120.0, engine_factory: EngineFactory | None = None) -> int:
    """Pick the first planned interview with questions, consent to everything and start recording from the
    clips (:func:`feed_from_files`). Blocks (processing events) until the recording runs; returns the
    interview id."""
    feed_from_files(page, media_dir, work_dir, seconds=seconds, engine_factory=engine_factory)
    cs = page.services.capture
    iv = next(i.id for i in cs.interviews() if i.state == "planned" and cs.setup(i.id).questions)
    page.ensure_loaded()
    page.select_interview(iv)
    _wait(lambda: page.setup is not None and page.setup.interview_id == iv, 60)
    page.save_consent(True, True, True)
    _wait(lambda: page.setup is not None and page.setup.consent.given, 60)
    # As in a real interview, the recogniser loads while the interviewer checks the devices after consent.
    _wait(lambda: page._prepared is None or page._prepared.ready, 180)
    page.start_recording()
    if not _wait(page.is_recording, 60):
        raise RuntimeError("the file-fed recording did not start")
    return iv


def screenshot_file_fed_recording(window: Any, media_dir: Path, out_dir: Path, *, after_s: float = 24.0) -> Path:
    """Show the 录制 page of ``window`` (a MainWindow) during a file-fed recording and save
    ``out_dir/interview_capture_live.png`` once ``after_s`` seconds are recorded and transcribed; the
    recording is then stopped and saved like any other."""
    tab_index = next(i for i, p in enumerate(window.tab_pages) if p.KEY == "interview")
    window.tabs.setCurrentIndex(tab_index)
    tab = window.tab_pages[tab_index]
    page = tab.page(InterviewCapturePage.KEY)
    tab.pages_widget.setCurrentWidget(page)
    start_file_fed_recording(page, media_dir, out_dir / ".file_fed", seconds=after_s + 30)
    _wait(lambda: page.stream_seconds() >= after_s and len(page.transcript.segments) >= 2, after_s + 120)
    page.next_question()
    _wait(lambda: False, 1.5)
    path = out_dir / "interview_capture_live.png"
    window.grab().save(str(path))
    page.stop_recording()
    _wait(lambda: page.recording is not None and page.recording.state == "finished", 120)
    import shutil

    shutil.rmtree(out_dir / ".file_fed", ignore_errors=True)
    return path
