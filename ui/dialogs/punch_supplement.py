"""补卡: submit a missing punch with a reason, and the approve/reject list for managers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import Month
from app.errors import AppError
from app.i18n import _
from app.services.attendance import AttendanceService, SupplementDecision, SupplementRow
from ui.tablemodels.base import Column
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool

STATUS_COLOURS = {"pending": "#fde0b8", "approved": "#d9efd9", "rejected": "#eeeeee"}


def kind_label(kind: str) -> str:
    return _("check-in") if kind == "in" else _("check-out")


def status_label(status: str) -> str:
    return {"pending": _("pending"), "approved": _("approved"), "rejected": _("rejected")}.get(status, status)


def _error(parent: QWidget, title: str, exc: BaseException) -> None:
    if isinstance(exc, AppError):
        QMessageBox.warning(parent, title, exc.message)
    else:
        QMessageBox.critical(parent, title, _("Unexpected error: {error}").format(error=exc))


class SupplementDialog(QDialog):
    """A missing check-in or check-out of one person's shift on one day, with the reason."""

    def __init__(self, service: AttendanceService, pool: WorkerPool, employee_id: int, name: str, month: str,
                 parent: QWidget | None = None, *, day: date | None = None, kind: str = "out") -> None:
        super().__init__(parent)
        self.service, self.pool, self.employee_id = service, pool, employee_id
        self.created: int | None = None
        self.setWindowTitle(_("Punch supplement for {name}").format(name=name))
        m = Month.parse(month)
        days = m.days()
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDateRange(QDate(days[0].year, days[0].month, days[0].day),
                              QDate(days[-1].year, days[-1].month, days[-1].day))
        start = day or days[0]
        self.day.setDate(QDate(start.year, start.month, start.day))
        self.kind = QComboBox(self)
        self.kind.addItem(kind_label("in"), "in")
        self.kind.addItem(kind_label("out"), "out")
        self.kind.setCurrentIndex(1 if kind == "out" else 0)
        self.at = QDateTimeEdit(self)
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(_("Why the punch is missing (required), e.g. 打卡机故障"))
        form = QFormLayout(self)
        form.addRow(_("Shift day"), self.day)
        form.addRow(_("Missing punch"), self.kind)
        form.addRow(_("Actual time"), self.at)
        form.addRow(_("Reason"), self.reason)
        note = QLabel(_("A night shift's check-out is on the next morning: enter the real date and time. "
                        "The punch counts once a manager approves it; in a locked month it becomes an "
                        "adjustment in the next month."), self)
        note.setWordWrap(True)
        form.addRow(note)
        self.resize(520, 240)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        form.addRow(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.day.dateChanged.connect(self._default_time)
        self.kind.currentIndexChanged.connect(self._default_time)
        self._default_time()

    def _default_time(self, *_a: Any) -> None:
        d = self.day.date()
        hour = 8 if self.kind.currentData() == "in" else 16
        self.at.setDateTime(QDateTime(d, QTime(hour, 0)))

    def values(self) -> tuple[date, str, datetime, str]:
        d, t = self.day.date(), self.at.dateTime()
        at = datetime(t.date().year(), t.date().month(), t.date().day(), t.time().hour(), t.time().minute())
        return date(d.year(), d.month(), d.day()), str(self.kind.currentData()), at, self.reason.text().strip()

    def submit(self) -> None:
        day, kind, at, reason = self.values()
        svc, eid = self.service, self.employee_id

        def done(sid: int) -> None:
            self.created = sid
            self.accept()

        self.pool.submit(lambda: svc.submit_supplement(eid, day, kind, at, reason), on_done=done,
                         on_error=lambda exc: _error(self, _("Punch supplement"), exc))


class SupplementsDialog(QDialog):
    """The month's 补卡 requests; managers approve or reject the pending ones."""

    def __init__(self, service: AttendanceService, pool: WorkerPool, month: str, parent: QWidget | None = None, *,
                 user: str = "") -> None:
        super().__init__(parent)
        self.service, self.pool, self.month, self.user = service, pool, month, user
        self.decided: list[SupplementDecision] = []
        self.setWindowTitle(_("Punch supplements {month}").format(month=month))
        self.resize(940, 480)
        self.show_all = QComboBox(self)
        self.show_all.addItem(_("Pending only"), "pending")
        self.show_all.addItem(_("All requests"), "")
        colour = lambda r: STATUS_COLOURS.get(r.status)  # noqa: E731
        self.table = FilterTable(
            [
                Column[SupplementRow]("day", _("Shift day")),
                Column[SupplementRow]("staff_no", _("Staff no.")),
                Column[SupplementRow]("name", _("Name")),
                Column[SupplementRow]("department", _("Department")),
                Column[SupplementRow]("kind", _("Missing punch"), fmt=kind_label),
                Column[SupplementRow]("at", _("Actual time"), fmt=lambda v: v.strftime("%Y-%m-%d %H:%M")),
                Column[SupplementRow]("reason", _("Reason")),
                Column[SupplementRow]("status", _("Status"), fmt=status_label, color=colour),
                Column[SupplementRow]("decided_by", _("Decided by")),
            ],
            title=_("Punch supplements"), parent=self,
        )
        self.approve_btn = QPushButton(_("Approve"), self)
        self.reject_btn = QPushButton(_("Reject"), self)
        self.note = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Show:"), self))
        top.addWidget(self.show_all)
        top.addStretch(1)
        top.addWidget(self.approve_btn)
        top.addWidget(self.reject_btn)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.show_all.currentIndexChanged.connect(lambda *_a: self.reload())
        self.approve_btn.clicked.connect(lambda: self.decide(True))
        self.reject_btn.clicked.connect(lambda: self.decide(False))
        self.table.row_selected.connect(self._on_selected)
        self._on_selected(None)
        self.reload()

    def reload(self) -> None:
        svc, month, status = self.service, self.month, self.show_all.currentData() or None
        self.pool.submit(lambda: svc.supplements(month, status=status), on_done=self._show,
                         on_error=lambda exc: _error(self, _("Punch supplements"), exc))

    def _show(self, rows: list[SupplementRow]) -> None:
        self.table.set_rows(rows)
        pending = sum(1 for r in rows if r.status == "pending")
        self.note.setText(_("{n} requests, {p} waiting for a decision.").format(n=len(rows), p=pending))

    def selected(self) -> SupplementRow | None:
        from ui.tablemodels.base import ROW_ROLE

        idx = self.table.view.currentIndex()
        return idx.data(ROW_ROLE) if idx.isValid() else None

    def _on_selected(self, row: SupplementRow | None) -> None:
        ok = row is not None and row.status == "pending"
        self.approve_btn.setEnabled(ok)
        self.reject_btn.setEnabled(ok)

    def decide(self, approve: bool, row: SupplementRow | None = None) -> None:
        row = row or self.selected()
        if row is None:
            return
        svc, user = self.service, self.user

        def done(res: SupplementDecision) -> None:
            self.decided.append(res)
            if res.adjustment_month:
                QMessageBox.information(self, _("Punch supplements"), _(
                    "{month} is locked: the approved punch is booked as an adjustment in {book}.").format(
                    month=self.month, book=res.adjustment_month))
            self.reload()

        self.pool.submit(lambda: svc.decide_supplement(row.id, approve, user=user), on_done=done,
                         on_error=lambda exc: _error(self, _("Punch supplements"), exc))
