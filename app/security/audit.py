"""The tamper-evident audit chain, independent of the database.

Each entry's ``hash`` is ``sha256(prev_hash + canonical_json(entry))`` where the canonical JSON
holds the entry id, UTC time (microseconds), user, action, object and detail, with sorted keys and
no whitespace. The first entry has ``prev_hash == ""``. Editing, deleting or reordering entries
breaks the chain at the first affected id; deleting the newest entries is caught by comparing the
last entry with the recorded chain head (kept in the ``meta`` table and in every backup manifest).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.i18n import _

GENESIS = ""

# Keys that may never appear in an audit detail (pay figures, identity and bank data).
FORBIDDEN_KEY = re.compile(
    r"(_fen$|amount|salary|wage|pay$|gross|net$|tax|bank|account_no|id_number|idcard|身份证|银行|工资|金额|薪)",
    re.IGNORECASE,
)
# 15 or more digits in a row (ID numbers, bank accounts), allowing spaces/dashes inside.
LONG_NUMBER = re.compile(r"\d(?:[ -]?\d){14,}[\dXx]?")
MASK = "[已隐去]"


@dataclass(frozen=True)
class ChainEntry:
    id: int
    at: datetime
    username: str
    action: str
    object_type: str
    object_id: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""
    head_id: int | None = None
    head_hash: str = ""

    def message(self) -> str:
        if self.intact:
            return _("The audit log is intact: {n} entries checked.").format(n=self.checked)
        return _("The audit log was altered at entry {id}: {problem}").format(id=self.broken_id, problem=self.problem)


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry_id: int, at: datetime, username: str, action: str, object_type: str, object_id: str,
              detail: str) -> str:
    body = {"id": entry_id, "at": _iso(at), "user": username, "action": action, "object_type": object_type,
            "object_id": object_id, "detail": detail}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(prev_hash: str, entry_id: int, at: datetime, username: str, action: str, object_type: str,
               object_id: str, detail: str) -> str:
    payload = prev_hash + canonical(entry_id, at, username, action, object_type, object_id, detail)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def clean_detail(detail: Any) -> str:
    """The detail as text: dicts become canonical JSON; forbidden keys are a programming error,
    long digit runs (ID numbers, bank accounts) are masked."""
    if detail is None:
        return ""
    if isinstance(detail, dict):
        _check_keys(detail)
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    else:
        text = str(detail)
    return LONG_NUMBER.sub(MASK, text)


def _check_keys(value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if FORBIDDEN_KEY.search(str(key)):
                raise ValueError(f"audit detail must not hold pay, ID or bank data (key {key!r})")
            _check_keys(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            _check_keys(inner)


def verify_chain(entries: Iterable[ChainEntry], head: tuple[int, str] | None = None) -> ChainReport:
    """Walk entries in id order; report the first broken link, or that the chain is intact.

    ``head`` is the recorded (last id, last hash); when given, a chain that ends earlier (newest
    entries deleted) or elsewhere is reported as broken.
    """
    prev_hash = GENESIS
    prev_id: int | None = None
    checked = 0
    for e in entries:
        if prev_id is not None and e.id != prev_id + 1:
            return ChainReport(False, checked, e.id, _(
                "the entries between {a} and {b} are missing (deleted).").format(a=prev_id, b=e.id))
        if e.prev_hash != prev_hash:
            return ChainReport(False, checked, e.id, _(
                "it does not follow the entry before it (entries were deleted, inserted or reordered)."))
        expected = entry_hash(e.prev_hash, e.id, e.at, e.username, e.action, e.object_type, e.object_id, e.detail)
        if expected != e.hash:
            return ChainReport(False, checked, e.id, _("its content was changed after it was written."))
        prev_hash, prev_id = e.hash, e.id
        checked += 1
    if head is not None and head[0] and (prev_id != head[0] or prev_hash != head[1]):
        return ChainReport(False, checked, prev_id if prev_id is not None else 0, _(
            "the newest entries up to {id} are missing (the log was cut short).").format(id=head[0]))
    return ChainReport(True, checked, head_id=prev_id, head_hash=prev_hash)
