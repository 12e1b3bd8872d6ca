"""排班: the staff × day roster of a ward and month — edit, check, solve, copy a week, cycles, export."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.attendance.roster import STANDARD_CYCLE, Roster
from app.attendance.rules import Violation
from app.domain.org import Month
from app.i18n import _
from app.services.attendance import GenerateResult, RosterView, WardInfo
from app.tasks import ChangeSet
from ui.dialogs.shift_types import ShiftTypesDialog
from ui.dialogs.ward_rules import WardRulesDialog
from ui.tablemodels.base import Column
from ui.tablemodels.labels import weekday_short
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

FIXED_COLUMNS = 2
VIOLATION_COLOUR = "#f4b4b4"


class EditableRosterModel(QAbstractTableModel):
    """The grid of a ``RosterView``; cells are edited with a code picker, violations coloured."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.view: RosterView | None = None
        self.roster: Roster | None = None
        self.bad_cells: set[tuple[int, int]] = set()
        self.dirty = False

    def set_view(self, view: RosterView | None, roster: Roster | None = None, violations: tuple[Violation, ...] | None = None) -> None:
        self.beginResetModel()
        self.view = view
        self.roster = roster if roster is not None else (view.roster if view else None)
        self.dirty = roster is not None and view is not None and roster != view.roster
        self._mark(violations if violations is not None else (view.violations if view else ()))
        self.endResetModel()

    def _mark(self, violations: tuple[Violation, ...]) -> None:
        self.bad_cells = set()
        if self.roster is None:
            return
        rows = {sn: i for i, sn in enumerate(self.roster.staff)}
        for v in violations:
            if v.staff_no in rows:
                self.bad_cells.add((rows[v.staff_no], v.day.day - 1))

    def set_violations(self, violations: tuple[Violation, ...]) -> None:
        self.beginResetModel()
        self._mark(violations)
        self.endResetModel()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.roster is None else len(self.roster.staff)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.roster is None else FIXED_COLUMNS + len(self.roster.days)

    def flags(self, index: Any) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.view is None or self.roster is None or index.column() < FIXED_COLUMNS:
            return base
        day = self.roster.days[index.column() - FIXED_COLUMNS]
        if (self.roster.staff[index.row()], day) in self.view.leave_cells:
            return base  # leave comes from approved leave records
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.roster is None or self.view is None or not index.isValid():
            return None
        r, c = index.row(), index.column()
        if c < FIXED_COLUMNS:
            if role == Qt.ItemDataRole.DisplayRole:
                st = self.view.staff[r] if r < len(self.view.staff) else None
                return (st.name if c == 0 else st.title) if st else ""
            return None
        code = self.roster.cells[r][c - FIXED_COLUMNS]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return code
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter.value)
        if role == Qt.ItemDataRole.BackgroundRole:
            if (r, c - FIXED_COLUMNS) in self.bad_cells:
                return QBrush(QColor(VIOLATION_COLOUR))
            if code in self.view.duty_codes:  # 值班 first: a 24 h duty is also flagged as a night
                return QBrush(QColor("#f5e1c9"))
            if code in self.view.night_codes:
                return QBrush(QColor("#c9d8f5"))
            if code in self.view.rest_codes:
                return QBrush(QColor("#eeeeee"))
            if (self.roster.staff[r], self.roster.days[c - FIXED_COLUMNS]) in self.view.leave_cells:
                return QBrush(QColor("#d9efd9"))
            if self.roster.days[c - FIXED_COLUMNS].weekday() >= 5:
                return QBrush(QColor("#f7f7ee"))
        return None

    def setData(self, index: Any, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if self.roster is None or role != Qt.ItemDataRole.EditRole or index.column() < FIXED_COLUMNS:
            return False
        sn = self.roster.staff[index.row()]
        day = self.roster.days[index.column() - FIXED_COLUMNS]
        self.roster = self.roster.with_cell(sn, day, str(value or ""))
        self.dirty = True
        self.dataChanged.emit(index, index)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if self.roster is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return self.roster.staff[section]
        if section == 0:
            return _("Name")
        if section == 1:
            return _("Title")
        day = self.roster.days[section - FIXED_COLUMNS]
        return f"{day.day}\n{weekday_short(day)}"


class CodeDelegate(QStyledItemDelegate):
    """A combo box with the ward's shift codes ("" clears the cell)."""

    def __init__(self, model: EditableRosterModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.grid = model

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget:  # noqa: N802
        box = QComboBox(parent)
        box.addItem("")
        if self.grid.view is not None:
            codes = list(self.grid.view.offered_codes)
            current = str(index.data(Qt.ItemDataRole.EditRole) or "")
            if current in self.grid.view.retired_codes:  # a retired code stays on the cell that has it
                codes.append(current)
            box.addItems(codes)
        return box

    def setEditorData(self, editor: QWidget, index: Any) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


def _months_around(today: date) -> list[str]:
    m = Month(today.year, today.month)
    back = []
    cur = m
    for _i in range(12):
        back.append(str(cur))
        cur = Month(cur.year - 1, 12) if cur.month == 1 else Month(cur.year, cur.month - 1)
    return [str(m.next().next()), str(m.next()), *back]


class RosterPage(Tab):
    KEY = "roster"
    TABLES = frozenset({"roster_entries", "shift_types", "employees", "leave_records", "departments"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wards: list[WardInfo] = []
        self.ward = QComboBox(self)
        self.ward.setMinimumWidth(200)
        self.month = QComboBox(self)
        self.month.setEditable(False)
        self.summary = QLabel(self)
        self.grid_model = EditableRosterModel(self)
        self.grid = QTableView(self)
        self.grid.setModel(self.grid_model)
        self.grid.setItemDelegate(CodeDelegate(self.grid_model, self.grid))
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.horizontalHeader().setDefaultSectionSize(38)
        self.grid.verticalHeader().setDefaultSectionSize(24)
        self.violations = FilterTable(
            [
                Column[Violation]("day", _("Day")),
                Column[Violation]("staff_no", _("Staff no."), fmt=lambda v: v or _("(ward)")),
                Column[Violation]("shift", _("Shift")),
                Column[Violation]("message", _("Rule violation")),
            ],
            title=_("Rule violations"),
            parent=self,
        )
        self.solve_btn = QPushButton(_("Smart roster"), self)
        self.check_btn = QPushButton(_("Check"), self)
        self.copy_btn = QPushButton(_("Copy last week"), self)
        self.cycle_btn = QPushButton(_("Apply cycle template"), self)
        self.save_btn = QPushButton(_("Save"), self)
        self.export_btn = QPushButton(_("Export Excel"), self)
        self.print_btn = QPushButton(_("Print…"), self)
        self.shifts_btn = QPushButton(_("Shift types…"), self)
        self.rules_btn = QPushButton(_("Roster rules…"), self)
        self.legend = QLabel(
            _("Colours: red = rule violation, blue = night shift, amber = 24 h on-call duty (值班), grey = rest, "
              "green = approved leave, pale = weekend"), self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Ward:"), self))
        top.addWidget(self.ward)
        top.addWidget(QLabel(_("Month:"), self))
        top.addWidget(self.month)
        for b in (self.solve_btn, self.check_btn, self.copy_btn, self.cycle_btn, self.save_btn, self.export_btn,
                  self.print_btn):
            top.addWidget(b)
        top.addStretch(1)
        top.addWidget(self.shifts_btn)
        top.addWidget(self.rules_btn)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.grid)
        split.addWidget(self.violations)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(self.legend)
        self._connect_signals()

    def title(self) -> str:
        return _("Rosters")

    def _connect_signals(self) -> None:
        self.ward.currentIndexChanged.connect(self._on_selection_changed)
        self.month.currentIndexChanged.connect(self._on_selection_changed)
        self.violations.row_selected.connect(self._on_violation_selected)
        self.solve_btn.clicked.connect(self._on_solve_clicked)
        self.check_btn.clicked.connect(self._on_check_clicked)
        self.copy_btn.clicked.connect(self._on_copy_clicked)
        self.cycle_btn.clicked.connect(self._on_cycle_clicked)
        self.save_btn.clicked.connect(self._on_save_clicked)
        self.export_btn.clicked.connect(self._on_export_clicked)
        self.print_btn.clicked.connect(self._on_print_clicked)
        self.shifts_btn.clicked.connect(self._on_shifts_clicked)
        self.rules_btn.clicked.connect(self._on_rules_clicked)
        self.grid_model.dataChanged.connect(lambda *_a: self._update_summary())

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        att, wf = self.services.attendance, self.services.workforce
        self.load(lambda: (att.wards(), wf.rostered_wards()), self._on_wards_loaded)

    def _on_wards_loaded(self, result: tuple[list[WardInfo], list[Any]]) -> None:
        wards, rostered = result
        current = self.current_ward()
        self._wards = wards
        latest = max((w.month for w in rostered), default=str(Month(date.today().year, date.today().month)))
        months = _months_around(date.today())
        if latest not in months:
            months.append(latest)
        for box, items, keep in ((self.ward, [_("{name} ({n} staff)").format(name=w.name, n=w.staff) for w in wards], None),
                                 (self.month, sorted(months, reverse=True), self.month.currentText() or latest)):
            box.blockSignals(True)
            box.clear()
            box.addItems(items)
            if keep:
                box.setCurrentIndex(max(0, box.findText(keep)))
            box.blockSignals(False)
        if current is not None:
            idx = next((i for i, w in enumerate(wards) if w.department_id == current.department_id), 0)
            self.ward.setCurrentIndex(idx)
        self._on_selection_changed()

    def current_ward(self) -> WardInfo | None:
        i = self.ward.currentIndex()
        return self._wards[i] if 0 <= i < len(self._wards) else None

    def _on_selection_changed(self, *_args: Any) -> None:
        ward = self.current_ward()
        month = self.month.currentText()
        if ward is None or not month:
            self.grid_model.set_view(None)
            self.summary.setText(_("No ward has a shift set yet."))
            return
        att = self.services.attendance
        self.load(lambda: att.roster(ward.department_id, month), self._show_view)

    def _show_view(self, view: RosterView, roster: Roster | None = None, violations: tuple[Violation, ...] | None = None) -> None:
        self.grid_model.set_view(view, roster, violations)
        self.violations.set_rows(list(violations if violations is not None else view.violations))
        self.grid.resizeColumnToContents(0)
        self.grid.resizeColumnToContents(1)
        self._update_summary()

    def _update_summary(self) -> None:
        view, roster = self.grid_model.view, self.grid_model.roster
        if view is None or roster is None:
            return
        nights = sum(1 for row in roster.cells for c in row if c in view.night_codes and c not in view.duty_codes)
        duties = sum(1 for row in roster.cells for c in row if c in view.duty_codes)
        state = _("unsaved changes") if self.grid_model.dirty else _("saved")
        self.summary.setText(
            _("{ward} {month}: {n} staff, {nights} night shifts, {duties} on-call duties, {v} rule violations ({state})").format(
                ward=view.department, month=view.month, n=len(roster.staff), nights=nights, duties=duties,
                v=self.violations.model.rowCount(), state=state)
        )

    # ---------------------------------------------------------------- actions
    def _on_violation_selected(self, v: Violation | None) -> None:
        roster = self.grid_model.roster
        if v is None or roster is None:
            return
        col = FIXED_COLUMNS + v.day.day - 1
        row = roster.staff.index(v.staff_no) if v.staff_no in roster.staff else 0
        index = self.grid_model.index(row, col)
        self.grid.setCurrentIndex(index)
        self.grid.scrollTo(index)

    def _after_check(self, violations: list[Violation]) -> None:
        vs = tuple(violations)
        self.grid_model.set_violations(vs)
        self.violations.set_rows(list(vs))
        self._update_summary()

    def _on_check_clicked(self) -> None:
        ward, roster = self.current_ward(), self.grid_model.roster
        if ward is None or roster is None:
            return
        att = self.services.attendance
        self.pool.submit(lambda: att.check(ward.department_id, roster), on_done=self._after_check, on_error=self.show_error)

    def _on_save_clicked(self) -> None:
        ward, roster = self.current_ward(), self.grid_model.roster
        if ward is None or roster is None:
            return
        att = self.services.attendance

        def done(violations: list[Violation]) -> None:
            self.grid_model.dirty = False
            self._after_check(violations)
            window = self.window()
            if hasattr(window, "publish_changes"):
                window.publish_changes(ChangeSet.of("roster_entries"))
            if violations:
                QMessageBox.information(self, _("HR Desk"), _("Roster saved with {n} rule violations; they are listed "
                                                               "below the grid.").format(n=len(violations)))

        self.pool.submit(lambda: att.save_roster(ward.department_id, roster), on_done=done, on_error=self.show_error)

    def _on_solve_clicked(self) -> None:
        ward, roster = self.current_ward(), self.grid_model.roster
        view = self.grid_model.view
        if ward is None or roster is None or view is None:
            return
        att = self.services.attendance
        month = view.month

        def done(res: GenerateResult) -> None:
            if res.roster is None:
                QMessageBox.warning(self, _("Smart roster"), res.message)
                return
            self._show_view(view, res.roster, res.violations)
            self.grid_model.dirty = True
            self._update_summary()
            QMessageBox.information(self, _("Smart roster"),
                                    _("{message} Check the grid and click Save to keep it.").format(message=res.message))

        run_with_progress(
            self, self.pool, _("Generating the roster for {ward}…").format(ward=ward.name),
            lambda progress, cancel: att.generate(ward.department_id, month, roster=roster, progress=progress, cancel=cancel),
            done,
        )

    def _selected_day(self) -> date | None:
        roster = self.grid_model.roster
        idx = self.grid.currentIndex()
        if roster is None or not idx.isValid() or idx.column() < FIXED_COLUMNS:
            return None
        return roster.days[idx.column() - FIXED_COLUMNS]

    def copy_week(self, target: date) -> None:
        """Copy the 7 days before ``target`` onto ``target``… (fixed cells and leave stay)."""
        roster = self.grid_model.roster
        view = self.grid_model.view
        if roster is None or view is None:
            return
        source = target - timedelta(days=7)
        if (source.year, source.month) != (roster.month.year, roster.month.month):
            QMessageBox.information(self, _("Copy last week"), _("Choose a day in the second week or later: the week "
                                                                 "before it must be in the same month."))
            return
        self._show_view(view, roster.copy_week(source, target), ())
        self._on_check_clicked()

    def _on_copy_clicked(self) -> None:
        day = self._selected_day()
        if day is None:
            QMessageBox.information(self, _("Copy last week"), _("Click the first day of the week to fill, then copy."))
            return
        self.copy_week(day)

    def apply_cycle(self, cycle: tuple[str, ...], staff: list[str] | None = None) -> None:
        roster, view = self.grid_model.roster, self.grid_model.view
        if roster is None or view is None:
            return
        who = staff or [st.staff_no for st in view.staff if st.nurse]
        cleared = roster
        for sn in who:  # the template replaces everything but leave and fixed cells
            for d in roster.days:
                if (sn, d) not in roster.fixed:
                    cleared = cleared.with_cell(sn, d, "")
        self._show_view(view, cleared.with_cycles({sn: k for k, sn in enumerate(who)}, cycle), ())
        self._on_check_clicked()

    def _on_cycle_clicked(self) -> None:
        view = self.grid_model.view
        if view is None:
            return
        offered = view.offered_codes
        default = " ".join(c for c in STANDARD_CYCLE if c in offered) or " ".join(offered)
        text, ok = QInputDialog.getText(self, _("Apply cycle template"),
                                        _("Shift codes of the cycle, separated by spaces (each nurse starts one day later):"),
                                        text=default)
        if not ok:
            return
        cycle = tuple(text.split())
        unknown = [c for c in cycle if c not in offered]
        if not cycle or unknown:
            QMessageBox.warning(self, _("Apply cycle template"), _("Unknown shift code {code}. Use the ward's codes: {codes}.").format(
                code=unknown[0] if unknown else "", codes=" ".join(offered)))
            return
        self.apply_cycle(cycle)

    def _on_export_clicked(self) -> None:
        ward, roster = self.current_ward(), self.grid_model.roster
        if ward is None or roster is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export roster"), _("roster_{ward}_{month}.xlsx").format(ward=ward.name, month=roster.month),
                                                    "Excel (*.xlsx)")
        if path:
            att = self.services.attendance
            run_with_progress(self, self.pool, _("Writing the roster…"),
                              lambda progress, cancel: att.export_roster(ward.department_id, roster, Path(path)),
                              lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)),
                              lane="io")


    # ---------------------------------------------------------------- settings dialogs
    def shift_types_dialog(self) -> ShiftTypesDialog | None:
        ward = self.current_ward()
        if ward is None:
            return None
        return ShiftTypesDialog(self.services.attendance, self.pool, ward.department_id, ward.name, self)

    def ward_rules_dialog(self) -> WardRulesDialog | None:
        ward = self.current_ward()
        if ward is None:
            return None
        return WardRulesDialog(self.services.attendance, self.pool, ward.department_id, ward.name, self, user="人事")

    def _on_shifts_clicked(self) -> None:
        dialog = self.shift_types_dialog()
        if dialog is not None:
            dialog.finished.connect(lambda *_a: self._on_selection_changed() if dialog.changed else None)
            dialog.open()

    def _on_rules_clicked(self) -> None:
        dialog = self.ward_rules_dialog()
        if dialog is not None:
            dialog.accepted.connect(self._on_selection_changed)
            dialog.open()

    # ---------------------------------------------------------------- print
    def roster_html(self) -> str:
        """The grid as it is on screen (unsaved edits included) for printing, one page landscape."""
        from html import escape

        view, roster = self.grid_model.view, self.grid_model.roster
        if view is None or roster is None:
            return ""
        names = {st.staff_no: st for st in view.staff}
        head = "".join(f"<th>{d.day}<br>{weekday_short(d)}</th>" for d in roster.days)
        rows = []
        for r, sn in enumerate(roster.staff):
            cells = []
            for c, code in enumerate(roster.cells[r]):
                index = self.grid_model.index(r, FIXED_COLUMNS + c)
                brush = self.grid_model.data(index, Qt.ItemDataRole.BackgroundRole)
                bg = f' bgcolor="{brush.color().name()}"' if brush is not None else ""
                cells.append(f"<td align=center{bg}>{escape(code)}</td>")
            st = names.get(sn)
            rows.append(f"<tr><td>{escape(st.name if st else sn)}</td><td>{escape(st.title if st else '')}</td>"
                        + "".join(cells) + "</tr>")
        title = escape(_("Roster {ward} {month}").format(ward=view.department, month=view.month))
        return (f"<h3>{title}</h3><table border=1 cellspacing=0 cellpadding=2 style='font-size:7pt'>"
                f"<tr><th>{escape(_('Name'))}</th><th>{escape(_('Title'))}</th>{head}</tr>{''.join(rows)}</table>"
                f"<p style='font-size:7pt'>{escape(self.legend.text())}</p>")

    def print_roster(self, printer: Any) -> None:
        from PySide6.QtGui import QPageLayout, QTextDocument

        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        doc = QTextDocument()
        doc.setHtml(self.roster_html())
        doc.print_(printer)

    def print_to_pdf(self, path: Path) -> Path:
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        self.print_roster(printer)
        return path

    def _on_print_clicked(self) -> None:
        if self.grid_model.roster is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_roster(printer)
