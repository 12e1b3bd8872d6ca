"""Every importer fed generated bad input (hypothesis): no crash, a reason for every rejected file or row,
nothing stored by a preview.

Importers covered here: resume files (PDF/DOCX/TXT bytes, mutated real documents), attendance-machine
exports (CSV rows and raw bytes), the positions and question-bank workbooks (random cell values under the
real headers, and raw bytes). Staff migration has its own fuzz tests in ``tests/db/test_staff_import.py``.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import AppError, InvalidInput
from app.screening.files import Outcome, read_resume_bytes

pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)  # what a worksheet can hold
CELL = st.one_of(PRINTABLE, st.text(CJK, max_size=8), st.integers(-10**6, 10**9),
                 st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                 st.sampled_from(["2026-11-31", "25:61", "=HYPERLINK(\"x\")", "E00001", "2026/11/05 08:00", "１２", ""]))


# ------------------------------------------------------------------------------------ resumes

def _pdf_bytes(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    from app.reports.fonts import register_reportlab_font

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont(register_reportlab_font(), 12)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


def _docx_bytes(text: str) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


RESUME = "张三 男 1995年出生 硕士 首都医科大学 临床医学 住院医师 执业医师资格证书 三年工作经验 电话13800000000"


def _check(result) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(result.outcome, Outcome)
    if result.outcome is Outcome.OK:
        assert result.text.strip()
    else:
        assert result.reason.strip(), f"{result.outcome} without a reason"


@FUZZ
@given(prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0"]),
       body=st.binary(max_size=4096), name=st.sampled_from(["a.pdf", "a.docx", "a.txt", "a.doc", "a"]))
def test_random_bytes_as_a_resume_never_crash(prefix: bytes, body: bytes, name: str) -> None:
    _check(read_resume_bytes(prefix + body, name))


@pytest.fixture(scope="module")
def real_documents() -> dict[str, bytes]:
    return {"cv.pdf": _pdf_bytes(RESUME), "cv.docx": _docx_bytes(RESUME), "cv.txt": RESUME.encode("gbk")}


@FUZZ
@given(which=st.sampled_from(["cv.pdf", "cv.docx", "cv.txt"]), seed=st.integers(0, 10**6),
       flips=st.integers(1, 40), cut=st.floats(0.05, 1.0))
def test_damaged_real_documents_are_read_or_refused_with_a_reason(real_documents, which: str, seed: int,
                                                                  flips: int, cut: float) -> None:
    data = bytearray(real_documents[which])
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    _check(read_resume_bytes(bytes(data[: max(1, int(len(data) * cut))]), which))


# ------------------------------------------------------------------------------------ clock data

def _rows_to_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> None:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(header)
    for row in rows:
        out.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=30),
       encoding=st.sampled_from(["utf-8", "gbk", "utf-8-sig"]))
def test_clock_exports_with_bad_rows_are_previewed_row_by_row(demo_ctx, tmp_path_factory, rows, encoding) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("clock") / "punches.csv"
    _rows_to_csv(path, ["工号", "打卡时间", "设备"], rows, encoding)
    attendance = demo_ctx.services.attendance
    punches = _punch_count(demo_ctx)
    try:
        got = attendance.preview_clock(path, "2026-11", remember=False)
    except InvalidInput as exc:
        assert exc.message.strip()
        return
    preview = got.preview
    assert len(preview.punches) <= preview.rows_read
    for problem in preview.problems:
        assert problem.reason.strip() and problem.row >= 1
    bad_rows = {p.row for p in preview.errors}
    # blank lines are skipped; any other row becomes a punch or is named by an error (duplicates merge)
    filled = [r for r in rows if any(str(v).strip() for v in r if v is not None)]
    if filled:
        assert bad_rows or preview.punches
    assert _punch_count(demo_ctx) == punches  # a preview stores nothing


def _punch_count(ctx) -> int:  # type: ignore[no-untyped-def]
    import sqlite3

    con = sqlite3.connect(ctx.db_path)
    try:
        return con.execute("SELECT COUNT(*) FROM clock_punches").fetchone()[0]
    finally:
        con.close()


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".txt"]))
def test_clock_files_of_random_bytes_give_a_clear_error(demo_ctx, tmp_path_factory, data: bytes, suffix: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("clock") / f"export{suffix}"
    path.write_bytes(data)
    try:
        demo_ctx.services.attendance.preview_clock(path, "2026-11", remember=False)
    except AppError as exc:
        assert exc.message.strip()


# ------------------------------------------------------------------------------------ positions and questions

def _fill_template(write_template, path: Path, rows: list[list[object]]) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    write_template(path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    wb.save(path)


@FUZZ
@given(rows=st.lists(st.lists(CELL, max_size=12), min_size=1, max_size=8),
       which=st.sampled_from(["positions", "questions"]))
def test_position_and_question_workbooks_with_bad_cells_name_every_problem(demo_ctx, tmp_path_factory, rows,
                                                                           which: str) -> None:  # type: ignore[no-untyped-def]
    from app.positions import excel

    path = tmp_path_factory.mktemp("xlsx") / f"{which}.xlsx"
    template = excel.write_positions_template if which == "positions" else excel.write_questions_template
    _fill_template(template, path, rows)
    service = demo_ctx.services.positions
    counts = (len(demo_ctx.services.org.positions()), len(demo_ctx.services.questions.questions()))
    try:
        result = (service.preview_positions_import(path) if which == "positions"
                  else service.preview_questions_import(path))
    except InvalidInput as exc:
        assert exc.message.strip()
        return
    for problem in result.problems:
        assert problem.reason.strip()
    assert len(result.rows) <= result.total
    # a preview stores nothing
    assert (len(demo_ctx.services.org.positions()), len(demo_ctx.services.questions.questions())) == counts


@FUZZ
@given(data=st.binary(max_size=2048), prefix=st.sampled_from([b"", b"PK\x03\x04"]))
def test_workbooks_of_random_bytes_give_a_clear_error(demo_ctx, tmp_path_factory, data: bytes, prefix: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("xlsx") / "broken.xlsx"
    path.write_bytes(prefix + data)
    with pytest.raises(AppError) as err:
        demo_ctx.services.positions.preview_positions_import(path)
    assert err.value.message.strip()
