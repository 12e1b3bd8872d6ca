"""First start without a database: create an empty one or load the demo hospital."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QRadioButton, QVBoxLayout, QWidget

from app.i18n import _


class FirstRunDialog(QDialog):
    EMPTY = "empty"
    DEMO = "demo"

    def __init__(self, data_dir: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Welcome to HR Desk"))
        text = QLabel(
            _("No database was found in\n{path}\n\nHow do you want to start?").format(path=data_dir), self
        )
        self.empty = QRadioButton(_("Create an empty database for my hospital"), self)
        self.demo = QRadioButton(_("Load the demo hospital (generated people and data, for trying the program)"), self)
        self.empty.setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.empty)
        layout.addWidget(self.demo)
        layout.addWidget(buttons)

    def choice(self) -> str:
        return self.DEMO if self.demo.isChecked() else self.EMPTY
