"""人才画像: every employee, and the licence register with expiry warnings."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout

from app.domain.org import LICENCE_STATE_LABELS
from app.i18n import N_, _
from app.services.people import EmployeeRow, LicenceRow
from ui.tablemodels.base import RIGHT, Column
from ui.tabs.base import Tab
from ui.widgets.table import FilterTable

STATE_COLOURS = {"expired": "#f8c9c5", "expiring_30": "#fde0b8", "expiring_90": "#fff3c4"}
EMPLOYEE_STATUS = {"probation": N_("probation"), "active": N_("active"), "left": N_("left")}


def licence_label(state: str) -> str:
    return _(LICENCE_STATE_LABELS[state]) if state in LICENCE_STATE_LABELS else ""


class TalentTab(Tab):
    KEY = "talent"
    TABLES = frozenset({"people", "employees", "licences"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = FilterTable(
            [
                Column[EmployeeRow]("staff_no", _("Staff no.")),
                Column[EmployeeRow]("name", _("Name")),
                Column[EmployeeRow]("gender", _("Gender")),
                Column[EmployeeRow]("age", _("Age"), align=RIGHT),
                Column[EmployeeRow]("department", _("Department")),
                Column[EmployeeRow]("position", _("Position")),
                Column[EmployeeRow]("professional_title", _("Title")),
                Column[EmployeeRow]("highest_degree", _("Degree")),
                Column[EmployeeRow]("hire_date", _("Hired")),
                Column[EmployeeRow]("status", _("Status"), fmt=lambda v: _(EMPLOYEE_STATUS.get(v, v))),
                Column[EmployeeRow]("licence_state", _("Licences"), fmt=licence_label,
                                    color=lambda r: STATE_COLOURS.get(r.licence_state)),
            ],
            title=_("Employees"),
            parent=self,
        )
        self.licences = FilterTable(
            [
                Column[LicenceRow]("staff_no", _("Staff no.")),
                Column[LicenceRow]("name", _("Name")),
                Column[LicenceRow]("department", _("Department")),
                Column[LicenceRow]("kind", _("Licence")),
                Column[LicenceRow]("number", _("Number")),
                Column[LicenceRow]("expiry_date", _("Expires")),
                Column[LicenceRow]("days_left", _("Days left"), align=RIGHT),
                Column[LicenceRow]("state", _("State"), fmt=licence_label, color=lambda r: STATE_COLOURS.get(r.state)),
            ],
            title=_("Licences expiring within 90 days or expired"),
            sort=("days_left", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.people)
        split.addWidget(self.licences)
        split.setSizes([520, 280])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def title(self) -> str:
        return _("Talent profiles")

    def reload(self) -> None:
        people = self.services.people
        self.load(lambda: (people.employees(), people.licences(within_days=90)), self._on_loaded)

    def _on_loaded(self, result: tuple[list[EmployeeRow], list[LicenceRow]]) -> None:
        employees, licences = result
        self.people.set_rows(employees)
        self.licences.set_rows(licences)
