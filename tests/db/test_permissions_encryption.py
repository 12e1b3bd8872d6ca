"""Encryption at rest of people.id_number and pay_profiles.bank_account, and the start-up check."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.db.tables import PayProfile, Person
from app.db.uow import unit_of_work
from app.security.crypto import EncryptionError, is_encrypted
from app.security.startup import secure_database


def test_demo_stores_ciphertext_and_reads_plaintext(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.engine.connect() as c:
        raw_ids = [v for (v,) in c.execute(text("SELECT id_number FROM people WHERE id_number IS NOT NULL"))]
        raw_banks = [v for (v,) in c.execute(text("SELECT bank_account FROM pay_profiles "
                                                  "WHERE bank_account IS NOT NULL"))]
    assert len(raw_ids) > 250 and all(is_encrypted(v) for v in raw_ids)
    assert len(raw_banks) > 250 and all(is_encrypted(v) for v in raw_banks)
    with unit_of_work(demo_ctx.session_factory) as s:
        ids = [v for v in s.scalars(select(Person.id_number).where(Person.id_number.is_not(None))).all()]
        banks = [v for v in s.scalars(select(PayProfile.bank_account).where(PayProfile.bank_account.is_not(None)))]
    assert all(len(v) == 18 and v[:17].isdigit() for v in ids)
    assert all(v.isdigit() and 12 <= len(v) <= 19 for v in banks)
    assert not any(v in " ".join(raw_ids) for v in ids[:20])  # the plaintext is nowhere in the stored form


def test_secure_database_encrypts_leftover_plaintext_once(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.engine.begin() as c:  # as an older version (or a direct SQL import) would have left it
        c.execute(text("INSERT INTO people (name, gender, id_number, version, created_at, updated_at, notes, "
                       "highest_degree, school, major, professional_title) VALUES ('张三', '男', "
                       "'11010519491231002X', 1, '2026-01-01', '2026-01-01', '', '', '', '', '')"))
    first = secure_database(ctx)
    assert first.encrypted_now == 1 and "plaintext" not in first.keys_in_use
    with ctx.engine.connect() as c:
        stored = c.execute(text("SELECT id_number FROM people")).scalar_one()
    assert is_encrypted(stored) and "1101051949" not in stored
    with unit_of_work(ctx.session_factory) as s:
        assert s.scalars(select(Person.id_number)).one() == "11010519491231002X"
    assert secure_database(ctx).encrypted_now == 0


def test_a_database_without_its_key_file_is_refused_clearly(demo_ctx, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "someone-elses-keys.json"
    monkeypatch.setenv("HRDESK_KEY_FILE", str(other))
    with pytest.raises(EncryptionError) as err:
        secure_database(demo_ctx)
    assert "密钥文件" in err.value.message and str(other) in err.value.message
    monkeypatch.undo()
    assert secure_database(demo_ctx).encrypted_now == 0
