"""A tab made of pages (a ``QTabWidget`` of ``Tab`` objects): 岗位, 面试, 工资考勤.

Each page is a ``Tab`` of its own (loads through the worker pool, reacts to change sets); the container
builds them from ``PAGE_CLASSES``, forwards change sets to every page and loads a page when it is shown.
Subclasses choose what ``reload`` loads up front (default: the visible page only).
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtWidgets import QTabWidget, QVBoxLayout

from app.tasks import ChangeSet
from ui.tabs.base import Tab


class PagedTab(Tab):
    PAGE_CLASSES: ClassVar[tuple[type[Tab], ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_widget = QTabWidget(self)
        self.pages: list[Tab] = [cls(self.services, self.pool, self.pages_widget) for cls in self.PAGE_CLASSES]
        for page in self.pages:
            self.pages_widget.addTab(page, page.title())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages_widget)
        self.pages_widget.currentChanged.connect(self._on_pages_current_changed)

    def page(self, key: str) -> Tab:
        return next(p for p in self.pages if p.KEY == key)

    def current_page(self) -> Tab:
        return self.pages[self.pages_widget.currentIndex()]

    def reload(self) -> None:
        self.current_page().ensure_loaded()

    def on_data_changed(self, changes: ChangeSet) -> None:
        for page in self.pages:
            page.on_data_changed(changes)

    def _on_pages_current_changed(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.pages[index].ensure_loaded()
