"""工资: the monthly payroll run — calculate, review the changes and flags, approve, lock, export."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import Month
from app.domain.timeutil import to_local
from app.i18n import N_, _
from app.payroll.accounts import mask_account
from app.services.payroll import STATE_LABELS, BankRow, DepartmentTotal, DetailLine, MonthTotal, PayDetail, ReviewRow, RunSummary
from app.tasks import ChangeSet
from ui.tablemodels.base import RIGHT, Column
from ui.tablemodels.labels import join_clauses
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

NEXT_STATE = {"draft": "review", "review": "approved", "approved": "locked"}
ACTION_LABELS = {"review": N_("Submit for review"), "approved": N_("Approve"), "locked": N_("Lock the month")}


def money(fen: int | None) -> str:
    return "" if fen is None else f"{fen / 100:,.2f}"


class PayrollPage(Tab):
    KEY = "payroll_run"
    TABLES = frozenset({"payroll_runs", "payroll_lines", "pay_profiles", "attendance_months", "tax_declarations"})

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
        self.profile_btn = QPushButton(_("Pay profile…"), self)
        self.detail_btn = QPushButton(_("Line detail…"), self)
        self.bank_btn = QPushButton(_("Bank transfer list…"), self)
        self.charts_btn = QPushButton(_("Charts…"), self)
        self.declarations_btn = QPushButton(_("Special deductions…"), self)
        self.import_decl_btn = QPushButton(_("Import declarations…"), self)
        self.export_decl_btn = QPushButton(_("Export declarations…"), self)
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
                Column[ReviewRow]("flags", _("Flags"), fmt=join_clauses,
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
        second = QHBoxLayout()
        second.addStretch(1)
        for b in (self.detail_btn, self.profile_btn, self.declarations_btn, self.import_decl_btn, self.export_decl_btn,
                  self.bank_btn, self.charts_btn):
            second.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(second)
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
        self.detail_btn.clicked.connect(self._on_detail_clicked)
        self.profile_btn.clicked.connect(self._on_profile_clicked)
        self.bank_btn.clicked.connect(self._on_bank_clicked)
        self.charts_btn.clicked.connect(self._on_charts_clicked)
        self.declarations_btn.clicked.connect(self._on_declarations_clicked)
        self.import_decl_btn.clicked.connect(self._on_import_declarations_clicked)
        self.export_decl_btn.clicked.connect(self._on_export_declarations_clicked)
        self.table.view.doubleClicked.connect(lambda _index: self._on_detail_clicked())

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
        self.bank_btn.setEnabled(run is not None)
        self.detail_btn.setEnabled(run is not None)

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
        path, _filter = QFileDialog.getSaveFileName(self, _("Export payroll sheet"), _("payroll_{month}.xlsx").format(month=month), "Excel (*.xlsx)")
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


    # ---------------------------------------------------------------- detail, profile, bank list, charts
    def selected_row(self) -> ReviewRow | None:
        index = self.table.view.currentIndex()
        if not index.isValid():
            return None
        from ui.tablemodels.base import ROW_ROLE

        return index.data(ROW_ROLE)

    def _on_detail_clicked(self) -> None:
        row, month = self.selected_row(), self.current_month()
        if row is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a person in the list first."))
            return
        self.load(lambda: self.services.payroll.detail(month, row.employee_id),
                  lambda d: DetailDialog(d, self).open())

    def _on_profile_clicked(self) -> None:
        from ui.dialogs.pay_profile import PayProfileDialog
        from ui.tabs.pay_settings_page import acting_user

        row = self.selected_row()
        if row is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a person in the list first."))
            return
        dialog = PayProfileDialog(self.services, self.pool, row.employee_id, user=acting_user(self.services),
                                  show_account=may_see_accounts(self.services), parent=self)
        dialog.accepted.connect(lambda: dialog.changes and self._publish(dialog.changes))
        dialog.open()

    def _on_declarations_clicked(self) -> None:
        from ui.dialogs.tax_declarations import TaxDeclarationsDialog
        from ui.tabs.pay_settings_page import acting_user

        row = self.selected_row()
        if row is None:
            QMessageBox.information(self, _("HR Desk"), _("Select a person in the list first."))
            return
        dialog = TaxDeclarationsDialog(self.services, self.pool, row.employee_id, user=acting_user(self.services),
                                       parent=self)
        dialog.finished.connect(lambda _code: dialog.changes and self._publish(dialog.changes))
        dialog.open()

    def _on_import_declarations_clicked(self) -> None:
        from ui.dialogs.tax_declarations import import_declarations

        import_declarations(self, self.services, self.pool, self._publish)

    def _on_export_declarations_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export declarations"), _("declarations.xlsx"),
                                                    "Excel (*.xlsx)")
        if path:
            self.pool.submit(lambda: self.services.declarations.export_file(Path(path)), lane="io",
                             on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                             on_error=self.show_error)

    def _publish(self, changes: ChangeSet) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(changes)

    def _on_bank_clicked(self) -> None:
        month = self.current_month()
        self.load(lambda: self.services.payroll.bank_transfers(month), lambda rows: BankDialog(self, month, rows).open())

    def _on_charts_clicked(self) -> None:
        month = self.current_month()
        self.load(lambda: (self.services.payroll.department_totals(month), self.services.payroll.monthly_totals(12)),
                  lambda data: ChartsDialog(month, data[0], data[1], self).open())


def may_see_accounts(services: object) -> bool:
    """Payroll roles see bank accounts unmasked (the guard enforces it in the service; this only masks)."""
    principal = getattr(getattr(services, "identity", None), "principal", None)
    can = getattr(principal, "can", None)
    return True if can is None else bool(can("pay.view_individual"))


class DetailDialog(QDialog):
    """One person's lines with the explanation of each (and where 绩效系数 came from)."""

    def __init__(self, detail: PayDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Pay detail"))
        self.resize(900, 600)
        head = QLabel(_("<b>{staff_no} {name}</b> · {department} · {month} ({state})<br>gross {gross} · tax {tax} · net {net}"
                        "{excess}<br>performance coefficient from: {source}<br>settings: {settings}").format(
            staff_no=escape(detail.staff_no), name=escape(detail.name), department=escape(detail.department),
            month=detail.month, state=escape(_(STATE_LABELS[detail.state])), gross=money(detail.gross_fen),
            tax=money(detail.tax_fen), net=money(detail.net_fen),
            excess=_(" · taxed above the tax-free limits {amount}").format(amount=money(detail.taxable_excess_fen))
            if detail.taxable_excess_fen else "",
            source=escape(detail.coefficient_source or "—"), settings=escape(detail.settings)), self)
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        self.table = FilterTable(
            [
                Column[DetailLine]("name", _("Pay item")),
                Column[DetailLine]("category", _("Kind"), fmt=lambda c: _(CATEGORY_LABELS.get(c, c))),
                Column[DetailLine]("amount_fen", _("Amount"), fmt=money, align=RIGHT),
                Column[DetailLine]("recalculated_fen", _("Recalculated now"), fmt=money, align=RIGHT,
                                   color=lambda d: "#fde0b8" if d.recalculated_fen is not None else None),
                Column[DetailLine]("explanation", _("How it was calculated")),
            ],
            sort=("name", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        self.table.set_rows(list(detail.lines))
        self.table.proxy.sort(-1)  # the structure's order, as on the payslip
        self.table.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)


CATEGORY_LABELS = {"earning": N_("earning"), "pay_deduction": N_("pay deduction"), "contribution": N_("contribution"),
                   "other_deduction": N_("other deduction"), "post_tax": N_("after-tax deduction")}


class BankDialog(QDialog):
    """代发工资清单: accounts masked, problems flagged; export to Excel or CSV."""

    def __init__(self, page: PayrollPage, month: str, rows: list[BankRow]) -> None:
        super().__init__(page)
        self.page, self.month = page, month
        self.setWindowTitle(_("Bank transfer list {month}").format(month=month))
        self.resize(860, 600)
        bad = sum(1 for r in rows if r.problem)
        doubtful = sum(1 for r in rows if r.warning)
        total = sum(r.net_fen for r in rows if r.net_fen > 0)
        self.summary = QLabel(_("{n} transfers, total {total}; {bad} without a valid account, {doubtful} to check").format(
            n=sum(1 for r in rows if r.net_fen > 0), total=money(total), bad=bad, doubtful=doubtful), self)
        self.table = FilterTable(
            [
                Column[BankRow]("staff_no", _("Staff no.")),
                Column[BankRow]("name", _("Name")),
                Column[BankRow]("department", _("Department")),
                Column[BankRow]("account", _("Bank account"), fmt=mask_account),
                Column[BankRow]("net_fen", _("Amount"), fmt=money, align=RIGHT),
                Column[BankRow]("problem", _("Problem"), value=lambda r: r.problem or r.warning,
                                color=lambda r: "#fde2e1" if r.problem else "#fde0b8" if r.warning else None),
            ],
            parent=self,
        )
        self.table.set_rows(rows)
        self.export_btn = QPushButton(_("Export…"), self)
        self.export_btn.setEnabled(bad == 0)
        self.export_btn.setToolTip(_("Fix the missing or invalid accounts first.") if bad else "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.addButton(self.export_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.export_btn.clicked.connect(self._on_export)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _on_export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export bank transfer list"), _("bank_transfer_{month}.xlsx").format(month=self.month),
                                                    "Excel (*.xlsx);;CSV (*.csv)")
        if path:
            month, payroll = self.month, self.page.services.payroll
            self.page.pool.submit(lambda: payroll.export_bank_list(month, Path(path)), lane="io",
                                  on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                                  on_error=self.page.show_error)


class ChartsDialog(QDialog):
    """Gross and net by department for the month (bar chart), and the monthly totals over the last runs."""

    def __init__(self, month: str, departments: list[DepartmentTotal], months: list[MonthTotal],
                 parent: QWidget | None = None) -> None:
        from PySide6.QtCharts import (
            QBarCategoryAxis,
            QBarSeries,
            QBarSet,
            QChart,
            QChartView,
            QLineSeries,
            QValueAxis,
        )

        super().__init__(parent)
        self.setWindowTitle(_("Payroll charts {month}").format(month=month))
        self.resize(1000, 760)
        top = departments[:15]
        gross, net = QBarSet(_("Gross pay")), QBarSet(_("Net pay"))
        for d in top:
            gross.append(d.gross_fen / 100)
            net.append(d.net_fen / 100)
        series = QBarSeries()
        series.append(gross)
        series.append(net)
        chart = QChart()
        chart.addSeries(series)
        chart.setTitle(_("Gross and net pay by department, {month} (yuan)").format(month=month))
        axis_x = QBarCategoryAxis()
        axis_x.append([d.department for d in top])
        axis_x.setLabelsAngle(-45)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%.0f")
        axis_y.setRange(0, max([d.gross_fen / 100 for d in top] or [1]) * 1.1)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        self.department_chart = QChartView(chart, self)
        self.department_chart.setRenderHint(QPainter.RenderHint.Antialiasing)

        trend = QChart()
        trend.setTitle(_("Monthly totals (yuan)"))
        g_line, n_line = QLineSeries(), QLineSeries()
        g_line.setName(_("Gross pay"))
        n_line.setName(_("Net pay"))
        for i, m in enumerate(months):
            g_line.append(i, m.gross_fen / 100)
            n_line.append(i, m.net_fen / 100)
        trend.addSeries(g_line)
        trend.addSeries(n_line)
        months_axis = QBarCategoryAxis()
        months_axis.append([m.month for m in months])
        trend.addAxis(months_axis, Qt.AlignmentFlag.AlignBottom)
        values = QValueAxis()
        values.setLabelFormat("%.0f")
        values.setRange(0, max([m.gross_fen / 100 for m in months] or [1]) * 1.1)
        trend.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        for s in (g_line, n_line):
            s.attachAxis(months_axis)
            s.attachAxis(values)
        self.months = months
        self.month_chart = QChartView(trend, self)
        self.month_chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.department_chart, 3)
        layout.addWidget(self.month_chart, 2)
        layout.addWidget(buttons)
        self.bar_sets = (gross, net)


def _local(iso: str) -> str:
    from datetime import datetime

    try:
        return to_local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
