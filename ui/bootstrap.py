"""Composition root of the GUI: arguments, QApplication, fonts, translators, error hook,
the database (first-run choice, demo, migration), then the main window.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import TracebackType

from app import APP_NAME, config, paths
from app.i18n import _, set_language

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description=_("HR Desk desktop application"))
    parser.add_argument("--demo", action="store_true", help=_("start on a fresh demo database"))
    parser.add_argument("--data-dir", metavar="DIR", help=_("use this data folder"))
    parser.add_argument("--screenshot", metavar="DIR", help=_("render every tab to DIR/<tab>.png and exit"))
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=_("interface language"))
    parser.add_argument("--exam", metavar="DIR", help=_("with --demo: also load the CMExam sample questions from DIR"))
    parser.add_argument("--media", metavar="DIR", help=_(
        "with --demo: build the demo's recorded interviews from the clips in DIR; with --screenshot: also capture "
        "the recording page during a recording fed from them"))
    parser.add_argument("--today", help=argparse.SUPPRESS)  # fixed date for reproducible demo screenshots
    return parser.parse_args(list(argv) if argv is not None else None)


def run(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    settings = config.load()
    args = parse_args(argv)
    set_language(args.lang or settings.language)
    from app.logging_setup import configure_logging

    configure_logging()
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    font_id = QFontDatabase.addApplicationFont(str(paths.resource("fonts", "wqy-microhei.ttc")))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        app.setFont(QFont(families[0], 10))
    install_qt_language(app)
    install_excepthook()

    from app.errors import AppError

    try:
        ctx = open_context(args, settings)
    except AppError as exc:
        log.warning("could not open the data folder: %s", type(exc).__name__)
        if args.screenshot:
            print(exc.message, file=sys.stderr)
            return 1
        QMessageBox.critical(None, _("HR Desk"), exc.message)
        return 1
    if ctx is None:
        return 0

    from ui.main_window import MainWindow, remember_data_dir
    from ui.workers import WorkerPool

    remember_data_dir(settings, ctx.data.root)
    paths.user_config_dir().mkdir(parents=True, exist_ok=True)
    qsettings = QSettings(str(paths.user_config_dir() / "window.ini"), QSettings.Format.IniFormat)
    pool = WorkerPool()
    if not sign_in_at_start(ctx, pool, automatic=bool(args.demo or args.screenshot)):
        pool.shutdown()
        ctx.close()
        return 0
    window = MainWindow(ctx, pool, qsettings)
    if args.screenshot:
        if args.media:  # before take_screenshots, which closes the window
            from ui.tabs.interview_capture import screenshot_file_fed_recording

            print(screenshot_file_fed_recording(window, Path(args.media), Path(args.screenshot)))
        return take_screenshots(window, Path(args.screenshot))
    window.switch_data_dir_requested.connect(lambda path: _restart_with(path))
    window.show()
    window.offer_recovery()
    QTimer.singleShot(15_000, window.start_scheduled_backup)  # after start-up settles
    code = app.exec()
    ctx.close()
    return code


def qt_translations_dirs() -> list[Path]:
    """Where Qt's own catalogues (qtbase_zh_CN.qm) may be: Qt's configured folder, then PySide6's."""
    from PySide6.QtCore import QLibraryInfo

    import PySide6

    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
            Path(PySide6.__file__).resolve().parent / "Qt" / "translations"]
    return [d for i, d in enumerate(dirs) if d not in dirs[:i]]


def install_qt_language(app) -> str | None:  # type: ignore[no-untyped-def]
    """Qt's own texts (QMessageBox buttons, QFileDialog, context menus) and Qt's number/date formatting
    follow the interface language: qtbase_zh_CN.qm for zh_CN, nothing for English (Qt's own language).
    Returns the .qm file installed, or None."""
    from PySide6.QtCore import QLocale, QTranslator

    from app.i18n import language

    lang = language()
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if lang == "zh_CN"
                       else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    for old in app.findChildren(QTranslator, "hrdesk-qt"):
        app.removeTranslator(old)
        old.deleteLater()
    if lang == "en":
        return None
    for folder in qt_translations_dirs():
        qm = folder / f"qtbase_{lang}.qm"
        translator = QTranslator(app)
        translator.setObjectName("hrdesk-qt")
        if qm.exists() and translator.load(str(qm)):
            app.installTranslator(translator)
            return str(qm)
        translator.deleteLater()
    log.warning("Qt's own translation qtbase_%s.qm not found; Qt dialogs stay in English", lang)
    return None


