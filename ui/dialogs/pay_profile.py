"""Pay profile editor (薪酬档案): grade, level, coefficients, allowance roles, contract wage, contribution bases
and housing-fund rate (checked against the city's floor, cap and range), monthly 专项附加扣除, bank account.

Probation and hire dates are the employee's (shown, edited in the staff record). The bank account is shown
masked unless ``show_account`` (payroll roles; the permission itself is the service guard's).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.payroll.accounts import account_problem, account_warning, group_account, mask_account
from app.services.payroll import PayProfileForm, PayProfileView, check_profile
from app.tasks import ChangeSet
from ui.tablemodels.labels import join_clauses, join_list


def _fen(text: str) -> int | None:
    try:
        value = Decimal(text.strip().replace(",", "") or "0")
    except InvalidOperation:
        return None
    if value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


class PayProfileDialog(QDialog):
    """Load the profile with ``services.payroll.pay_profile`` through ``pool``, save with ``save_pay_profile``."""

    def __init__(self, services: Any, pool: Any, employee_id: int, *, show_account: bool = True,
                 user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.pool, self.employee_id = services, pool, employee_id
        self.show_account, self.user = show_account, user
        self.view: PayProfileView | None = None
        self.changes: ChangeSet | None = None
        self.setWindowTitle(_("Pay profile"))
        self.setMinimumWidth(520)
        self.heading = QLabel(self)
        self.category = QComboBox(self)
        self.category.setEditable(True)
        self.roles = QLineEdit(self)
        self.roles.setPlaceholderText(_("e.g. 护士长 (separate several with 、)"))
        self.grade = QComboBox(self)
        self.level = QSpinBox(self)
        self.level.setRange(1, 99)
        self.contract = QLineEdit(self)
        self.post_coef = QDoubleSpinBox(self)
        self.perf_coef = QDoubleSpinBox(self)
        for spin in (self.post_coef, self.perf_coef):
            spin.setRange(0, 5)
            spin.setDecimals(2)
            spin.setSingleStep(0.05)
        self.coef_source = QLabel(self)
        self.coef_source.setWordWrap(True)
        self.si_base = QLineEdit(self)
        self.hf_base = QLineEdit(self)
        self.hf_rate = QDoubleSpinBox(self)
        self.hf_rate.setDecimals(1)
        self.hf_rate.setSuffix(" %")
        self.special = QLineEdit(self)
        self.special.setToolTip(_("Not itemised (old data): used only while the person has no declarations by kind and month."))
        self.declarations_btn = QPushButton(_("Declarations by month…"), self)
        self.account = QLineEdit(self)
        self.dates = QLabel(self)
        self.limits = QLabel(self)
        self.limits.setWordWrap(True)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color:#b42318")
        form = QFormLayout()
        form.addRow(_("Staff category:"), self.category)
        form.addRow(_("Roles for allowances:"), self.roles)
        form.addRow(_("Post grade:"), self.grade)
        form.addRow(_("Salary level:"), self.level)
        form.addRow(_("Contract wage (yuan/month):"), self.contract)
        form.addRow(_("Post coefficient:"), self.post_coef)
        coef = QHBoxLayout()
        coef.addWidget(self.perf_coef)
        coef.addWidget(self.coef_source, 1)
        form.addRow(_("Performance coefficient:"), coef)
        form.addRow(_("Social insurance base:"), self.si_base)
        form.addRow(_("Housing fund base:"), self.hf_base)
        form.addRow(_("Housing fund rate:"), self.hf_rate)
        special_row = QHBoxLayout()
        special_row.addWidget(self.special, 1)
        special_row.addWidget(self.declarations_btn)
        form.addRow(_("Special additional deduction, not itemised (old data):"), special_row)
        form.addRow(_("Bank account:"), self.account)
        form.addRow(_("Employment:"), self.dates)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.limits)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        for w in (self.contract, self.si_base, self.hf_base, self.special, self.account, self.roles):
            w.textChanged.connect(self._on_changed)
        for s in (self.post_coef, self.perf_coef, self.hf_rate):
            s.valueChanged.connect(self._on_changed)
        self.level.valueChanged.connect(self._on_changed)
        self.grade.currentTextChanged.connect(self._on_changed)
        self.declarations_btn.clicked.connect(self._on_declarations_clicked)
        self.declarations_btn.setEnabled(hasattr(services, "declarations"))
        self.pool.submit(lambda: self.services.payroll.pay_profile(employee_id), on_done=self.fill,
                         on_error=self._on_error)

    # ---------------------------------------------------------------- filling and reading
    def fill(self, view: PayProfileView) -> None:
        self.view = view
        self.heading.setText(_("<b>{staff_no} {name}</b> · {department}").format(
            staff_no=view.staff_no, name=view.name, department=view.department))
        self.category.clear()
        self.category.addItems(list(view.categories))
        self.category.setCurrentText(view.category)
        self.roles.setText(join_list(view.roles))
        self.grade.clear()
        self.grade.addItems(list(view.grades) or [view.post_grade])
        self.grade.setCurrentText(view.post_grade)
        self.level.setValue(view.salary_level)
        self.contract.setText(_yuan(view.contract_wage_fen))
        self.post_coef.setValue(float(view.post_coefficient))
        self.perf_coef.setValue(float(view.performance_coefficient))
        self.coef_source.setText(_("Payroll uses: {source}").format(source=view.coefficient_source))
        self.si_base.setText(_yuan(view.si_base_fen))
        self.hf_base.setText(_yuan(view.hf_base_fen))
        lim = view.limits
        self.hf_rate.setRange(0, 100)
        self.hf_rate.setValue(float(view.hf_rate_pct))
        self.special.setText(_yuan(view.special_additional_deduction_fen))
        if self.show_account:
            self.account.setText(group_account(view.bank_account))
        else:
            self.account.setText(mask_account(view.bank_account))
            self.account.setReadOnly(True)
            self.account.setToolTip(_("Only payroll roles see and change bank accounts."))
        if hasattr(self.services, "declarations"):
            self.pool.submit(lambda: self.services.declarations.declarations(self.employee_id),
                             on_done=self._on_declarations_loaded, on_error=self._on_error)
        self.dates.setText(_("hired {hire}; probation until {probation}; left {left}").format(
            hire=view.hire_date or "—", probation=view.probation_end or "—", left=view.leave_date or "—"))
        self.limits.setText(_(
            "City limits this month: social insurance base {sf} – {sc}; housing fund base {hf} – {hc}, rate {rl}% – "
            "{rh}%; minimum wage {mw}."
        ).format(sf=_yuan(lim.si_floor_fen), sc=_yuan(lim.si_cap_fen), hf=_yuan(lim.hf_floor_fen),
                 hc=_yuan(lim.hf_cap_fen), rl=format(lim.hf_rate_min_pct.normalize(), "f"),
                 rh=format(lim.hf_rate_max_pct.normalize(), "f"), mw=_yuan(lim.minimum_wage_fen)))
        self._on_changed()

    def form(self) -> tuple[PayProfileForm | None, list[str]]:
        """The entered profile and its problems (amount fields that are not amounts, then the service's checks)."""
        view = self.view
        if view is None:
            return None, []
        amounts: dict[str, int] = {}
        problems: list[str] = []
        for key, label, edit in (("contract", _("contract wage"), self.contract), ("si", _("social insurance base"), self.si_base),
                                 ("hf", _("housing fund base"), self.hf_base),
                                 ("special", _("special additional deduction"), self.special)):
            value = _fen(edit.text())
            if value is None:
                problems.append(_("{field} must be an amount such as 8000.00").format(field=label))
                value = 0
            amounts[key] = value
        account = self.account.text() if self.show_account else view.bank_account
        roles = tuple(r for r in (x.strip() for x in self.roles.text().replace(",", "、").replace("，", "、").split("、")) if r)
        form = PayProfileForm(
            category=self.category.currentText().strip(), roles=roles, post_grade=self.grade.currentText().strip(),
            salary_level=self.level.value(), contract_wage_fen=amounts["contract"],
            post_coefficient=Decimal(str(round(self.post_coef.value(), 2))),
            performance_coefficient=Decimal(str(round(self.perf_coef.value(), 2))),
            si_base_fen=amounts["si"], hf_base_fen=amounts["hf"], hf_rate_pct=Decimal(str(round(self.hf_rate.value(), 1))),
            special_additional_deduction_fen=amounts["special"], bank_account=account,
        )
        problems.extend(check_profile(form, view))
        return form, problems

    def _on_changed(self, *_args: object) -> None:
        form, problems = self.form()
        warning = account_warning(form.bank_account) if form and not account_problem(form.bank_account) else ""
        self.problems.setText(join_clauses(problems + ([warning] if warning else [])))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(form is not None and not problems)

    def _on_save(self) -> None:
        form, problems = self.form()
        if form is None or problems or self.view is None:
            return
        view = self.view
        self.pool.submit(
            lambda: self.services.payroll.save_pay_profile(self.employee_id, form, expected_version=view.version,
                                                           user=self.user),
            on_done=self._on_saved, on_error=self._on_error)

    def _on_saved(self, result: tuple[PayProfileView, ChangeSet]) -> None:
        self.view, self.changes = result
        self.accept()

    def _on_declarations_loaded(self, data: Any) -> None:
        """With declarations by month the flat amount is not used: shown read-only with the reason."""
        if data.items:
            self.special.setReadOnly(True)
            self.special.setToolTip(_("Not used: the payroll takes the declarations by month ({count}).").format(
                count=len(data.items)))
            self.declarations_btn.setText(_("Declarations by month ({count})…").format(count=len(data.items)))

    def _on_declarations_clicked(self) -> None:
        """The 专项附加扣除 table (a sub-dialog); a conversion clears the flat amount, so the profile reloads."""
        from ui.dialogs.tax_declarations import TaxDeclarationsDialog

        dialog = TaxDeclarationsDialog(self.services, self.pool, self.employee_id, user=self.user, parent=self)
        self.declarations_dialog = dialog
        dialog.finished.connect(lambda _code: self._after_declarations(dialog))
        dialog.open()

    def _after_declarations(self, dialog: Any) -> None:
        if dialog.changes is not None:
            self.changes = dialog.changes if self.changes is None else ChangeSet.of(
                self.changes.tables, dialog.changes.tables)
            if dialog.changes.touches("pay_profiles"):
                self.pool.submit(lambda: self.services.payroll.pay_profile(self.employee_id), on_done=self.fill,
                                 on_error=self._on_error)

    def _on_error(self, exc: BaseException) -> None:
        from app.errors import AppError

        QMessageBox.warning(self, _("HR Desk"), exc.message if isinstance(exc, AppError) else str(exc))
