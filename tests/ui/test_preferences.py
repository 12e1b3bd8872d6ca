"""The Preferences dialog: the interface language is saved to this workstation's settings file and used at
the next start; nothing else in the file changes; a file that cannot be written is reported, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app import config, i18n
from ui.dialogs.preferences import PreferencesDialog, language_name


@pytest.fixture
def messages(monkeypatch):  # type: ignore[no-untyped-def]
    shown: list[str] = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda _p, _t, text, *a, **k: shown.append(text)
                            or QMessageBox.StandardButton.Ok)
    return shown


def test_languages_are_listed_in_their_own_names() -> None:
    assert language_name("zh_CN") == "简体中文"
    assert language_name("en") == "English"


def test_choosing_english_saves_it_and_keeps_the_other_settings(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config" / "settings.toml"
    before = config.Settings(recent_data_dirs=["/srv/hr"], speech_engine="vosk", licence_warn_days=[60])
    config.save(before, path)
    dialog = PreferencesDialog(settings_path=path)
    qtbot.addWidget(dialog)
    assert dialog.chosen_language() == "zh_CN"
    assert "重新启动" in dialog.note.text()  # the program runs in Chinese: the note says it needs a restart
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert dialog.note.text() == i18n._("The new language takes effect after HR Desk is restarted.")
    dialog.accept()
    assert dialog.result() == PreferencesDialog.DialogCode.Accepted
    assert dialog.saved_language == "en"
    after = config.load(path)
    assert after.language == "en"
    assert (after.recent_data_dirs, after.speech_engine, after.licence_warn_days) == (["/srv/hr"], "vosk", [60])
    # the next start reads the file: a new dialog (like ui/bootstrap.py) sees English
    again = PreferencesDialog(settings_path=path)
    qtbot.addWidget(again)
    assert again.chosen_language() == "en"


def test_a_change_made_elsewhere_meanwhile_is_not_overwritten(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.toml"
    dialog = PreferencesDialog(settings_path=path)  # no file yet: defaults
    qtbot.addWidget(dialog)
    config.save(config.Settings(recent_data_dirs=["/data/new"]), path)  # e.g. a data folder opened meanwhile
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.accept()
    after = config.load(path)
    assert (after.language, after.recent_data_dirs) == ("en", ["/data/new"])


def test_unchanged_language_writes_nothing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.toml"
    dialog = PreferencesDialog(settings_path=path)
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.saved_language is None and not path.exists()


def test_a_settings_file_that_cannot_be_written_is_reported(qtbot, tmp_path: Path, messages) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be", encoding="utf-8")
    path = blocker / "settings.toml"
    dialog = PreferencesDialog(settings_path=path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.accept()
    assert dialog.isVisible() and dialog.saved_language is None  # still open: the user can fix and retry
    assert len(messages) == 1 and str(path) in messages[0] and "无法保存" in messages[0]


def test_the_dialog_follows_the_interface_language(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    try:
        i18n.set_language("en")
        dialog = PreferencesDialog(settings_path=tmp_path / "settings.toml")
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Preferences"
        i18n.set_language("zh_CN")
        dialog = PreferencesDialog(settings_path=tmp_path / "settings.toml")
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "首选项"
    finally:
        i18n.set_language("zh_CN")
