"""Trust-core figures: argon2id login cost, audit chain write/verify rate, field encryption and
rotation rate, backup create/verify time on a database of realistic size."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def run() -> Iterator[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-security-"))
    os.environ["HRDESK_KEY_FILE"] = str(tmp / "keys.json")
    os.environ["HRDESK_CONFIG_DIR"] = str(tmp / "config")
    from sqlalchemy import insert, text

    from app.context import open_app
    from app.db.tables import Person
    from app.db.uow import unit_of_work
    from app.security import crypto, passwords
    from app.security.permissions import Principal
    from app.services.audit import record
    from app.services.backup import BackupService

    t = time.perf_counter()
    h = passwords.hash_password("Bench-2026xy")
    for _ in range(4):
        passwords.verify_password(h, "Bench-2026xy")
    yield {"benchmark": "security.argon2id", "verify_s": round((time.perf_counter() - t) / 5, 3)}

    ctx = open_app(tmp / "data")
    n_audit = 5_000
    t = time.perf_counter()
    with unit_of_work(ctx.session_factory, write=True) as s:
        for i in range(n_audit):
            record(s, "bench", "staff.edit", "employee", i, {"fields": ["phone"]})
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    report = ctx.services.audit.verify(Principal.system())
    verify_s = time.perf_counter() - t
    yield {"benchmark": "security.audit", "entries": n_audit, "intact": report.intact,
           "record_per_s": round(n_audit / write_s), "verify_per_s": round(n_audit / verify_s)}

    n_people = 5_000
    t = time.perf_counter()  # through the column type (EncryptedString): what every insert pays
    with ctx.engine.begin() as conn:
        conn.execute(insert(Person), [{"name": f"E{i}", "id_number": f"11010119800101{i:04d}"} for i in range(n_people)])
    insert_s = time.perf_counter() - t
    with ctx.engine.begin() as conn:  # plaintext as an older version left it
        conn.execute(text("INSERT INTO people (name, gender, id_number, version, created_at, updated_at, notes, "
                          "highest_degree, school, major, professional_title) VALUES (:n, '', :i, 1, "
                          "'2026-01-01', '2026-01-01', '', '', '', '', '')"),
                     [{"n": f"P{i}", "i": f"11010119900101{i:04d}"} for i in range(n_people)])
    t = time.perf_counter()
    crypto.encrypt_existing(ctx.engine, [("people", "id_number")])
    enc_s = time.perf_counter() - t
    t = time.perf_counter()
    crypto.rotate_key(ctx.engine, [("people", "id_number")])
    rot_s = time.perf_counter() - t
    yield {"benchmark": "security.field_encryption", "rows": n_people, "encrypt_rows_per_s": round(n_people / enc_s),
           "insert_encrypted_rows_per_s": round(n_people / insert_s),
           "rotate_rows_per_s": round(2 * n_people / rot_s)}
    yield from _guard_figures(ctx)

    svc = BackupService(ctx.data)
    t = time.perf_counter()
    info = svc.create()
    create_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = svc.verify(info.path).ok
    yield {"benchmark": "security.backup", "db_mb": round(info.size_bytes / 1_048_576, 2),
           "create_s": round(create_s, 3), "verify_s": round(time.perf_counter() - t, 3), "ok": ok}
    ctx.close()


def _guard_figures(ctx: Any) -> Iterator[dict[str, Any]]:
    """Cost of the permission guard: a cheap read raw vs guarded, and an audited change."""
    from app.security.permissions import principal_for
    from app.services.guard import unwrap

    services = ctx.services
    raw = unwrap(services.settings)
    n = 300
    t = time.perf_counter()
    for _ in range(n):
        raw.get("bench.key", 1)
    raw_s = (time.perf_counter() - t) / n
    services.identity.sign_in(principal_for("bench", "hr"))
    t = time.perf_counter()
    for _ in range(n):
        services.settings.get("bench.key", 1)
    guarded_s = (time.perf_counter() - t) / n
    head = principal_for("bench-head", "dept_head", department_id=1)
    services.identity.sign_in(head)
    t = time.perf_counter()
    for _ in range(50):
        services.people.employees()
    scoped_s = (time.perf_counter() - t) / 50
    services.identity.sign_in(principal_for("bench-admin", "admin"))
    t = time.perf_counter()
    for i in range(50):
        services.settings.put(f"bench.k{i}", i)
    audited_s = (time.perf_counter() - t) / 50
    yield {"benchmark": "security.guard", "raw_read_ms": round(raw_s * 1000, 3),
           "guarded_read_ms": round(guarded_s * 1000, 3), "overhead_ratio": round(guarded_s / raw_s, 2),
           "scoped_list_ms": round(scoped_s * 1000, 2), "audited_write_ms": round(audited_s * 1000, 2)}
