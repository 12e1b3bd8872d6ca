"""PIPL requests: everything held about one person, and exports for analysis without identities."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.security.permissions import PermissionDenied, principal_for


def _hired_candidate(db: Path) -> int:
    """A person who applied, was interviewed and is employed (the richest record in the demo)."""
    con = sqlite3.connect(db)
    try:
        row = con.execute(
            "SELECT p.id FROM people p JOIN employees e ON e.person_id = p.id JOIN candidates c ON c.person_id = p.id "
            "JOIN interviews i ON i.candidate_id = c.id ORDER BY p.id LIMIT 1").fetchone()
        if row is None:
            row = con.execute("SELECT p.id FROM people p JOIN employees e ON e.person_id = p.id "
                              "JOIN payroll_lines l ON l.employee_id = e.id LIMIT 1").fetchone()
        return int(row[0])
    finally:
        con.close()


def test_an_access_request_gets_every_row_and_file(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person_id = _hired_candidate(demo_ctx.db_path)
    result = demo_ctx.services.privacy.person_export(person_id, tmp_path / "request.zip")
    with zipfile.ZipFile(result.path) as z:
        data = json.loads(z.read("personal_data.json"))
        names = z.namelist()
    tables = data["tables"]
    person = tables["people"][0]
    assert person["id"] == person_id
    assert person["id_number"] is None or len(person["id_number"]) == 18  # decrypted, not ciphertext
    assert "employees" in tables and all(e["person_id"] == person_id for e in tables["employees"])
    employee_ids = {e["id"] for e in tables["employees"]}
    assert "payroll_lines" in tables and {r["employee_id"] for r in tables["payroll_lines"]} <= employee_ids
    if "candidates" in tables:
        candidate_ids = {c["id"] for c in tables["candidates"]}
        assert all(i["candidate_id"] in candidate_ids for i in tables.get("interviews", []))
    assert "index.csv" in names
    assert result.tables == {t: len(r) for t, r in tables.items()}
    # nobody else's rows: every people row is this person
    assert [p["id"] for p in tables["people"]] == [person_id]


def test_the_anonymised_export_holds_no_identity(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = demo_ctx.services.privacy.anonymised_export(tmp_path / "anon.xlsx", "2026-10")
    assert result.pay_groups > 0
    con = sqlite3.connect(demo_ctx.db_path)
    try:
        identities = {v for (v,) in con.execute("SELECT name FROM people")} | \
            {v for (v,) in con.execute("SELECT staff_no FROM employees")} | \
            {v for (v,) in con.execute("SELECT phone FROM people WHERE phone IS NOT NULL")}
    finally:
        con.close()
    cells = {str(c.value) for ws in load_workbook(result.path).worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    assert not (cells & identities)
    pay = load_workbook(result.path).worksheets[1]
    counts = [r[3] for r in pay.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(n, str) or n >= 3 for n in counts)  # small groups show no figures
    assert sum(1 for n in counts if isinstance(n, str)) == result.suppressed_groups


def test_an_interviewer_cannot_export_a_person(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person_id = _hired_candidate(demo_ctx.db_path)
    demo_ctx.services.identity.sign_in(principal_for("iv1", "interviewer", display_name="面试官甲"))
    with pytest.raises(PermissionDenied):
        demo_ctx.services.privacy.person_export(person_id, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_cli(demo_ctx, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    root = str(demo_ctx.data.root)
    person_id = _hired_candidate(demo_ctx.db_path)
    assert main(["privacy", "person", str(person_id), "--out", str(tmp_path / "p.zip"), "--json", "--data-dir", root]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["tables"]["people"] == 1 and (tmp_path / "p.zip").exists()
    assert main(["privacy", "anonymised", "--out", str(tmp_path / "a.xlsx"), "--data-dir", root]) == 0
    assert "a.xlsx" in capsys.readouterr().out
