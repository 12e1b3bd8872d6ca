"""Position editor: identity, hard requirements, duties and the competency model (weights checked live
by ``app.positions.competency.validate``; OK stays disabled until the model is valid)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import DEGREES, JOB_FAMILY_LABELS, LICENCE_KINDS
from app.i18n import _
from app.positions import competency
from app.positions.competency import Dimension
from app.positions.rules import split_list
from app.services.org import DepartmentNode
from app.services.positions import FAMILIES, PositionForm
from ui.tablemodels.labels import join_list

Index = QModelIndex | QPersistentModelIndex
BAD = QColor("#f8cbad")


class CompetencyModel(QAbstractTableModel):
    """Editable rows of (dimension, weight, pass bar); problems colour the cells."""

    changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[list[Any]] = []
        self._bad: set[tuple[int, int]] = set()

    def set_dimensions(self, dims: Sequence[Dimension]) -> None:
        self.beginResetModel()
        self._rows = [[d.name, d.weight, d.pass_bar] for d in dims]
        self.endResetModel()
        self.changed.emit()

    def dimensions(self) -> list[Dimension]:
        return [Dimension(str(n), int(w), float(b)) for n, w, b in self._rows]

    def set_bad(self, cells: set[tuple[int, int]]) -> None:
        self._bad = cells
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 2), [Qt.ItemDataRole.BackgroundRole])

    def add(self) -> None:
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(["", 10, competency.DEFAULT_PASS_BAR])
        self.endInsertRows()
        self.changed.emit()

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self.changed.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 3:
            return (_("Dimension"), _("Weight (%)"), _("Pass bar (0–10)"))[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or not (0 <= index.column() < 3):
            return None
        value = self._rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if index.column() == 2 and role == Qt.ItemDataRole.DisplayRole:
                return f"{float(value):.1f}"
            return value
        if role == Qt.ItemDataRole.BackgroundRole and (index.row(), index.column()) in self._bad:
            return QBrush(BAD)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        col = index.column()
        try:
            parsed: Any = str(value).strip() if col == 0 else (int(value) if col == 1 else float(value))
        except (TypeError, ValueError):
            return False
        self._rows[index.row()][col] = parsed
        self.dataChanged.emit(index, index, [role])
        self.changed.emit()
        return True


class PositionEditorDialog(QDialog):
    """Edits a ``PositionForm``; ``form()`` returns the edited copy."""

    def __init__(self, form: PositionForm, departments: Sequence[DepartmentNode], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original = form
        self.setWindowTitle(_("New position") if form.id is None else _("Edit position {code}").format(code=form.code))
        self.resize(860, 720)
        self.code = QLineEdit(form.code, self)
        self.code.setMaxLength(32)
        self.title_edit = QLineEdit(form.title, self)
        self.title_edit.setMaxLength(100)
        self.department = QComboBox(self)
        depth: dict[int, int] = {}
        for n in departments:
            depth[n.id] = depth.get(n.parent_id, -1) + 1 if n.parent_id else 0
            self.department.addItem("　" * depth[n.id] + n.name, n.id)
        self.department.setCurrentIndex(max(self.department.findData(form.department_id), 0))
        self.family = QComboBox(self)
        for f in FAMILIES:
            self.family.addItem(JOB_FAMILY_LABELS[f], f)
        self.family.setCurrentIndex(max(self.family.findData(form.job_family), 0))
        self.ai = QCheckBox(_("AI-medical post"), self)
        self.ai.setChecked(form.is_ai_medical)
        self.grade = QLineEdit(form.grade, self)
        self.title_ladder = QLineEdit(form.title_ladder, self)
        self.headcount = QSpinBox(self)
        self.headcount.setRange(1, 10000)
        self.headcount.setValue(form.headcount)
        self.open_box = QCheckBox(_("Recruiting"), self)
        self.open_box.setChecked(form.open)
        self.degree = QComboBox(self)
        self.degree.addItem(_("any"), "")
        for d in DEGREES:
            self.degree.addItem(d, d)
        self.degree.setCurrentIndex(max(self.degree.findData(form.min_degree), 0))
        self.majors = QLineEdit(join_list(form.majors), self)
        self.majors.setPlaceholderText(_("separated by 、; empty = any"))
        self.licence_boxes: dict[str, QCheckBox] = {}
        lic_box = QWidget(self)
        lic_grid = QGridLayout(lic_box)
        lic_grid.setContentsMargins(0, 0, 0, 0)
        for i, kind in enumerate(LICENCE_KINDS):
            box = QCheckBox(kind, lic_box)
            box.setChecked(kind in form.licences)
            self.licence_boxes[kind] = box
            lic_grid.addWidget(box, i // 4, i % 4)
        self.years = QSpinBox(self)
        self.years.setRange(0, 60)
        self.years.setValue(form.years)
        self.guipei = QCheckBox(_("standardised residency training (规培) required"), self)
        self.guipei.setChecked(form.guipei)
        self.duties = QPlainTextEdit(form.duties, self)
        self.duties.setMaximumHeight(80)
        self.nice = QPlainTextEdit(form.nice_to_have, self)
        self.nice.setMaximumHeight(60)

        self.comp_model = CompetencyModel(self)
        self.comp_view = QTableView(self)
        self.comp_view.setModel(self.comp_model)
        self.comp_view.verticalHeader().setVisible(False)
        self.comp_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.comp_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_dim = QPushButton(_("Add dimension"), self)
        self.remove_dim = QPushButton(_("Remove dimension"), self)
        self.template = QPushButton(_("Use the family's template"), self)
        self.total_label = QLabel(self)
        self.problems_label = QLabel(self)
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #b00020;")
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.setVisible(False)

        ident = QFormLayout()
        ident.addRow(_("Position code"), self.code)
        ident.addRow(_("Position title"), self.title_edit)
        ident.addRow(_("Department"), self.department)
        fam_row = QHBoxLayout()
        fam_row.addWidget(self.family)
        fam_row.addWidget(self.ai)
        fam_row.addWidget(self.open_box)
        fam_row.addStretch(1)
        ident.addRow(_("Job family"), fam_row)
        ident.addRow(_("Grade"), self.grade)
        ident.addRow(_("Entry title"), self.title_ladder)
        ident.addRow(_("Headcount"), self.headcount)
        req = QFormLayout()
        req.addRow(_("Minimum degree"), self.degree)
        req.addRow(_("Majors"), self.majors)
        req.addRow(_("Required licences"), lic_box)
        years_row = QHBoxLayout()
        years_row.addWidget(self.years)
        years_row.addWidget(self.guipei)
        years_row.addStretch(1)
        req.addRow(_("Years of experience"), years_row)
        req.addRow(_("Duties"), self.duties)
        req.addRow(_("Preferred"), self.nice)
        top = QHBoxLayout()
        g1 = QGroupBox(_("Position"), self)
        g1.setLayout(ident)
        g2 = QGroupBox(_("Hard requirements"), self)
        g2.setLayout(req)
        top.addWidget(g1, 2)
        top.addWidget(g2, 3)
        comp = QGroupBox(_("Competency model"), self)
        cl = QVBoxLayout(comp)
        cb = QHBoxLayout()
        for b in (self.add_dim, self.remove_dim, self.template):
            cb.addWidget(b)
        cb.addStretch(1)
        cb.addWidget(self.total_label)
        cl.addLayout(cb)
        cl.addWidget(self.comp_view, 1)
        cl.addWidget(self.problems_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(top)
        layout.addWidget(comp, 1)
        layout.addWidget(self.buttons)
        self._connect_signals()
        self.comp_model.set_dimensions(form.competencies)

    def _connect_signals(self) -> None:
        self.comp_model.changed.connect(self._on_comp_model_changed)
        self.add_dim.clicked.connect(self.comp_model.add)
        self.remove_dim.clicked.connect(self._on_remove_dim_clicked)
        self.template.clicked.connect(self._on_template_clicked)
        self.code.textChanged.connect(self._on_comp_model_changed)
        self.title_edit.textChanged.connect(self._on_comp_model_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def show_error(self, message: str) -> None:
        """A save failed (e.g. the code is taken): shown in the dialog, the user's input kept."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _on_remove_dim_clicked(self) -> None:
        self.comp_model.remove(self.comp_view.currentIndex().row())

    def _on_template_clicked(self) -> None:
        self.comp_model.set_dimensions(competency.template_for(self.family.currentData(), ai_medical=self.ai.isChecked()))

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.code.text().strip():
            out.append(_("A position needs a code."))
        if not self.title_edit.text().strip():
            out.append(_("A position needs a title."))
        out += [p.message for p in competency.validate(self.comp_model.dimensions())]
        return out

    def _on_comp_model_changed(self) -> None:
        dims = self.comp_model.dimensions()
        found = competency.validate(dims)
        column = {"name": 0, "weight": 1, "pass_bar": 2}
        self.comp_model.set_bad({(p.index, column[p.field]) for p in found if p.index >= 0 and p.field in column})
        total = sum(d.weight for d in dims)
        self.total_label.setText(_("Total weight: {total} / 100").format(total=total))
        self.total_label.setStyleSheet("" if total == 100 else "color: #b00020; font-weight: bold;")
        problems = self.problems()
        self.problems_label.setText("\n".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)

    def form(self) -> PositionForm:
        return PositionForm(
            code=self.code.text().strip(), title=self.title_edit.text().strip(),
            department_id=int(self.department.currentData()), job_family=str(self.family.currentData()),
            grade=self.grade.text().strip(), title_ladder=self.title_ladder.text().strip(),
            headcount=self.headcount.value(), is_ai_medical=self.ai.isChecked(), open=self.open_box.isChecked(),
            min_degree=str(self.degree.currentData() or ""), majors=tuple(split_list(self.majors.text())),
            licences=tuple(k for k, b in self.licence_boxes.items() if b.isChecked()), years=self.years.value(),
            guipei=self.guipei.isChecked(), duties=self.duties.toPlainText().strip(),
            nice_to_have=self.nice.toPlainText().strip(), competencies=tuple(self.comp_model.dimensions()),
            id=self._original.id, version=self._original.version, keywords=self._original.keywords,
        )
