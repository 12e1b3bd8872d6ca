"""A horizontal audio level meter (0..1), green → amber → red, with a slowly falling peak mark."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.i18n import _


class LevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._level = 0.0
        self._peak = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(_("Microphone level"))
        self.setAccessibleName(_("Microphone level"))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(200, 14)

    @property
    def level(self) -> float:
        return self._level

    def set_level(self, value: float) -> None:
        value = min(1.0, max(0.0, float(value)))
        self._level = value
        self._peak = max(value, self._peak - 0.02)
        self.update()

    def reset(self) -> None:
        self._level = self._peak = 0.0
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.fillRect(r, QColor("#202020"))
        w = r.width() * self._level
        color = QColor("#3cb371") if self._level < 0.7 else QColor("#f0a30a") if self._level < 0.9 else QColor("#d9534f")
        p.fillRect(QRectF(r.left(), r.top(), w, r.height()), color)
        x = r.left() + r.width() * self._peak
        p.setPen(QColor("#ffffff"))
        p.drawLine(int(x), int(r.top()), int(x), int(r.bottom()))
        p.setPen(Qt.GlobalColor.gray)
        p.drawRect(r)
        p.end()
