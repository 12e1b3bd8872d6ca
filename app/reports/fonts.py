"""The bundled CJK font, registered with reportlab (PDFs embed it)."""

from __future__ import annotations

import threading

from app import paths

CJK_FONT_FILE = paths.resource("fonts", "wqy-microhei.ttc")
CJK_FONT_NAME = "WenQuanYiMicroHei"
_lock = threading.Lock()


def register_reportlab_font() -> str:
    """Register the font once; returns the reportlab font name to use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if CJK_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(CJK_FONT_FILE), subfontIndex=0))
    return CJK_FONT_NAME


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that the bundled font cannot draw."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(register_reportlab_font())
    cmap = font.face.charToGlyph
    return [ch for ch in dict.fromkeys(text) if not ch.isspace() and ord(ch) not in cmap]
