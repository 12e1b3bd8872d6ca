"""Staff × day roster grid model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.i18n import _
from app.services.workforce import RosterGrid
from ui.tablemodels.labels import weekday_short

FIXED_COLUMNS = 2


class RosterGridModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.grid: RosterGrid | None = None

    def set_grid(self, grid: RosterGrid | None) -> None:
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.rows)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.grid is None else FIXED_COLUMNS + len(self.grid.days)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.grid is None or not index.isValid():
            return None
        row = self.grid.rows[index.row()]
        col = index.column()
        if col < FIXED_COLUMNS:
            if role == Qt.ItemDataRole.DisplayRole:
                return row.name if col == 0 else row.professional_title
            return None
        code = row.cells[col - FIXED_COLUMNS]
        if role == Qt.ItemDataRole.DisplayRole:
            return code
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter.value)
        if role == Qt.ItemDataRole.BackgroundRole:
            if code in self.grid.night_codes:
                return QBrush(QColor("#c9d8f5"))
            if code in self.grid.rest_codes:
                return QBrush(QColor("#eeeeee"))
            if code == "值":
                return QBrush(QColor("#f5e1c9"))
            day = self.grid.days[col - FIXED_COLUMNS]
            if day.weekday() >= 5:
                return QBrush(QColor("#f7f7ee"))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if self.grid is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return self.grid.rows[section].staff_no
        if section == 0:
            return _("Name")
        if section == 1:
            return _("Title")
        day = self.grid.days[section - FIXED_COLUMNS]
        return f"{day.day}\n{weekday_short(day)}"
