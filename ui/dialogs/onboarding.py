"""New 入职审批单: pick the candidate, the contract and the start date; the service pre-fills the rest.

The probation preview (length and its legal basis) is computed here with the pure rules of
``app.talent.probation``; wages are computed by the service when the form is created.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from app.errors import InvalidInput
from app.i18n import _
from app.services.talent import PoolRow
from app.talent import probation as prob


class OnboardingDialog(QDialog):
    def __init__(self, candidates: Sequence[PoolRow], parent: QWidget | None = None, *,
                 selected_candidate: int | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New onboarding approval form"))
        self._candidates = list(candidates)
        today = today or date.today()
        self.candidate = QComboBox(self)
        for c in self._candidates:
            self.candidate.addItem(f"{c.name} · {c.position}", c.candidate_id)
        if selected_candidate is not None:
            i = self.candidate.findData(selected_candidate)
            if i >= 0:
                self.candidate.setCurrentIndex(i)
        self.start = QDateEdit(self)
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        start = today + timedelta(days=14)
        self.start.setDate(QDate(start.year, start.month, start.day))
        self.contract = QComboBox(self)
        for code in prob.CONTRACT_TYPES:
            self.contract.addItem(prob.contract_label(code), code)
        self.contract.setCurrentIndex(self.contract.findData("fixed_3y"))
        self.public = QCheckBox(_("The hospital is a public institution (事业单位)"), self)
        self.public.setChecked(True)
        self.first = QCheckBox(_("First employment (初次就业)"), self)
        self.first.setChecked(True)
        self.months = QSpinBox(self)
        self.months.setSuffix(_(" months"))
        self.basis = QLabel(self)
        self.basis.setWordWrap(True)
        self.level = QSpinBox(self)
        self.level.setRange(1, 65)
        self.ratio = QDoubleSpinBox(self)
        self.ratio.setRange(0.8, 1.0)
        self.ratio.setSingleStep(0.05)
        self.ratio.setValue(0.8)
        self.coefficient = QDoubleSpinBox(self)
        self.coefficient.setRange(0.1, 2.0)
        self.coefficient.setSingleStep(0.05)
        self.coefficient.setValue(0.8)
        self.user = QLineEdit(getpass.getuser(), self)
        form = QFormLayout(self)
        form.addRow(_("Candidate"), self.candidate)
        form.addRow(_("Start date"), self.start)
        form.addRow(_("Contract"), self.contract)
        form.addRow("", self.public)
        form.addRow("", self.first)
        form.addRow(_("Probation"), self.months)
        form.addRow("", self.basis)
        form.addRow(_("Salary level"), self.level)
        form.addRow(_("Probation pay ratio"), self.ratio)
        form.addRow(_("Performance coefficient during probation"), self.coefficient)
        form.addRow(_("Prepared by"), self.user)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Create form"))
        form.addRow(self.buttons)
        self._connect_signals()
        self._on_contract_changed()

    def _connect_signals(self) -> None:
        self.contract.currentIndexChanged.connect(self._on_contract_changed)
        self.public.toggled.connect(self._on_contract_changed)
        self.first.toggled.connect(self._on_contract_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _on_contract_changed(self, *_a: Any) -> None:
        term = prob.probation_term(self.contract.currentData(), public_institution=self.public.isChecked(),
                                   first_employment=self.first.isChecked())
        self.months.setRange(0, term.months)
        self.months.setValue(term.months)
        self.basis.setText(term.basis)

    def _on_buttons_accepted(self) -> None:
        if self.candidate.currentIndex() < 0 or not self.user.text().strip():
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        if self.candidate.currentIndex() < 0:
            raise InvalidInput(_("Choose a candidate."))
        d = self.start.date()
        return {
            "candidate_id": int(self.candidate.currentData()),
            "start_date": date(d.year(), d.month(), d.day()),
            "contract_type": self.contract.currentData(),
            "public_institution": self.public.isChecked(),
            "first_employment": self.first.isChecked(),
            "probation_months": self.months.value(),
            "salary_level": self.level.value(),
            "probation_ratio": f"{self.ratio.value():.2f}",
            "performance_coefficient": round(self.coefficient.value(), 2),
            "user": self.user.text().strip(),
        }
