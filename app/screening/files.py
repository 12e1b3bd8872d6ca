"""Reading resume files: every file gets an outcome (text, or a specific reason it was rejected).

The type is decided by the content, never by the extension alone: a renamed program or picture is
caught, and a DOCX renamed ``.txt`` is still read as DOCX. Text files are decoded by BOM first
(UTF-8, UTF-16, UTF-32), then strict UTF-8, then strict GB18030 (a superset of GBK/GB2312) checked
for plausibility, so GBK is never silently mis-decoded as some other code page.

Also here: a SimHash fingerprint over character shingles for "near-identical text" detection.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from app.i18n import N_, _

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MIN_TEXT_CHARS_PER_PAGE = 20
SUPPORTED_EXTENSIONS = (".pdf", ".docx", ".txt")


class Outcome(str, Enum):
    OK = "ok"
    NOT_FOUND = "not_found"
    UNREADABLE = "unreadable"  # OS error while reading
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    LEGACY_DOC = "legacy_doc"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"  # damaged or truncated PDF
    SCANNED = "scanned"  # PDF without a text layer
    DOCX_CORRUPT = "docx_corrupt"
    UNKNOWN_ENCODING = "unknown_encoding"
    NOT_RESUME = "not_resume"


@dataclass(frozen=True)
class FileResult:
    """What reading one file gave: ``text`` when ``ok``, else ``outcome`` and a translated ``reason``."""

    name: str
    outcome: Outcome
    kind: str = ""  # pdf / docx / txt / "" when unknown
    text: str = ""
    reason: str = ""
    encoding: str = ""
    pages: int = 0
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def to_dict(self, include_text: bool = False) -> dict[str, object]:
        d: dict[str, object] = {
            "name": self.name,
            "outcome": self.outcome.value,
            "ok": self.ok,
            "kind": self.kind,
            "reason": self.reason,
            "encoding": self.encoding,
            "pages": self.pages,
            "size": self.size,
            "chars": len(self.text),
        }
        if include_text:
            d["text"] = self.text
        return d


def _reject(name: str, outcome: Outcome, reason: str, *, kind: str = "", size: int = 0) -> FileResult:
    log.info("resume file rejected: %s (%s)", outcome.value, kind or "?")
    return FileResult(name=name, outcome=outcome, kind=kind, reason=reason, size=size)


# --------------------------------------------------------------------------- sniffing

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", N_("Windows program")),
    (b"\x7fELF", N_("Linux program")),
    (b"\xcf\xfa\xed\xfe", N_("macOS program")),
    (b"\x89PNG", N_("PNG image")),
    (b"\xff\xd8\xff", N_("JPEG image")),
    (b"GIF8", N_("GIF image")),
    (b"II*\x00", N_("TIFF image")),
    (b"MM\x00*", N_("TIFF image")),
    (b"Rar!", N_("RAR archive")),
    (b"7z\xbc\xaf", N_("7-Zip archive")),
    (b"\x1f\x8b", N_("gzip archive")),
    (b"{\\rtf", N_("RTF document")),
    (b"ID3", N_("audio")),
    (b"RIFF", N_("audio/video")),
    (b"\x00\x00\x00", N_("video")),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def sniff(data: bytes) -> str:
    """Content type by magic bytes: pdf, zip, ole, text-bom, binary:<what>, or text."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(_ZIP_MAGIC) or data.startswith(b"PK\x05\x06"):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if data.startswith(b"BM") and len(data) > 14 and data[6:10] == b"\x00\x00\x00\x00":
        return "binary:" + N_("BMP image")
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return f"binary:{what}"
    return "text"


# --------------------------------------------------------------------------- text decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _plausible_text(text: str) -> bool:
    """True when ``text`` looks like human text (few control or private-use characters)."""
    if not text:
        return False
    sample = text[:20000]
    bad = 0
    for ch in sample:
        if ch in "\r\n\t\f":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs"):
            bad += 1
    return bad / len(sample) < 0.01


