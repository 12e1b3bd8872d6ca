"""Reading a DOCX must not change it. python-docx ADDS a header part (from its template file
``docx/parts/../templates/default-header.xml``) when one touches the header of a section that has none;
in the frozen bundle that path does not exist, so every DOCX without a header was rejected as damaged."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from app.screening.files import Outcome, _docx_text, read_resume_bytes

RESUME = ["个人简历", "姓名：王芳  性别：女", "教育经历：2010-2015 北京大学医学部 临床医学 本科", "工作经历：心内科 住院医师"]


def _docx(header: str | None = None) -> bytes:
    document = docx.Document()
    for line in RESUME:
        document.add_paragraph(line)
    if header is not None:
        document.sections[0].header.is_linked_to_previous = False
        document.sections[0].header.paragraphs[0].text = header
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_reading_a_docx_without_header_adds_no_header_part() -> None:
    document = docx.Document(io.BytesIO(_docx()))
    parts_before = {str(p.partname) for p in document.part.package.iter_parts()}
    text = _docx_text(document)
    assert "北京大学医学部" in text
    assert document.sections[0].header.is_linked_to_previous  # still no header definition
    assert {str(p.partname) for p in document.part.package.iter_parts()} == parts_before


def test_a_docx_resume_without_header_is_read() -> None:
    result = read_resume_bytes(_docx(), "王芳.docx")
    assert result.outcome == Outcome.OK, result
    assert "心内科 住院医师" in result.text


def test_a_header_the_file_defines_is_still_read() -> None:
    result = read_resume_bytes(_docx(header="应聘岗位：心内科医师"), "王芳.docx")
    assert result.outcome == Outcome.OK
    assert "应聘岗位:心内科医师" in result.text  # read_resume_bytes normalises full-width punctuation


def test_the_demo_writer_output_reads_back(tmp_path: Path) -> None:
    from app.screening.generate import generate_resume, write_docx

    path = write_docx(generate_resume(3), tmp_path / "r.docx")
    result = read_resume_bytes(path.read_bytes(), path.name)
    assert result.outcome == Outcome.OK and len(result.text) > 100
