"""Consent before an interview is captured (个人信息保护法 第二十八、二十九条): three separate answers."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.capture import consent_text


class ConsentDialog(QDialog):
    """Asks yes/no separately for audio recording, video recording and AI analysis; nothing is preselected,
    so every item needs an explicit answer before the dialog can be confirmed."""

    ITEMS = ("audio", "video", "ai")

    def __init__(self, candidate: str, retention_days: int = 180, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Consent of {candidate}").format(candidate=candidate))
        self.resize(640, 560)
        text = QTextBrowser(self)
        text.setPlainText(consent_text(retention_days))
        box = QGroupBox(_("The candidate's answers"), self)
        grid = QGridLayout(box)
        labels = {"audio": _("Audio recording and transcript"), "video": _("Video recording"),
                  "ai": _("AI analysis (transcript, gaze and expression)")}
        self.groups: dict[str, QButtonGroup] = {}
        self.yes: dict[str, QRadioButton] = {}
        self.no: dict[str, QRadioButton] = {}
        for row, key in enumerate(self.ITEMS):
            grid.addWidget(QLabel(labels[key], box), row, 0)
            yes, no = QRadioButton(_("Agrees"), box), QRadioButton(_("Declines"), box)
            group = QButtonGroup(self)
            group.addButton(yes)
            group.addButton(no)
            grid.addWidget(yes, row, 1)
            grid.addWidget(no, row, 2)
            self.groups[key], self.yes[key], self.no[key] = group, yes, no
        self.hint = QLabel(_("Answer each item. Declining all three is possible: the interview then takes place "
                             "with typed notes only."), self)
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Save consent"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addWidget(text, 1)
        layout.addWidget(box)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._connect_signals()
        self._update()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for group in self.groups.values():
            group.buttonToggled.connect(lambda *_a: self._update())

    def complete(self) -> bool:
        return all(g.checkedButton() is not None for g in self.groups.values())

    def answers(self) -> tuple[bool, bool, bool]:
        return self.yes["audio"].isChecked(), self.yes["video"].isChecked(), self.yes["ai"].isChecked()

    def set_answers(self, audio: bool, video: bool, ai: bool) -> None:
        for key, value in zip(self.ITEMS, (audio, video, ai), strict=True):
            (self.yes if value else self.no)[key].setChecked(True)

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.complete())
