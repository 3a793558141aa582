"""A camera's map glyph: a camera body with its lens, in a state colour, outlined for any map.

Distinct from the components' geometric shapes (:func:`widgets.map_components.kind_icon`),
so a camera never reads as a manhole or a bin: a rounded body and a lens cone pointing right,
filled with the state's colour, a white inner and a black outer outline (readable on light and
dark tiles alike).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

__all__ = ["camera_icon", "camera_icons"]


def camera_icon(color: str, size: int = 18, ratio: float = 1.0) -> QPixmap:
    """The glyph filled with ``color`` (``size`` logical pixels wide, plus its outline)."""
    side = size + 6
    pixmap = QPixmap(round(side * ratio), round(side * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(side / 2, side / 2)
    r = size / 2
    path = QPainterPath()
    path.addRoundedRect(QRectF(-r, -r * 0.55, r * 1.25, r * 1.1), r * 0.2, r * 0.2)
    lens = QPolygonF([QPointF(r * 0.25, -r * 0.25), QPointF(r, -r * 0.6), QPointF(r, r * 0.6),
                      QPointF(r * 0.25, r * 0.25)])
    path.addPolygon(lens)
    path.closeSubpath()
    path = path.simplified()
    painter.setPen(QPen(QColor("black"), 3.2))
    painter.drawPath(path)
    painter.setPen(QPen(QColor("white"), 1.4))
    painter.setBrush(QBrush(QColor(color)))
    painter.drawPath(path)
    painter.end()
    return pixmap


def camera_icons(colors: Sequence[str]) -> Callable[[int, float], QPixmap]:
    """``icon(index, ratio)`` for a :class:`~widgets.map_components.ComponentLayer` whose kinds
    are drawn as cameras in ``colors`` (by kind index)."""

    def icon(index: int, ratio: float) -> QPixmap:
        return camera_icon(colors[index % len(colors)], ratio=ratio)

    return icon
