"""People on a :class:`widgets.grid_map.GridMapView`: named dots and a track with its cursor.

Unlike the view's case markers, each person carries a name drawn beside the dot, and the
layer hides as a whole (one toggle for everyone).  Dots and names ignore the view's zoom; a
track is a polyline in scene units drawn with a cosmetic pen (one pixel wide at any zoom).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
)

from widgets.grid_map import _layer

_UNTRANSFORMED = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
_CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache

__all__ = ["PersonLayer", "PersonMarker", "TrackLayer"]


@dataclass(frozen=True, slots=True)
class PersonMarker:
    """One person: a key, a (lon, lat) position, a colour, the name beside the dot, a tooltip."""

    key: str
    lon: float
    lat: float
    color: str
    label: str
    tooltip: str = ""


class PersonLayer:
    """Named dots over a map, updated in place by key.

    Parameters
    ----------
    scene : QGraphicsScene
        The map's scene.
    project : callable
        ``project(lon, lat) -> QPointF``: the map's projection.
    radius : float
        The dot's radius on screen, pixels.
    z : float
        Stacking order (the map's case markers are at 2).
    """

    def __init__(self, scene: QGraphicsScene, project: Callable[[float, float], QPointF],
                 radius: float = 6.0, z: float = 2.5) -> None:
        self._root = _layer(scene, z)  # hides the whole layer in one call
        self._project = project
        self._rect = QRectF(-radius, -radius, 2 * radius, 2 * radius)
        self._radius = radius
        self._items: dict[str, tuple[QGraphicsPathItem, QGraphicsSimpleTextItem]] = {}
        # A rounded square, not the case markers' circle: people and cases tell apart at once.
        self._shape = QPainterPath()
        self._shape.addRoundedRect(self._rect, 3, 3)
        self._shown: dict[str, PersonMarker] = {}
        self._pen = QPen(QColor(255, 255, 255, 240), 2.0)
        # Names on a dark plate in white: readable on the light and dark maps and on tiles.
        self._plate = QBrush(QColor(20, 24, 28, 190))
        self._ink = QBrush(QColor("white"))
        self._font = QFont()
        self._font.setBold(True)

    def __len__(self) -> int:
        return len(self._items)

    def set_people(self, people: Sequence[PersonMarker]) -> None:
        """Make ``people`` the whole set; items of kept keys are reused, changed ones updated."""
        wanted = {p.key for p in people}
        for key in [k for k in self._items if k not in wanted]:
            dot, _name = self._items.pop(key)
            self._shown.pop(key, None)
            scene = dot.scene()
            if scene is not None:
                scene.removeItem(dot)  # its name goes with it (a child)
        for person in people:
            before = self._shown.get(person.key)
            if before == person:
                continue
            pair = self._items.get(person.key)
            if pair is None:
                dot = QGraphicsPathItem(self._shape, self._root)
                dot.setFlag(_UNTRANSFORMED)
                # Painted once into a pixmap and blitted after: 500 antialiased dots with
                # their names cost a repaint ~30 ms; a move does not redraw the pixmap.
                dot.setCacheMode(_CACHED)
                dot.setPen(self._pen)
                plate = QGraphicsRectItem(dot)
                plate.setCacheMode(_CACHED)
                plate.setBrush(self._plate)
                plate.setPen(QPen(Qt.PenStyle.NoPen))
                name = QGraphicsSimpleTextItem(plate)
                # A child is not in its parent's cache: the name needs its own, or its glyphs
                # are shaped and drawn again on every repaint (≈ 12 ms for 500 names).
                name.setCacheMode(_CACHED)
                name.setFont(self._font)
                name.setBrush(self._ink)
                pair = (dot, name)
                self._items[person.key] = pair
            dot, name = pair
            dot.setPos(self._project(person.lon, person.lat))
            self._shown[person.key] = person
            if before is None or before.tooltip != person.tooltip:
                dot.setToolTip(person.tooltip)  # (no repaint: a tooltip is not drawn)
            if before is not None and (before.color, before.label) == (person.color,
                                                                       person.label):
                continue  # moved only: the cached pixmaps stay valid, no repaint into them
            dot.setBrush(QBrush(QColor(person.color)))
            name.setText(person.label)
            holder = name.parentItem()
            if isinstance(holder, QGraphicsRectItem):
                box = name.boundingRect()
                holder.setRect(QRectF(0, 0, box.width() + 6, box.height() + 2))
                holder.setPos(self._radius + 3, -box.height() / 2 - 1)
                name.setPos(3, 1)

    def set_visible(self, visible: bool) -> None:
        """Show or hide everyone."""
        self._root.setVisible(visible)

    @property
    def visible(self) -> bool:
        """Whether the layer is shown."""
        return self._root.isVisible()

    def label_of(self, key: str) -> str | None:
        """The name drawn beside ``key``'s dot (None: no such person)."""
        pair = self._items.get(key)
        return None if pair is None else pair[1].text()

    def tooltip_of(self, key: str) -> str | None:
        """The dot's tooltip (None: no such person)."""
        pair = self._items.get(key)
        return None if pair is None else pair[0].toolTip()

    def color_of(self, key: str) -> str | None:
        """The dot's colour as ``#rrggbb`` (None: no such person)."""
        pair = self._items.get(key)
        return None if pair is None else pair[0].brush().color().name()

    def scene_pos(self, key: str) -> QPointF | None:
        """Where ``key``'s dot is in scene coordinates."""
        pair = self._items.get(key)
        return None if pair is None else pair[0].pos()


class TrackLayer:
    """One person's track as a line, the part walked so far stronger, and a cursor dot.

    Parameters
    ----------
    scene : QGraphicsScene
    project : callable
        ``project(lon, lat) -> QPointF``.
    color : str
        The line's and the cursor's colour.
    """

    def __init__(self, scene: QGraphicsScene, project: Callable[[float, float], QPointF],
                 color: str = "#1e88e5") -> None:
        self._project = project
        self._points: list[QPointF] = []
        self._all = QGraphicsPathItem()
        self._all.setZValue(2.2)
        faint = QColor(color)
        faint.setAlpha(110)
        pen = QPen(faint, 2.0)
        pen.setCosmetic(True)
        self._all.setPen(pen)
        self._walked = QGraphicsPathItem()
        self._walked.setZValue(2.3)
        strong = QPen(QColor(color), 3.0)
        strong.setCosmetic(True)
        strong.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._walked.setPen(strong)
        self.cursor = QGraphicsEllipseItem(QRectF(-7, -7, 14, 14))
        self.cursor.setFlag(_UNTRANSFORMED)
        self.cursor.setZValue(2.6)
        self.cursor.setBrush(QBrush(QColor(color)))
        self.cursor.setPen(QPen(QColor("white"), 2.0))
        self.cursor.setVisible(False)
        for item in (self._all, self._walked, self.cursor):
            scene.addItem(item)

    def set_track(self, points: Sequence[tuple[float, float]]) -> None:
        """The whole track, (lon, lat) oldest first; the cursor goes to its start."""
        self._points = [self._project(lon, lat) for lon, lat in points]
        self._all.setPath(self._path(self._points))
        self.set_position(0)

    def set_position(self, index: int) -> None:
        """Put the cursor on fix ``index`` and draw the walk up to it."""
        if not self._points:
            self._walked.setPath(QPainterPath())
            self.cursor.setVisible(False)
            return
        index = max(0, min(index, len(self._points) - 1))
        self._walked.setPath(self._path(self._points[:index + 1]))
        self.cursor.setPos(self._points[index])
        self.cursor.setVisible(True)

    def bounds(self) -> QRectF:
        """The track's extent in scene coordinates (null when empty)."""
        return self._all.path().boundingRect() if self._points else QRectF()

    @staticmethod
    def _path(points: Sequence[QPointF]) -> QPainterPath:
        path = QPainterPath()
        if points:
            path.moveTo(points[0])
            for p in points[1:]:
                path.lineTo(p)
        return path
