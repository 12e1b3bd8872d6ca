"""班次设置: a ward's shift types — times (may cross midnight), paid minutes, break, night and 值班 flags."""

from __future__ import annotations

from datetime import time
from typing import Any

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError
from app.i18n import _
from app.services.attendance import PAY_NIGHT_CLASSES, AttendanceService, ShiftTypeRow
from ui.tablemodels.base import Column
from ui.tablemodels.labels import join_list
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool


def _hm(t: time | None) -> str:
    return t.strftime("%H:%M") if t else ""


def _flags(r: ShiftTypeRow) -> str:
    parts = []
    if r.rest:
        parts.append(_("rest"))
    if r.night:
        parts.append(_("night"))
    if r.duty:
        parts.append(_("on-call duty"))
    if r.early:
        parts.append(_("early"))
    return join_list(parts)


RETIRED_COLOUR = "#e0e0e0"  # retired shift types are listed greyed


def _name(r: ShiftTypeRow) -> str:
    return r.name if r.active else _("{name} (retired)").format(name=r.name)


def _grey(r: ShiftTypeRow) -> str | None:
    return None if r.active else RETIRED_COLOUR


def span_text(start: time, end: time, next_day: bool, duty: bool) -> str:
    """How the shift runs, in words, e.g. "22:00 – 次日 08:00, 10 h"."""
    s, e = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    length = e - s if e > s else e - s + 1440
    if s == e and not duty:
        return _("Ends when it starts: only an on-call duty may last 24 hours.")
    crosses = e <= s
    if next_day:
        return _("Starts the day after the rostered day at {start}, lasts {h:g} h.").format(start=_hm(start), h=length / 60)
    if crosses:
        return _("{start} to {end} the next day, {h:g} h (crosses midnight).").format(
            start=_hm(start), end=_hm(end), h=length / 60)
    return _("{start} to {end}, {h:g} h.").format(start=_hm(start), end=_hm(end), h=length / 60)


