"""Latest-frame video display with indicators (face in view, looking at the camera) and a face box."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.i18n import _


class VideoView(QWidget):
    """Shows the newest frame only; ``set_frame`` is called from the GUI thread with a QImage copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._obs: Any = None
        self._message = _("No video")
        self.frames_shown = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.setAccessibleName(_("Video preview"))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(480, 360)

    def set_message(self, text: str) -> None:
        self._image = None
        self._obs = None
        self._message = text
        self.update()

    def set_frame(self, image: QImage, observation: Any = None) -> None:
        self._image = image
        self._obs = observation
        self.frames_shown += 1
        self.update()

    def indicators(self) -> list[tuple[str, bool]]:
        """(label, on) pairs drawn over the picture; empty without analysis."""
        if self._obs is None:
            return []
        return [(_("Face in view"), bool(self._obs.face_present)),
                (_("Looking at the camera"), bool(self._obs.looking_at_camera))]

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#101010"))
        if self._image is None:
            p.setPen(QColor("#c0c0c0"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
            p.end()
            return
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / max(1, iw), self.height() / max(1, ih))
        w, h = iw * scale, ih * scale
        target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        p.drawImage(target, self._image)
        obs = self._obs
        if obs is not None and getattr(obs, "face_box", None):
            x, y, bw, bh = obs.face_box
            p.setPen(QPen(QColor("#3cb371") if obs.looking_at_camera else QColor("#f0a30a"), 2))
            p.drawRect(QRectF(target.left() + x * scale, target.top() + y * scale, bw * scale, bh * scale))
        font = QFont(p.font())
        font.setPointSize(max(8, font.pointSize()))
        p.setFont(font)
        y0 = target.top() + 6
        for label, on in self.indicators():
            text = ("● " if on else "○ ") + label
            rect = QRectF(target.left() + 6, y0, 200, 20)
            p.fillRect(rect.adjusted(-3, 0, 0, 0), QColor(0, 0, 0, 140))
            p.setPen(QColor("#3cb371") if on else QColor("#d9534f"))
            p.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
            y0 += 22
        p.end()