def _common_han_ratio(text: str) -> float:
    """Share of Han characters that are in GB2312 (common characters), for GB18030 plausibility."""
    han = [c for c in text[:20000] if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 1.0
    common = 0
    for c in han:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(han)


def decode_text(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) or None when no supported encoding gives plausible text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                return None
            return (text, enc) if _plausible_text(text) or not text.strip() else None
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM: ASCII characters give a zero byte in every other position
        head = data[:4096]
        even_zero = head[0::2].count(0)
        odd_zero = head[1::2].count(0)
        for enc, ok in (("utf-16-le", odd_zero > 4 * max(even_zero, 1)), ("utf-16-be", even_zero > 4 * max(odd_zero, 1))):
            if ok:
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    continue
                if _plausible_text(text):
                    return text, enc
        return None
    try:
        text = data.decode("utf-8")
        return (text, "utf-8") if _plausible_text(text) else None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if _plausible_text(text) and _common_han_ratio(text) >= 0.9:
        try:
            data.decode("gbk")
            return text, "gbk"
        except UnicodeDecodeError:
            return text, "gb18030"
    return None


# --------------------------------------------------------------------------- PDF


def _read_pdf(name: str, data: bytes) -> FileResult:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    size = len(data)
    if b"%%EOF" not in data[-2048:]:
        return _reject(
            name,
            Outcome.CORRUPT,
            _("The PDF is damaged or incomplete (it was probably cut off while copying). Ask the candidate for the file again."),
            kind="pdf",
            size=size,
        )
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unknown crypto handlers also mean "cannot open"
                opened = 0
            if not opened:
                return _reject(
                    name,
                    Outcome.ENCRYPTED,
                    _("The PDF is password-protected. Ask the candidate for a copy without a password."),
                    kind="pdf",
                    size=size,
                )
        pages = list(reader.pages)
        parts: list[str] = []
        images = 0
        for page in pages:
            parts.append(page.extract_text() or "")
            try:
                images += len(page.images)
            except Exception:  # noqa: BLE001 - damaged image streams do not stop text extraction
                images += 1
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError, AssertionError) as exc:
        log.info("PDF parse failure: %s", type(exc).__name__)
        return _reject(
            name,
            Outcome.CORRUPT,
            _("The PDF is damaged and cannot be read. Ask the candidate for the file again."),
            kind="pdf",
            size=size,
        )
    text = "\n".join(parts)
    visible = len(re.sub(r"\s", "", text))
    if not pages:
        return _reject(name, Outcome.EMPTY, _("The PDF has no pages."), kind="pdf", size=size)
    if visible < MIN_TEXT_CHARS_PER_PAGE * len(pages) and visible < 200:
        if images:
            return _reject(
                name,
                Outcome.SCANNED,
                _("The PDF is a scan without a text layer: it needs OCR. Ask for a text PDF or Word file, or run OCR first."),
                kind="pdf",
                size=size,
            )
        return _reject(name, Outcome.EMPTY, _("The PDF contains no text."), kind="pdf", size=size)
    return FileResult(name=name, outcome=Outcome.OK, kind="pdf", text=text, pages=len(pages), size=size)


# --------------------------------------------------------------------------- DOCX


