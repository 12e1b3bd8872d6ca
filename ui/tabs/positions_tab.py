"""岗位: the department tree and the posts under it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QTextBrowser, QTreeView, QVBoxLayout, QWidget

from app.i18n import _
from app.services.org import DepartmentNode, PositionRow
from ui.tablemodels.base import CENTER, RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.table import FilterTable

DEPT_ID_ROLE = Qt.ItemDataRole.UserRole + 10


class PositionsTab(Tab):
    KEY = "positions"
    TABLES = frozenset({"departments", "positions", "position_competencies", "employees"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._nodes: list[DepartmentNode] = []
        self.tree_model = QStandardItemModel(self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(False)
        self.table = FilterTable(
            [
                Column[PositionRow]("code", _("Code")),
                Column[PositionRow]("title", _("Position")),
                Column[PositionRow]("department", _("Department")),
                Column[PositionRow]("job_family_label", _("Job family")),
                Column[PositionRow]("title_ladder", _("Entry title")),
                Column[PositionRow]("grade", _("Grade")),
                Column[PositionRow]("headcount", _("Head count"), align=RIGHT),
                Column[PositionRow]("filled", _("In post"), align=RIGHT),
                Column[PositionRow]("vacancies", _("Vacancies"), align=RIGHT,
                                    color=lambda r: "#fde2e1" if r.vacancies > 0 else None),
                Column[PositionRow]("is_ai_medical", _("AI-medical"), fmt=lambda v: "AI" if v else "", align=CENTER),
            ],
            title=_("Positions"),
            parent=self,
        )
        self.detail = QTextBrowser(self)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.table)
        right.addWidget(self.detail)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        split = QSplitter(self)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel(f"<b>{_('Departments')}</b>", left))
        lv.addWidget(self.tree)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([320, 1100])
        layout = QHBoxLayout(self)
        layout.addWidget(split)
        self._connect_signals()

    def title(self) -> str:
        return _("Positions")

    def _connect_signals(self) -> None:
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.table.row_selected.connect(self._on_table_row_selected)

    def reload(self) -> None:
        org = self.services.org
        self.load(lambda: (org.department_tree(), org.positions()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[DepartmentNode], list[PositionRow]]) -> None:
        nodes, positions = result
        self._nodes = nodes
        self.tree_model.clear()
        self.tree_model.setHorizontalHeaderLabels([_("Department"), _("Staff"), _("Posts")])
        items: dict[int, QStandardItem] = {}
        for n in nodes:
            name = QStandardItem(n.name)
            name.setData(n.id, DEPT_ID_ROLE)
            row = [name, QStandardItem(str(n.employee_count)), QStandardItem(str(n.position_count))]
            for it in row:
                it.setEditable(False)
            parent = items.get(n.parent_id) if n.parent_id else None
            (parent or self.tree_model.invisibleRootItem()).appendRow(row)
            items[n.id] = name
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.table.set_rows(positions)
        self.table.select_first()

    def _subtree(self, dept_id: int) -> set[int]:
        ids = {dept_id}
        changed = True
        while changed:
            changed = False
            for n in self._nodes:
                if n.parent_id in ids and n.id not in ids:
                    ids.add(n.id)
                    changed = True
        return ids

    def _on_tree_current_changed(self, current: Any, _previous: Any) -> None:
        dept_id = current.siblingAtColumn(0).data(DEPT_ID_ROLE) if current.isValid() else None
        if dept_id is None:
            self.table.set_filter_predicate(None)
            return
        ids = self._subtree(dept_id)
        self.table.set_filter_predicate(lambda row: row.department_id in ids)

    def _on_table_row_selected(self, row: PositionRow | None) -> None:
        if row is None:
            self.detail.clear()
            return
        self.load(lambda: self.services.org.position_detail(row.id), self._show_detail)

    def _show_detail(self, d: Any) -> None:
        from html import escape

        req = d.requirements
        comp = "".join(
            f"<tr><td>{escape(c.name)}</td><td align='right'>{c.weight}%</td><td align='right'>{c.pass_bar:.1f}</td></tr>"
            for c in d.competencies
        )
        licences = "、".join(req.get("licences", [])) or _("none")
        majors = "、".join(req.get("majors", [])) or _("any")
        self.detail.setHtml(
            f"<h3>{escape(d.title)} <small>({escape(d.code)} · {escape(d.department)})</small></h3>"
            f"<p><b>{_('Duties')}:</b> {escape(d.duties)}</p>"
            f"<p><b>{_('Hard requirements')}:</b> "
            + _("degree {degree} or higher; majors {majors}; licences {licences}; {years} years of experience").format(
                degree=escape(req.get("min_degree", "")), majors=escape(majors), licences=escape(licences),
                years=req.get("years", 0))
            + (f"; {_('standardised residency training (规培) required')}" if req.get("guipei") else "")
            + "</p>"
            + (f"<p><b>{_('Nice to have')}:</b> {escape(d.nice_to_have)}</p>" if d.nice_to_have else "")
            + (f"<p><b>{_('Screening rule')}:</b> <code>{escape(req.get('keywords', ''))}</code></p>" if req.get("keywords") else "")
            + f"<p><b>{_('Competency model')}</b></p><table cellpadding='3' border='0'>"
            f"<tr><th align='left'>{_('Dimension')}</th><th>{_('Weight')}</th><th>{_('Pass bar')}</th></tr>{comp}</table>"
        )
