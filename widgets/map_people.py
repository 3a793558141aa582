"""People on a :class:`widgets.grid_map.GridMapView`: named dots and a track with its cursor.

Unlike the view's case markers, each person carries a name drawn beside the dot, and the
layer hides as a whole (one toggle for everyone).  Dots and names ignore the view's zoom; a
track is a polyline in scene units drawn with a cosmetic pen (one pixel wide at any zoom).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
)

from widgets.grid_map import _layer
from widgets.person_dots import PersonDots

_UNTRANSFORMED = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations

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
    """Named dots over a map, replaced as a whole by each refresh.

    One item draws everyone (:class:`widgets.person_dots.PersonDots`): a refresh that moves
    500 people costs a few lists and one repaint, not 1,500 items moved and blitted.

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
        font = QFont()
        font.setBold(True)
        world = QRectF(project(-180.0, 90.0), project(180.0, -90.0))
        self._dots = PersonDots(self._root, world, radius, font)
        self._shown: dict[str, PersonMarker] = {}
        self._points: dict[str, QPointF] = {}

    def __len__(self) -> int:
        return len(self._shown)

    def set_people(self, people: Sequence[PersonMarker]) -> None:
        """Make ``people`` the whole set (a key given twice: its last marker), drawn in order."""
        shown = {person.key: person for person in people}
        points = {key: self._project(p.lon, p.lat) for key, p in shown.items()}
        self._shown, self._points = shown, points
        values = shown.values()
        self._dots.set_people(list(points.values()), [(p.color, p.label) for p in values],
                              [p.tooltip for p in values])

    def set_visible(self, visible: bool) -> None:
        """Show or hide everyone."""
        self._root.setVisible(visible)

    @property
    def visible(self) -> bool:
        """Whether the layer is shown."""
        return self._root.isVisible()

    def label_of(self, key: str) -> str | None:
        """The name drawn beside ``key``'s dot (None: no such person)."""
        person = self._shown.get(key)
        return None if person is None else person.label

    def tooltip_of(self, key: str) -> str | None:
        """The dot's tooltip (None: no such person)."""
        person = self._shown.get(key)
        return None if person is None else person.tooltip

    def color_of(self, key: str) -> str | None:
        """The dot's colour as ``#rrggbb`` (None: no such person)."""
        person = self._shown.get(key)
        return None if person is None else QColor(person.color).name()

    def scene_pos(self, key: str) -> QPointF | None:
        """Where ``key``'s dot is in scene coordinates."""
        point = self._points.get(key)
        return None if point is None else QPointF(point)

    def key_at(self, view: QGraphicsView, pos: QPoint | QPointF) -> str | None:
        """The person drawn topmost at viewport point ``pos`` of ``view`` (None: nobody)."""
        index = self._dots.index_at(view, QPointF(pos))
        return None if index is None else list(self._shown)[index]


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
