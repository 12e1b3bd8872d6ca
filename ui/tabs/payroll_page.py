"""工资: the monthly payroll run — calculate, review the changes and flags, approve, lock, export."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout

from app.domain.org import Month
from app.domain.timeutil import to_local
from app.i18n import N_, _
from app.services.payroll import STATE_LABELS, ReviewRow, RunSummary
from app.tasks import ChangeSet
from ui.tablemodels.base import RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

NEXT_STATE = {"draft": "review", "review": "approved", "approved": "locked"}
ACTION_LABELS = {"review": N_("Submit for review"), "approved": N_("Approve"), "locked": N_("Lock the month")}


def money(fen: int | None) -> str:
    return "" if fen is None else f"{fen / 100:,.2f}"


class PayrollPage(Tab):
    KEY = "payroll_run"
    TABLES = frozenset({"payroll_runs", "payroll_lines", "pay_profiles", "attendance_months"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._runs: list[RunSummary] = []
        self.month = QComboBox(self)
        self.month.setMinimumWidth(160)
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.calc = QPushButton(_("Calculate draft"), self)
        self.next = QPushButton(self)
        self.back = QPushButton(_("Back to draft"), self)
        self.export_sheet = QPushButton(_("Export payroll sheet…"), self)
        self.export_slips = QPushButton(_("Export payslips…"), self)
        self.table = FilterTable(
            [
                Column[ReviewRow]("staff_no", _("Staff no.")),
                Column[ReviewRow]("name", _("Name")),
                Column[ReviewRow]("department", _("Department")),
                Column[ReviewRow]("gross_fen", _("Gross pay"), fmt=money, align=RIGHT),
                Column[ReviewRow]("net_fen", _("Net pay"), fmt=money, align=RIGHT),
                Column[ReviewRow]("previous_net_fen", _("Net last month"), fmt=money, align=RIGHT),
                Column[ReviewRow]("change_pct", _("Change %"), fmt=lambda v: "" if v is None else f"{v:+.1f}", align=RIGHT),
                Column[ReviewRow]("causes", _("Main changes")),
                Column[ReviewRow]("flags", _("Flags"), fmt=lambda v: "；".join(v),
                                  color=lambda r: "#fde0b8" if r.flags else None),
            ],
            title=_("Review: each person against last month"),
            parent=self,
        )
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Month:"), self))
        top.addWidget(self.month)
        top.addWidget(self.state, 1)
        for b in (self.calc, self.next, self.back, self.export_sheet, self.export_slips):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._connect_signals()

    def title(self) -> str:
        return _("Payroll")

    def _connect_signals(self) -> None:
        self.month.currentIndexChanged.connect(self._on_month_current_index_changed)
        self.calc.clicked.connect(self._on_calc_clicked)
        self.next.clicked.connect(self._on_next_clicked)
        self.back.clicked.connect(self._on_back_clicked)
        self.export_sheet.clicked.connect(self._on_export_sheet_clicked)
        self.export_slips.clicked.connect(self._on_export_slips_clicked)

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        self.load(self.services.payroll.runs, self._on_runs_loaded)

    def _on_runs_loaded(self, runs: list[RunSummary]) -> None:
        current = self.current_month()
        months = [r.month for r in runs]
        if runs:
            following = str(Month.parse(runs[0].month).next())
            if following not in months:
                months.insert(0, following)  # the next month can be calculated
        self._runs = runs
        self.month.blockSignals(True)
        self.month.clear()
        self.month.addItems(months)
        self.month.blockSignals(False)
        if months:
            default = runs[0].month if runs else months[0]  # the newest run, not the uncalculated month after it
            self.month.setCurrentIndex(months.index(current) if current in months else months.index(default))
        self._show_month()

    def current_month(self) -> str:
        return self.month.currentText()

    def _run(self) -> RunSummary | None:
        return next((r for r in self._runs if r.month == self.current_month()), None)

    def _show_month(self) -> None:
        run = self._run()
        self._update_buttons(run)
        if run is None:
            self.state.setText(_("<b>{month}</b>: not calculated yet").format(month=escape(self.current_month())))
            self.table.set_rows([])
            return
        last = run.history[-1] if run.history else {}
        when = last.get("at", "")
        self.state.setText(
            _("<b>{month}</b>: {state} · {n} people · gross {gross} · net {net} · {warnings} flags · last step by {by} {when}").format(
                month=escape(run.month), state=escape(_(STATE_LABELS[run.state])), n=run.headcount,
                gross=money(run.total_gross_fen), net=money(run.total_net_fen), warnings=run.warnings,
                by=escape(last.get("by", "") or "-"), when=escape(_local(when)))
        )
        self.load(lambda: self.services.payroll.review(run.month), self.table.set_rows)

    def _update_buttons(self, run: RunSummary | None) -> None:
        state = run.state if run else None
        self.calc.setEnabled(state in (None, "draft"))
        target = NEXT_STATE.get(state or "")
        self.next.setVisible(target is not None)
        if target:
            self.next.setText(_(ACTION_LABELS[target]))
        self.back.setVisible(state in ("review", "approved"))
        self.export_sheet.setEnabled(run is not None)
        self.export_slips.setEnabled(run is not None)

    # ---------------------------------------------------------------- actions
    def _on_month_current_index_changed(self, _index: int) -> None:
        self._show_month()

    def _after_change(self, _result: object) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(ChangeSet.of("payroll_runs", "payroll_lines"))
        else:
            self.reload()

    def _on_calc_clicked(self) -> None:
        month = self.current_month()
        payroll = self.services.payroll
        run_with_progress(
            self, self.pool, _("Calculating the payroll for {month}…").format(month=month),
            lambda progress, cancel: payroll.run_draft(month, progress=progress, cancel=cancel), self._after_change,
        )

    def _on_next_clicked(self) -> None:
        run = self._run()
        target = NEXT_STATE.get(run.state if run else "")
        if run is None or target is None:
            return
        if target == "locked" and QMessageBox.question(
            self, _("Lock the month"),
            _("After locking, the payroll for {month} can no longer be recalculated; corrections become adjustments "
              "in a later month. Lock it?").format(month=run.month),
        ) != QMessageBox.StandardButton.Yes:
            return
        self.pool.submit(lambda: self.services.payroll.advance(run.month, target), on_done=self._after_change,
                         on_error=self.show_error)

    def _on_back_clicked(self) -> None:
        run = self._run()
        if run is not None:
            self.pool.submit(lambda: self.services.payroll.advance(run.month, "draft"), on_done=self._after_change,
                             on_error=self.show_error)

    def _on_export_sheet_clicked(self) -> None:
        month = self.current_month()
        path, _filter = QFileDialog.getSaveFileName(self, _("Export payroll sheet"), f"工资表_{month}.xlsx", "Excel (*.xlsx)")
        if path:
            run_with_progress(self, self.pool, _("Writing the payroll sheet…"),
                              lambda progress, cancel: self.services.payroll.export_sheet(month, Path(path)),
                              lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                              lane="io")

    def _on_export_slips_clicked(self) -> None:
        month = self.current_month()
        folder = QFileDialog.getExistingDirectory(self, _("Folder for the payslips"))
        if folder:
            run_with_progress(self, self.pool, _("Writing payslips…"),
                              lambda progress, cancel: self.services.payroll.export_payslips(month, Path(folder)),
                              lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                              lane="io")


def _local(iso: str) -> str:
    from datetime import datetime

    try:
        return to_local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
