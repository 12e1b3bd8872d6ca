"""Errors the core raises on purpose. Their message is already translated and says what to do."""

from __future__ import annotations


class AppError(Exception):
    """Base for expected failures shown to the user as-is (message in the UI language)."""

    exit_code = 1

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class InvalidInput(AppError):
    """The user's input or file is wrong (CLI exit code 2)."""

    exit_code = 2


class NotFound(AppError):
    exit_code = 2


class Conflict(AppError):
    """Someone else changed the record, or the state forbids the action."""


class StorageError(AppError):
    """Disk full, read-only folder, locked database."""


class Cancelled(AppError):
    """The user cancelled a long operation; nothing was stored."""
