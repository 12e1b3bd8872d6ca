"""排班: the staff × day roster per ward and month."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout

from app.i18n import _
from app.services.workforce import PaySummary, RosterGrid, WardRef
from ui.tablemodels.roster import FIXED_COLUMNS, RosterGridModel
from ui.tabs.base import Tab


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


class RosterPage(Tab):
    KEY = "roster"
    TABLES = frozenset({"roster_entries", "shift_types", "clock_punches", "pay_profiles", "employees"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ward = QComboBox(self)
        self.ward.setMinimumWidth(260)
        self.summary = QLabel(self)
        self.grid_model = RosterGridModel(self)
        self.grid = QTableView(self)
        self.grid.setModel(self.grid_model)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.horizontalHeader().setDefaultSectionSize(34)
        self.grid.verticalHeader().setDefaultSectionSize(24)
        self.legend = QLabel(
            _("Colours: blue = night shift, grey = rest, amber = 24 h on-call duty (值班), pale = weekend"), self
        )
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Ward / department:"), self))
        top.addWidget(self.ward)
        top.addStretch(1)
        top.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.legend)
        self._wards: list[WardRef] = []
        self.ward.currentIndexChanged.connect(self._on_ward_current_index_changed)

    def title(self) -> str:
        return _("Rosters")

    def reload(self) -> None:
        wf = self.services.workforce
        self.load(lambda: (wf.rostered_wards(), wf.pay_summary()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[WardRef], PaySummary]) -> None:
        wards, pay = result
        self._wards = wards
        self._pay = pay
        self.ward.blockSignals(True)
        self.ward.clear()
        for w in wards:
            self.ward.addItem(_("{name} · {month} · {n} staff").format(name=w.name, month=w.month, n=w.staff))
        self.ward.blockSignals(False)
        if wards:
            self.ward.setCurrentIndex(0)
            self._on_ward_current_index_changed(0)
        else:
            self.grid_model.set_grid(None)
            self.summary.setText(_("No roster yet."))

    def _on_ward_current_index_changed(self, index: int) -> None:
        if not 0 <= index < len(self._wards):
            return
        w = self._wards[index]
        wf = self.services.workforce
        self.load(lambda: (wf.roster(w.department_id, w.month), wf.punch_count(w.month)), self._on_roster_loaded)

    def _on_roster_loaded(self, result: tuple[RosterGrid, int]) -> None:
        grid, punches = result
        self.grid_model.set_grid(grid)
        self.grid.resizeColumnToContents(0)
        self.grid.resizeColumnToContents(1)
        for c in range(FIXED_COLUMNS, self.grid_model.columnCount()):
            self.grid.setColumnWidth(c, 34)
        nights = sum(1 for r in grid.rows for c in r.cells if c in grid.night_codes)
        self.summary.setText(
            _("{month}: {nights} night shifts in this ward; {punches} clock punches hospital-wide; "
              "{n} pay profiles, contract wages {total}/month; {missing} without bank account").format(
                month=grid.month, nights=nights, punches=punches, n=self._pay.employees_with_profile,
                total=yuan(self._pay.total_contract_wage_fen), missing=self._pay.missing_bank_account)
        )
