"""Every bad file gets its own outcome and a Chinese reason; good files of every encoding are read."""

from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from app.screening import files as fl
from app.screening import generate as gen
from app.screening.files import Outcome

RESUME = gen.generate_resume(7, profile="doctor", layout="sections")
RESUME_TEXT = RESUME.text


def _pdf_bytes(tmp_path: Path) -> bytes:
    return gen.write_pdf(RESUME, tmp_path / "ok.pdf").read_bytes()


def _docx_bytes(tmp_path: Path) -> bytes:
    return gen.write_docx(RESUME, tmp_path / "ok.docx").read_bytes()


def _encrypted_pdf(data: bytes, user: str, owner: str) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _image_pdf(tmp_path: Path) -> bytes:
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(img)
    for y in range(40, 760, 24):
        draw.rectangle((40, y, 40 + (y * 7) % 500, y + 10), fill="black")  # lines of "scanned text"
    png = tmp_path / "scan.png"
    img.save(png)
    out = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(out), pagesize=A4)
    c.drawImage(str(png), 30, 30, width=535, height=780)
    c.showPage()
    c.save()
    return out.read_bytes()


def _blank_pdf(tmp_path: Path) -> bytes:
    from reportlab.pdfgen import canvas

    out = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(out))
    c.showPage()
    c.save()
    return out.read_bytes()


