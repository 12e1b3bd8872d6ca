"""专项附加扣除 of one employee: the declarations by month (kind, months, amount, number/share), add / edit / end /
delete with the rules' messages, and the one-click conversion of an old flat amount (未分项（旧数据）).

All reads and writes go through ``services.declarations`` on the worker pool; the form checks a declaration
against the others with the pure rules (``app.payroll.declarations``) while typing, the service checks again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.payroll import declarations as dc
from app.services.tax_declarations import DeclarationForm, DeclarationView, EmployeeDeclarations
from app.tasks import ChangeSet
from ui.tablemodels.base import ROW_ROLE, Column
from ui.tablemodels.labels import join_clauses
from ui.widgets.table import FilterTable


def _money(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def _detail_text(v: DeclarationView) -> str:
    d = v.detail
    if v.kind == "housing_rent":
        return _("city tier {tier}").format(tier=d.get("city_tier", "—"))
    if v.kind == "elderly_support":
        return _("only child") if d.get("only_child") else _("shared with siblings")
    if v.kind == "continuing_education":
        return dc.CONTINUING_TYPES.get(str(d.get("type", "degree")), "")
    if v.kind in ("children_education", "infant_care"):
        return str(d.get("child", ""))
    return ""


class DeclarationEditDialog(QDialog):
    """One declaration's form; ``others`` are the employee's other declarations for the live check."""

    def __init__(self, others: list[dc.Declaration], view: DeclarationView | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.others, self.view = others, view
        self.setWindowTitle(_("Special additional deduction"))
        self.setMinimumWidth(460)
        self.kind = QComboBox(self)
        for code, name in {**dc.KIND_NAMES, **dc.ANNUAL_ONLY}.items():
            self.kind.addItem(name, code)
        self.month_from = QLineEdit(self)
        self.month_from.setPlaceholderText("2026-03")
        self.month_to = QLineEdit(self)
        self.month_to.setPlaceholderText(_("empty = until withdrawn"))
        self.amount = QLineEdit(self)
        self.standard_btn = QPushButton(_("Standard amount"), self)
        self.count = QSpinBox(self)
        self.count.setRange(1, 9)
        self.share = QSpinBox(self)
        self.share.setRange(1, 100)
        self.share.setSuffix(" %")
        self.share.setValue(100)
        self.tier = QComboBox(self)
        for tier, fen in dc.RENT_FEN.items():
            self.tier.addItem(_("tier {tier} ({amount} a month)").format(tier=tier, amount=_money(fen)), tier)
        self.only_child = QCheckBox(_("Only child"), self)
        self.ctype = QComboBox(self)
        for code, name in dc.CONTINUING_TYPES.items():
            self.ctype.addItem(name, code)
        self.child = QLineEdit(self)
        self.child.setPlaceholderText(_("e.g. 大宝 (needed when each child is declared separately)"))
        self.note = QLineEdit(self)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color:#b42318")
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.standard_btn)
        form = QFormLayout()
        form.addRow(_("Kind:"), self.kind)
        form.addRow(_("First month:"), self.month_from)
        form.addRow(_("Last month:"), self.month_to)
        form.addRow(_("Amount (yuan/month):"), amount_row)
        form.addRow(_("Number of children:"), self.count)
        form.addRow(_("Share claimed:"), self.share)
        form.addRow(_("City tier:"), self.tier)
        form.addRow("", self.only_child)
        form.addRow(_("Continuing education:"), self.ctype)
        form.addRow(_("Child:"), self.child)
        form.addRow(_("Note:"), self.note)
        self.form_layout = form
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        if view is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(view.kind)))
            self.month_from.setText(view.month_from)
            self.month_to.setText(view.month_to or "")
            self.amount.setText(f"{view.monthly_fen / 100:.2f}")
            self.count.setValue(view.count)
            self.share.setValue(view.share_pct)
            self.tier.setCurrentIndex(max(0, self.tier.findData(int(view.detail.get("city_tier", 1) or 1))))
            self.only_child.setChecked(bool(view.detail.get("only_child")))
            self.ctype.setCurrentIndex(max(0, self.ctype.findData(view.detail.get("type", "degree"))))
            self.child.setText(str(view.detail.get("child", "")))
            self.note.setText(view.note)
        else:
            self.month_from.setText(f"{dt.date.today():%Y-%m}")
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.standard_btn.clicked.connect(self._on_standard_clicked)
        for w in (self.month_from, self.month_to, self.amount, self.child, self.note):
            w.textChanged.connect(self._on_changed)
        for sp in (self.count, self.share):
            sp.valueChanged.connect(self._on_changed)
        self.tier.currentIndexChanged.connect(self._on_changed)
        self.ctype.currentIndexChanged.connect(self._on_changed)
        self.only_child.toggled.connect(self._on_changed)
        self._on_kind_changed(fill=view is None)

    def _show_for_kind(self, kind: str) -> None:
        visible = {
            self.count: kind in ("children_education", "infant_care"),
            self.child: kind in ("children_education", "infant_care"),
            self.share: kind in ("children_education", "infant_care", "housing_loan", "elderly_support"),
            self.tier: kind == "housing_rent",
            self.only_child: kind == "elderly_support",
            self.ctype: kind == "continuing_education",
        }
        for widget, on in visible.items():
            self.form_layout.setRowVisible(widget, on)

    def _on_kind_changed(self, *_args: object, fill: bool = True) -> None:
        self._show_for_kind(str(self.kind.currentData()))
        if fill:
            self._on_standard_clicked()
        self._on_changed()

    def _on_standard_clicked(self) -> None:
        form = self.form()
        if form is not None:
            self.amount.setText(f"{dc.standard_fen(form.as_declaration()) / 100:.2f}")

    def form(self) -> DeclarationForm | None:
        kind = str(self.kind.currentData())
        try:
            amount = Decimal(self.amount.text().strip().replace(",", "") or "0")
        except InvalidOperation:
            return None
        if amount != amount.quantize(Decimal("0.01")):
            return None
        detail: dict[str, Any] = {}
        if kind == "housing_rent":
            detail["city_tier"] = int(self.tier.currentData())
        if kind == "elderly_support":
            detail["only_child"] = self.only_child.isChecked()
        if kind == "continuing_education":
            detail["type"] = str(self.ctype.currentData())
        if kind in ("children_education", "infant_care") and self.child.text().strip():
            detail["child"] = self.child.text().strip()
        per_child = kind in ("children_education", "infant_care")
        shared = per_child or kind in ("housing_loan", "elderly_support")
        return DeclarationForm(kind, self.month_from.text().strip(), self.month_to.text().strip() or None,
                               int(amount * 100), self.count.value() if per_child else 1,
                               self.share.value() if shared else 100, detail, self.note.text().strip(),
                               self.view.declared_on if self.view else None)

    def problem_list(self) -> list[str]:
        form = self.form()
        if form is None:
            return [_("{field} must be an amount such as 8000.00").format(field=_("the monthly amount"))]
        return dc.validate(form.as_declaration(self.view.id if self.view else None), self.others)

    def _on_changed(self, *_args: object) -> None:
        problems = self.problem_list()
        self.problems.setText(join_clauses(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)


class TaxDeclarationsDialog(QDialog):
    """The declarations table of one employee. ``changes`` collects what was changed (for the main window)."""

    def __init__(self, services: Any, pool: Any, employee_id: int, *, user: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.pool, self.employee_id, self.user = services, pool, employee_id, user
        self.data: EmployeeDeclarations | None = None
        self.changes: ChangeSet | None = None
        self.setWindowTitle(_("Special additional deductions"))
        self.resize(820, 420)
        self.heading = QLabel(self)
        self.legacy = QLabel(self)
        self.legacy.setWordWrap(True)
        self.convert_btn = QPushButton(_("Convert into a declaration…"), self)
        self.table = FilterTable(
            [
                Column[DeclarationView]("kind_name", _("Kind")),
                Column[DeclarationView]("month_from", _("From")),
                Column[DeclarationView]("month_to", _("To"), fmt=lambda v: v or _("open")),
                Column[DeclarationView]("monthly_fen", _("Amount a month"), fmt=_money),
                Column[DeclarationView]("count", _("Number / share"),
                                        value=lambda r: f"{r.count} × {r.share_pct}%"),
                Column[DeclarationView]("detail", _("Detail"), value=_detail_text),
                Column[DeclarationView]("note", _("Note")),
            ],
            title=_("Declared by month"),
            sort=("month_from", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        self.add_btn = QPushButton(_("Add…"), self)
        self.edit_btn = QPushButton(_("Edit…"), self)
        self.end_btn = QPushButton(_("End…"), self)
        self.delete_btn = QPushButton(_("Delete"), self)
        self.this_month = QLabel(self)
        buttons = QHBoxLayout()
        for b in (self.add_btn, self.edit_btn, self.end_btn, self.delete_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.this_month)
        legacy_row = QHBoxLayout()
        legacy_row.addWidget(self.legacy, 1)
        legacy_row.addWidget(self.convert_btn)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(legacy_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.add_btn.clicked.connect(self._on_add)
        self.edit_btn.clicked.connect(self._on_edit)
        self.end_btn.clicked.connect(self._on_end)
        self.delete_btn.clicked.connect(self._on_delete)
        self.convert_btn.clicked.connect(self._on_convert)
        self.table.view.doubleClicked.connect(lambda _i: self._on_edit())
        self.reload()

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        self.pool.submit(lambda: self.services.declarations.declarations(self.employee_id), on_done=self.fill,
                         on_error=self._on_error)

    def fill(self, data: EmployeeDeclarations) -> None:
        self.data = data
        self.heading.setText(_("<b>{staff_no} {name}</b> · special additional deductions declared to the hospital").format(
            staff_no=data.staff_no, name=data.name))
        self.table.set_rows(list(data.items))
        month = f"{dt.date.today():%Y-%m}"
        amount = dc.monthly_amount([self._decl(v) for v in data.items], month)
        self.this_month.setText(_("In force in {month}: {amount} a month").format(month=month, amount=f"{amount:,.2f}"))
        if data.uses_legacy:
            self.legacy.setText(_("Not itemised (old data): the pay profile holds a flat {amount} a month without a kind; the payroll "
                                  "uses it until the first declaration is entered.").format(
                amount=_money(data.legacy_fen)))
        else:
            self.legacy.setText("")
        self.legacy.setVisible(data.uses_legacy)
        self.convert_btn.setVisible(data.uses_legacy)

    @staticmethod
    def _decl(v: DeclarationView) -> dc.Declaration:
        return dc.Declaration(v.kind, v.month_from, v.month_to, v.monthly_fen, v.count, v.share_pct, v.detail, v.id)

    def selected(self) -> DeclarationView | None:
        index = self.table.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    # ---------------------------------------------------------------- actions
    def edit_dialog(self, view: DeclarationView | None) -> DeclarationEditDialog:
        others = [self._decl(v) for v in (self.data.items if self.data else ())]
        return DeclarationEditDialog(others, view, self)

    def _on_add(self) -> None:
        dialog = self.edit_dialog(None)
        dialog.accepted.connect(lambda: self._save(dialog, None))
        dialog.open()

    def _on_edit(self) -> None:
        view = self.selected()
        if view is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a declaration in the list first."))
            return
        dialog = self.edit_dialog(view)
        dialog.accepted.connect(lambda: self._save(dialog, view))
        dialog.open()

    def _save(self, dialog: DeclarationEditDialog, view: DeclarationView | None) -> None:
        form = dialog.form()
        if form is None:
            return
        self.pool.submit(
            lambda: self.services.declarations.save(
                self.employee_id, form, declaration_id=view.id if view else None,
                expected_version=view.version if view else 0, user=self.user),
            on_done=lambda result: self._changed(result[1]), on_error=self._on_error)

    def _on_end(self) -> None:
        view = self.selected()
        if view is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a declaration in the list first."))
            return
        month, ok = QInputDialog.getText(self, _("End the declaration"),
                                         _("Last month it applies (e.g. a loan paid off in August: 2026-08):"),
                                         text=f"{dt.date.today():%Y-%m}")
        if ok and month.strip():
            self.pool.submit(
                lambda: self.services.declarations.end(self.employee_id, view.id, month.strip(),
                                                       expected_version=view.version, user=self.user),
                on_done=lambda result: self._changed(result[1]), on_error=self._on_error)

    def _on_delete(self) -> None:
        view = self.selected()
        if view is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a declaration in the list first."))
            return
        answer = QMessageBox.question(self, _("HR Desk"), _(
            "Delete this {kind} declaration? Use End instead when it simply stopped applying; locked months keep "
            "what they deducted and the next payroll takes it back.").format(kind=view.kind_name))
        if answer == QMessageBox.StandardButton.Yes:
            self.pool.submit(
                lambda: self.services.declarations.delete(self.employee_id, view.id, expected_version=view.version,
                                                          user=self.user),
                on_done=self._changed, on_error=self._on_error)

    def _on_convert(self) -> None:
        if self.data is None or not self.data.uses_legacy:
            return
        names = list(dc.KIND_NAMES.values())
        guess = guess_kind(self.data.legacy_fen)
        name, ok = QInputDialog.getItem(self, _("Convert the old flat amount"),
                                        _("Which deduction is the {amount} a month?").format(
                                            amount=_money(self.data.legacy_fen)),
                                        names, names.index(dc.KIND_NAMES[guess]), False)
        if not ok:
            return
        kind = dc.kind_for_name(name) or guess
        detail: dict[str, Any] = {}
        if kind == "housing_rent":
            detail["city_tier"] = next((t for t, f in dc.RENT_FEN.items() if f == self.data.legacy_fen), 1)
        if kind == "elderly_support":
            detail["only_child"] = self.data.legacy_fen > dc.ELDERLY_SHARED_MAX_FEN
        count = max(1, self.data.legacy_fen // dc.PER_CHILD_FEN) if kind in ("children_education", "infant_care") else 1
        share = 100
        if kind == "elderly_support" and not detail["only_child"]:
            share = max(1, self.data.legacy_fen * 100 // dc.ELDERLY_ONLY_CHILD_FEN)
        start = f"{dt.date.today().year}-01"
        self.pool.submit(
            lambda: self.services.declarations.convert_legacy(self.employee_id, kind, start, detail=detail, count=count,
                                                              share_pct=share, user=self.user),
            on_done=lambda result: self._changed(result[1]), on_error=self._on_error)

    def _changed(self, changes: ChangeSet) -> None:
        self.changes = changes if self.changes is None else ChangeSet.of(*(set(self.changes.tables) | set(changes.tables)))
        self.reload()

    def _on_error(self, exc: BaseException) -> None:
        from app.errors import AppError

        QMessageBox.warning(self, _("HR Desk"), exc.message if isinstance(exc, AppError) else str(exc))
        self.reload()


def guess_kind(fen: int) -> str:
    """The kind an old flat amount most likely is (its standard amount), for the conversion's default."""
    return {150_000: "housing_rent", 110_000: "housing_rent", 80_000: "housing_rent", 100_000: "housing_loan",
            300_000: "elderly_support", 40_000: "continuing_education"}.get(
        fen, "children_education" if fen % dc.PER_CHILD_FEN == 0 else "elderly_support")



