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

    from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    font_id = QFontDatabase.addApplicationFont(str(paths.resource("fonts", "wqy-microhei.ttc")))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        app.setFont(QFont(families[0], 10))
    from app.i18n import language

    if language() != "en":
        translator = QTranslator(app)
        if translator.load(QLocale(language()), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(translator)
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
    window = MainWindow(ctx, pool, qsettings)
    if args.screenshot:
        return take_screenshots(window, Path(args.screenshot))
    window.switch_data_dir_requested.connect(lambda path: _restart_with(path))
    window.show()
    window.offer_recovery()
    code = app.exec()
    ctx.close()
    return code


def open_context(args: argparse.Namespace, settings: config.Settings):  # type: ignore[no-untyped-def]
    """The AppContext to show, or None when the user cancelled the first-run dialog."""
    from PySide6.QtWidgets import QDialog

    from app.context import database_exists, open_app, resolve_data_dir
    from app.demo.service import create_demo

    today = date.fromisoformat(args.today) if args.today else None
    if args.demo:
        data = paths.DataDir(Path(args.data_dir)) if args.data_dir else paths.DataDir(paths.user_data_dir() / "demo")
        ctx, _stats = create_demo(data, today=today, force=True, exam_dir=Path(args.exam) if args.exam else None)
        return ctx
    data = resolve_data_dir(args.data_dir, settings)
    if database_exists(data):
        return open_app(data, settings=settings)
    from ui.dialogs.first_run import FirstRunDialog

    dialog = FirstRunDialog(str(data.root))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    if dialog.choice() == FirstRunDialog.DEMO:
        ctx, _stats = create_demo(data, today=today)
        return ctx
    return open_app(data, settings=settings)


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