def _docx_text(document: object) -> str:
    """Paragraphs and tables (nested too) in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []

    def walk(container: object) -> None:
        for block in container.iter_inner_content():  # type: ignore[attr-defined]
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # merged cells repeat
                            continue
                        seen.add(id(cell._tc))
                        inner: list[str] = []
                        for para in cell.paragraphs:
                            if para.text.strip():
                                inner.append(para.text.strip())
                        for nested in cell.tables:
                            for nrow in nested.rows:
                                inner.append(" ".join(c.text.strip() for c in nrow.cells if c.text.strip()))
                        cells.append(" ".join(inner))
                    lines.append("  ".join(c for c in cells if c))

    walk(document)
    for section in document.sections:  # type: ignore[attr-defined]
        # Only headers the file defines. A section without its own header is "linked to previous":
        # touching ``header.paragraphs`` there makes python-docx ADD a header part built from its
        # template file (docx/parts/../templates/default-header.xml), which mutates the document
        # and, in the frozen program (no docx/parts folder on disk), raised FileNotFoundError so
        # every DOCX without a header was rejected as damaged.
        if section.header.is_linked_to_previous:
            continue
        for para in section.header.paragraphs:
            if para.text.strip():
                lines.append(para.text)
    return "\n".join(lines)


def _read_docx(name: str, data: bytes) -> FileResult:
    size = len(data)
    broken = _(
        "The Word file (DOCX) is damaged: its zip container cannot be opened. Ask the candidate for the file again."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return _reject(name, Outcome.DOCX_CORRUPT, broken, kind="docx", size=size)
    except Exception:  # noqa: BLE001 - zlib.error and friends: still a broken container
        return _reject(name, Outcome.DOCX_CORRUPT, broken, kind="docx", size=size)
    if "word/document.xml" not in names:
        return _reject(
            name,
            Outcome.UNSUPPORTED,
            _("The file is a zip archive or another office format, not a Word document. Supported: PDF, DOCX and TXT."),
            size=size,
        )
    if bad is not None:
        return _reject(name, Outcome.DOCX_CORRUPT, broken, kind="docx", size=size)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        text = _docx_text(document)
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types for broken XML
        log.info("DOCX parse failure: %s", type(exc).__name__)
        return _reject(
            name,
            Outcome.DOCX_CORRUPT,
            _("The Word file (DOCX) is damaged: its content cannot be read. Ask the candidate for the file again."),
            kind="docx",
            size=size,
        )
    if not text.strip():
        return _reject(name, Outcome.EMPTY, _("The Word file contains no text."), kind="docx", size=size)
    return FileResult(name=name, outcome=Outcome.OK, kind="docx", text=text, size=size)


# --------------------------------------------------------------------------- resume heuristic

RESUME_SIGNALS: tuple[str, ...] = (
    "简历", "求职", "姓名", "性别", "出生", "年龄", "电话", "手机", "邮箱", "电子邮件", "联系方式",
    "教育", "学历", "学位", "毕业", "本科", "硕士", "博士", "大专", "专科", "专业",
    "工作经历", "工作经验", "工作单位", "任职", "实习", "职称", "执业", "资格证", "规培", "住院医师",
    "技能", "自我评价", "个人", "籍贯", "民族", "政治面貌",
)
_PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def resume_signals(text: str) -> list[str]:
    found = [s for s in RESUME_SIGNALS if s in text]
    if _PHONE_RE.search(text):
        found.append("phone")
    if _EMAIL_RE.search(text):
        found.append("email")
    return found


def looks_like_resume(text: str) -> bool:
    return len(resume_signals(text)) >= 3


# --------------------------------------------------------------------------- entry points


def read_resume_bytes(data: bytes, name: str = "", *, max_bytes: int = DEFAULT_MAX_BYTES, check_resume: bool = True) -> FileResult:
    """Outcome for one file's bytes. Never raises for a bad file."""
    size = len(data)
    if size == 0:
        return _reject(name, Outcome.EMPTY, _("The file is empty (0 bytes)."), size=0)
    if size > max_bytes:
        return _too_large(name, size, max_bytes)
    kind = sniff(data)
    result: FileResult
    if kind == "pdf":
        result = _read_pdf(name, data)
    elif kind == "zip":
        result = _read_docx(name, data)
    elif kind == "ole":
        if "EncryptedPackage".encode("utf-16-le") in data:
            return _reject(
                name,
                Outcome.ENCRYPTED,
                _("The Word file is password-protected. Ask the candidate for a copy without a password."),
                kind="docx",
                size=size,
            )
        return _reject(
            name,
            Outcome.LEGACY_DOC,
            _("Old Word (.doc), Excel or PowerPoint files are not supported. Save it as DOCX or PDF and import again."),
            size=size,
        )
    elif kind.startswith("binary:"):
        return _reject(
            name,
            Outcome.UNSUPPORTED,
            _("The file is not a resume document (its content is: {what}), whatever its name says. Supported: PDF, DOCX and TXT.").format(
                what=_(kind.partition(":")[2])
            ),
            size=size,
        )
    else:
        decoded = decode_text(data)
        if decoded is None:
            if b"\x00" in data[:4096] or not _mostly_printable(data):
                return _reject(
                    name,
                    Outcome.UNSUPPORTED,
                    _("The file is binary data, not a document, whatever its name says. Supported: PDF, DOCX and TXT."),
                    size=size,
                )
            return _reject(
                name,
                Outcome.UNKNOWN_ENCODING,
                _("The text file's encoding is not recognised. Save it as UTF-8 (or GBK) and import again."),
                kind="txt",
                size=size,
            )
        text, encoding = decoded
        if not text.strip():
            return _reject(name, Outcome.EMPTY, _("The file contains only blank space."), kind="txt", size=size)
        result = FileResult(name=name, outcome=Outcome.OK, kind="txt", text=text, encoding=encoding, size=size)
    if result.ok:
        text = _normalise(result.text)
        if check_resume and not looks_like_resume(text):
            return _reject(
                name,
                Outcome.NOT_RESUME,
                _("The file does not look like a resume: no education, work history or contact details were found."),
                kind=result.kind,
                size=size,
            )
        result = FileResult(
            name=name, outcome=Outcome.OK, kind=result.kind, text=text, encoding=result.encoding, pages=result.pages, size=size
        )
    return result


