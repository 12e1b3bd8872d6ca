"""情景演练: an enrolled person practises a scenario (e.g. explaining a model's output to a doctor, calming a
worried family). Consent first (two separate answers, nothing preselected), then the speech is recorded from
the microphone (Stop ends it and scores what was said) or read from a recording file, transcribed live by the
whisper engine and scored with the interview analysis against the scenario's key points. The result is
stored as an attempt with dated competency evidence; the dialog shows the score and why.

All service calls run in the worker pool (transcription in the "io" lane); live transcript lines arrive
through a Qt signal from the worker thread."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, Cancelled
from app.i18n import _
from app.services.training import PersonRef, PracticeConsent, PracticeRecord, ScenarioRow
from app.tasks import CancelToken
from app.training.quiz import QuizQuestion
from app.training.scenario import MEDIA_FILTER_SUFFIXES, PracticeSegment

CONSENT_TEXT_MSGID = (
    "Your voice is sensitive personal information (Personal Information Protection Law, articles 28 and 29). "
    "For this practice the computer writes down what you say and scores it against the scenario's key points; "
    "the score and the transcript are kept in your training record. Separately, you may allow the sound "
    "recording to be kept so that your trainer can listen to it. Nothing is recorded before you answer."
)


class _Bridge(QObject):
    segment = Signal(object)


class ScenarioPracticeDialog(QDialog):
    """``training``: the training service; ``pool``: the worker pool. ``record``: show a stored practice only."""

    def __init__(self, training: Any, pool: Any, today: date, *, record: PracticeRecord | None = None,
                 engine: Any | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.training, self.pool, self.today, self.engine = training, pool, today, engine
        self.record: PracticeRecord | None = None
        self._scenarios: list[ScenarioRow] = []
        self._people: list[PersonRef] = []
        self._stop = CancelToken()
        self._job: Any = None
        self._bridge = _Bridge(self)
        self._bridge.segment.connect(self._on_segment)
        self.setWindowTitle(_("Scenario practice"))
        self.resize(1000, 760)

        self.scenario_combo = QComboBox(self)
        self.person_combo = QComboBox(self)
        form = QFormLayout()
        form.addRow(_("Scenario"), self.scenario_combo)
        form.addRow(_("Person (enrolled in the course)"), self.person_combo)
        self.brief = QTextBrowser(self)
        self.brief.setMinimumHeight(120)

        consent_box = QGroupBox(_("Consent of the person practising"), self)
        grid = QGridLayout(consent_box)
        text = QLabel(_(CONSENT_TEXT_MSGID), consent_box)
        text.setWordWrap(True)
        grid.addWidget(text, 0, 0, 1, 3)
        self.consent_groups: dict[str, QButtonGroup] = {}
        self.consent_yes: dict[str, QRadioButton] = {}
        labels = {"analysis": _("Transcribe and score my speech (needed to practise here)"),
                  "keep": _("Keep the sound recording for the trainer")}
        for row, key in enumerate(("analysis", "keep"), 1):
            grid.addWidget(QLabel(labels[key], consent_box), row, 0)
            yes, no = QRadioButton(_("Agrees"), consent_box), QRadioButton(_("Declines"), consent_box)
            group = QButtonGroup(self)
            group.addButton(yes)
            group.addButton(no)
            grid.addWidget(yes, row, 1)
            grid.addWidget(no, row, 2)
            self.consent_groups[key], self.consent_yes[key] = group, yes
            group.buttonToggled.connect(lambda *_a: self._update())

        self.record_btn = QPushButton(_("Record from the microphone"), self)
        self.stop_btn = QPushButton(_("Stop and score"), self)
        self.file_btn = QPushButton(_("Use a recording file…"), self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.live = QPlainTextEdit(self)
        self.live.setReadOnly(True)
        self.live.setPlaceholderText(_("What is said appears here while it is transcribed. Keep the partner's lines "
                                       "short: everything heard is scored as the trainee's speech."))
        self.result = QTextBrowser(self)
        buttons = QHBoxLayout()
        for b in (self.record_btn, self.stop_btn, self.file_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.reject)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.live)
        split.addWidget(self.result)
        self.setup_widgets = QWidget(self)
        top = QVBoxLayout(self.setup_widgets)
        top.setContentsMargins(0, 0, 0, 0)
        top.addLayout(form)
        top.addWidget(self.brief)
        top.addWidget(consent_box)
        top.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.setup_widgets)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(close)

        self.scenario_combo.currentIndexChanged.connect(self._on_scenario_changed)
        self.person_combo.currentIndexChanged.connect(lambda *_a: self._update())
        self.record_btn.clicked.connect(self.record_microphone)
        self.stop_btn.clicked.connect(self.stop)
        self.file_btn.clicked.connect(self._on_file_clicked)
        if record is not None:
            self.setup_widgets.setVisible(False)
            self.show_record(record)
        else:
            self.pool.submit(training.scenarios, lane="db", on_done=self._on_scenarios, on_error=self._on_error)
        self._update()

    # ---------------------------------------------------------------- loading
    def _on_scenarios(self, rows: list[ScenarioRow]) -> None:
        self._scenarios = rows
        self.scenario_combo.clear()
        for r in rows:
            self.scenario_combo.addItem(f"{r.title}（{r.course}）", r.quiz_id)
        if not rows:
            self.status.setText(_("No scenario yet: a scenario is a quiz of a 情景演练 course whose questions have key "
                                  "points. Create one on a scenario course first."))
        self._update()

    def _on_scenario_changed(self, _index: int = 0) -> None:
        quiz_id = self.scenario_combo.currentData()
        self.person_combo.clear()
        self.brief.clear()
        if quiz_id is None:
            return
        tr = self.training
        self.pool.submit(lambda: (tr.scenario_people(int(quiz_id)), tr.quiz_questions(int(quiz_id))), lane="db",
                         on_done=self._on_scenario_loaded, on_error=self._on_error)

    def _on_scenario_loaded(self, result: tuple[list[PersonRef], tuple[str, float, list[QuizQuestion]]]) -> None:
        people, (_title, pass_score, questions) = result
        self._people = people
        for p in people:
            self.person_combo.addItem(f"{p.staff_no} {p.name}（{p.department}）", p.person_id)
        parts = []
        for n, q in enumerate(questions, 1):
            points = "".join(f"<li>{kp}</li>" for kp in q.key_points)
            parts.append(f"<p><b>{n}. {q.text}</b></p><p>{_('Key points to cover:')}</p><ul>{points}</ul>")
        parts.append(f"<p>{_('Pass mark: {score:g}').format(score=pass_score)}</p>")
        self.brief.setHtml("".join(parts))
        if not people:
            self.status.setText(_("Nobody is enrolled in this scenario's course yet; assign the course first."))
        self._update()

    # ---------------------------------------------------------------- state
    def consent(self) -> PracticeConsent | None:
        if any(g.checkedButton() is None for g in self.consent_groups.values()):
            return None
        return PracticeConsent(self.consent_yes["analysis"].isChecked(), self.consent_yes["keep"].isChecked(),
                               datetime.now(UTC))

    def set_consent(self, analysis: bool, keep: bool) -> None:
        for key, value in (("analysis", analysis), ("keep", keep)):
            buttons = self.consent_groups[key].buttons()
            (buttons[0] if value else buttons[1]).setChecked(True)

    def _ready(self) -> bool:
        c = self.consent()
        return (self._job is None and c is not None and c.analysis and self.scenario_combo.currentData() is not None
                and self.person_combo.currentData() is not None)

    def _update(self) -> None:
        ready = self._ready()
        self.record_btn.setEnabled(ready)
        self.file_btn.setEnabled(ready)
        self.stop_btn.setEnabled(self._job is not None)
        c = self.consent()
        if self._job is None and c is not None and not c.analysis:
            self.status.setText(_("Without consent to transcribe and score, practise without the computer and mark "
                                  "the module completed on the Progress page."))

    # ---------------------------------------------------------------- running
    def record_microphone(self) -> None:
        from app.speech.audio import microphone_source
        from app.training.scenario import until_stopped

        self._stop = CancelToken()
        stop = self._stop

        def source(cancel: CancelToken) -> Any:
            return until_stopped(microphone_source(cancel=cancel), stop)

        self._run(source, _("microphone"), _("Recording… speak now; press Stop and score when finished."))

    def _on_file_clicked(self) -> None:
        pattern = " ".join(f"*{s}" for s in MEDIA_FILTER_SUFFIXES)
        path, _f = QFileDialog.getOpenFileName(self, _("Use a recording file"), "",
                                               _("Sound or video ({pattern})").format(pattern=pattern))
        if path:
            self.practise_file(Path(path))

    def practise_file(self, path: Path) -> None:
        from app.training.scenario import media_source

        self._run(lambda cancel: media_source(path, cancel=cancel), path.name,
                  _("Transcribing {name}…").format(name=path.name))

    def _run(self, make_source: Any, source_name: str, message: str) -> None:
        consent = self.consent()
        quiz_id, person_id = self.scenario_combo.currentData(), self.person_combo.currentData()
        if consent is None or quiz_id is None or person_id is None:
            return
        tr, today, engine, bridge = self.training, self.today, self.engine, self._bridge
        self.live.clear()
        self.result.clear()
        self.status.setText(message)

        def job(progress: Any, cancel: CancelToken) -> PracticeRecord:
            return tr.practise(int(quiz_id), int(person_id), make_source(cancel), consent=consent, today=today,
                               source_name=source_name, engine=engine, on_segment=bridge.segment.emit,
                               progress=progress, cancel=cancel)

        self._job = object()  # set before submit: a synchronous pool finishes inside submit
        self._update()
        job_handle = self.pool.submit(job, lane="io", on_done=self._on_done, on_error=self._on_error)
        if self._job is not None:
            self._job = job_handle
        self._update()

    def stop(self) -> None:
        """End the microphone recording; what was said is still transcribed and scored."""
        self._stop.cancel()
        self.status.setText(_("Stopping; transcribing the rest and scoring…"))

    def reject(self) -> None:
        job = self._job
        if job is not None and hasattr(job, "cancel"):
            job.cancel()  # nothing is stored for a cancelled practice
        super().reject()

    def _on_segment(self, seg: PracticeSegment) -> None:
        self.live.appendPlainText(f"[{seg.start:5.1f}s] {seg.text}")

    def _on_done(self, record: PracticeRecord) -> None:
        self._job = None
        self.status.setText(_("Practice stored."))
        self.show_record(record)
        self._update()

    def _on_error(self, exc: BaseException) -> None:
        self._job = None
        if isinstance(exc, Cancelled):
            self.status.setText(_("The practice was cancelled; nothing was stored."))
        elif isinstance(exc, AppError):
            self.status.setText(exc.message)
        else:
            self.status.setText(_("The practice failed: {reason}. Nothing was stored; the details are in the log "
                                  "file.").format(reason=exc))
        self._update()

    # ---------------------------------------------------------------- result
    def show_record(self, record: PracticeRecord) -> None:
        self.record = record
        row = record.attempt.row
        if not self.live.toPlainText():
            self.live.setPlainText("\n".join(f"[{s.start:5.1f}s] {s.text}" for s in record.transcript))
        verdict = _("passed") if row.passed else _("failed")
        parts = [f"<h3>{_('{name}: {score:.1f} / 100 — {result}').format(name=row.name, score=row.score or 0.0, result=verdict)}</h3>",
                 f"<p>{_('Scenario: {title}').format(title=row.quiz)}<br>"
                 f"{_('Speech: {seconds:.1f} s from {source}, transcribed by {engine}').format(seconds=record.audio_seconds, source=record.source or '—', engine=record.engine or '—')}<br>"
                 f"{_('Recording kept: {path}').format(path=record.recording) if record.recording else _('Recording not kept.')}</p>"]
        for q, item in zip(record.attempt.questions, record.attempt.grade.items, strict=False):
            lines = "".join(f"<li>{ln}</li>" for ln in item.explanation)
            over = ""
            if item.override is not None:
                over = "<p>" + _("Changed to {score:.0f}% by {who}: {reason}").format(
                    score=item.override * 100, who=item.override_by, reason=item.override_reason) + "</p>"
            parts.append(f"<p><b>{q.text}</b> — {item.auto * 100:.0f}%</p><ul>{lines}</ul>{over}")
        self.result.setHtml("".join(parts))
