"""Point assets (部件: manholes, street lights, bins …) on a map, painted by one item.

A county's inventory is tens of thousands of points; a megacity's hundreds of thousands.  One
``QGraphicsItem`` per point would make the scene's index and every repaint walk them all, so
:class:`ComponentLayer` is a single item: it keeps the points' scene coordinates in numpy
arrays, and a paint selects the ones inside the view with one vectorised mask and blits a
cached icon pixmap for each (one pixmap per kind, drawn once).  Below a zoom threshold it
draws nothing — a county-wide view of 50 000 dots says nothing — and beyond :attr:`MAX_DRAWN`
points in view it draws none either, saying so through :attr:`culled`.

Icons are high-contrast: a coloured shape per kind (circle, square, diamond, triangles,
hexagon …) with a white inner and a black outer outline, readable on a light or dark basemap
alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

__all__ = ["ComponentLayer", "ComponentPoint", "kind_icon"]

#: Colours of the kinds, in turn: strong hues that stay apart on light and dark tiles.
PALETTE = ("#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
           "#f032e6", "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#800000",
           "#aaffc3", "#808000")
SHAPES = ("circle", "square", "diamond", "up", "down", "hexagon")


@dataclass(frozen=True, slots=True)
class ComponentPoint:
    """One asset: a key, a (lon, lat) position and its kind (the icon's key)."""

    key: str
    lon: float
    lat: float
    kind: str


def _shape(shape: str, size: float) -> QPainterPath:
    r = size / 2
    path = QPainterPath()
    if shape == "circle":
        path.addEllipse(QPointF(0, 0), r, r)
        return path
    if shape == "square":
        path.addRect(QRectF(-r * 0.85, -r * 0.85, r * 1.7, r * 1.7))
        return path
    corners = {
        "diamond": [(0, -r), (r, 0), (0, r), (-r, 0)],
        "up": [(0, -r), (r, r * 0.8), (-r, r * 0.8)],
        "down": [(0, r), (r, -r * 0.8), (-r, -r * 0.8)],
        "hexagon": [(r * math.cos(a), r * math.sin(a))
                    for a in (math.pi / 3 * i for i in range(6))],
    }[shape]
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
    path.closeSubpath()
    return path


def kind_icon(index: int, size: int = 14, ratio: float = 1.0) -> QPixmap:
    """The icon of the ``index``-th kind: shape and colour in turn, outlined white and black."""
    pixmap = QPixmap(round((size + 4) * ratio), round((size + 4) * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate((size + 4) / 2, (size + 4) / 2)
    path = _shape(SHAPES[index % len(SHAPES)], size)
    painter.setPen(QPen(QColor("black"), 3.2))
    painter.drawPath(path)
    painter.setPen(QPen(QColor("white"), 1.4))
    painter.setBrush(QBrush(QColor(PALETTE[index % len(PALETTE)])))
    painter.drawPath(path)
    painter.end()
    return pixmap


class ComponentLayer(QGraphicsItem):
    """Asset icons over a map, culled to the view, drawn from a zoom threshold.

    Parameters
    ----------
    project : callable
        ``project(lon, lat) -> QPointF``: the map's projection.
    min_scale : float
        Pixels per scene unit below which nothing is drawn (the map's ``zoom``).
    icon : callable, optional
        ``icon(kind index, device pixel ratio) -> QPixmap``: the kinds' glyphs
        (default :func:`kind_icon`).

    Attributes
    ----------
    MAX_DRAWN : int
        The most icons one paint draws; with more in view it draws none (zoom in).
    """

    MAX_DRAWN = 20_000

    def __init__(self, project: Callable[[float, float], QPointF],
                 min_scale: float = 20_000.0,
                 icon: Callable[[int, float], QPixmap] | None = None) -> None:
        super().__init__()
        self._project = project
        # ``icon(kind index, device pixel ratio)``: another layer's own glyphs (the cameras').
        self._make_icon = icon or (lambda index, ratio: kind_icon(index, ratio=ratio))
        self.min_scale = min_scale
        self.setZValue(1.5)  # over the cells and their labels, under the case markers
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._points: list[ComponentPoint] = []
        self._xy = np.zeros((0, 2))
        self._kind_index = np.zeros(0, dtype=np.int32)
        self._shown = np.zeros(0, dtype=bool)
        self._kinds: list[str] = []
        self._icons: dict[tuple[int, float], QPixmap] = {}
        self._bounds = QRectF()
        self._hidden: frozenset[str] = frozenset()
        #: Points drawn by the last paint (0 below the threshold), and whether it gave up.
        self.drawn = 0
        self.culled = False

    # -- data --------------------------------------------------------------------------------

    def set_points(self, points: Sequence[ComponentPoint],
                   order: Sequence[str] = ()) -> None:
        """Replace every point; kinds get their icons in ``order``, then in sorted order.

        A fixed ``order`` keeps a kind's icon when the kinds present change (a layer whose
        kinds are states: 离线 keeps its colour when no camera is 未检 any more).
        """
        self.prepareGeometryChange()
        self._points = list(points)
        present = {p.kind for p in self._points}
        self._kinds = [*order, *sorted(present - set(order))]
        index = {k: i for i, k in enumerate(self._kinds)}
        self._kind_index = np.array([index[p.kind] for p in self._points], dtype=np.int32)
        self.reproject()

    def reproject(self) -> None:
        """The map's projection changed: recompute the scene positions."""
        self.prepareGeometryChange()
        scene = [self._project(p.lon, p.lat) for p in self._points]
        self._xy = np.array([(q.x(), q.y()) for q in scene], dtype=float).reshape(-1, 2)
        if len(self._xy):
            x0, y0 = self._xy.min(axis=0)
            x1, y1 = self._xy.max(axis=0)
            self._bounds = QRectF(x0, y0, x1 - x0, y1 - y0).adjusted(-1e-3, -1e-3, 1e-3, 1e-3)
        else:
            self._bounds = QRectF()
        self._apply_hidden()

    def set_hidden_kinds(self, kinds: Collection[str]) -> None:
        """Hide the points of these kinds (the others show)."""
        self._hidden = frozenset(kinds)
        self._apply_hidden()

    def _apply_hidden(self) -> None:
        hidden = [i for i, k in enumerate(self._kinds) if k in self._hidden]
        self._shown = ~np.isin(self._kind_index, hidden)
        self.update()

    def kinds(self) -> list[str]:
        """The kinds present, in icon order."""
        present = {p.kind for p in self._points}
        return [k for k in self._kinds if k in present]

    def icon(self, kind: str, ratio: float = 1.0) -> QPixmap:
        """The icon a kind is drawn with (for a legend)."""
        return self._icon(self._kinds.index(kind), ratio)

    def _icon(self, index: int, ratio: float) -> QPixmap:
        key = (index, ratio)
        if key not in self._icons:
            self._icons[key] = self._make_icon(index, ratio)
        return self._icons[key]

    def __len__(self) -> int:
        return len(self._points)

    def point(self, key: str) -> ComponentPoint | None:
        """The point with this key."""
        return next((p for p in self._points if p.key == key), None)

    def nearest(self, scene_point: QPointF, radius: float) -> ComponentPoint | None:
        """The shown point nearest ``scene_point`` within ``radius`` scene units, if drawn."""
        if not len(self._xy) or not self.isVisible():
            return None
        d = np.hypot(self._xy[:, 0] - scene_point.x(), self._xy[:, 1] - scene_point.y())
        d[~self._shown] = np.inf
        i = int(np.argmin(d))
        return self._points[i] if d[i] <= radius else None

    # -- painting ----------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:  # noqa: N802
        """Every point's position (icons keep their pixel size; the view pads the update)."""
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        """Blit the icons of the shown points inside the view (nothing below the threshold)."""
        self.drawn, self.culled = 0, False
        transform = painter.worldTransform()
        if widget is None or not len(self._xy) or transform.m11() < self.min_scale:
            return
        inverse, invertible = transform.inverted()
        if not invertible:
            return
        view = inverse.mapRect(QRectF(widget.rect()))
        pad = 12 / transform.m11()  # an icon's half width, in scene units
        x, y = self._xy[:, 0], self._xy[:, 1]
        inside = (self._shown & (x >= view.left() - pad) & (x <= view.right() + pad)
                  & (y >= view.top() - pad) & (y <= view.bottom() + pad))
        chosen = np.flatnonzero(inside)
        if len(chosen) > self.MAX_DRAWN:
            self.culled = True
            return
        ratio = widget.devicePixelRatioF()
        # Device positions in one affine step (the map has no rotation or shear).
        dx = x[chosen] * transform.m11() + transform.dx()
        dy = y[chosen] * transform.m22() + transform.dy()
        painter.save()
        painter.resetTransform()
        for i, px, py in zip(self._kind_index[chosen].tolist(), dx.tolist(), dy.tolist(),
                             strict=True):
            icon = self._icon(i, ratio)
            half = icon.width() / ratio / 2
            painter.drawPixmap(QPointF(px - half, py - half), icon)
        painter.restore()
        self.drawn = len(chosen)
