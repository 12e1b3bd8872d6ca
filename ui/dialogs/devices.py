"""Device set-up before an interview: microphone and camera, level meter, preview, 5-second test
recording, and the interviewer's voice enrolment (for interviewer/candidate labels)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError
from app.i18n import _
from app.services.registry import Services
from ui.widgets.level_meter import LevelMeter
from ui.widgets.video_view import VideoView
from ui.workers import WorkerPool
from ui.workers_stream import PreviewWorker, stop_all

NONE = -1


@dataclass(frozen=True)
class DeviceChoice:
    microphone: int | None  # sounddevice index; None: no microphone (typed notes)
    camera: int | None  # OpenCV index; None: no camera
    interviewer: str  # name of the enrolled voice profile, "" if none


def _list_microphones(find: Callable[[], list[Any]] | None = None) -> tuple[list[tuple[int, str]], str]:
    if find is None:
        from app.speech.audio import list_input_devices as find
    try:
        devices = find()
    except AppError as exc:
        return [], exc.message
    if not devices:
        return [], _("No microphone was found. Plug one in and press Refresh, or continue with typed notes.")
    return [(d.index, f"{d.name} ({d.host_api})") for d in devices], ""


def _list_cameras(find: Callable[[], list[Any]] | None = None) -> tuple[list[tuple[int, str]], str]:
    if find is None:
        from app.vision.capture import list_cameras as find
    try:
        cams = find()
    except AppError as exc:
        return [], exc.message
    if not cams:
        return [], _("No camera was found. Plug one in and press Refresh, or continue without video.")
    return [(c.index, _("Camera {index} ({width}×{height})").format(index=c.index, width=c.width, height=c.height))
            for c in cams], ""


def _enrol(name: str, device: int | None) -> tuple[str, list[float], str]:
    from app.errors import InvalidInput
    from app.speech.audio import test_recording
    from app.speech.speakers import SpeakerLabeler

    labeler = SpeakerLabeler.create_if_available()
    if labeler is None:
        raise AppError(_("Voice enrolment needs the speaker model vosk-model-spk-0.4 and a Vosk speech model in the "
                         "models folder. Without them the transcript has no interviewer/candidate labels."))
    rec = test_recording(device, seconds=8.0)
    try:
        vector = labeler.voice_vector(rec.samples)
    except InvalidInput as exc:
        raise AppError(str(exc)) from exc
    return name, [float(v) for v in vector], labeler.model_name


class DevicesDialog(QDialog):
    def __init__(self, services: Services, pool: WorkerPool, parent: QWidget | None = None,
                 initial: DeviceChoice | None = None, *, find_microphones: Callable[[], list[Any]] | None = None,
                 find_cameras: Callable[[], list[Any]] | None = None) -> None:
        """``find_microphones``/``find_cameras`` list the devices (default: PortAudio and OpenCV)."""
        super().__init__(parent)
        self.find_microphones = find_microphones
        self.find_cameras = find_cameras
        self.services = services
        self.pool = pool
        self.initial = initial or DeviceChoice(None, None, "")
        self.preview: PreviewWorker | None = None
        self.setWindowTitle(_("Microphone and camera"))
        self.resize(620, 620)
        self.mic = QComboBox(self)
        self.camera = QComboBox(self)
        self.mic_message = QLabel("", self)
        self.camera_message = QLabel("", self)
        for label in (self.mic_message, self.camera_message):
            label.setWordWrap(True)
            label.setStyleSheet("color:#b03a2e;")
        self.meter = LevelMeter(self)
        self.video = VideoView(self)
        self.video.set_message(_("Press Preview to see the camera picture."))
        self.refresh_button = QPushButton(_("Refresh"), self)
        self.listen_button = QPushButton(_("Listen"), self)
        self.test_button = QPushButton(_("5-second test recording"), self)
        self.preview_button = QPushButton(_("Preview"), self)
        self.verdict = QLabel("", self)
        self.verdict.setWordWrap(True)
        self.voice_name = QLineEdit(self)
        self.voice_name.setPlaceholderText(_("Interviewer's name"))
        self.enrol_button = QPushButton(_("Record my voice (8 s)"), self)
        self.voice_status = QLabel("", self)
        self.voice_status.setWordWrap(True)
        self.profiles = QComboBox(self)
        form = QFormLayout()
        mic_row = QHBoxLayout()
        mic_row.addWidget(self.mic, 1)
        mic_row.addWidget(self.listen_button)
        mic_row.addWidget(self.test_button)
        form.addRow(_("Microphone"), mic_row)
        form.addRow("", self.mic_message)
        form.addRow(_("Level"), self.meter)
        form.addRow("", self.verdict)
        cam_row = QHBoxLayout()
        cam_row.addWidget(self.camera, 1)
        cam_row.addWidget(self.preview_button)
        form.addRow(_("Camera"), cam_row)
        form.addRow("", self.camera_message)
        voice_row = QHBoxLayout()
        voice_row.addWidget(self.voice_name, 1)
        voice_row.addWidget(self.enrol_button)
        form.addRow(_("Interviewer's voice"), voice_row)
        form.addRow(_("Enrolled voice"), self.profiles)
        form.addRow("", self.voice_status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Use these devices"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.video, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.refresh_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(33)
        self._connect_signals()
        self.refresh()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.refresh_button.clicked.connect(self.refresh)
        self.listen_button.clicked.connect(self._on_listen_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.enrol_button.clicked.connect(self._on_enrol_clicked)
        self._frame_timer.timeout.connect(self._on_frame_timer_timeout)

    # -------------------------------------------------------------- devices
    def refresh(self) -> None:
        self._stop_preview()
        self.mic_message.setText(_("Looking for microphones…"))
        self.camera_message.setText(_("Looking for cameras…"))
        mics, cams = self.find_microphones, self.find_cameras
        self.pool.submit(lambda: _list_microphones(mics), lane="io", on_done=self._on_microphones,
                         on_error=self._on_failed)
        self.pool.submit(lambda: _list_cameras(cams), lane="io", on_done=self._on_cameras, on_error=self._on_failed)
        self.pool.submit(self.services.capture.speaker_profiles, lane="db", on_done=self._on_profiles,
                         on_error=self._on_failed)

    def _fill(self, combo: QComboBox, items: list[tuple[int, str]], none_text: str, current: int | None) -> None:
        combo.clear()
        for index, name in items:
            combo.addItem(name, index)
        combo.addItem(none_text, NONE)
        pos = combo.findData(current if current is not None else (items[0][0] if items else NONE))
        combo.setCurrentIndex(max(0, pos))

    def _on_microphones(self, result: tuple[list[tuple[int, str]], str]) -> None:
        items, message = result
        self._fill(self.mic, items, _("No microphone (typed notes only)"), self.initial.microphone)
        self.mic_message.setText(message)
        for b in (self.listen_button, self.test_button, self.enrol_button):
            b.setEnabled(bool(items))

    def _on_cameras(self, result: tuple[list[tuple[int, str]], str]) -> None:
        items, message = result
        self._fill(self.camera, items, _("No camera (no video)"), self.initial.camera)
        self.camera_message.setText(message)
        self.preview_button.setEnabled(bool(items))

    def _on_profiles(self, rows: list[Any]) -> None:
        self.profiles.clear()
        self.profiles.addItem(_("None (speakers numbered)"), "")
        for r in rows:
            self.profiles.addItem(r.name, r.name)
        pos = self.profiles.findData(self.initial.interviewer)
        self.profiles.setCurrentIndex(max(0, pos))

    def _on_failed(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, AppError) else _("The device check failed: {reason}.").format(reason=exc)
        self.verdict.setText(text)

    def choice(self) -> DeviceChoice:
        mic = self.mic.currentData()
        cam = self.camera.currentData()
        return DeviceChoice(None if mic in (None, NONE) else int(mic), None if cam in (None, NONE) else int(cam),
                            str(self.profiles.currentData() or ""))

    # -------------------------------------------------------------- preview and tests
    def _on_listen_clicked(self) -> None:
        from app.speech.audio import microphone_source

        device = self.choice().microphone
        if device is None:
            return
        self._stop_preview()
        self.preview = PreviewWorker(audio=lambda cancel: microphone_source(device, cancel=cancel), parent=self)
        self._start_preview()

    def _on_preview_clicked(self) -> None:
        from app.vision.capture import frames_from_camera

        index = self.choice().camera
        if index is None:
            return
        self._stop_preview()
        self.preview = PreviewWorker(frames=lambda cancel: frames_from_camera(index, cancel=cancel), parent=self)
        self._start_preview()
        self._frame_timer.start()

    def _start_preview(self) -> None:
        assert self.preview is not None
        self.preview.level.connect(lambda level, _t: self.meter.set_level(level))
        self.preview.failed.connect(self._on_failed)
        self.preview.start()

    def _stop_preview(self) -> None:
        self._frame_timer.stop()
        if self.preview is not None:
            stop_all([self.preview])
            self.preview = None
        self.meter.reset()

    def _on_frame_timer_timeout(self) -> None:
        if self.preview is not None:
            image = self.preview.latest()
            if image is not None:
                self.video.set_frame(image)

    def _on_test_clicked(self) -> None:
        from app.speech.audio import test_recording

        device = self.choice().microphone
        if device is None:
            return
        self._stop_preview()
        self.verdict.setText(_("Recording 5 seconds… please speak."))
        self.pool.submit(lambda: test_recording(device, 5.0), lane="io",
                         on_done=lambda r: self.verdict.setText(r.verdict), on_error=self._on_failed)

    def _on_enrol_clicked(self) -> None:
        name = self.voice_name.text().strip()
        if not name:
            self.voice_status.setText(_("Enter the interviewer's name for the voice profile."))
            return
        self._stop_preview()
        self.voice_status.setText(_("Recording 8 seconds… the interviewer speaks now."))
        device = self.choice().microphone
        self.pool.submit(lambda: _enrol(name, device), lane="io", on_done=self._on_enrolled,
                         on_error=lambda e: self.voice_status.setText(e.message if isinstance(e, AppError) else str(e)))

    def _on_enrolled(self, result: tuple[str, list[float], str]) -> None:
        name, vector, model = result
        self.initial = DeviceChoice(self.initial.microphone, self.initial.camera, name)
        self.pool.submit(lambda: self.services.capture.save_speaker_profile(name, vector, model), lane="db",
                         on_done=lambda _c: self.refresh(), on_error=self._on_failed)
        self.voice_status.setText(_("The voice of {name} was enrolled.").format(name=name))

    def done(self, result: int) -> None:
        self._stop_preview()
        super().done(result)