def import_report(preview: Any) -> str:
    """The preview as text: counts, then every problem with row, column, value and reason."""
    lines = [_("{added} new, {updated} changed, {unchanged} unchanged declarations; {problems} problems.").format(
        added=preview.added, updated=preview.updated, unchanged=preview.unchanged, problems=len(preview.problems))]
    for p in preview.problems[:30]:
        lines.append(_("row {row}, {column} “{value}”: {reason}").format(row=p.row, column=p.column, value=p.value,
                                                                         reason=p.reason))
    if len(preview.problems) > 30:
        lines.append(_("… and {n} more").format(n=len(preview.problems) - 30))
    return "\n".join(lines)


def import_declarations(parent: QWidget, services: Any, pool: Any, publish: Any, path: str | None = None) -> None:
    """Choose a workbook, preview it (stores nothing), and import it after the user agrees."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    if path is None:
        path, _filter = QFileDialog.getOpenFileName(parent, _("Import declarations"), "", "Excel (*.xlsx)")
    if not path:
        return
    chosen = Path(path)

    def show_error(exc: BaseException) -> None:
        from app.errors import AppError

        QMessageBox.warning(parent, _("HR Desk"), exc.message if isinstance(exc, AppError) else str(exc))

    def previewed(preview: Any) -> None:
        report = import_report(preview)
        if preview.problems:
            QMessageBox.warning(parent, _("Import declarations"),
                                _("Nothing can be imported until these are corrected:\n{report}").format(report=report))
            return
        if not preview.added and not preview.updated:
            QMessageBox.information(parent, _("Import declarations"), report)
            return
        answer = QMessageBox.question(parent, _("Import declarations"),
                                      _("{report}\nImport these now?").format(report=report))
        if answer == QMessageBox.StandardButton.Yes:
            pool.submit(lambda: services.declarations.import_file(chosen), lane="io",
                        on_done=lambda result: publish(result[1]), on_error=show_error)

    pool.submit(lambda: services.declarations.import_preview(chosen), lane="io", on_done=previewed,
                on_error=show_error)