def _too_large(name: str, size: int, max_bytes: int) -> FileResult:
    return _reject(
        name,
        Outcome.TOO_LARGE,
        _("The file is {size} MB, over the {limit} MB limit for resumes. Ask for a smaller file or raise the limit in the settings.").format(
            size=f"{size / 1048576:.1f}", limit=f"{max_bytes / 1048576:g}"
        ),
        size=size,
    )


def _mostly_printable(data: bytes) -> bool:
    sample = data[:4096]
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return ctrl / max(len(sample), 1) < 0.01


def _normalise(text: str) -> str:
    """NFKC (full-width digits/letters to half-width), unify line ends, drop trailing spaces."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def read_resume(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES, check_resume: bool = True) -> FileResult:
    """Outcome for a file on disk; the size limit is checked before reading it."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            return _reject(name, Outcome.UNREADABLE, _("This is a folder, not a file."))
        if size > max_bytes:
            return _too_large(name, size, max_bytes)
        data = path.read_bytes()
    except FileNotFoundError:
        return _reject(name, Outcome.NOT_FOUND, _("The file does not exist (it may have been moved or deleted)."))
    except OSError as exc:
        return _reject(
            name,
            Outcome.UNREADABLE,
            _("The file cannot be read ({error}). Check that it is not open in another program.").format(
                error=exc.strerror or type(exc).__name__
            ),
        )
    return read_resume_bytes(data, name, max_bytes=max_bytes, check_resume=check_resume)


# --------------------------------------------------------------------------- near-duplicates

_STRIP_RE = re.compile(r"[\s\W_]+", re.UNICODE)


def simhash(text: str, shingle: int = 3) -> int:
    """64-bit SimHash over character ``shingle``-grams of the text without spaces/punctuation."""
    norm = _STRIP_RE.sub("", unicodedata.normalize("NFKC", text)).lower()
    if len(norm) < shingle:
        norm = norm.ljust(shingle, "\0")
    counts: dict[str, int] = {}
    for i in range(len(norm) - shingle + 1):
        g = norm[i : i + shingle]
        counts[g] = counts.get(g, 0) + 1
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "big") for g in counts],
        dtype=np.uint64,
    )
    weights = np.array(list(counts.values()), dtype=np.int64)
    bits = ((hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(np.int64)
    score = (weights[:, None] * (2 * bits - 1)).sum(axis=0)
    out = 0
    for bit in np.flatnonzero(score > 0):
        out |= 1 << int(bit)
    return out


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


NEAR_DUPLICATE_BITS = 6


def near_duplicate(a: int, b: int, max_bits: int = NEAR_DUPLICATE_BITS) -> bool:
    """True when two SimHash fingerprints are within ``max_bits`` (near-identical text)."""
    return hamming(a, b) <= max_bits
