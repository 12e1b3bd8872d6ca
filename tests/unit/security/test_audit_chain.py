from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.security.audit import GENESIS, MASK, ChainEntry, clean_detail, entry_hash, verify_chain


def _chain(n: int) -> list[ChainEntry]:
    out = []
    prev = GENESIS
    t0 = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
    for i in range(1, n + 1):
        at = t0 + timedelta(minutes=i)
        h = entry_hash(prev, i, at, "hr1", "staff.edit", "employee", str(i), f"change {i}")
        out.append(ChainEntry(i, at, "hr1", "staff.edit", "employee", str(i), f"change {i}", prev, h))
        prev = h
    return out


def test_intact_chain() -> None:
    chain = _chain(5)
    report = verify_chain(chain, (5, chain[-1].hash))
    assert report.intact and report.checked == 5 and report.head_id == 5


def test_edited_entry_is_found() -> None:
    chain = _chain(6)
    chain[3] = replace(chain[3], detail="something else")
    report = verify_chain(chain)
    assert not report.intact and report.broken_id == 4
    assert "修改" in report.problem


def test_deleted_entry_is_found_at_the_next_id() -> None:
    chain = _chain(6)
    del chain[2]
    report = verify_chain(chain)
    assert not report.intact and report.broken_id == 4


def test_deleted_first_entry_is_found() -> None:
    report = verify_chain(_chain(3)[1:])
    assert not report.intact and report.broken_id == 2


def test_truncated_chain_is_found_against_the_head() -> None:
    chain = _chain(6)
    report = verify_chain(chain[:4], (6, chain[-1].hash))
    assert not report.intact and report.broken_id == 4


def test_hash_covers_microseconds_of_the_time() -> None:
    at = datetime(2026, 3, 1, 8, 0, 0, 1, tzinfo=UTC)
    assert entry_hash("", 1, at, "u", "a", "", "", "") != entry_hash("", 1, at.replace(microsecond=2), "u", "a", "",
                                                                      "", "")


def test_detail_never_keeps_pay_id_or_bank_data() -> None:
    with pytest.raises(ValueError):
        clean_detail({"contract_wage_fen": 850000})
    with pytest.raises(ValueError):
        clean_detail({"changes": [{"bank_account": "x"}]})
    text = clean_detail("changed 11010119900307123X and card 6222 0212 3456 7890 123")
    assert "11010119900307123X" not in text and "6222" not in text
    assert text.count(MASK) == 2
    assert clean_detail({"role": ["hr", "admin"]}) == '{"role":["hr","admin"]}'
