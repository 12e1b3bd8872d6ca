"""岗位: where the hospital describes what it needs, in four pages.

- 科室与岗位: department tree (context menu: new / rename / move / merge), positions, editor, Excel;
- 筛选规则: rule editor with live parse errors and a live list of matching demo resumes (highlighted);
  hospital-wide synonyms and the hospital's own vocabulary;
- 题库: question bank with filters, detail with versions, edit (→ new version once asked), Excel, policies;
- 证照管理: licence expiry view by department, statutory cycles, export, post warnings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QStandardItem, QStandardItemModel, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.domain.org import LICENCE_STATE_LABELS, LicenceState
from app.errors import AppError
from app.i18n import N_, _
from app.positions import rules as rule_lang
from app.positions.questions import FAMILY_LABELS, QUESTION_TYPES
from app.services.org import DepartmentNode, PositionRow
from app.services.positions import (
    VOCABULARY_TAGS,
    CandidateMatch,
    LicenceGap,
    LicencePolicy,
    LicenceRow,
    PolicyRow,
    PositionForm,
    PreparedResume,
    RuleRow,
    SynonymRow,
    VocabularyRow,
)
from app.services.questions import QuestionDetail, QuestionRow
from app.tasks import ChangeSet
from ui.dialogs.excel_import import start_excel_import
from ui.dialogs.position_editor import PositionEditorDialog
from ui.tablemodels.base import CENTER, RIGHT, Column, DtoTableModel
from ui.tablemodels.labels import join_list
from ui.tabs.base import Tab
from ui.tabs.paged import PagedTab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

# msgids used inside f-strings (the extractor cannot see into those)
_F_STRING_MSGIDS = (
    N_('Departments'),
    N_('Licence warning: {n} people in this post lack a valid required licence'),
    N_('Duties'),
    N_('Hard requirements'),
    N_('standardised residency training (规培) required'),
    N_('Nice to have'),
    N_('Screening rules'),
    N_('Competency model'),
    N_('Dimension'),
    N_('Weight'),
    N_('Pass bar'),
    N_('The rule is valid.'),
    N_('The source of this question forbids using it to assess real candidates.'),
    N_('difficulty {n}'),
    N_('version {n}'),
    N_('Correct answer'),
    N_('Key points'),
    N_('Reference answer'),
    N_('Key terms'),
    N_('Policy reference'),
    N_('Source'),
    N_('asked {n} times'),
)

DEPT_ID_ROLE = Qt.ItemDataRole.UserRole + 10
HIT_COLOUR, EXCLUDED_COLOUR = "#c6efce", "#f8cbad"
STATE_COLOURS = {LicenceState.EXPIRED: "#f8cbad", LicenceState.EXPIRING_30: "#ffe699",
                 LicenceState.EXPIRING_90: "#fff2cc"}


def _small_table(parent: QWidget, columns: Sequence[Column[Any]]) -> tuple[QTableView, DtoTableModel[Any]]:
    """A plain list for short side lists (no search box)."""
    model: DtoTableModel[Any] = DtoTableModel(columns, parent)
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view, model


def _current(view: QTableView, model: DtoTableModel[Any]) -> Any:
    index = view.currentIndex()
    return model.row(index.row()) if index.isValid() and index.row() < model.rowCount() else None


def _publish(widget: QWidget, changes: ChangeSet, fallback: Callable[[], None]) -> None:
    window = widget.window()
    if hasattr(window, "publish_changes"):
        window.publish_changes(changes)
    else:
        fallback()


def highlight_html(text: str, hits: Sequence[rule_lang.Hit], excluded: Sequence[rule_lang.Hit] = ()) -> str:
    """The resume as HTML with found terms marked (green) and found exclusions (red)."""
    marks = [0] * len(text)
    for h in hits:
        for i in range(max(h.start, 0), min(h.end, len(text))):
            marks[i] = marks[i] or 1
    for h in excluded:
        for i in range(max(h.start, 0), min(h.end, len(text))):
            marks[i] = 2
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = escape(text[i:j])
        if marks[i] == 1:
            out.append(f"<span style='background:{HIT_COLOUR};font-weight:bold'>{chunk}</span>")
        elif marks[i] == 2:
            out.append(f"<span style='background:{EXCLUDED_COLOUR};text-decoration:line-through'>{chunk}</span>")
        else:
            out.append(chunk)
        i = j
    return "<pre style='white-space:pre-wrap;font-family:sans-serif'>" + "".join(out) + "</pre>"


# ================================================================================ 科室与岗位
class OrgPage(Tab):
    KEY = "org"
    TABLES = frozenset({"departments", "positions", "position_competencies", "employees", "licences"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._nodes: list[DepartmentNode] = []
        self.editor: PositionEditorDialog | None = None
        self.import_dialog: Any = None
        self.tree_model = QStandardItemModel(self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.tree_model)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.setToolTip(_("Right-click a department to create, rename, move or merge."))
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
                Column[PositionRow]("open", _("Recruiting"), fmt=lambda v: _("yes") if v else _("no"), align=CENTER),
            ],
            title=_("Positions"),
            parent=self,
        )
        self.new_button = QPushButton(_("New position…"), self)
        self.edit_button = QPushButton(_("Edit…"), self)
        self.copy_button = QPushButton(_("Copy…"), self)
        self.import_button = QPushButton(_("Import Excel…"), self)
        self.export_button = QPushButton(_("Export Excel…"), self)
        self.detail = QTextBrowser(self)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        top = QWidget(self)
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.addLayout(buttons)
        tv.addWidget(self.table, 1)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(top)
        right.addWidget(self.detail)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel(f"<b>{_('Departments')}</b>", left))
        lv.addWidget(self.tree)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([320, 1100])
        layout = QHBoxLayout(self)
        layout.addWidget(split)
        self._connect_signals()

    def title(self) -> str:
        return _("Departments & positions")

    def _connect_signals(self) -> None:
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        self.table.row_selected.connect(self._on_table_row_selected)
        self.table.view.doubleClicked.connect(self._on_edit_button_clicked)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        org = self.services.org
        self.load(lambda: (org.department_tree(), org.positions()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[DepartmentNode], list[PositionRow]]) -> None:
        nodes, positions = result
        current = self.current_department_id()
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
        if current is not None and current in items:
            self.tree.setCurrentIndex(items[current].index())
        self.table.select_first()

    def node(self, dept_id: int | None) -> DepartmentNode | None:
        return next((n for n in self._nodes if n.id == dept_id), None)

    def current_department_id(self) -> int | None:
        index = self.tree.currentIndex()
        return index.siblingAtColumn(0).data(DEPT_ID_ROLE) if index.isValid() else None

    def current_position(self) -> PositionRow | None:
        index = self.table.view.currentIndex()
        return self.table.proxy.data(index, Qt.ItemDataRole.UserRole + 2) if index.isValid() else None

    def _subtree(self, dept_id: int) -> set[int]:
        ids = {dept_id}
        for n in self._nodes:  # parents come before children
            if n.parent_id in ids:
                ids.add(n.id)
        return ids

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
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
        svc = self.services

        def fetch() -> tuple[Any, list[RuleRow], list[LicenceGap]]:
            return (svc.org.position_detail(row.id), svc.positions.rules(row.id),
                    svc.positions.licence_gaps(dt.date.today(), _licence_policy(self), {row.id}))

        self.load(fetch, self._show_detail)

    def _show_detail(self, result: tuple[Any, list[RuleRow], list[LicenceGap]]) -> None:
        d, rule_rows, gaps = result
        req = d.requirements
        comp = "".join(
            f"<tr><td>{escape(c.name)}</td><td align='right'>{c.weight}%</td><td align='right'>{c.pass_bar:.1f}</td></tr>"
            for c in d.competencies
        )
        licences = join_list(req.get("licences", [])) or _("none")
        majors = "、".join(req.get("majors", [])) or _("any")
        warn = ""
        if gaps:
            items = "".join(f"<li>{escape(g.staff_no)} {escape(g.name)}: {escape(g.reason)}</li>" for g in gaps)
            warn = (f"<p style='color:#b00020'><b>{escape(_('Licence warning: {n} people in this post lack a valid required licence').format(n=len(gaps)))}</b></p><ul>{items}</ul>")
        rules_html = "".join(f"<li><code>{escape(r.expression)}</code>"
                             + (f" <span style='color:#b00020'>{escape(r.error)}</span>" if r.error else "") + "</li>"
                             for r in rule_rows)
        self.detail.setHtml(
            f"<h3>{escape(d.title)} <small>({escape(d.code)} · {escape(d.department)})</small></h3>"
            + warn
            + f"<p><b>{_('Duties')}:</b> {escape(d.duties)}</p>"
            f"<p><b>{_('Hard requirements')}:</b> "
            + _("degree {degree} or higher; majors {majors}; licences {licences}; {years} years of experience").format(
                degree=escape(req.get("min_degree", "") or _("any")), majors=escape(majors), licences=escape(licences),
                years=req.get("years", 0))
            + (f"; {_('standardised residency training (规培) required')}" if req.get("guipei") else "")
            + "</p>"
            + (f"<p><b>{_('Nice to have')}:</b> {escape(d.nice_to_have)}</p>" if d.nice_to_have else "")
            + (f"<p><b>{_('Screening rules')}:</b></p><ul>{rules_html}</ul>" if rule_rows else "")
            + f"<p><b>{_('Competency model')}</b></p><table cellpadding='3' border='0'>"
            f"<tr><th align='left'>{_('Dimension')}</th><th>{_('Weight')}</th><th>{_('Pass bar')}</th></tr>{comp}</table>"
        )

    def _changed(self, _result: object = None) -> None:
        _publish(self, ChangeSet.of("departments", "positions", "position_competencies", "position_rules"), self.reload)

    # ---------------------------------------------------------------- department tree
    def _on_tree_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.department_menu(self.current_department_id())
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def department_menu(self, dept_id: int | None) -> QMenu:
        menu = QMenu(self)
        node = self.node(dept_id)
        actions: list[tuple[str, Callable[[], None], bool]] = [
            (_("New department…"), lambda: self._ask_new_department(None), True),
            (_("New sub-department…"), lambda: self._ask_new_department(dept_id), node is not None),
            (_("Rename…"), lambda: self._ask_rename(node), node is not None),
            (_("Move under…"), lambda: self._ask_move(node), node is not None),
            (_("Merge into…"), lambda: self._ask_merge(node), node is not None),
        ]
        for text, slot, enabled in actions:
            action = QAction(text, menu)
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            menu.addAction(action)
        return menu

    def _ask_new_department(self, parent_id: int | None) -> None:
        name, ok = QInputDialog.getText(self, _("New department"), _("Name:"))
        if not ok or not name.strip():
            return
        code, ok = QInputDialog.getText(self, _("New department"), _("Code (unique, e.g. NK-XN2):"))
        if ok:
            self.create_department(code, name, parent_id)

    def _ask_rename(self, node: DepartmentNode | None) -> None:
        if node is None:
            return
        name, ok = QInputDialog.getText(self, _("Rename department"), _("New name:"), text=node.name)
        if ok:
            self.rename_department(node, name)

    def _department_choices(self, exclude: set[int]) -> list[tuple[str, int | None]]:
        return [(n.name, n.id) for n in self._nodes if n.id not in exclude]

    def _ask_move(self, node: DepartmentNode | None) -> None:
        if node is None:
            return
        choices = [(_("(top level)"), None), *self._department_choices(self._subtree(node.id))]
        label, ok = QInputDialog.getItem(self, _("Move department"),
                                         _("Move {name} under:").format(name=node.name), [c[0] for c in choices], 0, False)
        if ok:
            self.move_department(node, dict(choices)[label])

    def _ask_merge(self, node: DepartmentNode | None) -> None:
        if node is None:
            return
        choices = self._department_choices(self._subtree(node.id))
        label, ok = QInputDialog.getItem(self, _("Merge departments"),
                                         _("Merge {name} into:").format(name=node.name), [c[0] for c in choices], 0, False)
        if not ok:
            return
        if QMessageBox.question(
            self, _("Merge departments"),
            _("All staff, posts, sub-departments and shift types of {source} move to {target}; {source} is kept "
              "inactive for history. Merge?").format(source=node.name, target=label),
        ) == QMessageBox.StandardButton.Yes:
            target = dict(choices)[label]
            if target is not None:
                self.merge_department(node, target)

    def create_department(self, code: str, name: str, parent_id: int | None) -> None:
        org = self.services.org
        self.pool.submit(lambda: org.create_department(code, name, parent_id), on_done=self._changed,
                         on_error=self.show_error)

    def rename_department(self, node: DepartmentNode, name: str) -> None:
        org = self.services.org
        self.pool.submit(lambda: org.rename_department(node.id, name, node.version), on_done=self._changed,
                         on_error=self.show_error)

    def move_department(self, node: DepartmentNode, parent_id: int | None) -> None:
        org = self.services.org
        self.pool.submit(lambda: org.move_department(node.id, parent_id, node.version), on_done=self._changed,
                         on_error=self.show_error)

    def merge_department(self, node: DepartmentNode, target_id: int) -> None:
        org = self.services.org
        self.pool.submit(lambda: org.merge_departments(node.id, target_id, node.version), on_done=self._changed,
                         on_error=self.show_error)

    # ---------------------------------------------------------------- positions
    def _on_new_button_clicked(self) -> None:
        dept = self.current_department_id() or (self._nodes[0].id if self._nodes else None)
        if dept is None:
            QMessageBox.information(self, _("HR Desk"), _("Create a department first (right-click the tree)."))
            return
        self.open_editor(self.services.positions.new_form(dept))

    def _on_edit_button_clicked(self, *_args: Any) -> None:
        row = self.current_position()
        if row is not None:
            self.load(lambda: self.services.positions.form(row.id), self.open_editor)

    def _on_copy_button_clicked(self) -> None:
        row = self.current_position()
        if row is None:
            return
        code, ok = QInputDialog.getText(self, _("Copy position"), _("Code of the copy:"), text=f"{row.code}-2")
        if ok and code.strip():
            self.copy_position(row.id, code)

    def copy_position(self, position_id: int, code: str) -> None:
        svc = self.services.positions
        self.pool.submit(lambda: svc.copy_position(position_id, code), on_done=self._changed, on_error=self.show_error)

    def open_editor(self, form: PositionForm, error: str = "") -> PositionEditorDialog:
        self.editor = PositionEditorDialog(form, self._nodes, self)
        if error:
            self.editor.show_error(error)
        editor = self.editor
        editor.accepted.connect(lambda: self._save_form(editor.form()))
        editor.open()
        return editor

    def _save_form(self, form: PositionForm) -> None:
        svc = self.services.positions

        def save() -> object:
            if form.id is None:
                return svc.create_position(form)
            return svc.update_position(form.id, form.version, form)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, AppError):
                self.open_editor(form, exc.message)  # keep what the user typed
            else:
                self.show_error(exc)

        self.pool.submit(save, on_done=self._changed, on_error=failed)

    def _on_import_button_clicked(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Import positions"), "", "Excel (*.xlsx *.xls)")
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> None:
        svc = self.services.positions
        start_excel_import(
            self, self.pool, title=_("Import positions"), path=path,
            preview=lambda: svc.preview_positions_import(Path(path)),
            store=lambda good, progress, cancel: svc.import_positions(Path(path), good_rows_only=good,
                                                                      progress=progress, cancel=cancel),
            on_stored=self._changed, on_error=self.show_error,
        )

    def _on_export_button_clicked(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export positions"), _("positions.xlsx"), "Excel (*.xlsx)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        svc = self.services.positions
        run_with_progress(self, self.pool, _("Writing the positions workbook…"),
                          lambda progress, cancel: svc.export_positions(Path(path)),
                          lambda p: self.window().statusBar().showMessage(_("Saved {path}").format(path=p), 8000)
                          if hasattr(self.window(), "statusBar") else None, lane="io")


# ================================================================================ 筛选规则
class RulesPage(Tab):
    KEY = "rules"
    TABLES = frozenset({"positions", "position_rules", "synonyms", "vocabulary_terms", "candidates"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rules: list[RuleRow] = []
        self._resumes: list[PreparedResume] = []
        self._synonyms = rule_lang.EMPTY_SYNONYMS
        self._generation = 0
        self._matches: dict[int, CandidateMatch] = {}
        self.position = QComboBox(self)
        self.position.setMinimumWidth(240)
        self.rule_view, self.rule_model = _small_table(self, [
            Column[RuleRow]("name", _("Rule")),
            Column[RuleRow]("expression", _("Expression")),
            Column[RuleRow]("required", _("Hard filter"), fmt=lambda v: "✔" if v else "", align=CENTER),
            Column[RuleRow]("error", _("Error")),
        ])
        self.rule_view.setMaximumHeight(150)
        self.new_rule = QPushButton(_("New rule"), self)
        self.save_rule = QPushButton(_("Save rule"), self)
        self.delete_rule = QPushButton(_("Delete rule"), self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(_("Rule name"))
        self.required = QCheckBox(_("Hard filter (a resume that fails is screened out)"), self)
        self.weight = QSpinBox(self)
        self.weight.setRange(1, 10)
        self.expression = QPlainTextEdit(self)
        self.expression.setPlaceholderText("(医学影像 OR 影像诊断) AND (PyTorch OR 深度学习) NOT 外包")
        self.expression.setMaximumHeight(90)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel(self)
        self.matches = FilterTable(
            [
                Column[CandidateMatch]("matched", _("Match"), fmt=lambda v: "✔" if v else "✘", align=CENTER,
                                       color=lambda r: HIT_COLOUR if r.matched else None),
                Column[CandidateMatch]("name", _("Candidate")),
                Column[CandidateMatch]("applied_for", _("Applied for")),
                Column[CandidateMatch]("explanation", _("Why")),
            ],
            title=_("Candidates' resumes against this rule"),
            sort=("matched", Qt.SortOrder.DescendingOrder),
            parent=self,
        )
        self.resume = QTextBrowser(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        # synonyms and own vocabulary
        self.syn_view, self.syn_model = _small_table(self, [
            Column[SynonymRow]("term", _("Term")),
            Column[SynonymRow]("equivalents", _("Synonyms")),
        ])
        self.syn_term = QLineEdit(self)
        self.syn_term.setPlaceholderText(_("Term"))
        self.syn_equivalents = QLineEdit(self)
        self.syn_equivalents.setPlaceholderText(_("synonyms separated by 、"))
        self.syn_save = QPushButton(_("Save synonyms"), self)
        self.syn_delete = QPushButton(_("Delete"), self)
        self.vocab_view, self.vocab_model = _small_table(self, [
            Column[VocabularyRow]("term", _("Term")),
            Column[VocabularyRow]("tag", _("Category")),
        ])
        self.vocab_term = QLineEdit(self)
        self.vocab_term.setPlaceholderText(_("a professional term of this hospital"))
        self.vocab_tag = QComboBox(self)
        for tag in VOCABULARY_TAGS:
            self.vocab_tag.addItem(tag, tag)
        self.vocab_add = QPushButton(_("Add term"), self)
        self.vocab_delete = QPushButton(_("Delete"), self)
        self._build_layout()
        self._connect_signals()
        self._set_editor_enabled(False)

    def _build_layout(self) -> None:
        head = QHBoxLayout()
        head.addWidget(QLabel(_("Position:"), self))
        head.addWidget(self.position, 1)
        for b in (self.new_rule, self.save_rule, self.delete_rule):
            head.addWidget(b)
        meta = QHBoxLayout()
        meta.addWidget(self.name_edit, 2)
        meta.addWidget(QLabel(_("Weight:"), self))
        meta.addWidget(self.weight)
        meta.addWidget(self.required, 3)
        editor = QWidget(self)
        ev = QVBoxLayout(editor)
        ev.setContentsMargins(0, 0, 0, 0)
        ev.addLayout(head)
        ev.addWidget(self.rule_view)
        ev.addLayout(meta)
        ev.addWidget(self.expression)
        ev.addWidget(self.status)
        ev.addWidget(self.summary)
        lower = QSplitter(self)
        lower.addWidget(self.matches)
        lower.addWidget(self.resume)
        lower.setSizes([600, 500])
        main = QSplitter(Qt.Orientation.Vertical, self)
        main.addWidget(editor)
        main.addWidget(lower)
        main.setStretchFactor(1, 1)
        syn_box = QGroupBox(_("Hospital-wide synonyms"), self)
        sl = QVBoxLayout(syn_box)
        sl.addWidget(self.syn_view, 1)
        sl.addWidget(self.syn_term)
        sl.addWidget(self.syn_equivalents)
        sb = QHBoxLayout()
        sb.addWidget(self.syn_save)
        sb.addWidget(self.syn_delete)
        sl.addLayout(sb)
        vocab_box = QGroupBox(_("The hospital's own vocabulary"), self)
        vl = QVBoxLayout(vocab_box)
        vl.addWidget(self.vocab_view, 1)
        vr = QHBoxLayout()
        vr.addWidget(self.vocab_term, 1)
        vr.addWidget(self.vocab_tag)
        vl.addLayout(vr)
        vb = QHBoxLayout()
        vb.addWidget(self.vocab_add)
        vb.addWidget(self.vocab_delete)
        vl.addLayout(vb)
        side = QSplitter(Qt.Orientation.Vertical, self)
        side.addWidget(syn_box)
        side.addWidget(vocab_box)
        outer = QSplitter(self)
        outer.addWidget(main)
        outer.addWidget(side)
        outer.setStretchFactor(0, 4)
        outer.setStretchFactor(1, 1)
        outer.setSizes([1100, 320])
        layout = QHBoxLayout(self)
        layout.addWidget(outer)

    def title(self) -> str:
        return _("Screening rules")

    def _connect_signals(self) -> None:
        self.position.currentIndexChanged.connect(self._on_position_current_index_changed)
        self.rule_view.selectionModel().currentRowChanged.connect(self._on_rule_view_current_changed)
        self.expression.textChanged.connect(self._on_expression_text_changed)
        self._timer.timeout.connect(self.evaluate_now)
        self.matches.row_selected.connect(self._on_matches_row_selected)
        self.new_rule.clicked.connect(self._on_new_rule_clicked)
        self.save_rule.clicked.connect(self._on_save_rule_clicked)
        self.delete_rule.clicked.connect(self._on_delete_rule_clicked)
        self.syn_view.selectionModel().currentRowChanged.connect(self._on_syn_view_current_changed)
        self.syn_save.clicked.connect(self._on_syn_save_clicked)
        self.syn_delete.clicked.connect(self._on_syn_delete_clicked)
        self.vocab_add.clicked.connect(self._on_vocab_add_clicked)
        self.vocab_delete.clicked.connect(self._on_vocab_delete_clicked)

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        svc = self.services
        self.load(lambda: (svc.org.positions(), svc.positions.synonyms(), svc.positions.vocabulary(),
                           svc.positions.rule_counts()), self._on_loaded)
        if not self._resumes:
            self.pool.submit(svc.positions.prepared_resumes, lane="io", on_done=self._on_resumes_loaded,
                             on_error=self.show_error)

    def _on_loaded(self, result: tuple[list[PositionRow], list[SynonymRow], list[VocabularyRow], dict[int, int]]) -> None:
        positions, synonyms, vocabulary, counts = result
        self.syn_model.set_rows(synonyms)
        self.syn_view.resizeColumnsToContents()
        self._synonyms = rule_lang.SynonymTable.of([(s.term, s.equivalents) for s in synonyms])
        self.vocab_model.set_rows(vocabulary)
        current = self.position.currentData()
        self.position.blockSignals(True)
        self.position.clear()
        for p in positions:
            n = counts.get(p.id, 0)
            label = _("{title} ({code} · {department} · {n} rules)").format(
                title=p.title, code=p.code, department=p.department, n=n)
            self.position.addItem(label, p.id)
        index = self.position.findData(current)
        if index < 0:  # first visit: a position that has rules, so the page shows something
            index = next((i for i, p in enumerate(positions) if counts.get(p.id)), 0)
        self.position.setCurrentIndex(index)
        self.position.blockSignals(False)
        self._load_rules()

    def _on_resumes_loaded(self, resumes: list[PreparedResume]) -> None:
        self._resumes = resumes
        self.evaluate_now()

    def _load_rules(self, select_id: int | None = None) -> None:
        pid = self.position.currentData()
        if pid is None:
            return
        self.load(lambda: self.services.positions.rules(pid), lambda rows: self._on_rules_loaded(rows, select_id))

    def _on_rules_loaded(self, rows: list[RuleRow], select_id: int | None) -> None:
        self._rules = rows
        self.rule_model.set_rows(rows)
        self.rule_view.resizeColumnsToContents()
        ids = [r.id for r in rows]
        if rows:
            self.rule_view.setCurrentIndex(self.rule_model.index(ids.index(select_id) if select_id in ids else 0, 0))
        else:
            self._start_new_rule()

    def _set_editor_enabled(self, enabled: bool) -> None:
        for w in (self.save_rule, self.expression, self.name_edit, self.required, self.weight):
            w.setEnabled(enabled)
        self.delete_rule.setEnabled(enabled and self.current_rule() is not None)

    def current_rule(self) -> RuleRow | None:
        return _current(self.rule_view, self.rule_model)  # type: ignore[no-any-return]

    def _on_position_current_index_changed(self, _index: int) -> None:
        self._load_rules()

    def _on_rule_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rule = self.rule_model.row(current.row()) if current.isValid() else None
        if rule is None:
            return
        self.name_edit.setText(rule.name)
        self.required.setChecked(rule.required)
        self.weight.setValue(rule.weight)
        self._set_editor_enabled(True)
        self.expression.setPlainText(rule.expression)
        self.evaluate_now()

    def _start_new_rule(self) -> None:
        self.rule_view.clearSelection()
        self.rule_view.setCurrentIndex(QModelIndex())
        self.name_edit.setText("")
        self.required.setChecked(False)
        self.weight.setValue(1)
        self._set_editor_enabled(self.position.currentData() is not None)
        self.expression.setPlainText("")
        self.evaluate_now()

    def _on_new_rule_clicked(self) -> None:
        self._start_new_rule()
        self.expression.setFocus()

    # ---------------------------------------------------------------- live check and evaluation
    def _on_expression_text_changed(self) -> None:
        self.check_syntax()
        self._timer.start()

    def check_syntax(self) -> rule_lang.RuleSyntaxError | None:
        """Parse errors are shown at once, with the offending character marked in the editor."""
        text = self.expression.toPlainText()
        error = rule_lang.syntax_error(text) if text.strip() else None
        selections: list[QTextEdit.ExtraSelection] = []
        if error is not None:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(EXCLUDED_COLOUR))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor("#b00020"))
            sel.format = fmt
            cursor = QTextCursor(self.expression.document())
            at = min(max(error.position - 1, 0), max(len(text) - 1, 0))
            cursor.setPosition(at)
            cursor.setPosition(min(at + 1, len(text)), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            selections.append(sel)
            self.status.setText(f"<span style='color:#b00020'>✘ {escape(error.message)}</span>")
        elif text.strip():
            self.status.setText(f"<span style='color:#2e7d32'>✔ {escape(_('The rule is valid.'))}</span>")
        else:
            self.status.setText(escape(_("Enter keywords joined with AND / OR / NOT (also 与 / 或 / 非).")))
        self.expression.setExtraSelections(selections)
        self.save_rule.setEnabled(self.expression.isEnabled() and error is None and bool(text.strip()))
        return error

    def evaluate_now(self) -> None:
        """Evaluate the rule text over every candidate's resume (off the GUI thread)."""
        self._timer.stop()
        error = self.check_syntax()
        text = self.expression.toPlainText()
        self._generation += 1
        generation = self._generation
        if error is not None or not text.strip() or not self._resumes:
            self._matches = {}
            self.matches.set_rows([])
            self.summary.setText("")
            self.resume.clear()
            return
        resumes, synonyms, svc = self._resumes, self._synonyms, self.services.positions

        def run() -> tuple[list[CandidateMatch], tuple[str, ...]]:
            return svc.match_resumes(text, resumes, synonyms), svc.check_rule(text).warnings

        self.pool.submit(run, lane="io", on_done=lambda r: self._on_evaluated(generation, r), on_error=self.show_error)

    def _on_evaluated(self, generation: int, result: tuple[list[CandidateMatch], tuple[str, ...]]) -> None:
        if generation != self._generation:
            return  # the text changed since
        matches, warnings = result
        self._matches = {m.candidate_id: m for m in matches}
        self.matches.set_rows(matches)
        n = sum(m.matched for m in matches)
        text = _("{n} of {total} resumes match.").format(n=n, total=len(matches))
        if warnings:
            text += "<br><span style='color:#9c6500'>" + "<br>".join(escape(w) for w in warnings) + "</span>"
        self.summary.setText(text)
        self.matches.select_first()

    def _on_matches_row_selected(self, match: CandidateMatch | None) -> None:
        if match is None:
            self.resume.clear()
            return
        prepared = next((r for r in self._resumes if r.candidate_id == match.candidate_id), None)
        if prepared is None:
            return
        head = (f"<p><b>{escape(match.name)}</b> · {escape(match.applied_for)}<br>"
                f"{'✔' if match.matched else '✘'} {escape(match.explanation)}</p>")
        self.resume.setHtml(head + highlight_html(prepared.text.original, match.hits, match.excluded_hits))

    # ---------------------------------------------------------------- saving rules
    def _on_save_rule_clicked(self) -> None:
        pid = self.position.currentData()
        if pid is None:
            return
        rule = self.current_rule()
        svc = self.services.positions
        text, name, required, weight = (self.expression.toPlainText(), self.name_edit.text(),
                                        self.required.isChecked(), self.weight.value())

        def save() -> int:
            return svc.save_rule(pid, text, rule_id=rule.id if rule else None,
                                 expected_version=rule.version if rule else 0, name=name, required=required,
                                 weight=weight)

        self.pool.submit(save, on_done=self._on_rule_saved, on_error=self.show_error)

    def _on_rule_saved(self, rule_id: int) -> None:
        self._load_rules(rule_id)
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(ChangeSet.of("position_rules"))

    def _on_delete_rule_clicked(self) -> None:
        rule = self.current_rule()
        if rule is None:
            return
        if QMessageBox.question(self, _("Delete rule"), _("Delete the rule {name}?").format(name=rule.name)) \
                != QMessageBox.StandardButton.Yes:
            return
        svc = self.services.positions
        self.pool.submit(lambda: svc.delete_rule(rule.id, rule.version), on_done=lambda _r: self._load_rules(),
                         on_error=self.show_error)

    # ---------------------------------------------------------------- synonyms and vocabulary
    def _refresh_lists(self, _result: object = None) -> None:
        svc = self.services.positions
        self.load(lambda: (svc.synonyms(), svc.vocabulary()), self._on_lists_loaded)

    def _on_lists_loaded(self, result: tuple[list[SynonymRow], list[VocabularyRow]]) -> None:
        synonyms, vocabulary = result
        self.syn_model.set_rows(synonyms)
        self._synonyms = rule_lang.SynonymTable.of([(s.term, s.equivalents) for s in synonyms])
        self.vocab_model.set_rows(vocabulary)
        self.evaluate_now()

    def _on_syn_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            row = self.syn_model.row(current.row())
            self.syn_term.setText(row.term)
            self.syn_equivalents.setText(join_list(row.equivalents))

    def _on_syn_save_clicked(self) -> None:
        svc = self.services.positions
        term, eqs = self.syn_term.text(), self.syn_equivalents.text()
        existing = next((r for r in self.syn_model.rows() if r.term == term.strip()), None)
        self.pool.submit(lambda: svc.save_synonym(term, eqs, existing.id if existing else None),
                         on_done=self._refresh_lists, on_error=self.show_error)

    def _on_syn_delete_clicked(self) -> None:
        row = _current(self.syn_view, self.syn_model)
        if row is not None:
            svc = self.services.positions
            self.pool.submit(lambda: svc.delete_synonym(row.id), on_done=self._refresh_lists, on_error=self.show_error)

    def _on_vocab_add_clicked(self) -> None:
        svc = self.services.positions
        term, tag = self.vocab_term.text(), self.vocab_tag.currentData()

        def added(_r: object) -> None:
            self.vocab_term.clear()
            self._resumes = []  # re-segment the resumes with the new word
            self.pool.submit(svc.prepared_resumes, lane="io", on_done=self._on_resumes_loaded, on_error=self.show_error)
            self._refresh_lists()

        self.pool.submit(lambda: svc.add_term(term, tag), on_done=added, on_error=self.show_error)

    def _on_vocab_delete_clicked(self) -> None:
        row = _current(self.vocab_view, self.vocab_model)
        if row is not None:
            svc = self.services.positions
            self.pool.submit(lambda: svc.delete_term(row.id), on_done=self._refresh_lists, on_error=self.show_error)


