"""Audit log viewer (审计日志): filters, chain check and Excel export. Needs ``audit.view``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.timeutil import to_local
from app.errors import AppError
from app.i18n import _
from app.security.permissions import Principal
from app.services.audit import AuditFilter, AuditRow, AuditService
from ui.tablemodels.base import Column
from ui.widgets.table import FilterTable
from ui.workers import WorkerPool


class AuditViewerDialog(QDialog):
    def __init__(self, audit: AuditService, principal: Principal, pool: WorkerPool,
                 parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.audit = audit
        self.principal = principal
        self.pool = pool
        self.rows: list[AuditRow] = []
        self.setWindowTitle(_("Audit log"))
        self.resize(1000, 560)
        today = today or date.today()
        self.user = QLineEdit(self)
        self.action = QLineEdit(self)
        self.action.setPlaceholderText(_("e.g. payroll. (all payroll actions) or login.failed"))
        self.object_type = QLineEdit(self)
        self.use_dates = QCheckBox(_("Only between"), self)
        self.first = QDateEdit(QDate(today.year, today.month, 1), self)
        self.last = QDateEdit(QDate(today.year, today.month, today.day), self)
        for d in (self.first, self.last):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.first)
        dates.addWidget(QLabel("—", self))
        dates.addWidget(self.last)
        dates.addStretch(1)
        form = QFormLayout()
        form.addRow(_("User"), self.user)
        form.addRow(_("Action"), self.action)
        form.addRow(_("Object"), self.object_type)
        form.addRow(_("Days"), dates)
        self.search_btn = QPushButton(_("Search"), self)
        self.verify_btn = QPushButton(_("Check the chain"), self)
        self.export_btn = QPushButton(_("Export to Excel…"), self)
        row = QHBoxLayout()
        for b in (self.search_btn, self.verify_btn, self.export_btn):
            row.addWidget(b)
        row.addStretch(1)
        self.table = FilterTable([
            Column[AuditRow]("id", _("No.")),
            Column[AuditRow]("at", _("Time"), fmt=lambda v: to_local(v).strftime("%Y-%m-%d %H:%M:%S")),
            Column[AuditRow]("username", _("User")),
            Column[AuditRow]("action", _("Action")),
            Column[AuditRow]("object_type", _("Object")),
            Column[AuditRow]("object_id", _("Object id")),
            Column[AuditRow]("detail", _("Detail")),
        ], title=_("Entries (newest first)"), sort=("id", Qt.SortOrder.DescendingOrder), parent=self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.search_btn.clicked.connect(self.reload)
        self.verify_btn.clicked.connect(self._on_verify_clicked)
        self.export_btn.clicked.connect(self._on_export_clicked)
        self.reload()

    def current_filter(self) -> AuditFilter:
        def text(w: QLineEdit) -> str | None:
            return w.text().strip() or None

        first = last = None
        if self.use_dates.isChecked():
            first, last = self.first.date().toPython(), self.last.date().toPython()
        return AuditFilter(username=text(self.user), action=text(self.action), object_type=text(self.object_type),
                           first_day=first, last_day=last)

    def reload(self) -> None:
        flt = self.current_filter()
        self.pool.submit(lambda: self.audit.query(self.principal, flt), on_done=self._on_loaded,
                         on_error=self._on_failed)

    def _on_loaded(self, rows: list[AuditRow]) -> None:
        self.rows = rows
        self.table.set_rows(rows)
        self.message.setStyleSheet("")
        self.message.setText(_("{n} entries shown.").format(n=len(rows)))

    def _on_verify_clicked(self) -> None:
        self.pool.submit(lambda: self.audit.verify(self.principal), on_done=self._on_verified,
                         on_error=self._on_failed)

    def _on_verified(self, report: Any) -> None:
        self.message.setStyleSheet("" if report.intact else "color: #b00020;")
        self.message.setText(report.message())

    def _on_export_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export the audit log"), "audit-log.xlsx",
                                                    _("Excel workbook (*.xlsx)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        flt = self.current_filter()
        self.pool.submit(lambda: self.audit.export_xlsx(self.principal, path, flt),
                         on_done=lambda n: self.message.setText(
                             _("{n} entries written to {path}.").format(n=n, path=path)),
                         on_error=self._on_failed)

    def _on_failed(self, exc: Any) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(exc.message if isinstance(exc, AppError) else
                             _("The action failed: {reason}.").format(reason=exc))
