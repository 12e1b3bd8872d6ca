"""Taking a quiz in the app: one page with every question (options as radio/check boxes, a text box
for short answers); the answers go to the service, which grades and stores them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.training import PersonRef
from app.training.quiz import QuizQuestion
from ui.tablemodels.labels import bracketed


class QuizDialog(QDialog):
    def __init__(self, title: str, questions: list[QuizQuestion], people: list[PersonRef],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Quiz: {title}").format(title=title))
        self.resize(720, 640)
        self.questions = questions
        self.person = QComboBox(self)
        for p in people:
            self.person.addItem(f"{p.staff_no} {p.name}{bracketed(p.department)}", p.person_id)
        form = QFormLayout()
        form.addRow(_("Person"), self.person)
        body = QWidget()
        col = QVBoxLayout(body)
        self._inputs: dict[int, object] = {}
        for n, q in enumerate(questions, 1):
            box = QGroupBox(f"{n}. {q.text}", body)
            lay = QVBoxLayout(box)
            if q.is_choice:
                buttons: list[QCheckBox | QRadioButton] = []
                group = QButtonGroup(box)
                group.setExclusive(not q.multiple)
                for key, text in q.options:
                    b: QCheckBox | QRadioButton = QCheckBox(f"{key}. {text}", box) if q.multiple else QRadioButton(f"{key}. {text}", box)
                    b.setProperty("letter", key)
                    group.addButton(b)
                    lay.addWidget(b)
                    buttons.append(b)
                if q.multiple:
                    lay.addWidget(QLabel(_("(several answers)"), box))
                self._inputs[q.version_id] = buttons
            else:
                edit = QPlainTextEdit(box)
                edit.setPlaceholderText(_("Write the answer here"))
                edit.setMinimumHeight(90)
                lay.addWidget(edit)
                self._inputs[q.version_id] = edit
            col.addWidget(box)
        col.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons_box.button(QDialogButtonBox.StandardButton.Ok).setText(_("Submit and grade"))
        buttons_box.accepted.connect(self.accept)
        buttons_box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons_box)

    def person_id(self) -> int | None:
        value = self.person.currentData()
        return int(value) if value is not None else None

    def answers(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for vid, widget in self._inputs.items():
            if isinstance(widget, QPlainTextEdit):
                out[vid] = widget.toPlainText().strip()
            else:
                out[vid] = "".join(str(b.property("letter")) for b in widget if b.isChecked())  # type: ignore[attr-defined]
        return out

    def set_answer(self, version_id: int, value: str) -> None:
        """For tests and re-entry: tick letters or fill the text."""
        widget = self._inputs[version_id]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            for b in widget:  # type: ignore[attr-defined]
                b.setChecked(str(b.property("letter")) in value)