# ================================================================================ 题库
class QuestionEditDialog(QDialog):
    def __init__(self, detail: QuestionDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        self.setWindowTitle(_("Edit question {code}").format(code=detail.row.code))
        self.resize(760, 600)
        self.text = QPlainTextEdit(detail.row.text, self)
        self.key_points = QPlainTextEdit("\n".join(detail.key_points), self)
        self.reference = QPlainTextEdit(detail.reference_answer, self)
        self.key_terms = QLineEdit(join_list(detail.key_terms), self)
        self.policy_ref = QLineEdit(detail.policy_ref, self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(_("why it changed (kept with the version)"))
        hint = QLabel(
            _("This question has been asked in {n} interviews: saving creates version {v}; those interviews keep the "
              "wording they asked.").format(n=detail.row.times_asked, v=detail.row.current_version + 1)
            if detail.row.times_asked else
            _("This version has not been asked yet; it is changed in place."), self)
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Question"), self.text)
        form.addRow(_("Key points (one per line)"), self.key_points)
        form.addRow(_("Reference answer"), self.reference)
        form.addRow(_("Key terms"), self.key_terms)
        form.addRow(_("Policy reference"), self.policy_ref)
        form.addRow(_("Change note"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "text": self.text.toPlainText(), "key_points": self.key_points.toPlainText().splitlines(),
            "reference_answer": self.reference.toPlainText().strip(),
            "key_terms": rule_lang.split_list(self.key_terms.text()), "policy_ref": self.policy_ref.text().strip(),
            "note": self.note.text().strip(),
        }


class PolicyDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Add a policy"))
        self.resize(640, 420)
        self.title_edit = QLineEdit(self)
        self.issued = QDateEdit(QDate.currentDate(), self)
        self.issued.setCalendarPopup(True)
        self.issued.setDisplayFormat("yyyy-MM-dd")
        self.terms = QLineEdit(self)
        self.terms.setPlaceholderText(_("terms the policy changes, separated by 、 (questions mentioning them are listed)"))
        self.text = QPlainTextEdit(self)
        form = QFormLayout()
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Issued on"), self.issued)
        form.addRow(_("Terms"), self.terms)
        form.addRow(_("Text"), self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


class BankPage(Tab):
    KEY = "bank"
    TABLES = frozenset({"questions", "question_versions", "policies", "policy_questions"})
    ANY = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._detail: QuestionDetail | None = None
        self._pending_policy: int | None = None
        self.edit_dialog: QuestionEditDialog | None = None
        self.policy_dialog: PolicyDialog | None = None
        self.import_dialog: Any = None
        self.family = QComboBox(self)
        self.dimension = QComboBox(self)
        self.qtype = QComboBox(self)
        self.difficulty = QComboBox(self)
        self.family.addItem(_("all families"), self.ANY)
        for key, label in FAMILY_LABELS.items():
            self.family.addItem(label, key)
        self.qtype.addItem(_("all types"), self.ANY)
        for t in QUESTION_TYPES:
            self.qtype.addItem(t, t)
        self.difficulty.addItem(_("any difficulty"), 0)
        for d in range(1, 6):
            self.difficulty.addItem(_("difficulty {n}").format(n=d), d)
        self.dimension.addItem(_("all dimensions"), self.ANY)
        self.table = FilterTable(
            [
                Column[QuestionRow]("code", _("Question ID")),
                Column[QuestionRow]("job_family", _("Job family"), fmt=lambda v: FAMILY_LABELS.get(v, v)),
                Column[QuestionRow]("dimension", _("Dimension")),
                Column[QuestionRow]("qtype", _("Type")),
                Column[QuestionRow]("difficulty", _("Difficulty"), align=RIGHT),
                Column[QuestionRow]("current_version", _("Version"), align=RIGHT),
                Column[QuestionRow]("times_asked", _("Asked"), align=RIGHT),
                Column[QuestionRow]("restricted", _("Restricted"), fmt=lambda v: "⚠" if v else "", align=CENTER,
                                    color=lambda r: "#fff2cc" if r.restricted else None),
                Column[QuestionRow]("text", _("Question"), fmt=lambda v: v if len(v) <= 60 else v[:60] + "…"),
            ],
            title=_("Question bank"),
            parent=self,
        )
        self.detail_view = QTextBrowser(self)
        self.versions_view, self.versions_model = _small_table(self, [
            Column[tuple]("number", _("Version"), value=lambda v: v[0], align=RIGHT),
            Column[tuple]("created", _("Created"), value=lambda v: v[2]),
            Column[tuple]("text", _("Wording"), value=lambda v: v[1]),
        ])
        self.edit_button = QPushButton(_("Edit…"), self)
        self.import_button = QPushButton(_("Import Excel…"), self)
        self.export_button = QPushButton(_("Export Excel…"), self)
        self.policy_button = QPushButton(_("Add policy…"), self)
        self.policies_view, self.policies_model = _small_table(self, [
            Column[PolicyRow]("title", _("Policy")),
            Column[PolicyRow]("issued_on", _("Issued on")),
            Column[PolicyRow]("to_review", _("To review"), align=RIGHT,
                              color=lambda r: "#ffe699" if r.to_review else None),
        ])
        self.review_view, self.review_model = _small_table(self, [
            Column[QuestionRow]("code", _("Question ID")),
            Column[QuestionRow]("text", _("Question")),
        ])
        self.reviewed_button = QPushButton(_("Mark reviewed"), self)
        self._build_layout()
        self._connect_signals()

    def _build_layout(self) -> None:
        filters = QHBoxLayout()
        for label, combo in ((_("Family:"), self.family), (_("Dimension:"), self.dimension),
                             (_("Type:"), self.qtype), (_("Difficulty:"), self.difficulty)):
            filters.addWidget(QLabel(label, self))
            filters.addWidget(combo)
        filters.addStretch(1)
        for b in (self.edit_button, self.import_button, self.export_button):
            filters.addWidget(b)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(filters)
        lv.addWidget(self.table, 1)
        detail = QTabWidget(self)
        detail.addTab(self.detail_view, _("Current version"))
        detail.addTab(self.versions_view, _("Versions"))
        pol = QGroupBox(_("Policies: questions to review after a change"), self)
        pl = QVBoxLayout(pol)
        pb = QHBoxLayout()
        pb.addWidget(self.policy_button)
        pb.addStretch(1)
        pb.addWidget(self.reviewed_button)
        pl.addLayout(pb)
        ps = QSplitter(self)
        ps.addWidget(self.policies_view)
        ps.addWidget(self.review_view)
        pl.addWidget(ps)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(detail)
        right.addWidget(pol)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([900, 520])
        layout = QHBoxLayout(self)
        layout.addWidget(split)

    def title(self) -> str:
        return _("Question bank")

    def _connect_signals(self) -> None:
        for combo in (self.family, self.dimension, self.qtype, self.difficulty):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.table.row_selected.connect(self._on_table_row_selected)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.policy_button.clicked.connect(self._on_policy_button_clicked)
        self.policies_view.selectionModel().currentRowChanged.connect(self._on_policies_current_changed)
        self.reviewed_button.clicked.connect(self._on_reviewed_button_clicked)

    def reload(self) -> None:
        svc = self.services
        self.load(lambda: (svc.questions.questions(), svc.positions.policies()), self._on_loaded)

    def _on_loaded(self, result: tuple[list[QuestionRow], list[PolicyRow]]) -> None:
        rows, policies = result
        current_dim = self.dimension.currentData()
        self.dimension.blockSignals(True)
        self.dimension.clear()
        self.dimension.addItem(_("all dimensions"), self.ANY)
        for d in sorted({r.dimension for r in rows}):
            self.dimension.addItem(d, d)
        self.dimension.setCurrentIndex(max(self.dimension.findData(current_dim), 0))
        self.dimension.blockSignals(False)
        selected = self._detail.row.id if self._detail else None
        self.table.set_rows(rows)
        self._on_filter_changed()
        self.select_question(selected)
        self.policies_model.set_rows(policies)
        self.policies_view.resizeColumnsToContents()
        pending, self._pending_policy = self._pending_policy, None
        ids = [p.id for p in policies]
        if pending in ids:
            self.policies_view.selectRow(ids.index(pending))  # show what the new policy asks to review

    def select_question(self, question_id: int | None) -> None:
        for r in range(self.table.proxy.rowCount()):
            row = self.table.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 2)
            if question_id is None or row.id == question_id:
                self.table.view.selectRow(r)
                return

    def _on_filter_changed(self, *_args: Any) -> None:
        fam, dim, qtype, diff = (self.family.currentData(), self.dimension.currentData(), self.qtype.currentData(),
                                 self.difficulty.currentData())
        if not (fam or dim or qtype or diff):
            self.table.set_filter_predicate(None)
            return
        self.table.set_filter_predicate(lambda r: (not fam or r.job_family == fam) and (not dim or r.dimension == dim)
                                        and (not qtype or r.qtype == qtype) and (not diff or r.difficulty == diff))

    def _on_table_row_selected(self, row: QuestionRow | None) -> None:
        if row is None:
            return
        self.load(lambda: self.services.questions.detail(row.id), self._show_detail)

    def _show_detail(self, d: QuestionDetail) -> None:
        self._detail = d
        r = d.row
        points = "".join(f"<li>{escape(p)}</li>" for p in d.key_points)
        options = "".join(f"<li>{escape(k)}．{escape(v)}</li>" for k, v in d.options)
        warn = (f"<p style='color:#9c6500'>⚠ {escape(_('The source of this question forbids using it to assess real candidates.'))}</p>"
                if r.restricted else "")
        self.detail_view.setHtml(
            f"<h3>{escape(r.code)} · {escape(r.dimension)} · {escape(r.qtype)} · "
            f"{escape(_('difficulty {n}').format(n=r.difficulty))} · {escape(_('version {n}').format(n=r.current_version))}</h3>"
            + warn + f"<p>{escape(r.text)}</p>"
            + (f"<ol type='A'>{options}</ol><p><b>{_('Correct answer')}:</b> {escape(d.answer)}</p>" if options else "")
            + f"<p><b>{_('Key points')}</b></p><ul>{points}</ul>"
            + (f"<p><b>{_('Reference answer')}:</b> {escape(d.reference_answer)}</p>" if d.reference_answer else "")
            + (f"<p><b>{_('Key terms')}:</b> {escape(join_list(d.key_terms))}</p>" if d.key_terms else "")
            + (f"<p><b>{_('Policy reference')}:</b> {escape(d.policy_ref)}</p>" if d.policy_ref else "")
            + f"<p><small>{escape(_('Source'))}: {escape(r.source)} · {escape(_('asked {n} times').format(n=r.times_asked))}</small></p>"
        )
        self.versions_model.set_rows(list(reversed(d.versions)))
        self.versions_view.resizeColumnsToContents()

    def _changed(self, _result: object = None) -> None:
        _publish(self, ChangeSet.of("questions", "question_versions", "policies", "policy_questions"), self.reload)

    # ---------------------------------------------------------------- edit → versioning
    def _on_edit_button_clicked(self) -> None:
        if self._detail is not None:
            self.open_edit(self._detail)

    def open_edit(self, detail: QuestionDetail) -> QuestionEditDialog:
        self.edit_dialog = QuestionEditDialog(detail, self)
        dialog = self.edit_dialog
        dialog.accepted.connect(lambda: self.save_edit(detail.row.id, detail.row.version, dialog.values()))
        dialog.open()
        return dialog

    def save_edit(self, question_id: int, expected_version: int, values: dict[str, Any]) -> None:
        bank = self.services.questions
        self.pool.submit(lambda: bank.edit(question_id, expected_version, **values), on_done=self._changed,
                         on_error=self.show_error)

    # ---------------------------------------------------------------- Excel
    def _on_import_button_clicked(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Import questions"), "", "Excel (*.xlsx *.xls)")
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> None:
        svc = self.services.positions
        start_excel_import(
            self, self.pool, title=_("Import questions"), path=path,
            preview=lambda: svc.preview_questions_import(Path(path)),
            store=lambda good, progress, cancel: svc.import_questions(Path(path), good_rows_only=good,
                                                                      progress=progress, cancel=cancel),
            on_stored=self._changed, on_error=self.show_error,
        )

    def _on_export_button_clicked(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export questions"), _("questions.xlsx"), "Excel (*.xlsx)")
        if path:
            svc = self.services.positions
            run_with_progress(self, self.pool, _("Writing the question bank…"),
                              lambda progress, cancel: svc.export_questions(Path(path)),
                              lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                              lane="io")

    # ---------------------------------------------------------------- policies
    def _on_policy_button_clicked(self) -> None:
        self.policy_dialog = PolicyDialog(self)
        dialog = self.policy_dialog
        dialog.accepted.connect(lambda: self.add_policy(
            dialog.title_edit.text(), dialog.issued.date().toPython(), dialog.text.toPlainText(),
            rule_lang.split_list(dialog.terms.text())))
        dialog.open()

    def add_policy(self, title: str, issued: dt.date | None, text: str, terms: list[str]) -> None:
        bank = self.services.questions

        def added(result: tuple[int, list[int]]) -> None:
            self._pending_policy = result[0]
            self._changed()

        self.pool.submit(lambda: bank.add_policy(title, issued, text, terms), on_done=added, on_error=self.show_error)

    def _on_policies_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            policy = self.policies_model.row(current.row())
            self.load(lambda: self.services.questions.questions_to_review(policy.id), self.review_model.set_rows)

    def _on_reviewed_button_clicked(self) -> None:
        policy = _current(self.policies_view, self.policies_model)
        question = _current(self.review_view, self.review_model)
        if policy is not None and question is not None:
            svc = self.services.positions
            self.pool.submit(lambda: svc.mark_reviewed(policy.id, question.id), on_done=self._changed,
                             on_error=self.show_error)


# ================================================================================ 证照管理
STATE_FILTERS: tuple[tuple[str, int | None], ...] = (
    (N_("expired or due within 90 days"), 90),
    (N_("expired or due within 30 days"), 30),
    (N_("expired only"), -1),
    (N_("all licences"), None),
)


def _settings_of(widget: QWidget) -> Any:
    ctx = getattr(widget.window(), "ctx", None)
    if ctx is not None:
        return ctx.settings
    from app import config

    cached = getattr(widget, "_settings_cache", None)
    if cached is None:
        cached = config.load()
        widget._settings_cache = cached  # type: ignore[attr-defined]
    return cached


def _licence_policy(widget: QWidget) -> LicencePolicy:
    return LicencePolicy.from_settings(_settings_of(widget))


class LicencesPage(Tab):
    KEY = "licences"
    TABLES = frozenset({"licences", "employees", "departments", "positions"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._nodes: list[DepartmentNode] = []
        self.department = QComboBox(self)
        self.department.setMinimumWidth(200)
        self.state = QComboBox(self)
        for label, days in STATE_FILTERS:
            self.state.addItem(_(label), days)
        self.as_of = QDateEdit(QDate.currentDate(), self)
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.export_button = QPushButton(_("Export Excel…"), self)
        self.table = FilterTable(
            [
                Column[LicenceRow]("staff_no", _("Staff no.")),
                Column[LicenceRow]("name", _("Name")),
                Column[LicenceRow]("department", _("Department")),
                Column[LicenceRow]("position", _("Position")),
                Column[LicenceRow]("kind", _("Licence")),
                Column[LicenceRow]("due", _("Due")),
                Column[LicenceRow]("days_left", _("Days left"), align=RIGHT),
                Column[LicenceRow]("state", _("State"), fmt=lambda v: _(LICENCE_STATE_LABELS[v]),
                                   color=lambda r: STATE_COLOURS.get(LicenceState(r.state))),
                Column[LicenceRow]("action", _("What to do")),
            ],
            title=_("Licence register"),
            sort=("days_left", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        self.gaps_view, self.gaps_model = _small_table(self, [
            Column[LicenceGap]("position", _("Position")),
            Column[LicenceGap]("staff_no", _("Staff no.")),
            Column[LicenceGap]("name", _("Name")),
            Column[LicenceGap]("reason", _("Problem")),
        ])
        # statutory cycles (settings)
        self.nurse_years = QSpinBox(self)
        self.nurse_years.setRange(1, 20)
        self.nurse_renew = QSpinBox(self)
        self.nurse_renew.setRange(0, 365)
        self.physician_years = QSpinBox(self)
        self.physician_years.setRange(1, 10)
        self.warn_far = QSpinBox(self)
        self.warn_far.setRange(1, 730)
        self.warn_near = QSpinBox(self)
        self.warn_near.setRange(0, 365)
        self.save_settings = QPushButton(_("Save settings"), self)
        self._build_layout()
        self._fill_settings()
        self._connect_signals()

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Department:"), self))
        top.addWidget(self.department)
        top.addWidget(QLabel(_("Show:"), self))
        top.addWidget(self.state)
        top.addWidget(QLabel(_("As of:"), self))
        top.addWidget(self.as_of)
        top.addStretch(1)
        top.addWidget(self.export_button)
        settings = QGroupBox(_("Statutory cycles"), self)
        form = QFormLayout(settings)
        form.addRow(_("Nurse registration valid (years)"), self.nurse_years)
        form.addRow(_("Apply for renewal (days before expiry)"), self.nurse_renew)
        form.addRow(_("Physician periodic assessment (years)"), self.physician_years)
        form.addRow(_("Early warning (days)"), self.warn_far)
        form.addRow(_("Urgent warning (days)"), self.warn_near)
        form.addRow(self.save_settings)
        gaps = QGroupBox(_("Post warnings: people without a valid required licence"), self)
        gl = QVBoxLayout(gaps)
        gl.addWidget(self.gaps_view)
        side = QSplitter(Qt.Orientation.Vertical, self)
        side.addWidget(gaps)
        side.addWidget(settings)
        side.setStretchFactor(0, 2)
        main = QWidget(self)
        mv = QVBoxLayout(main)
        mv.setContentsMargins(0, 0, 0, 0)
        mv.addLayout(top)
        mv.addWidget(self.table, 1)
        split = QSplitter(self)
        split.addWidget(main)
        split.addWidget(side)
        split.setSizes([1000, 420])
        layout = QHBoxLayout(self)
        layout.addWidget(split)

    def title(self) -> str:
        return _("Licence management")

    def _fill_settings(self) -> None:
        p = _licence_policy(self)
        self.nurse_years.setValue(p.nurse_registration_years)
        self.nurse_renew.setValue(p.nurse_renewal_days_before)
        self.physician_years.setValue(p.physician_assessment_years)
        self.warn_far.setValue(p.warn_days[0])
        self.warn_near.setValue(p.warn_days[1])

    def _connect_signals(self) -> None:
        self.department.currentIndexChanged.connect(self._on_filter_changed)
        self.state.currentIndexChanged.connect(self._on_filter_changed)
        self.as_of.dateChanged.connect(self._on_filter_changed)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.save_settings.clicked.connect(self._on_save_settings_clicked)

    def today(self) -> dt.date:
        return self.as_of.date().toPython()  # type: ignore[no-any-return]

    def reload(self) -> None:
        self.load(self.services.org.department_tree, self._on_departments_loaded)

    def _on_departments_loaded(self, nodes: list[DepartmentNode]) -> None:
        self._nodes = nodes
        current = self.department.currentData()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem(_("whole hospital"), None)
        depth: dict[int, int] = {}
        for n in nodes:
            depth[n.id] = depth.get(n.parent_id, -1) + 1 if n.parent_id else 0
            self.department.addItem("　" * depth[n.id] + n.name, n.id)
        self.department.setCurrentIndex(max(self.department.findData(current), 0))
        self.department.blockSignals(False)
        self.refresh()

    def department_ids(self) -> set[int] | None:
        dept = self.department.currentData()
        if dept is None:
            return None
        ids = {dept}
        for n in self._nodes:
            if n.parent_id in ids:
                ids.add(n.id)
        return ids

    def refresh(self) -> None:
        svc, today, policy = self.services.positions, self.today(), _licence_policy(self)
        depts, days = self.department_ids(), self.state.currentData()

        def fetch() -> tuple[list[LicenceRow], list[LicenceGap]]:
            within = 0 if days == -1 else days
            rows = svc.licence_register(today, policy, department_ids=depts, within_days=within)
            if days == -1:
                rows = [r for r in rows if r.state == LicenceState.EXPIRED]
            position_ids = None
            if depts is not None:
                position_ids = {p.id for p in self.services.org.positions(depts)}
            return rows, svc.licence_gaps(today, policy, position_ids)

        self.load(fetch, self._on_refreshed)

    def _on_refreshed(self, result: tuple[list[LicenceRow], list[LicenceGap]]) -> None:
        rows, gaps = result
        self.table.set_rows(rows)
        self.gaps_model.set_rows(gaps)
        self.gaps_view.resizeColumnsToContents()

    def _on_filter_changed(self, *_args: Any) -> None:
        if self._nodes:
            self.refresh()

    def _on_export_button_clicked(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, _("Export licences"),
                                               _("licence_expiry_{date}.xlsx").format(date=self.today().isoformat()), "Excel (*.xlsx)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        rows, today, svc = self.table.model.rows(), self.today(), self.services.positions
        run_with_progress(self, self.pool, _("Writing the licence list…"),
                          lambda progress, cancel: svc.export_licences(Path(path), rows, today),
                          lambda p: None, lane="io")

    def _on_save_settings_clicked(self) -> None:
        self.apply_settings()

    def apply_settings(self) -> None:
        """Store the cycles in the settings file and recompute the view."""
        if self.warn_near.value() >= self.warn_far.value():
            QMessageBox.warning(self, _("HR Desk"), _("The urgent warning must come later than the early warning "
                                                      "(fewer days)."))
            return
        settings = _settings_of(self)
        settings.nurse_registration_years = self.nurse_years.value()
        settings.nurse_renewal_days_before = self.nurse_renew.value()
        settings.physician_assessment_years = self.physician_years.value()
        settings.licence_warn_days = [self.warn_far.value(), self.warn_near.value()]
        from app import config

        self.pool.submit(lambda: config.save(settings), lane="io", on_done=lambda _r: self.refresh(),
                         on_error=self.show_error)


# ================================================================================ the tab
PAGE_CLASSES: tuple[type[Tab], ...] = (OrgPage, RulesPage, BankPage, LicencesPage)


class PositionsTab(PagedTab):
    KEY = "positions"
    PAGE_CLASSES = PAGE_CLASSES

    def title(self) -> str:
        return _("Positions")

    # the department/position page's widgets, as before the tab had pages
    @property
    def org(self) -> OrgPage:
        return self.page("org")  # type: ignore[return-value]

    @property
    def tree(self) -> QTreeView:
        return self.org.tree

    @property
    def tree_model(self) -> QStandardItemModel:
        return self.org.tree_model

    @property
    def table(self) -> FilterTable:
        return self.org.table

    @property
    def detail(self) -> QTextBrowser:
        return self.org.detail

    def reload(self) -> None:
        """Every page loads in the background, the visible one first."""
        self.current_page().ensure_loaded()
        for page in self.pages:
            page.ensure_loaded()
