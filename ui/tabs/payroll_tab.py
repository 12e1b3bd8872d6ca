"""工资考勤: rosters, attendance and payroll, each a page of its own."""

from __future__ import annotations

from app.i18n import _
from ui.tabs.attendance_page import AttendancePage
from ui.tabs.base import Tab
from ui.tabs.paged import PagedTab
from ui.tabs.pay_settings_page import PaySettingsPage
from ui.tabs.pay_simulation_page import PaySimulationPage
from ui.tabs.payroll_page import PayrollPage
from ui.tabs.roster_page import RosterPage

PAGE_CLASSES: tuple[type[Tab], ...] = (RosterPage, AttendancePage, PayrollPage, PaySettingsPage, PaySimulationPage)


class PayrollTab(PagedTab):
    KEY = "payroll"
    PAGE_CLASSES = PAGE_CLASSES

    def title(self) -> str:
        return _("Payroll & attendance")
