"""An MBTiles file of GENERATED test tiles: drawings of streets, a river and parks over a box,
each tile marked "generated test tile z/x/y" — never a real city's map.

Streets are drawn in lon/lat, so they run on across tile edges as a real basemap's do; the
drawing is made up (a street every 0.004°, a main road every 0.02°, a sine-shaped river).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from widgets.tiles.grid import Bounds, Matrix, tile_bounds, tiles_in_bbox
from widgets.tiles.mbtiles import MBTiles

GROUND, STREET, CASING, MAIN = "#f2efe9", "#ffffff", "#d0c8bc", "#f7d58b"
WATER, PARK, NOTE = "#aad3df", "#c8e6b0", "#9a9080"


def _png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def draw_tile(matrix: Matrix, z: int, x: int, y: int) -> bytes:
    """One 256 px tile of the made-up town."""
    w, s, e, n = tile_bounds(matrix, z, x, y)

    def px(lon: float, lat: float) -> QPointF:
        return QPointF((lon - w) / (e - w) * 256, (n - lat) / (n - s) * 256)

    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(GROUND))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    scale = 256 / (e - w) * 0.0001  # pixels per 0.0001° (about 10 m)
    # parks: every third block of the main-road grid
    for i in range(math.floor(w / 0.02), math.ceil(e / 0.02) + 1):
        for j in range(math.floor(s / 0.02), math.ceil(n / 0.02) + 1):
            if (i + 2 * j) % 3 == 0:
                corner = px(i * 0.02 + 0.006, j * 0.02 + 0.014)
                far = px(i * 0.02 + 0.014, j * 0.02 + 0.006)
                p.fillRect(QRectF(corner, far), QColor(PARK))
    # the river: lat = 29.10 + 0.01·sin(lon / 0.01)
    river = QPainterPath()
    steps = 64
    for k in range(steps + 1):
        lon = w + (e - w) * (k / steps) * 1.2 - (e - w) * 0.1
        point = px(lon, 29.10 + 0.01 * math.sin(lon / 0.01))
        river.moveTo(point) if k == 0 else river.lineTo(point)
    p.setPen(QPen(QColor(WATER), max(2.0, 6 * scale)))
    p.drawPath(river)
    # streets: casing, then the fill; main roads on top
    for step, width, colour in ((0.004, 1.2, STREET), (0.02, 2.4, MAIN)):
        if step == 0.004 and z < 14:
            continue
        for pen_colour, extra in ((CASING, 1.6), (colour, 0.0)):
            p.setPen(QPen(QColor(pen_colour), max(1.0, width * scale) + extra))
            for i in range(math.floor(w / step), math.ceil(e / step) + 1):
                p.drawLine(px(i * step, n + 1), px(i * step, s - 1))
            for j in range(math.floor(s / step), math.ceil(n / step) + 1):
                p.drawLine(px(w - 1, j * step), px(e + 1, j * step))
    p.setPen(QColor(NOTE))
    font = QFont()
    font.setPixelSize(9)
    p.setFont(font)
    p.drawText(QRectF(4, 240, 248, 14), Qt.AlignmentFlag.AlignLeft,
               f"generated test tile {z}/{x}/{y}")
    p.end()
    return _png(image)


def write_generated_mbtiles(path: Path, bbox: Bounds, zooms: range,
                            matrix: Matrix = "c") -> int:
    """Write the tiles covering ``bbox`` at ``zooms``; returns how many."""
    f = MBTiles(path, writable=True, matrix=matrix)
    count = 0
    for z in zooms:
        for x, y in tiles_in_bbox(matrix, z, bbox):
            f.put(z, x, y, draw_tile(matrix, z, x, y))
            count += 1
    f.set_metadata({"name": "generated test tiles", "minzoom": str(zooms[0]),
                    "maxzoom": str(zooms[-1]), "description": "generated drawings, not a map"})
    f.close()
    return count
