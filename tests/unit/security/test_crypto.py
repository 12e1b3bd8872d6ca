from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select, text

from app.security import crypto
from app.security.crypto import EncryptedString, EncryptionError, KeyRing


@pytest.fixture()
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keys" / "field-keys.json"
    monkeypatch.setenv("HRDESK_KEY_FILE", str(path))
    crypto.reset_keyring_cache()
    yield path
    crypto.reset_keyring_cache()


def test_round_trip_and_stored_form(key_file: Path) -> None:
    ring = crypto.keyring(create=True)
    stored = ring.encrypt("11010119900307123X", "people.id_number")
    version, kid, nonce, ct = stored.split(":")
    assert version == "v1" and kid == ring.current and len(nonce) == 16
    assert "11010119900307123X" not in stored
    assert ring.decrypt(stored, "people.id_number") == "11010119900307123X"
    assert ring.encrypt("same", "c") != ring.encrypt("same", "c")  # fresh nonce each time


def test_key_file_is_private(key_file: Path) -> None:
    crypto.keyring(create=True)
    assert key_file.exists()
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_tampered_ciphertext_is_refused(key_file: Path) -> None:
    ring = crypto.keyring(create=True)
    stored = ring.encrypt("6222021234567890123", "pay_profiles.bank_account")
    head, ct = stored.rsplit(":", 1)
    flipped = ct[:-2] + ("A" if ct[-2] != "A" else "B") + ct[-1]
    with pytest.raises(EncryptionError) as err:
        ring.decrypt(f"{head}:{flipped}", "pay_profiles.bank_account")
    assert "篡改" in err.value.message or "损坏" in err.value.message


def test_value_moved_to_another_column_is_refused(key_file: Path) -> None:
    ring = crypto.keyring(create=True)
    stored = ring.encrypt("6222021234567890123", "pay_profiles.bank_account")
    with pytest.raises(EncryptionError):
        ring.decrypt(stored, "people.id_number")


def test_wrong_key_file_is_refused_with_a_clear_message(key_file: Path, tmp_path: Path) -> None:
    stored = crypto.keyring(create=True).encrypt("secret", "people.id_number")
    other = KeyRing.load(tmp_path / "other.json", create=True)
    with pytest.raises(EncryptionError) as err:
        other.decrypt(stored, "people.id_number")
    assert "密钥" in err.value.message
    # same key id but different key material
    forged = KeyRing(tmp_path / "forged.json", crypto.keyring().current, {crypto.keyring().current: b"\0" * 32})
    with pytest.raises(EncryptionError):
        forged.decrypt(stored, "people.id_number")


def test_missing_key_file_says_what_to_do(key_file: Path) -> None:
    with pytest.raises(EncryptionError) as err:
        crypto.keyring()
    assert str(key_file) in err.value.message


def test_damaged_key_file(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True)
    key_file.write_text("{}", encoding="utf-8")
    with pytest.raises(EncryptionError):
        crypto.keyring()


def _db(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    md = MetaData()
    people = Table("people", md, Column("id", Integer, primary_key=True), Column("id_number", String(64)))
    pay = Table("pay_profiles", md, Column("id", Integer, primary_key=True), Column("bank_account", String(64)))
    typed = Table("people", MetaData(), Column("id", Integer, primary_key=True),
                  Column("id_number", EncryptedString(64, context="people.id_number")))
    md.create_all(engine)
    return engine, people, pay, typed


def test_type_decorator_encrypts_at_rest_and_reads_legacy_plaintext(key_file: Path, tmp_path: Path) -> None:
    engine, people, _pay, typed = _db(tmp_path)
    with engine.begin() as conn:
        conn.execute(insert(people).values(id=1, id_number="LEGACY-PLAIN"))
        conn.execute(insert(typed).values(id=2, id_number="11010119900307123X"))
        conn.execute(insert(typed).values(id=3, id_number=None))
        raw = dict(conn.execute(select(people.c.id, people.c.id_number)).all())
        assert raw[2].startswith("v1:") and raw[3] is None
        read = dict(conn.execute(select(typed.c.id, typed.c.id_number)).all())
    assert read == {1: "LEGACY-PLAIN", 2: "11010119900307123X", 3: None}


def test_encrypt_existing_then_rotate_then_retire(key_file: Path, tmp_path: Path) -> None:
    engine, people, pay, typed = _db(tmp_path)
    with engine.begin() as conn:
        for i in range(1, 8):
            conn.execute(insert(people).values(id=i, id_number=f"ID{i:04d}"))
            conn.execute(insert(pay).values(id=i, bank_account=None if i == 3 else f"62220{i:014d}"))
    res = crypto.encrypt_existing(engine, batch=3)
    assert [(r.table, r.changed) for r in res] == [("people", 7), ("pay_profiles", 6)]
    assert crypto.encrypt_existing(engine)[0].changed == 0  # idempotent
    old = crypto.keyring().current
    assert crypto.keys_in_use(engine) == {old: 13}
    res = crypto.rotate_key(engine, batch=2)
    new = crypto.keyring().current
    assert new != old and sum(r.changed for r in res) == 13
    assert old in crypto.keyring().keys  # kept until retired
    assert crypto.keys_in_use(engine) == {new: 13}
    assert crypto.retire_unused_keys(engine) == [old]
    crypto.reset_keyring_cache()
    ring = crypto.keyring()
    assert set(ring.keys) == {new}
    with engine.connect() as conn:
        values = dict(conn.execute(select(typed.c.id, typed.c.id_number)).all())
        assert values[5] == "ID0005"
        assert conn.execute(text("SELECT count(*) FROM people WHERE id_number LIKE 'ID%'")).scalar() == 0