def open_context(args: argparse.Namespace, settings: config.Settings):  # type: ignore[no-untyped-def]
    """The AppContext to show, or None when the user cancelled the first-run dialog."""
    from PySide6.QtWidgets import QDialog

    from app.context import database_exists, open_app, resolve_data_dir
    from app.demo.service import create_demo

    today = date.fromisoformat(args.today) if args.today else None
    if args.demo:
        data = paths.DataDir(Path(args.data_dir)) if args.data_dir else paths.DataDir(paths.user_data_dir() / "demo")
        ctx, _stats = create_demo(data, today=today, force=True, exam_dir=Path(args.exam) if args.exam else None,
                                  media_dir=Path(args.media) if args.media else None)
        return ctx
    data = resolve_data_dir(args.data_dir, settings)
    if database_exists(data, settings):
        return open_app(data, settings=settings)
    from ui.dialogs.first_run import FirstRunDialog

    dialog = FirstRunDialog(str(data.root))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    if dialog.choice() == FirstRunDialog.DEMO:
        ctx, _stats = create_demo(data, today=today)
        return ctx
    return open_app(data, settings=settings)


DEMO_ADMIN = "demo-admin"


def sign_in_at_start(ctx, pool, *, automatic: bool) -> bool:  # type: ignore[no-untyped-def]
    """Who uses this window: first run creates the administrator, then the login dialog (with the forced
    password change and the lock-out message). ``--demo`` and ``--screenshot`` runs sign in automatically
    as the demo administrator ``demo-admin`` (their audit entries say so): they are for demonstrations and
    the README pictures, and whoever can start them on a database file could equally use the command line,
    which runs as the local system principal. Returns False when the user cancels."""
    from PySide6.QtWidgets import QDialog

    from app.security.permissions import principal_for
    from ui.dialogs.login import LoginDialog
    from ui.dialogs.users import CreateAdminDialog

    services = ctx.services
    if automatic:
        services.identity.sign_in(principal_for(DEMO_ADMIN, "admin", display_name=_("Demo administrator")))
        ctx.extras["idle_lock_minutes"] = _idle_minutes(services)
        return True
    services.identity.sign_out()
    if ctx.extras.get("read_only"):  # app.context: the data folder cannot be written; say so before anything else
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(None, _("HR Desk"), str(ctx.extras["read_only"]))
    username = ""
    if not services.accounts.has_users():
        first = CreateAdminDialog(services.accounts, pool)
        if first.exec() != QDialog.DialogCode.Accepted:
            return False
        username = first.username
    login = LoginDialog(services.accounts, pool, username=username)
    if login.exec() != QDialog.DialogCode.Accepted or login.principal is None:
        return False
    services.identity.sign_in(login.principal)
    ctx.extras["idle_lock_minutes"] = _idle_minutes(services)
    return True


def _idle_minutes(services) -> int:  # type: ignore[no-untyped-def]
    from ui.main_window import DEFAULT_IDLE_LOCK_MINUTES, IDLE_LOCK_SETTING

    try:
        value = services.settings.get(IDLE_LOCK_SETTING, DEFAULT_IDLE_LOCK_MINUTES).value
        return max(0, int(value))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_LOCK_MINUTES


def take_screenshots(window, out_dir: Path) -> int:  # type: ignore[no-untyped-def]
    """Render every tab at 1440x900 to ``out_dir/<tab>.png``."""
    import time

    from PySide6.QtWidgets import QApplication

    out_dir.mkdir(parents=True, exist_ok=True)
    window.resize(1440, 900)
    window.show()
    for i, page in enumerate(window.tab_pages):
        window.tabs.setCurrentIndex(i)
        page.ensure_loaded()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            QApplication.processEvents()
            if not window.pool.busy():
                break
            time.sleep(0.02)
        for _ in range(5):
            QApplication.processEvents()
        path = out_dir / f"{page.KEY}.png"
        if not window.grab().save(str(path)):
            print(_("Could not write {path}").format(path=path), file=sys.stderr)
            return 1
        print(path)
    window.close()
    return 0


def _restart_with(path: str) -> None:
    """Re-launch the program on another data folder (one database per process keeps things simple)."""
    import subprocess

    from PySide6.QtWidgets import QApplication

    subprocess.Popen([sys.executable, *_program_args(), "--data-dir", path])  # noqa: S603
    QApplication.quit()


def _program_args() -> list[str]:
    return [] if paths.is_frozen() else [str(Path(__file__).resolve().parent.parent / "main.py")]


def install_excepthook() -> None:
    """Log unexpected errors (type and stack only) and tell the user, in Chinese, what to do."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        # The stack (file, line, function) carries no personal data; the message may, so it is not logged.
        stack = "".join(traceback.format_tb(tb))
        logging.getLogger("hrdesk.crash").error("unexpected error %s\n%s", exc_type.__name__, stack)
        try:
            from PySide6.QtWidgets import QApplication, QMessageBox

            from app.logging_setup import log_file

            if QApplication.instance() is not None:
                QMessageBox.critical(
                    None,
                    _("HR Desk — unexpected error"),
                    _("Something went wrong ({kind}). Your saved data is safe. Save other open work, restart "
                      "HR Desk, and send the log file to IT support if it happens again:\n{log}").format(
                        kind=exc_type.__name__, log=log_file()),
                )
        except Exception:  # noqa: BLE001 - the hook must never raise
            pass

    sys.excepthook = hook
