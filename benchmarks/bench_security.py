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
    from sqlalchemy import insert

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
    with ctx.engine.begin() as conn:
        conn.execute(insert(Person), [{"name": f"P{i}", "id_number": f"11010119900101{i:04d}"} for i in range(n_people)])
    t = time.perf_counter()
    crypto.encrypt_existing(ctx.engine, [("people", "id_number")])
    enc_s = time.perf_counter() - t
    t = time.perf_counter()
    crypto.rotate_key(ctx.engine, [("people", "id_number")])
    rot_s = time.perf_counter() - t
    yield {"benchmark": "security.field_encryption", "rows": n_people, "encrypt_rows_per_s": round(n_people / enc_s),
           "rotate_rows_per_s": round(n_people / rot_s)}

    svc = BackupService(ctx.data)
    t = time.perf_counter()
    info = svc.create()
    create_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = svc.verify(info.path).ok
    yield {"benchmark": "security.backup", "db_mb": round(info.size_bytes / 1_048_576, 2),
           "create_s": round(create_s, 3), "verify_s": round(time.perf_counter() - t, 3), "ok": ok}
    ctx.close()
