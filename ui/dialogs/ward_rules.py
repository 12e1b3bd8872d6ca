"""病区排班规则: minimum staff per shift × skill/title (with weekday variants) and the rest/night limits.

The rules are hospital-wide (stored in the database with a version): when another workstation saved
first, saving here is refused with a message and the dialog offers to reload.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QLocale, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.attendance.rules import CoverRule, RuleSettings
from app.errors import AppError, Conflict, InvalidInput
from app.i18n import _
from app.services.attendance import AttendanceService, WardRules
from ui.tablemodels.labels import join_list, weekday_names, weekday_short
from ui.workers import WorkerPool

SEPARATORS = "、,，;； "
RANGE_MARKS = "-–~"
SUNDAY_ALIAS = "天"  # 星期天 / 周天: the everyday Chinese name of Sunday beside CLDR's 星期日 / 周日


def weekdays_text(days: frozenset[int] | None) -> str:
    """How a rule's weekdays are shown and edited: 一日 (Chinese), "Mon, Sun" (English); "" = every day."""
    if days is None:
        return ""
    names = [weekday_short(d) for d in sorted(days)]
    return "".join(names) if i18n.language() == "zh_CN" else ", ".join(names)


def _day_names() -> tuple[dict[str, int], tuple[str, ...], str]:
    """(whole names → weekday, Chinese prefixes 星期/周, Chinese one-character names) from Qt's CLDR data, in
    both languages: a rule typed in Chinese still reads when the program runs in English, and the reverse."""
    zh, en = QLocale("zh_CN"), QLocale("en_US")
    whole: dict[str, int] = {}
    for loc in (en, zh):
        for fmt in (QLocale.FormatType.LongFormat, QLocale.FormatType.ShortFormat):
            for i, name in enumerate(weekday_names(loc, fmt)):
                whole[name.casefold().rstrip(".")] = i
    chars = "".join(weekday_names(zh, QLocale.FormatType.NarrowFormat))
    prefixes = tuple(sorted({n[:-1] for fmt in (QLocale.FormatType.LongFormat, QLocale.FormatType.ShortFormat)
                             for n in weekday_names(zh, fmt)}, key=len, reverse=True))
    return whole, prefixes, chars


def _unreadable(text: str) -> InvalidInput:
    return InvalidInput(_("Cannot read the weekdays {value}. Write e.g. {example}, 1-5, or leave empty for every "
                          "day.").format(value=text, example=weekdays_text(frozenset({5, 6}))))


def _days_of(token: str, text: str) -> list[int]:
    """The weekdays one token names: "Sat", "saturday", "sat.", "六", "周六", "星期六", "3", "135", "六日"."""
    whole, prefixes, chars = _day_names()
    t = token.casefold().rstrip(".")
    if t in whole:
        return [whole[t]]
    if len(t) >= 3 and t.isascii() and t.isalpha():  # "tues", "thurs": an unambiguous start of an English name
        hits = {i for name, i in whole.items() if name.isascii() and name.startswith(t)}
        if len(hits) == 1:
            return [hits.pop()]
    for prefix in prefixes:
        t = t.replace(prefix, "")
    out: list[int] = []
    for ch in t:
        if ch in chars:
            out.append(chars.index(ch))
        elif ch == SUNDAY_ALIAS:
            out.append(6)
        elif ch.isdigit() and 1 <= int(ch) <= 7:
            out.append(int(ch) - 1)
        else:
            raise _unreadable(text)
    if not out:
        raise _unreadable(text)
    return out


def parse_weekdays(text: str) -> frozenset[int] | None:
    """"" → every day; "六日", "周六、周日" or "Sat, Sun" → {5, 6}; "1-5", "Mon-Fri" or "一-五" → Monday to
    Friday. Chinese and English names are read in either language (Monday is 0)."""
    t = text.strip()
    for sep in SEPARATORS:
        t = t.replace(sep, " ")
    if not t:
        return None
    out: set[int] = set()
    for token in t.split():
        for mark in RANGE_MARKS:
            if mark in token.strip(mark):
                a, b = token.split(mark, 1)
                first, last = _days_of(a, text), _days_of(b, text)
                if len(first) != 1 or len(last) != 1 or first[0] > last[0]:
                    raise _unreadable(text)
                out.update(range(first[0], last[0] + 1))
                break
        else:
            out.update(_days_of(token, text))
    return frozenset(out)


