"""Language-independent messages: an English msgid and its parameters, translated when shown.

A payroll run stores its warnings as ``{"msgid": ..., "params": {...}}`` so a run computed on a
Chinese workstation reads correctly on an English one (and after a translation is corrected).
Rows stored before this format (``{"text": ...}``) are shown as they were written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.i18n import _


def _param(value: Any) -> str | int:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@dataclass(frozen=True)
class Notice:
    msgid: str  # marked with N_() where it is created
    params: tuple[tuple[str, str | int], ...] = ()

    @classmethod
    def of(cls, msgid: str, **params: Any) -> Notice:
        return cls(msgid, tuple(sorted((k, _param(v)) for k, v in params.items())))

    def text(self) -> str:
        return render(self.msgid, dict(self.params))

    def __str__(self) -> str:
        return self.text()

    def to_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": dict(self.params)}


def render(msgid: str, params: Mapping[str, Any]) -> str:
    """Translate ``msgid`` now and fill in its parameters (a broken translation falls back to English)."""
    try:
        return _(msgid).format(**params)
    except (KeyError, IndexError, ValueError):
        try:
            return msgid.format(**params)
        except (KeyError, IndexError, ValueError):
            return msgid


def stored_text(row: Mapping[str, Any]) -> str:
    """The display text of a stored warning row, new (msgid + params) or old (translated text) format."""
    if "msgid" in row:
        params = row.get("params") or {}
        return render(str(row["msgid"]), params if isinstance(params, Mapping) else {})
    return str(row.get("text", ""))