def _corrupt_member_docx(data: bytes) -> bytes:
    """Flip bytes inside word/document.xml's compressed data: the zip CRC check fails."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(data)
    for k in range(start + 20, start + 60):
        broken[k] ^= 0x5A
    return bytes(broken)


def _ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + extra + os.urandom(2048)


NOT_A_RESUME = (
    "今日天气晴转多云，气温18到26摄氏度，东南风三级。本市将于周末举办春季花卉展览，"
    "市民可乘坐地铁二号线前往。主办方提醒游客文明赏花，注意防晒补水。"
) * 3


def _cases(tmp_path: Path) -> dict[str, tuple[str, bytes, Outcome, str]]:
    """name -> (file name, bytes, expected outcome, a word the Chinese reason must contain)."""
    pdf = _pdf_bytes(tmp_path)
    docx_data = _docx_bytes(tmp_path)
    rng = __import__("random").Random(3)
    random_bytes = bytes(rng.randrange(256) for _ in range(20000))
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(rng.randrange(256) for _ in range(4000))
    png = io.BytesIO()
    __import__("PIL.Image", fromlist=["Image"]).new("RGB", (20, 20)).save(png, format="PNG")
    xlsx_like = io.BytesIO()
    with zipfile.ZipFile(xlsx_like, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return {
        "zero_bytes": ("简历.pdf", b"", Outcome.EMPTY, "空"),
        "blank_text": ("简历.txt", "  \n\t \r\n".encode(), Outcome.EMPTY, "空白"),
        "truncated_pdf": ("简历.pdf", pdf[: len(pdf) // 2], Outcome.CORRUPT, "不完整"),
        "garbage_pdf": ("简历.pdf", b"%PDF-1.7\n" + random_bytes[:3000] + b"\n%%EOF\n", Outcome.CORRUPT, "损坏"),
        "encrypted_pdf": ("简历.pdf", _encrypted_pdf(pdf, "secret", "owner"), Outcome.ENCRYPTED, "密码"),
        "image_only_pdf": ("扫描件.pdf", _image_pdf(tmp_path), Outcome.SCANNED, "OCR"),
        "blank_pdf": ("简历.pdf", _blank_pdf(tmp_path), Outcome.EMPTY, "没有文字"),
        "exe_renamed_pdf": ("简历.pdf", exe, Outcome.UNSUPPORTED, "Windows"),
        "elf_renamed_docx": ("简历.docx", Path(sys.executable).resolve().read_bytes()[:65536], Outcome.UNSUPPORTED, "程序"),
        "png_renamed_txt": ("简历.txt", png.getvalue(), Outcome.UNSUPPORTED, "图片"),
        "random_bytes": ("简历.txt", random_bytes, Outcome.UNSUPPORTED, "二进制"),
        "random_bytes_pdf_name": ("resume.pdf", random_bytes[::-1], Outcome.UNSUPPORTED, "二进制"),
        "docx_truncated_zip": ("简历.docx", docx_data[: len(docx_data) // 2], Outcome.DOCX_CORRUPT, "压缩包"),
        "docx_bad_member": ("简历.docx", _corrupt_member_docx(docx_data), Outcome.DOCX_CORRUPT, "损坏"),
        "zip_not_docx": ("简历.docx", xlsx_like.getvalue(), Outcome.UNSUPPORTED, "Word"),
        "legacy_doc": ("简历.doc", _ole(), Outcome.LEGACY_DOC, "DOCX"),
        "encrypted_docx": ("简历.docx", _ole("EncryptedPackage".encode("utf-16-le")), Outcome.ENCRYPTED, "密码"),
        "not_a_resume": ("通知.txt", NOT_A_RESUME.encode("utf-8"), Outcome.NOT_RESUME, "不是简历"),
        "not_a_resume_gbk": ("通知.txt", NOT_A_RESUME.encode("gbk"), Outcome.NOT_RESUME, "不是简历"),
        "big5_text": ("简历.txt", RESUME_TEXT.encode("big5", errors="ignore"), Outcome.UNKNOWN_ENCODING, "编码"),
    }


CASE_NAMES = [
    "zero_bytes", "blank_text", "truncated_pdf", "garbage_pdf", "encrypted_pdf", "image_only_pdf", "blank_pdf",
    "exe_renamed_pdf", "elf_renamed_docx", "png_renamed_txt", "random_bytes", "random_bytes_pdf_name",
    "docx_truncated_zip", "docx_bad_member", "zip_not_docx", "legacy_doc", "encrypted_docx", "not_a_resume",
    "not_a_resume_gbk", "big5_text",
]


@pytest.fixture(scope="module")
def broken_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, bytes, Outcome, str]]]:
    root = tmp_path_factory.mktemp("broken")
    cases = _cases(root)
    assert sorted(cases) == sorted(CASE_NAMES)
    for key, (name, data, _o, _w) in cases.items():
        (root / key).mkdir()
        (root / key / name).write_bytes(data)
    return root, cases


@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_broken_file_gets_its_specific_reason(broken_corpus, case: str) -> None:
    root, cases = broken_corpus
    name, _data, expected, word = cases[case]
    result = fl.read_resume(root / case / name)
    assert result.outcome is expected, (case, result.outcome, result.reason)
    assert not result.ok and result.text == ""
    assert word in result.reason, result.reason
    assert any("\u4e00" <= c <= "\u9fff" for c in result.reason), "reason must be translated"


def test_oversized_file_is_rejected_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "大文件.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(30 * 1024 * 1024)  # 30 MB (sparse)
    result = fl.read_resume(big)
    assert result.outcome is Outcome.TOO_LARGE
    assert "30.0 MB" in result.reason and "20 MB" in result.reason


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    p = gen.write_txt(RESUME, tmp_path / "r.txt")
    assert fl.read_resume(p).ok
    small = fl.read_resume(p, max_bytes=500)
    assert small.outcome is Outcome.TOO_LARGE
    assert fl.read_resume_bytes(p.read_bytes(), "r.txt", max_bytes=500).outcome is Outcome.TOO_LARGE


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert fl.read_resume(tmp_path / "nope.pdf").outcome is Outcome.NOT_FOUND
    assert fl.read_resume(tmp_path).outcome is Outcome.UNREADABLE


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk"), ("gb18030", "gbk"), ("utf-16", "utf-16"),
     ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-32", "utf-32")],
)
def test_text_encodings_are_detected(tmp_path: Path, encoding: str, expected: str) -> None:
    p = gen.write_txt(RESUME, tmp_path / "r.txt", encoding)
    result = fl.read_resume(p)
    assert result.ok, result.reason
    assert result.encoding == expected
    assert RESUME.truth.name in result.text
    assert RESUME.truth.work[0].organisation in result.text


def test_gb18030_four_byte_characters_are_not_misread() -> None:
    text = "姓名：䶮㐀\n" + RESUME_TEXT
    result = fl.read_resume_bytes(text.encode("gb18030"), "r.txt")
    assert result.ok and result.encoding == "gb18030"
    assert "䶮㐀" in result.text


def test_gbk_is_never_decoded_as_something_else() -> None:
    for seed in range(20):
        r = gen.generate_resume(seed)
        result = fl.read_resume_bytes(r.text.encode("gbk"), "r.txt")
        assert result.encoding == "gbk"
        assert r.truth.name in result.text


def test_content_not_extension_decides_the_type(tmp_path: Path) -> None:
    docx_as_txt = tmp_path / "简历.txt"
    docx_as_txt.write_bytes(_docx_bytes(tmp_path))
    result = fl.read_resume(docx_as_txt)
    assert result.ok and result.kind == "docx"
    pdf_as_docx = tmp_path / "简历.docx"
    pdf_as_docx.write_bytes(_pdf_bytes(tmp_path))
    assert fl.read_resume(pdf_as_docx).kind == "pdf"


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    data = _encrypted_pdf(_pdf_bytes(tmp_path), "", "owner-only")
    result = fl.read_resume_bytes(data, "r.pdf")
    assert result.ok, result.reason
    assert RESUME.truth.name in result.text


def test_docx_tables_are_read(tmp_path: Path) -> None:
    r = gen.generate_resume(11, layout="table")
    result = fl.read_resume(gen.write_docx(r, tmp_path / "t.docx"))
    assert result.ok
    for w in r.truth.work:
        assert w.organisation in result.text
    assert f"姓名:{r.truth.name}" in result.text


def test_outcome_is_json_ready() -> None:
    result = fl.read_resume_bytes(b"", "x.pdf")
    d = result.to_dict()
    assert d["outcome"] == "empty" and d["ok"] is False and d["reason"]


def test_simhash_finds_near_identical_texts() -> None:
    a = gen.generate_resume(1).text
    edited = a.replace("自我评价", "个人评价").replace("\n", "\r\n")
    fa, fe = fl.simhash(a), fl.simhash(edited)
    assert fl.near_duplicate(fa, fe)
    distances = [fl.hamming(fa, fl.simhash(gen.generate_resume(s).text)) for s in range(2, 30)]
    assert min(distances) > fl.NEAR_DUPLICATE_BITS, distances
    assert fl.simhash(a) == fa  # stable across calls (no per-process hash seed)
