"""The main window: six tabs, menus, status bar, and the data_changed broadcast."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget

from app import __version__, config, models_registry
from app.context import AppContext
from app.i18n import _
from app.tasks import ChangeSet
from ui.tabs.base import Tab
from ui.tabs.interview_tab import InterviewTab
from ui.tabs.payroll_tab import PayrollTab
from ui.tabs.positions_tab import PositionsTab
from ui.tabs.screening_tab import ScreeningTab
from ui.tabs.talent_tab import TalentTab
from ui.tabs.training_tab import TrainingTab
from ui.workers import WorkerPool

TAB_CLASSES: tuple[type[Tab], ...] = (PositionsTab, ScreeningTab, InterviewTab, TalentTab, TrainingTab, PayrollTab)


class MainWindow(QMainWindow):
    data_changed = Signal(object)  # ChangeSet
    switch_data_dir_requested = Signal(str)

    def __init__(self, ctx: AppContext, pool: WorkerPool, qsettings: QSettings) -> None:
        super().__init__()
        self.ctx = ctx
        self.pool = pool
        self.qsettings = qsettings
        self.setWindowTitle(_("HR Desk (医院人事工作台) — {path}").format(path=ctx.data.root))
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tab_pages: list[Tab] = [cls(ctx.services, pool, self.tabs) for cls in TAB_CLASSES]
        for page in self.tab_pages:
            self.tabs.addTab(page, page.title().replace("&", "&&"))
        self.setCentralWidget(self.tabs)
        self.db_label = QLabel(self)
        self.models_label = QLabel(self)
        self.statusBar().addWidget(self.db_label, 1)
        self.statusBar().addPermanentWidget(self.models_label)
        self._build_menus()
        self._connect_signals()
        self._restore_state()
        self._update_status()
        TrainingTab.install_reminder(self)  # start-up reminder: overdue training in the status bar

    # ---------------------------------------------------------------- set-up
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        open_action = QAction(_("Open data folder…"), self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._on_open_action_triggered)
        file_menu.addAction(open_action)
        self.recent_menu = file_menu.addMenu(_("Recent data folders"))
        self._fill_recent_menu()
        file_menu.addSeparator()
        quit_action = QAction(_("Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(_("&Help"))
        about = QAction(_("About HR Desk"), self)
        about.triggered.connect(self._on_about_action_triggered)
        help_menu.addAction(about)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.ctx.settings.recent_data_dirs:
            action = QAction(path, self)
            action.triggered.connect(lambda _checked=False, p=path: self.switch_data_dir_requested.emit(p))
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(self.ctx.settings.recent_data_dirs))

    def _connect_signals(self) -> None:
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        for page in self.tab_pages:
            self.data_changed.connect(page.on_data_changed)

    def _restore_state(self) -> None:
        geometry = self.qsettings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        last = self.qsettings.value("main/last_tab", TAB_CLASSES[0].KEY)
        keys = [p.KEY for p in self.tab_pages]
        self.tabs.setCurrentIndex(keys.index(last) if last in keys else 0)
        self.tab_pages[self.tabs.currentIndex()].ensure_loaded()

    def _update_status(self) -> None:
        self.db_label.setText(_("Database: {path}").format(path=self.ctx.db_path))
        statuses = models_registry.status()
        self.models_label.setText(models_registry.summary_text(statuses))
        self.models_label.setToolTip(
            "\n".join(f"{'✔' if s.found else '✘'} {s.label}: {s.path or _('missing')}" for s in statuses)
        )

    # ---------------------------------------------------------------- slots
    def _on_tabs_current_changed(self, index: int) -> None:
        if 0 <= index < len(self.tab_pages):
            self.tab_pages[index].ensure_loaded()
            self.qsettings.setValue("main/last_tab", self.tab_pages[index].KEY)

    def _on_open_action_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Choose a data folder"), str(self.ctx.data.root.parent))
        if folder:
            self.switch_data_dir_requested.emit(folder)

    def _on_about_action_triggered(self) -> None:
        QMessageBox.about(self, _("About HR Desk"), about_html(self.ctx))

    def publish_changes(self, changes: ChangeSet) -> None:
        self.data_changed.emit(changes)

    def offer_recovery(self) -> None:
        """Interrupted recordings found at start-up are offered for recovery."""
        for page in self.tab_pages:
            if hasattr(page, "offer_recovery"):
                page.offer_recovery()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for page in self.tab_pages:
            if hasattr(page, "shutdown"):
                page.shutdown()  # live capture streams stop; files stay valid
        self.qsettings.setValue("main/geometry", self.saveGeometry())
        self.qsettings.sync()
        self.pool.shutdown()
        super().closeEvent(event)


def about_html(ctx: AppContext | None) -> str:
    import platform
    from importlib.metadata import version

    import PySide6

    rows = [
        ("HR Desk", __version__),
        ("Python", platform.python_version()),
        ("PySide6 / Qt", PySide6.__version__),
        ("SQLAlchemy", version("SQLAlchemy")),
    ]
    models = "".join(
        f"<li>{'✔' if s.found else '✘'} {escape(s.label)} — {escape(str(s.path)) if s.found else escape(_('missing'))}</li>"
        for s in models_registry.status()
    )
    versions = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    where = escape(str(ctx.db_path)) if ctx else ""
    from app.logging_setup import log_file

    return (
        f"<h3>{escape(_('HR Desk (医院人事工作台)'))}</h3>"
        f"<p>{escape(_('Offline HR workstation for hospitals.'))}</p>"
        f"<table>{versions}</table>"
        f"<p><b>{escape(_('Database'))}:</b> {where}<br><b>{escape(_('Log file'))}:</b> {escape(log_file())}</p>"
        f"<p><b>{escape(_('Models'))}</b></p><ul>{models}</ul>"
    )


def remember_data_dir(settings: config.Settings, path: Path) -> None:
    settings.remember_data_dir(str(path))
    try:
        config.save(settings)
    except OSError:
        pass


