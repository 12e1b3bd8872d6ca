"""Shared fixtures of the screening tests: messages in Chinese, generated resumes."""

from __future__ import annotations

import pytest

from app.i18n import language, set_language


@pytest.fixture(autouse=True)
def _chinese_messages():
    previous = language()
    set_language("zh_CN")
    yield
    set_language(previous)
