"""Transcript display: finals with time, speaker and question, highlighted vocabulary/tools/numbers,
the partial text of the current utterance in grey, click on a segment to seek the replay."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.i18n import _
from app.services.capture import Highlight, format_clock, highlights, speaker_label

KIND_STYLE = {
    "term": "background-color:#fff2b3;",
    "tool": "background-color:#d4ecff;",
    "number": "color:#b03a2e;font-weight:bold;",
}


@dataclass(frozen=True)
class ShownSegment:
    start_s: float
    end_s: float
    speaker: str
    text: str
    question_index: int | None


def marked_up(text: str, found: list[Highlight]) -> str:
    out: list[str] = []
    pos = 0
    for h in found:
        out.append(escape(text[pos:h.start]))
        out.append(f'<span style="{KIND_STYLE.get(h.kind, "")}">{escape(text[h.start:h.end])}</span>')
        pos = h.end
    out.append(escape(text[pos:]))
    return "".join(out)


class TranscriptView(QTextBrowser):
    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.setAccessibleName(_("Transcript"))
        self.vocabulary: tuple[str, ...] = ()
        self.segments: list[ShownSegment] = []
        self._html: list[str] = []
        self._partial = ""
        self._current = -1
        self._placeholder = _("The transcript appears here while the candidate speaks.")
        self._render()

    # -------------------------------------------------------------- content
    def set_vocabulary(self, terms: tuple[str, ...]) -> None:
        self.vocabulary = tuple(terms)

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self._render()

    def clear_segments(self) -> None:
        self.segments, self._html, self._partial, self._current = [], [], "", -1
        self._render()

    def set_segments(self, rows: list[ShownSegment]) -> None:
        self.segments = list(rows)
        self._html = [self._segment_html(i, s) for i, s in enumerate(self.segments)]
        self._partial = ""
        self._current = -1
        self._render()

    def add_segment(self, seg: ShownSegment) -> None:
        self.segments.append(seg)
        self._html.append(self._segment_html(len(self.segments) - 1, seg))
        self._partial = ""
        self._render()

    def set_partial(self, text: str) -> None:
        self._partial = text
        self._render()

    def set_position(self, seconds: float) -> None:
        """Mark the segment being replayed."""
        index = next((i for i, s in enumerate(self.segments) if s.start_s <= seconds < s.end_s + 0.3), -1)
        if index != self._current:
            self._current = index
            self._render(scroll=False)

    def plain_text(self) -> str:
        return "\n".join(s.text for s in self.segments)

    # -------------------------------------------------------------- rendering
    def _segment_html(self, index: int, seg: ShownSegment) -> str:
        who = speaker_label(seg.speaker)
        q = _("Q{n}").format(n=seg.question_index) if seg.question_index is not None else ""
        meta = " · ".join(x for x in (format_clock(seg.start_s), q, who) if x)
        body = marked_up(seg.text, highlights(seg.text, self.vocabulary))
        return (f'<p><a href="seg:{index}" style="color:#607080;text-decoration:none;">[{escape(meta)}]</a> '
                f"{body}</p>")

    def _render(self, scroll: bool = True) -> None:
        parts = []
        for i, html in enumerate(self._html):
            parts.append(f'<div style="background-color:#e8f0ff;">{html}</div>' if i == self._current else html)
        if self._partial:
            parts.append(f'<p style="color:#909090;">{escape(self._partial)} …</p>')
        if not parts:
            parts.append(f'<p style="color:#909090;">{escape(self._placeholder)}</p>')
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        old = bar.value()
        self.setHtml("".join(parts))
        if scroll and at_end:
            self.moveCursor(QTextCursor.MoveOperation.End)
            bar.setValue(bar.maximum())
        else:
            bar.setValue(old)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("seg:"):
            index = int(text[4:])
            if 0 <= index < len(self.segments):
                self.seek_requested.emit(self.segments[index].start_s)
