"""薪酬模拟: pay a month for the real staff under a changed structure (a draft, never stored) and compare it
with the structure in force — hospital, per department and per person; export to Excel."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import Month
from app.i18n import _
from app.services.payroll import SimulatedGroup, SimulatedPerson, Simulation
from ui.tablemodels.base import RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable


def money(fen: int | None) -> str:
    return "" if fen is None else f"{fen / 100:,.2f}"


def signed(fen: int) -> str:
    return f"{fen / 100:+,.2f}"


def _delta_colour(fen: int) -> str | None:
    return "#d9f2e0" if fen > 0 else "#fde2e1" if fen < 0 else None


class PaySimulationPage(Tab):
    KEY = "pay_simulation"
    TABLES = frozenset({"pay_settings"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._result: Simulation | None = None
        self.month = QLineEdit(self)
        self.month.setMaximumWidth(100)
        today = date.today()
        self.month.setText(str(Month(today.year, today.month)))
        self.reset_btn = QPushButton(_("Copy the structure in force"), self)
        self.run_btn = QPushButton(_("Simulate"), self)
        self.export_btn = QPushButton(_("Export to Excel…"), self)
        self.export_btn.setEnabled(False)
        self.editor = QPlainTextEdit(self)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(mono)
        self.summary = QLabel(_("Change rates, tables or coefficients in the copy on the left, then simulate. Nothing "
                                "is stored; real payroll runs are not touched."), self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.departments = FilterTable(
            [
                Column[SimulatedGroup]("name", _("Department")),
                Column[SimulatedGroup]("headcount", _("People"), align=RIGHT),
                Column[SimulatedGroup]("gross_before_fen", _("Gross, current scheme"), fmt=money, align=RIGHT),
                Column[SimulatedGroup]("gross_after_fen", _("Gross, simulated scheme"), fmt=money, align=RIGHT),
                Column[SimulatedGroup]("delta_gross_fen", _("Δ gross"), fmt=signed, align=RIGHT,
                                       color=lambda g: _delta_colour(g.delta_gross_fen)),
                Column[SimulatedGroup]("delta_pct", _("Δ%"), fmt=lambda v: "" if v is None else f"{v:+.2f}", align=RIGHT),
                Column[SimulatedGroup]("winners", _("Better off"), align=RIGHT),
                Column[SimulatedGroup]("losers", _("Worse off"), align=RIGHT),
            ],
            title=_("By department"),
            parent=self,
        )
        self.people = FilterTable(
            [
                Column[SimulatedPerson]("staff_no", _("Staff no.")),
                Column[SimulatedPerson]("name", _("Name")),
                Column[SimulatedPerson]("department", _("Department")),
                Column[SimulatedPerson]("gross_before_fen", _("Gross, current scheme"), fmt=money, align=RIGHT),
                Column[SimulatedPerson]("gross_after_fen", _("Gross, simulated scheme"), fmt=money, align=RIGHT),
                Column[SimulatedPerson]("delta_gross_fen", _("Δ gross"), fmt=signed, align=RIGHT,
                                        color=lambda p: _delta_colour(p.delta_gross_fen)),
                Column[SimulatedPerson]("net_before_fen", _("Net, current scheme"), fmt=money, align=RIGHT),
                Column[SimulatedPerson]("net_after_fen", _("Net, simulated scheme"), fmt=money, align=RIGHT),
                Column[SimulatedPerson]("delta_net_fen", _("Δ net"), fmt=signed, align=RIGHT),
            ],
            title=_("By person"),
            parent=self,
        )
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel(_("Simulated structure (a copy; TOML):"), self))
        lv.addWidget(self.editor, 1)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.departments)
        right.addWidget(self.people)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Month:"), self))
        top.addWidget(self.month)
        top.addStretch(1)
        for b in (self.reset_btn, self.run_btn, self.export_btn):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.reset_btn.clicked.connect(self._on_reset_clicked)
        self.run_btn.clicked.connect(self._on_run_clicked)
        self.export_btn.clicked.connect(self._on_export_clicked)

    def title(self) -> str:
        return _("Salary simulation")

    def reload(self) -> None:
        if not self.editor.toPlainText().strip():
            self._on_reset_clicked()

    def _on_reset_clicked(self) -> None:
        month = self.month.text().strip()
        self.load(lambda: self.services.pay_settings.effective_document("structure", month),
                  lambda doc: self.editor.setPlainText(doc.body))

    def _on_run_clicked(self) -> None:
        month, text = self.month.text().strip(), self.editor.toPlainText()
        payroll = self.services.payroll
        run_with_progress(self, self.pool, _("Simulating the payroll for {month}…").format(month=month),
                          lambda progress, cancel: payroll.simulate(month, text, progress=progress, cancel=cancel),
                          self.show_result)

    def show_result(self, sim: Simulation) -> None:
        self._result = sim
        h = sim.hospital
        pct = "" if h.delta_pct is None else f"{h.delta_pct:+.2f}%"
        self.summary.setText(_(
            "<b>{month}</b>, {n} people: gross {before} → {after} (<b>{delta}</b> {pct}); net {net_before} → {net_after}; "
            "{winners} better off, {losers} worse off, {same} unchanged."
        ).format(month=sim.month, n=h.headcount, before=money(h.gross_before_fen), after=money(h.gross_after_fen),
                 delta=signed(h.delta_gross_fen), pct=pct, net_before=money(h.net_before_fen),
                 net_after=money(h.net_after_fen), winners=h.winners, losers=h.losers,
                 same=h.headcount - h.winners - h.losers))
        self.departments.set_rows(list(sim.departments))
        self.people.set_rows(list(sim.people))
        self.export_btn.setEnabled(True)

    def _on_export_clicked(self) -> None:
        sim = self._result
        if sim is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export to Excel…"), _("pay_simulation_{month}.xlsx").format(month=sim.month),
                                                    "Excel (*.xlsx)")
        if path:
            self.pool.submit(lambda: self.services.payroll.export_simulation(sim, Path(path)), lane="io",
                             on_done=lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                             on_error=self.show_error)
