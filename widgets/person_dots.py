"""Many named dots drawn by one graphics item: the painter of :mod:`widgets.map_people`.

Each person is one pre-rendered pixmap (a "sprite": the rounded square dot and the name on
its plate) blitted unscaled at the device position of the person's scene point, so people keep
their size at any zoom.  A refresh replaces a few lists and repaints; it does not move 500
items through the scene's index, and a paint draws 500 pixmaps, not 1,500 cached items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QTextLayout,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneHelpEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

__all__ = ["PersonDots"]

_PLATE_GAP = 3.0  # pixels between the dot and its name plate
_PAD_X, _PAD_Y = 3.0, 1.0  # the plate around the name, pixels


@dataclass(frozen=True, slots=True)
class _Shape:
    """Where a sprite's pixels lie around the dot's centre, logical pixels (integers)."""

    left: int
    top: int
    width: int
    height: int


class PersonDots(QGraphicsObject):
    """Every person of a layer as one item: dots with their names, and their tooltips.

    The item claims the whole world as its bounding rect (as the basemap's tiles do): what
    it draws lies a fixed number of *pixels* from each point, so no rect in scene units fits
    at every zoom, and a rect that is too small would leave trails or cut names at the edges.
    A paint draws only the sprites that meet the exposed rect.

    Parameters
    ----------
    parent : QGraphicsItem
        The layer's root (hiding it hides every person).
    world : QRectF
        The projected world, in the parent's coordinates.
    radius : float
        The dot's half width on screen, pixels.
    font : QFont
        The names' font.
    """

    def __init__(self, parent: QGraphicsItem, world: QRectF, radius: float,
                 font: QFont) -> None:
        super().__init__(parent)
        self._world = world.normalized()
        self._bounds = self._grown(self._world)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # drags pan the map beneath
        self._radius = radius
        self._font = QFont(font)
        self._dot = QPainterPath()
        # A rounded square, not the case markers' circle: people and cases tell apart at once.
        self._dot.addRoundedRect(QRectF(-radius, -radius, 2 * radius, 2 * radius), 3, 3)
        self._outline = QPen(QColor(255, 255, 255, 240), 2.0)
        # Names on a dark plate in white: readable on the light and dark maps and on tiles.
        self._plate = QBrush(QColor(20, 24, 28, 190))
        self._ink = QPen(QColor("white"))
        self._xs: list[float] = []
        self._ys: list[float] = []
        self._looks: list[tuple[str, str]] = []
        self._tips: list[str] = []
        self._shapes: dict[tuple[str, str], _Shape] = {}
        self._sprites: dict[tuple[str, str, float], QPixmap] = {}
        # The per-person pixmaps of the last paint's pixel ratio, until the looks change.
        self._drawn: tuple[float, list[QPixmap], list[_Shape]] | None = None
        self._reach = (0, 0, 0, 0)  # the sprites' extreme left, top, right, bottom
        scene = parent.scene()
        if scene is not None:  # the scene answers tooltips: see eventFilter
            scene.installEventFilter(self)

    # -- content -------------------------------------------------------------------------------

    def set_people(self, points: Sequence[QPointF], looks: Sequence[tuple[str, str]],
                   tips: Sequence[str]) -> None:
        """Draw a sprite per (colour, label) of ``looks`` at ``points``; later ones on top."""
        self._xs = xs = [p.x() for p in points]
        self._ys = ys = [p.y() for p in points]
        if xs:
            low, high = QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys))
            if not (self._bounds.contains(low) and self._bounds.contains(high)):
                # Someone off the world (a projection that is not lon/lat's): the rect grows.
                self.prepareGeometryChange()
                self._bounds = self._grown(self._world.united(QRectF(low, high)))
        self._tips = list(tips)
        looks = list(looks)
        if looks != self._looks:  # (a refresh that only moves people keeps what they look like)
            self._set_looks(looks)
        self.update()

    def _set_looks(self, looks: list[tuple[str, str]]) -> None:
        self._looks = looks
        shapes = {look: self._shapes.get(look) or self._measure(look[1]) for look in looks}
        self._shapes = shapes
        self._sprites = {k: v for k, v in self._sprites.items() if (k[0], k[1]) in shapes}
        self._drawn = None
        values = shapes.values()
        self._reach = (min((s.left for s in values), default=0),
                       min((s.top for s in values), default=0),
                       max((s.left + s.width for s in values), default=0),
                       max((s.top + s.height for s in values), default=0))

    @staticmethod
    def _grown(rect: QRectF) -> QRectF:
        """``rect`` with half its size around: room for the names at the world's edges."""
        half = max(rect.width(), rect.height()) / 2
        return rect.adjusted(-half, -half, half, half)

    def _measure(self, label: str) -> _Shape:
        """The sprite's extent: the dot (its outline and a pixel of antialiasing), the plate."""
        edge = math.ceil(self._radius + 2)
        if not label:
            return _Shape(-edge, -edge, 2 * edge, 2 * edge)
        width, height, _layout = self._text(label)
        plate_left = self._radius + _PLATE_GAP
        half = height / 2 + _PAD_Y
        right = max(edge, math.ceil(plate_left + width + 2 * _PAD_X))
        top = min(-edge, math.floor(-half))
        bottom = max(edge, math.ceil(half))
        return _Shape(-edge, top, right + edge, bottom - top)

    def _text(self, label: str) -> tuple[float, float, QTextLayout]:
        """The name laid out as QGraphicsSimpleTextItem lays it out: width, height, layout."""
        layout = QTextLayout(label, self._font)
        layout.beginLayout()
        line = layout.createLine()
        layout.endLayout()
        return line.naturalTextWidth(), line.height(), layout

    def _render(self, look: tuple[str, str], shape: _Shape, ratio: float) -> QPixmap:
        """The sprite of ``look`` for a device of pixel ratio ``ratio``."""
        color, label = look
        pixmap = QPixmap(math.ceil(shape.width * ratio), math.ceil(shape.height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing)
        painter.translate(-shape.left, -shape.top)
        painter.setPen(self._outline)
        painter.setBrush(QBrush(QColor(color)))
        painter.drawPath(self._dot)
        if label:
            width, height, layout = self._text(label)
            plate = QRectF(self._radius + _PLATE_GAP, -height / 2 - _PAD_Y,
                           width + 2 * _PAD_X, height + 2 * _PAD_Y)
            painter.fillRect(plate, self._plate)
            painter.setPen(self._ink)
            layout.draw(painter, QPointF(plate.left() + _PAD_X, plate.top() + _PAD_Y))
        painter.end()
        return pixmap

    def _pixmaps(self, ratio: float) -> tuple[list[QPixmap], list[_Shape]]:
        """Every person's sprite for ``ratio``, rendering the looks not drawn before."""
        if self._drawn is not None and self._drawn[0] == ratio:
            return self._drawn[1], self._drawn[2]
        shapes = [self._shapes[look] for look in self._looks]
        pixmaps = []
        for look, shape in zip(self._looks, shapes, strict=True):
            key = (look[0], look[1], ratio)
            pixmap = self._sprites.get(key)
            if pixmap is None:
                pixmap = self._sprites[key] = self._render(look, shape, ratio)
            pixmaps.append(pixmap)
        self._drawn = (ratio, pixmaps, shapes)
        return pixmaps, shapes

    # -- QGraphicsItem ------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:  # noqa: N802
        """The whole world and a margin (see the class's note)."""
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        """Blit the sprites whose pixels meet the exposed rect, at whole device pixels."""
        del widget
        if not self._xs:
            return
        transform = painter.worldTransform()
        ratio = painter.device().devicePixelRatio()
        pixmaps, shapes = self._pixmaps(ratio)
        exposed = transform.mapRect(option.exposedRect)
        left, top, right, bottom = self._reach
        # A sprite's dot centre lies this far inside the exposed rect's device edges at most.
        x0, x1 = exposed.left() - right, exposed.right() - left
        y0, y1 = exposed.top() - bottom, exposed.bottom() - top
        m11, m12, m21, m22 = transform.m11(), transform.m12(), transform.m21(), transform.m22()
        dx, dy = transform.dx(), transform.dy()
        painter.save()
        painter.setWorldTransform(QTransform())
        draw = painter.drawPixmap
        for x, y, pixmap, shape in zip(self._xs, self._ys, pixmaps, shapes, strict=True):
            px = m11 * x + m21 * y + dx
            py = m12 * x + m22 * y + dy
            if x0 <= px <= x1 and y0 <= py <= y1:
                draw(round(px) + shape.left, round(py) + shape.top, pixmap)
        painter.restore()

    # -- tooltips ------------------------------------------------------------------------------

    def index_at(self, view: QGraphicsView, pos: QPointF) -> int | None:
        """The topmost person whose sprite covers viewport point ``pos`` of ``view``."""
        if not self._xs or not self.isVisible():
            return None
        transform = self.deviceTransform(view.viewportTransform())
        shapes = [self._shapes[look] for look in self._looks]
        cx, cy = pos.x(), pos.y()
        for i in range(len(self._xs) - 1, -1, -1):
            shape = shapes[i]
            p = transform.map(QPointF(self._xs[i], self._ys[i]))
            left, top = round(p.x()) + shape.left, round(p.y()) + shape.top
            if left <= cx < left + shape.width and top <= cy < top + shape.height:
                return i
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Before the scene answers a tooltip request, take the tooltip of the dot there.

        The scene shows the tooltip of the topmost item at the point that has one; this item
        is everywhere, so its tooltip is the person's under the cursor, or empty (then a case
        marker's beneath is shown).
        """
        if event.type() == QEvent.Type.GraphicsSceneHelp and isinstance(
                event, QGraphicsSceneHelpEvent):
            view = event.widget().parentWidget() if event.widget() is not None else None
            tip = ""
            if isinstance(view, QGraphicsView):
                index = self.index_at(view, QPointF(view.mapFromScene(event.scenePos())))
                tip = "" if index is None else self._tips[index]
            self.setToolTip(tip)
        return super().eventFilter(watched, event)
