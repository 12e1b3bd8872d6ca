"""The main window: six tabs, menus, status bar, and the data_changed broadcast."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import time

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
)

from app import __version__, config, models_registry
from app.context import AppContext
from app.i18n import _
from app.security.permissions import Principal, role_label
from app.tasks import ChangeSet
from ui.tabs.base import Tab
from ui.tabs.interview_tab import InterviewTab
from ui.tabs.payroll_tab import PayrollTab
from ui.tabs.positions_tab import PositionsTab
from ui.tabs.screening_tab import ScreeningTab
from ui.tabs.talent_tab import TalentTab
from ui.tabs.training_tab import TrainingTab
from ui.workers import WorkerPool

IDLE_LOCK_SETTING = "security.idle_lock_minutes"  # hospital-wide (shared settings); 0 switches the lock off
DEFAULT_IDLE_LOCK_MINUTES = 10
_INPUT_EVENTS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.KeyPress,
                           QEvent.Type.Wheel, QEvent.Type.TouchBegin})

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
        self._build_security_menu()
        self._connect_signals()
        self._restore_state()
        self._update_status()
        TrainingTab.install_reminder(self)  # start-up reminder: overdue training in the status bar
        # the idle lock is switched on by ui/bootstrap.py after sign-in (setting security.idle_lock_minutes)
        self._install_idle_lock(int(ctx.extras.get("idle_lock_minutes", 0) or 0))

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
        prefs_action = QAction(_("Preferences…"), self)
        prefs_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        prefs_action.triggered.connect(self._on_preferences_action_triggered)
        file_menu.addAction(prefs_action)
        file_menu.addSeparator()
        quit_action = QAction(_("Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(_("&Help"))
        about = QAction(_("About HR Desk"), self)
        about.triggered.connect(self._on_about_action_triggered)
        help_menu.addAction(about)

    def _build_security_menu(self) -> None:
        menu = QMenu(_("&Security"), self)
        help_action = self.menuBar().actions()[-1]  # 安全 goes before 帮助
        self.menuBar().insertMenu(help_action, menu)
        self.users_action = QAction(_("User management…"), self)
        self.users_action.triggered.connect(self._on_users_action_triggered)
        self.audit_action = QAction(_("Audit log…"), self)
        self.audit_action.triggered.connect(self._on_audit_action_triggered)
        self.backup_action = QAction(_("Backup and restore…"), self)
        self.backup_action.triggered.connect(self._on_backup_action_triggered)
        self.lock_action = QAction(_("Lock screen"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock_screen)
        self.sign_out_action = QAction(_("Sign out"), self)
        self.sign_out_action.triggered.connect(self.sign_out)
        self.database_action = QAction(_("Database and archive folder…"), self)
        self.database_action.triggered.connect(self._on_database_action_triggered)
        self.person_export_action = QAction(_("Personal data access request (PIPL)…"), self)
        self.person_export_action.triggered.connect(self._on_person_export_action_triggered)
        self.anonymised_export_action = QAction(_("Anonymised statistics export…"), self)
        self.anonymised_export_action.triggered.connect(self._on_anonymised_export_action_triggered)
        for a in (self.users_action, self.audit_action, self.backup_action, self.database_action):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.person_export_action)
        menu.addAction(self.anonymised_export_action)
        menu.addSeparator()
        menu.addAction(self.lock_action)
        menu.addAction(self.sign_out_action)
        self.user_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.user_label)
        self._apply_principal()

    def _apply_principal(self) -> None:
        """Menu entries and the status bar follow the signed-in user (the services enforce the rules)."""
        services = self.ctx.services
        p = services.identity.principal
        allowed = (lambda s, m: p is not None and services.guard.allowed(p, s, m))
        self.users_action.setEnabled(allowed("accounts", "users"))
        self.audit_action.setEnabled(allowed("audit", "query"))
        self.backup_action.setEnabled(allowed("backup", "list") and self.ctx.backend == "sqlite")
        self.database_action.setEnabled(p is not None)
        self.person_export_action.setEnabled(allowed("privacy", "person_export"))
        self.anonymised_export_action.setEnabled(allowed("privacy", "anonymised_export"))
        self.user_label.setText(_("Signed in: {user} ({role})").format(user=p.display_name or p.username,
                                                                       role=role_label(p.role)) if p else "")

    # ---------------------------------------------------------------- security actions
    def _on_users_action_triggered(self) -> None:
        from ui.dialogs.users import UsersDialog

        services, p = self.ctx.services, self.ctx.services.identity.principal
        if p is None:
            return

        def show(tree: list[Any]) -> None:
            UsersDialog(services.accounts, p, self.pool, [(d.id, d.name) for d in tree], self).exec()

        self.pool.submit(services.org.department_tree, on_done=show, on_error=self._show_error)

    def _on_audit_action_triggered(self) -> None:
        from ui.dialogs.audit_viewer import AuditViewerDialog

        p = self.ctx.services.identity.principal
        if p is not None:
            AuditViewerDialog(self.ctx.services.audit, p, self.pool, self).exec()

    def _on_person_export_action_triggered(self) -> None:
        from ui.dialogs.privacy_export import PersonExportDialog

        PersonExportDialog(self.ctx.services.privacy, self.pool, self).exec()

    def _on_anonymised_export_action_triggered(self) -> None:
        from ui.dialogs.privacy_export import AnonymisedExportDialog

        AnonymisedExportDialog(self.ctx.services.privacy, self.pool, self).exec()

    def _on_preferences_action_triggered(self) -> None:
        from ui.dialogs.preferences import PreferencesDialog

        PreferencesDialog(self).open()

    def _on_database_action_triggered(self) -> None:
        from ui.dialogs.database_settings import DatabaseSettingsDialog

        p = self.ctx.services.identity.principal
        if p is not None:
            DatabaseSettingsDialog(self.ctx, self.pool, can_edit=p.role == "admin", parent=self).exec()

    def _on_backup_action_triggered(self) -> None:
        from ui.dialogs.backup import BackupDialog

        dialog = BackupDialog(self.ctx.services.backup, self.pool, self)
        dialog.exec()
        if dialog.restored is not None:
            self.publish_changes(self._all_tables())

    def _show_error(self, exc: Any) -> None:
        QMessageBox.warning(self, _("HR Desk"), getattr(exc, "message", str(exc)))

    def _all_tables(self) -> ChangeSet:
        return ChangeSet.of(*(p.TABLES for p in self.tab_pages))

    def _install_idle_lock(self, minutes: int) -> None:
        self.idle_minutes = minutes
        self._last_input = time.monotonic()
        self._locked = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(15_000)
        self.idle_timer.timeout.connect(self._on_idle_timer_timeout)
        if minutes > 0:
            self.idle_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _INPUT_EVENTS:
            self._last_input = time.monotonic()
        return super().eventFilter(watched, event)

    def _on_idle_timer_timeout(self) -> None:
        if self._locked or self.idle_minutes <= 0 or not self.isVisible():
            return
        if time.monotonic() - self._last_input >= self.idle_minutes * 60:
            self.lock_screen()

    def _ask_sign_in(self, title: str, username: str) -> Principal | None:
        from ui.dialogs.login import LoginDialog

        dialog = LoginDialog(self.ctx.services.accounts, self.pool, self, username=username)
        dialog.setWindowTitle(title)
        return dialog.principal if dialog.exec() == QDialog.DialogCode.Accepted else None

    def lock_screen(self) -> None:
        """Hide the data and ask for the password again; another user may sign in instead."""
        if self._locked:
            return
        identity = self.ctx.services.identity
        before = identity.principal
        self._locked = True
        self.tabs.setVisible(False)
        identity.sign_out()
        self._apply_principal()
        try:
            who = self._ask_sign_in(_("Screen locked — sign in again"), before.username if before else "")
        finally:
            self._locked = False
        if who is None:
            self.close()
            return
        self._signed_in(who, reload=before is None or who.username != before.username)

    def sign_out(self) -> None:
        self.ctx.services.identity.sign_out()
        self.tabs.setVisible(False)
        self._apply_principal()
        who = self._ask_sign_in(_("Sign in to HR Desk"), "")
        if who is None:
            self.close()
            return
        self._signed_in(who, reload=True)

    def _signed_in(self, who: Principal, *, reload: bool) -> None:
        self.ctx.services.identity.sign_in(who)
        self._last_input = time.monotonic()
        self._apply_principal()
        self.tabs.setVisible(True)
        if reload:
            self.publish_changes(self._all_tables())

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

    def start_scheduled_backup(self) -> None:
        """The automatic daily backup (SQLite): a copy when the newest one is older than a day, in the
        background; a failure (full disk ...) is shown in the status bar and changes nothing."""
        if self.ctx.backend != "sqlite":
            return

        def done(info: object) -> None:
            if info is not None:
                self.statusBar().showMessage(_("Automatic backup saved: {name}").format(
                    name=getattr(info, "name", "")), 10_000)

        def failed(error: BaseException) -> None:
            self.statusBar().showMessage(_("The automatic backup failed: {error}").format(error=error), 30_000)

        self.pool.submit(self.ctx.services.backup.ensure_recent, lane="io", on_done=done, on_error=failed)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
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


