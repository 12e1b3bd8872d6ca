"""A table view with a sort/filter proxy and a search box: the standard list of every tab."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from app.i18n import _
from ui.tablemodels.base import ROW_ROLE, SORT_ROLE, Column, DtoTableModel


class PredicateProxy(QSortFilterProxyModel):
    """Search-box filtering plus an optional predicate on the row's DTO."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.predicate: Callable[[Any], bool] | None = None

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:  # noqa: N802
        if self.predicate is not None:
            index = self.sourceModel().index(source_row, 0, source_parent)
            if not self.predicate(index.data(ROW_ROLE)):
                return False
        return super().filterAcceptsRow(source_row, source_parent)


class FilterTable(QWidget):
    row_selected = Signal(object)  # the DTO of the current row, or None

    def __init__(
        self,
        columns: Sequence[Column[Any]],
        *,
        title: str = "",
        sort: tuple[str, Qt.SortOrder] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        keys = [c.key for c in columns]
        sort_key, sort_order = sort or (keys[0], Qt.SortOrder.AscendingOrder)
        self.model: DtoTableModel[Any] = DtoTableModel(columns, self)
        self.proxy = PredicateProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(keys.index(sort_key), sort_order)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search…"))
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel(self)
        top = QHBoxLayout()
        if title:
            heading = QLabel(f"<b>{title}</b>", self)
            top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._on_search_text_changed)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
        self._update_count()

    def set_filter_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        """Extra filter on top of the search box (e.g. the selected department)."""
        if hasattr(self.proxy, "beginFilterChange"):  # Qt >= 6.10
            self.proxy.beginFilterChange()
            self.proxy.predicate = predicate
            self.proxy.endFilterChange()
        else:
            self.proxy.predicate = predicate
            self.proxy.invalidateFilter()
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        self.count_label.setText(_("{shown} of {total}").format(shown=shown, total=total) if shown != total else _("{n} rows").format(n=total))

    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _on_view_current_changed(self, current: Any, _previous: Any) -> None:
        self.row_selected.emit(current.data(ROW_ROLE) if current.isValid() else None)

    def select_first(self) -> None:
        if self.proxy.rowCount():
            self.view.selectRow(0)
