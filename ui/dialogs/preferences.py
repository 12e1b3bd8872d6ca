"""首选项: this workstation's own preferences (today: the interface language).

The language is a per-workstation choice (one HR officer may prefer English while the hospital's
documents stay Chinese), so it lives in this computer's settings file (``app.config``), not in the shared
database. It takes effect at the next start: every window, Qt's own buttons and number/date formats are
set up once at start-up, and switching half of them live would leave a mixed-language screen.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app import config, i18n
from app.i18n import _

log = logging.getLogger(__name__)


def language_name(lang: str) -> str:
    """A language in its own name (简体中文, English), from Qt's CLDR data: a user who cannot read the
    current interface language still finds their own in the list."""
    if lang == "en":
        return QLocale.languageToString(QLocale.Language.English)
    return QLocale(lang).nativeLanguageName()


class PreferencesDialog(QDialog):
    """Edit this workstation's preferences; on OK they are saved to the settings file."""

    def __init__(self, parent: QWidget | None = None, *, settings_path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Preferences"))
        self.settings_path = settings_path
        self.settings = config.load(settings_path)
        self.saved_language: str | None = None  # set when OK saved a change of language

        self.language = QComboBox(self)
        for lang in i18n.LANGUAGES:
            self.language.addItem(language_name(lang), lang)
        stored = self.settings.language if self.settings.language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        self.language.setCurrentIndex(self.language.findData(stored))
        self.language.setToolTip(_("The language of menus, windows and messages on this computer. Documents for "
                                   "the hospital (contracts, payslips, reports filed in Chinese) are not affected."))
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.language.currentIndexChanged.connect(self._update_note)

        form = QFormLayout()
        form.addRow(_("Interface language:"), self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self._update_note()

    def chosen_language(self) -> str:
        return str(self.language.currentData())

    def _update_note(self) -> None:
        if self.chosen_language() != i18n.language():
            self.note.setText(_("The new language takes effect after HR Desk is restarted."))
        else:
            self.note.setText(_("A change of language takes effect after HR Desk is restarted."))

    def accept(self) -> None:
        lang = self.chosen_language()
        if lang != self.settings.language:
            # re-read just before writing: another part of the program may have saved the file meanwhile
            # (recent data folders), and only the language is this dialog's to change
            current = config.load(self.settings_path)
            current.language = lang
            try:
                config.save(current, self.settings_path)
            except OSError as exc:
                log.warning("preferences not saved: %s", type(exc).__name__)
                QMessageBox.warning(self, _("Preferences"), _(
                    "The preferences could not be saved to {path}: {error}. Check that the folder is writable "
                    "and try again.").format(path=self.settings_path or config.settings_path(), error=exc.strerror
                                             or exc))
                return
            self.settings = current
            self.saved_language = lang
        super().accept()