def _split(text: str) -> frozenset[str]:
    t = text
    for sep in SEPARATORS:
        t = t.replace(sep, " ")
    return frozenset(x for x in t.split() if x)


class CoverModel(QAbstractTableModel):
    """The cover rules as an editable table: name, shifts, minimum, skills/titles, weekdays."""

    HEADERS = ("name", "shifts", "min", "skills", "weekdays")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rules: list[list[Any]] = []

    def set_rules(self, cover: tuple[CoverRule, ...]) -> None:
        self.beginResetModel()
        self.rules = [[c.name, " ".join(sorted(c.shift_codes)), c.min_staff, join_list(sorted(c.skills_any)),
                       weekdays_text(c.weekdays)] for c in cover]
        self.endResetModel()

    def cover(self) -> tuple[CoverRule, ...]:
        out = []
        for name, shifts, n, skills, days in self.rules:
            out.append(CoverRule(str(name).strip(), _split(str(shifts)), int(n), _split(str(skills)),
                                 parse_weekdays(str(days))))
        return tuple(out)

    def add(self, shift: str) -> None:
        self.beginInsertRows(QModelIndex(), len(self.rules), len(self.rules))
        self.rules.append([_("{shift}: at least {n} nurses").format(shift=shift, n=1), shift, 1, "", ""])
        self.endInsertRows()

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.rules):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rules[row]
            self.endRemoveRows()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rules)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index: Any) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        return self.rules[index.row()][index.column()]

    def setData(self, index: Any, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        if index.column() == 2:
            try:
                value = int(value)
            except (TypeError, ValueError):
                return False
        self.rules[index.row()][index.column()] = value
        self.dataChanged.emit(index, index)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (_("Cover rule"), _("Shifts"), _("Minimum staff"), _("Titles or licences (any)"),
                _("Weekdays (empty: every day)"))[section]


class WardRulesDialog(QDialog):
    def __init__(self, service: AttendanceService, pool: WorkerPool, department_id: int, ward: str,
                 parent: QWidget | None = None, *, user: str = "") -> None:
        super().__init__(parent)
        self.service, self.pool, self.department_id, self.user = service, pool, department_id, user
        self.rules: WardRules | None = None
        self.saved: WardRules | None = None
        self.setWindowTitle(_("Roster rules of {ward}").format(ward=ward))
        self.resize(1120, 600)
        self.model = CoverModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setColumnWidth(0, 230)
        self.view.setColumnWidth(1, 80)
        self.view.setColumnWidth(2, 70)
        self.view.setColumnWidth(3, 170)
        self.state = QLabel(self)
        self.add_btn = QPushButton(_("Add rule"), self)
        self.remove_btn = QPushButton(_("Remove rule"), self)
        self.defaults_btn = QPushButton(_("Restore the defaults"), self)
        self.rest_days = QSpinBox(self)
        self.rest_days.setRange(0, 3)
        self.no_early = QCheckBox(_("No early shift right after a night"), self)
        self.min_rest = QDoubleSpinBox(self)
        self.min_rest.setRange(0, 24)
        self.min_rest.setDecimals(1)
        self.max_cons_nights = QSpinBox(self)
        self.max_cons_nights.setRange(1, 14)
        self.max_nights = QSpinBox(self)
        self.max_nights.setRange(0, 31)
        self.max_cons_days = QSpinBox(self)
        self.max_cons_days.setRange(1, 14)
        self.max_week = QDoubleSpinBox(self)
        self.max_week.setRange(8, 84)
        self.max_week.setDecimals(1)
        self.max_leave = QSpinBox(self)
        self.max_leave.setRange(0, 99)
        self.max_leave.setSpecialValueText(_("no limit"))
        limits = QFormLayout()
        limits.addRow(_("Rest days after a night"), self.rest_days)
        limits.addRow("", self.no_early)
        limits.addRow(_("Minimum rest between shifts (h)"), self.min_rest)
        limits.addRow(_("Maximum consecutive nights"), self.max_cons_nights)
        limits.addRow(_("Maximum nights per month"), self.max_nights)
        limits.addRow(_("Maximum consecutive working days"), self.max_cons_days)
        limits.addRow(_("Maximum weekly hours"), self.max_week)
        limits.addRow(_("Maximum staff on leave per day"), self.max_leave)
        row = QHBoxLayout()
        for b in (self.add_btn, self.remove_btn, self.defaults_btn):
            row.addWidget(b)
        row.addStretch(1)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel(_("<b>Minimum staff per shift</b> (titles such as 主管护师; empty: any nurse)"), self))
        left.addWidget(self.view, 1)
        left.addLayout(row)
        body.addLayout(left, 4)
        right = QVBoxLayout()
        right.addWidget(QLabel(_("<b>Limits</b>"), self))
        right.addLayout(limits)
        right.addStretch(1)
        body.addLayout(right, 2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.state)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.add_btn.clicked.connect(lambda: self.model.add(""))
        self.remove_btn.clicked.connect(lambda: self.model.remove(self.view.currentIndex().row()))
        self.defaults_btn.clicked.connect(self.restore_defaults)
        self.reload()

    # ---------------------------------------------------------------- data
    def reload(self) -> None:
        svc, dept = self.service, self.department_id
        self.pool.submit(lambda: svc.ward_rules(dept), on_done=self.show_rules, on_error=self._error)

    def restore_defaults(self) -> None:
        svc, dept = self.service, self.department_id
        self.pool.submit(lambda: svc.default_rules(dept), on_done=self.show_rules, on_error=self._error)

    def show_rules(self, rules: WardRules) -> None:
        self.rules = rules
        self.model.set_rules(rules.cover)
        st = rules.settings
        self.rest_days.setValue(st.rest_days_after_night)
        self.no_early.setChecked(st.no_early_after_night)
        self.min_rest.setValue(st.min_rest_hours)
        self.max_cons_nights.setValue(st.max_consecutive_nights)
        self.max_nights.setValue(st.max_nights_per_month)
        self.max_cons_days.setValue(st.max_consecutive_work_days)
        self.max_week.setValue(st.max_weekly_hours)
        self.max_leave.setValue(st.max_on_leave_per_day or 0)
        if rules.version:
            self.state.setText(_("Stored rules, version {v}, last saved by {by}. Every workstation uses them.").format(
                v=rules.version, by=rules.updated_by or "—"))
        else:
            self.state.setText(_("Defaults of the ward's shift set; nothing saved yet."))

    def edited(self) -> WardRules:
        assert self.rules is not None
        settings = replace(
            self.rules.settings if self.rules else RuleSettings(),
            rest_days_after_night=self.rest_days.value(), no_early_after_night=self.no_early.isChecked(),
            min_rest_hours=self.min_rest.value(), max_consecutive_nights=self.max_cons_nights.value(),
            max_nights_per_month=self.max_nights.value(), max_consecutive_work_days=self.max_cons_days.value(),
            max_weekly_hours=self.max_week.value(), max_on_leave_per_day=self.max_leave.value() or None,
        )
        return replace(self.rules, cover=self.model.cover(), settings=settings)

    def save(self) -> None:
        if self.rules is None:
            return
        try:
            rules = self.edited()
        except AppError as exc:
            self._error(exc)
            return
        svc, dept, user = self.service, self.department_id, self.user

        def done(saved: WardRules) -> None:
            self.saved = saved
            self.accept()

        self.pool.submit(lambda: svc.save_ward_rules(dept, rules, user=user), on_done=done, on_error=self._error)

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, Conflict):
            answer = QMessageBox.question(
                self, _("Roster rules"),
                _("{message}\n\nReload the rules saved on the other workstation now? Your changes here are "
                  "discarded.").format(message=exc.message))
            if answer == QMessageBox.StandardButton.Yes:
                self.reload()
            return
        if isinstance(exc, AppError):
            QMessageBox.warning(self, _("Roster rules"), exc.message)
        else:
            QMessageBox.critical(self, _("Roster rules"), _("Unexpected error: {error}").format(error=exc))
