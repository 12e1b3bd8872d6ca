"""考勤: import clock data, compute the month, correct figures with a reason, lock, export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import Month
from app.i18n import _
from app.services.attendance import FIELD_LABELS, OVERTIME_KEYS, SCALAR_FIELDS, SummaryRow
from app.tasks import ChangeSet
from ui.dialogs.clock_import import ClockImportDialog
from ui.dialogs.punch_supplement import SupplementDialog, SupplementsDialog
from ui.tablemodels.base import RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

EXCEPTION_COLOUR = "#fde0b8"


def _dict(d: dict[str, Any]) -> str:
    return " ".join(f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in d.items() if v)


class CorrectionDialog(QDialog):
    """Which figure, the new value, and the reason (required)."""

    def __init__(self, row: SummaryRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Correct {name} {month}").format(name=row.name, month=row.month))
        self.field = QComboBox(self)
        self.keys: list[str] = list(SCALAR_FIELDS)
        self.keys += [f"overtime_hours.{k}" for k in OVERTIME_KEYS]
        self.keys += [f"night_shifts.{k}" for k in ("小夜", "大夜", "长夜班")]
        self.keys += [f"leave_days.{k}" for k in row.leave_days]
        for k in self.keys:
            group, _dot, sub = k.partition(".")
            self.field.addItem(f"{_(FIELD_LABELS[group])} {sub}".strip(), k)
        self.value = QDoubleSpinBox(self)
        self.value.setRange(0, 10000)
        self.value.setDecimals(2)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(_("Why (required), e.g. 外出培训"))
        form = QFormLayout(self)
        form.addRow(_("Figure"), self.field)
        form.addRow(_("New value"), self.value)
        form.addRow(_("Reason"), self.reason)
        note = _("The month is locked: the correction is booked as an adjustment in the next month.") if row.locked else ""
        if note:
            form.addRow(QLabel(note, self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.row = row
        self.field.currentIndexChanged.connect(self._show_current)
        self._show_current()

    def _show_current(self, *_a: Any) -> None:
        key = self.field.currentData()
        group, _dot, sub = str(key).partition(".")
        value = getattr(self.row, group)
        self.value.setValue(float(value.get(sub, 0)) if isinstance(value, dict) else float(value))

    def values(self) -> tuple[str, float, str]:
        return str(self.field.currentData()), float(self.value.value()), self.reason.text().strip()


class AttendancePage(Tab):
    KEY = "attendance"
    TABLES = frozenset({"attendance_months", "clock_punches", "roster_entries", "attendance_adjustments",
                        "punch_supplements", "leave_records"})
    USER = "人事"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.month = QComboBox(self)
        self.state = QLabel(self)
        self.import_btn = QPushButton(_("Import clock data…"), self)
        self.compute_btn = QPushButton(_("Compute the month"), self)
        self.correct_btn = QPushButton(_("Correct a figure…"), self)
        self.lock_btn = QPushButton(_("Lock the month"), self)
        self.supplement_btn = QPushButton(_("Punch supplement…"), self)
        self.supplements_btn = QPushButton(_("Approve supplements…"), self)
        self.export_btn = QPushButton(_("Export attendance sheet…"), self)
        self.export_exc_btn = QPushButton(_("Export exceptions…"), self)
        exc = lambda r: EXCEPTION_COLOUR if r.exceptions else None  # noqa: E731
        self.table = FilterTable(
            [
                Column[SummaryRow]("staff_no", _("Staff no.")),
                Column[SummaryRow]("name", _("Name")),
                Column[SummaryRow]("department", _("Department")),
                Column[SummaryRow]("days_worked", _("Days worked"), align=RIGHT),
                Column[SummaryRow]("hours_worked", _("Hours worked"), align=RIGHT),
                Column[SummaryRow]("absent_days", _("Absent days"), align=RIGHT, color=exc),
                Column[SummaryRow]("late_count", _("Late arrivals"), align=RIGHT, color=exc),
                Column[SummaryRow]("early_count", _("Early departures"), align=RIGHT, color=exc),
                Column[SummaryRow]("missing_punches", _("Missing punches"), align=RIGHT, color=exc),
                Column[SummaryRow]("night_shifts", _("Night shifts"), fmt=_dict),
                Column[SummaryRow]("duty_shifts", _("On-call duties"), align=RIGHT),
                Column[SummaryRow]("overtime_hours", _("Overtime (h)"), fmt=_dict),
                Column[SummaryRow]("leave_days", _("Leave"), fmt=_dict),
                Column[SummaryRow]("corrections", _("Corrections"), fmt=lambda v: str(len(v)) if v else ""),
                Column[SummaryRow]("locked", _("Locked"), fmt=lambda v: _("yes") if v else ""),
            ],
            title=_("Monthly summary per person (orange: exceptions to check)"),
            parent=self,
        )
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Month:"), self))
        top.addWidget(self.month)
        for b in (self.import_btn, self.compute_btn, self.correct_btn, self.supplement_btn, self.supplements_btn,
                  self.lock_btn, self.export_btn, self.export_exc_btn):
            top.addWidget(b)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(self.table, 1)
        self.month.currentIndexChanged.connect(self._on_month_changed)
        self.import_btn.clicked.connect(self._on_import_clicked)
        self.compute_btn.clicked.connect(self._on_compute_clicked)
        self.correct_btn.clicked.connect(self._on_correct_clicked)
        self.lock_btn.clicked.connect(self._on_lock_clicked)
        self.supplement_btn.clicked.connect(self._on_supplement_clicked)
        self.supplements_btn.clicked.connect(self._on_supplements_clicked)
        self.export_btn.clicked.connect(lambda: self._export(False))
        self.export_exc_btn.clicked.connect(lambda: self._export(True))

    def title(self) -> str:
        return _("Attendance")

    def current_month(self) -> str:
        return self.month.currentText()

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        wf = self.services.workforce
        self.load(wf.rostered_wards, self._on_months_loaded)

    def _on_months_loaded(self, rostered: list[Any]) -> None:
        today = Month(date.today().year, date.today().month)
        latest = max((w.month for w in rostered), default=str(Month.previous_complete(date.today())))
        months = {latest, str(today), str(Month.previous_complete(date.today()))}
        keep = self.current_month() or latest
        self.month.blockSignals(True)
        self.month.clear()
        self.month.addItems(sorted(months, reverse=True))
        self.month.setCurrentIndex(max(0, self.month.findText(keep)))
        self.month.blockSignals(False)
        self._on_month_changed()

    def _on_month_changed(self, *_a: Any) -> None:
        month = self.current_month()
        if not month:
            return
        att = self.services.attendance
        self.load(lambda: att.summary(month), self._show_rows)

    def _show_rows(self, rows: list[SummaryRow]) -> None:
        self.table.set_rows(rows)
        locked = bool(rows) and all(r.locked for r in rows)
        flagged = sum(1 for r in rows if r.exceptions)
        if not rows:
            self.state.setText(_("{month}: not computed yet. Import the clock data, then compute the month.").format(
                month=self.current_month()))
        elif locked:
            r = rows[0]
            self.state.setText(_("{month}: locked by {by}; corrections become adjustments in the next month.").format(
                month=self.current_month(), by=r.locked_by))
        else:
            self.state.setText(_("{month}: {n} people, {flagged} with exceptions; not locked.").format(
                month=self.current_month(), n=len(rows), flagged=flagged))
        self.lock_btn.setEnabled(bool(rows) and not locked)
        self.compute_btn.setEnabled(not locked)

    def _changed(self, *_a: Any) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(ChangeSet.of("attendance_months", "clock_punches", "attendance_adjustments"))
        else:
            self._on_month_changed()

    # ---------------------------------------------------------------- actions
    def _on_import_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Attendance-machine export"), "",
                                                    _("Clock data (*.csv *.xlsx)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> ClockImportDialog | None:
        """Open the preview dialog for ``path`` (returns it so tests can drive it)."""
        att, month = self.services.attendance, self.current_month()
        holder: list[ClockImportDialog] = []

        def opened(info: Any) -> None:
            dialog = ClockImportDialog(att, self.pool, info, month, self)
            holder.append(dialog)
            dialog.accepted.connect(lambda: self._imported(dialog))
            dialog.open()

        self.pool.submit(lambda: att.open_clock_file(path), on_done=opened, on_error=self.show_error)
        return holder[0] if holder else None

    def _imported(self, dialog: ClockImportDialog) -> None:
        if dialog.result is not None:
            QMessageBox.information(self, _("HR Desk"), _("{n} punches stored.").format(n=dialog.result.inserted))
        self._changed()

    def _on_compute_clicked(self) -> None:
        att, month = self.services.attendance, self.current_month()
        run_with_progress(self, self.pool, _("Computing attendance for {month}…").format(month=month),
                          lambda progress, cancel: att.compute_month(month, progress=progress, cancel=cancel),
                          self._changed)

    def selected_row(self) -> SummaryRow | None:
        from ui.tablemodels.base import ROW_ROLE

        idx = self.table.view.currentIndex()
        return idx.data(ROW_ROLE) if idx.isValid() else None

    def _on_correct_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a person in the table first."))
            return
        dialog = CorrectionDialog(row, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.correct(row, *dialog.values())

    def correct(self, row: SummaryRow, field_name: str, value: float, reason: str) -> None:
        att = self.services.attendance

        def done(res: Any) -> None:
            if res.adjustment_month:
                QMessageBox.information(self, _("HR Desk"), _("The month is locked: the change is booked as an "
                                                               "adjustment in {month}.").format(month=res.adjustment_month))
            self._changed()

        self.pool.submit(lambda: att.correct(row.employee_id, row.month, field_name, value, reason, user=self.USER),
                         on_done=done, on_error=self.show_error)

    def _on_supplement_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a person in the table first."))
            return
        dialog = self.supplement_dialog(row)
        dialog.accepted.connect(lambda: QMessageBox.information(
            self, _("HR Desk"), _("The punch supplement waits for approval (补卡审批).")))
        dialog.open()

    def supplement_dialog(self, row: SummaryRow) -> SupplementDialog:
        return SupplementDialog(self.services.attendance, self.pool, row.employee_id, row.name, row.month, self)

    def _on_supplements_clicked(self) -> None:
        dialog = self.supplements_dialog()
        dialog.finished.connect(lambda *_a: self._changed() if dialog.decided else None)
        dialog.open()

    def supplements_dialog(self) -> SupplementsDialog:
        return SupplementsDialog(self.services.attendance, self.pool, self.current_month(), self, user=self.USER)

    def _on_lock_clicked(self) -> None:
        month = self.current_month()
        if QMessageBox.question(
            self, _("Lock the month"),
            _("After locking, attendance for {month} is paid as it stands and is never recomputed; corrections "
              "become adjustments in the next month. Lock it?").format(month=month),
        ) != QMessageBox.StandardButton.Yes:
            return
        self.lock(month)

    def lock(self, month: str) -> None:
        att = self.services.attendance
        self.pool.submit(lambda: att.lock_month(month, user=self.USER), on_done=self._changed, on_error=self.show_error)

    def _export(self, exceptions: bool) -> None:
        month = self.current_month()
        name = (_("attendance_exceptions_{month}.xlsx") if exceptions else _("attendance_{month}.xlsx")).format(month=month)
        path, _filter = QFileDialog.getSaveFileName(self, _("Export"), name, "Excel (*.xlsx)")
        if not path:
            return
        att = self.services.attendance
        fn = att.export_exceptions if exceptions else att.export_sheet
        run_with_progress(self, self.pool, _("Writing the sheet…"),
                          lambda progress, cancel: fn(month, Path(path)),
                          lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                          lane="io")

