"""Pixel checks on grabbed widgets."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPixmap


def pixels(pixmap: QPixmap) -> np.ndarray:
    """Return the pixmap as an (height, width) array of 0xAARRGGBB integers."""
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    rows = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(
        image.height(), image.bytesPerLine() // 4
    )
    return rows[:, : image.width()].copy()


def is_blank(pixmap: QPixmap) -> bool:
    """Whether every pixel has the colour of the top-left one (the background)."""
    array = pixels(pixmap)
    return bool((array == array[0, 0]).all())


def count_near(pixmap: QPixmap, color: QColor | str, tolerance: int = 40) -> int:
    """Count the pixels within ``tolerance`` of ``color`` on each RGB channel."""
    target = QColor(color)
    array = pixels(pixmap)
    red = (array >> 16) & 0xFF
    green = (array >> 8) & 0xFF
    blue = array & 0xFF
    close = (
        (np.abs(red.astype(int) - target.red()) <= tolerance)
        & (np.abs(green.astype(int) - target.green()) <= tolerance)
        & (np.abs(blue.astype(int) - target.blue()) <= tolerance)
    )
    return int(close.sum())


def color_at(pixmap: QPixmap, x: int, y: int) -> QColor:
    """Return the colour of one pixel."""
    return pixmap.toImage().pixelColor(x, y)
