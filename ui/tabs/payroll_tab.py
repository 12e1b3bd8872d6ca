"""工资考勤: rosters, attendance and payroll, each a page of its own."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout

from app.i18n import _
from app.tasks import ChangeSet
from ui.tabs.attendance_page import AttendancePage
from ui.tabs.base import Tab
from ui.tabs.pay_settings_page import PaySettingsPage
from ui.tabs.pay_simulation_page import PaySimulationPage
from ui.tabs.payroll_page import PayrollPage
from ui.tabs.roster_page import RosterPage

PAGE_CLASSES: tuple[type[Tab], ...] = (RosterPage, AttendancePage, PayrollPage, PaySettingsPage, PaySimulationPage)


class PayrollTab(Tab):
    KEY = "payroll"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_widget = QTabWidget(self)
        self.pages: list[Tab] = [cls(self.services, self.pool, self.pages_widget) for cls in PAGE_CLASSES]
        for page in self.pages:
            self.pages_widget.addTab(page, page.title())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages_widget)
        self.pages_widget.currentChanged.connect(self._on_pages_current_changed)

    def title(self) -> str:
        return _("Payroll & attendance")

    def page(self, key: str) -> Tab:
        return next(p for p in self.pages if p.KEY == key)

    def reload(self) -> None:
        self.pages[self.pages_widget.currentIndex()].ensure_loaded()

    def on_data_changed(self, changes: ChangeSet) -> None:
        for page in self.pages:
            page.on_data_changed(changes)

    def _on_pages_current_changed(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.pages[index].ensure_loaded()