class ShiftTypesDialog(QDialog):
    """List on the left, the selected shift's form on the right; save, add, delete (refused when used)."""

    def __init__(self, service: AttendanceService, pool: WorkerPool, department_id: int, ward: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service, self.pool, self.department_id = service, pool, department_id
        self.current: ShiftTypeRow | None = None
        self.changed = False
        self.setWindowTitle(_("Shift types of {ward}").format(ward=ward))
        self.resize(980, 520)
        self.table = FilterTable(
            [
                Column[ShiftTypeRow]("code", _("Code"), color=_grey),
                Column[ShiftTypeRow]("name", _("Name"), value=_name, color=_grey),
                Column[ShiftTypeRow]("start", _("Start"), fmt=_hm, color=_grey),
                Column[ShiftTypeRow]("end", _("End"), fmt=_hm, color=_grey),
                Column[ShiftTypeRow]("paid_minutes", _("Paid minutes"), color=_grey),
                Column[ShiftTypeRow]("break_minutes", _("Break (min)"), color=_grey),
                Column[ShiftTypeRow]("night_class", _("Night allowance class"), color=_grey),
                Column[ShiftTypeRow]("flags", _("Kind"), value=_flags, color=_grey),
            ],
            title=_("Shift types"), parent=self,
        )
        self.code = QLineEdit(self)
        self.code.setMaxLength(10)
        self.name = QLineEdit(self)
        self.name.setMaxLength(40)
        self.start = QTimeEdit(self)
        self.end = QTimeEdit(self)
        for t in (self.start, self.end):
            t.setDisplayFormat("HH:mm")
        self.next_day = QCheckBox(_("Starts on the day after the rostered day (e.g. 大夜 00:00)"), self)
        self.paid = QSpinBox(self)
        self.paid.setRange(0, 1440)
        self.paid.setSuffix(_(" min"))
        self.breaks = QSpinBox(self)
        self.breaks.setRange(0, 600)
        self.breaks.setSuffix(_(" min"))
        self.night = QCheckBox(_("Night shift (rest after a night, night limits)"), self)
        self.night_class = QComboBox(self)
        self.night_class.addItem(_("(none)"), "")
        for c in PAY_NIGHT_CLASSES:
            self.night_class.addItem(c, c)
        self.duty = QCheckBox(_("On-call duty (值班, paid per duty, not overtime)"), self)
        self.rest = QCheckBox(_("Rest code (no work)"), self)
        self.early = QCheckBox(_("Early shift (not allowed right after a night)"), self)
        self.span = QLabel(self)
        self.span.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Code"), self.code)
        form.addRow(_("Name"), self.name)
        form.addRow(_("Start"), self.start)
        form.addRow(_("End"), self.end)
        form.addRow("", self.next_day)
        form.addRow("", self.span)
        form.addRow(_("Paid minutes"), self.paid)
        form.addRow(_("Unpaid break"), self.breaks)
        form.addRow(_("Night allowance class"), self.night_class)
        for box in (self.night, self.duty, self.rest, self.early):
            form.addRow("", box)
        self.new_btn = QPushButton(_("New shift"), self)
        self.save_btn = QPushButton(_("Save shift"), self)
        self.delete_btn = QPushButton(_("Delete shift"), self)
        self.active_btn = QPushButton(_("Retire shift"), self)
        self.active_btn.setToolTip(_("A retired shift stays on the roster cells that have it, in the summaries and "
                                     "in pay, but is no longer offered for new rosters. Enable brings it back."))
        row = QHBoxLayout()
        for b in (self.new_btn, self.save_btn, self.active_btn, self.delete_btn):
            row.addWidget(b)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(row)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addLayout(right, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.table.row_selected.connect(self.show_row)
        for w in (self.start, self.end):
            w.timeChanged.connect(self._update_span)
        for c in (self.next_day, self.duty, self.rest):
            c.toggled.connect(self._update_span)
        self.new_btn.clicked.connect(self.new_row)
        self.save_btn.clicked.connect(self.save)
        self.delete_btn.clicked.connect(self.delete)
        self.active_btn.clicked.connect(self.toggle_active)
        self.new_row()
        self.reload()

    # ---------------------------------------------------------------- data
    def reload(self, select_code: str | None = None) -> None:
        svc, dept = self.service, self.department_id

        def done(rows: list[ShiftTypeRow]) -> None:
            self.table.set_rows(rows)
            if select_code:
                match = next((r for r in rows if r.code == select_code), None)
                if match is not None:
                    self.show_row(match)

        self.pool.submit(lambda: svc.shift_types(dept), on_done=done, on_error=self._error)

    def rows(self) -> list[ShiftTypeRow]:
        return self.table.model.rows()

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, AppError):
            QMessageBox.warning(self, _("Shift types"), exc.message)
        else:
            QMessageBox.critical(self, _("Shift types"), _("Unexpected error: {error}").format(error=exc))

    # ---------------------------------------------------------------- form
    def show_row(self, row: ShiftTypeRow | None) -> None:
        if row is None:
            return
        self.current = row
        self.code.setText(row.code)
        self.name.setText(row.name)
        self.start.setTime(QTime(row.start.hour, row.start.minute) if row.start else QTime(8, 0))
        self.end.setTime(QTime(row.end.hour, row.end.minute) if row.end else QTime(16, 0))
        self.next_day.setChecked(row.start_day_offset == 1)
        self.paid.setValue(row.paid_minutes)
        self.breaks.setValue(row.break_minutes)
        self.night.setChecked(row.night)
        self.night_class.setCurrentIndex(max(0, self.night_class.findData(row.night_class)))
        self.duty.setChecked(row.duty)
        self.rest.setChecked(row.rest)
        self.early.setChecked(row.early)
        self.delete_btn.setEnabled(True)
        self.active_btn.setEnabled(True)
        self.active_btn.setText(_("Retire shift") if row.active else _("Enable shift"))
        self._update_span()

    def new_row(self) -> None:
        self.current = None
        self.code.clear()
        self.name.clear()
        self.start.setTime(QTime(8, 0))
        self.end.setTime(QTime(16, 0))
        self.next_day.setChecked(False)
        self.paid.setValue(480)
        self.breaks.setValue(0)
        for c in (self.night, self.duty, self.rest, self.early):
            c.setChecked(False)
        self.night_class.setCurrentIndex(0)
        self.delete_btn.setEnabled(False)
        self.active_btn.setEnabled(False)
        self.active_btn.setText(_("Retire shift"))
        self._update_span()

    def _update_span(self, *_a: Any) -> None:
        rest = self.rest.isChecked()
        for w in (self.start, self.end, self.next_day, self.paid, self.breaks):
            w.setEnabled(not rest)
        if rest:
            self.span.setText(_("A rest code has no times and pays nothing."))
            return
        st, en = self.start.time(), self.end.time()
        self.span.setText(span_text(time(st.hour(), st.minute()), time(en.hour(), en.minute()),
                                    self.next_day.isChecked(), self.duty.isChecked()))

    def form_row(self) -> ShiftTypeRow:
        rest = self.rest.isChecked()
        st, en = self.start.time(), self.end.time()
        cur = self.current
        return ShiftTypeRow(
            cur.id if cur else None, self.code.text().strip(), self.name.text().strip(),
            None if rest else time(st.hour(), st.minute()), None if rest else time(en.hour(), en.minute()),
            0 if rest else self.paid.value(), 0 if rest else self.breaks.value(), self.night.isChecked(),
            str(self.night_class.currentData() or ""), self.duty.isChecked(), rest,
            1 if self.next_day.isChecked() and not rest else 0, self.early.isChecked(), cur.version if cur else 0,
            cur.active if cur else True,
        )

    # ---------------------------------------------------------------- actions
    def save(self) -> None:
        row, svc, dept = self.form_row(), self.service, self.department_id

        def done(saved: ShiftTypeRow) -> None:
            self.changed = True
            self.current = saved
            self.reload(select_code=saved.code)

        self.pool.submit(lambda: svc.save_shift_type(dept, row), on_done=done, on_error=self._error)

    def delete(self, *, confirm: bool = True) -> None:
        cur, svc, dept = self.current, self.service, self.department_id
        if cur is None or cur.id is None:
            return
        if confirm and QMessageBox.question(
            self, _("Delete shift"), _("Delete shift {code} ({name})?").format(code=cur.code, name=cur.name),
        ) != QMessageBox.StandardButton.Yes:
            return

        def done(_r: Any) -> None:
            self.changed = True
            self.new_row()
            self.reload()

        self.pool.submit(lambda: svc.delete_shift_type(dept, cur.id or 0, cur.version), on_done=done,
                         on_error=self._error)

    def toggle_active(self) -> None:
        """停用 / 启用 the selected shift type (the service refuses while a cover rule names it)."""
        cur, svc, dept = self.current, self.service, self.department_id
        if cur is None or cur.id is None:
            return
        active = not cur.active

        def done(saved: ShiftTypeRow) -> None:
            self.changed = True
            self.current = saved
            self.reload(select_code=saved.code)

        self.pool.submit(lambda: svc.set_shift_type_active(dept, cur.id or 0, active, cur.version), on_done=done,
                         on_error=self._error)
