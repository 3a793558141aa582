"""Fill map polygons by class colour (a choropleth), mark points with counts, show a legend.

Works on any :class:`~PySide6.QtWidgets.QGraphicsScene` whose coordinates come from a
``to_scene(lon, lat)`` function (the grid map's): the fills are items of their own above the
map's cells and below its markers, so the map's cells, labels and markers are untouched.

Colour choices: a sequential ramp (ColorBrewer YlOrRd, five classes) reads as "more" from pale
to dark red on a dark and on a light background alike, and its steps stay apart for the
common colour-vision deficiencies; a diverging ramp (RdBu, reversed: blue fewer, red more)
shows a change against an earlier period, with white-ish grey at no change.  Classes are
quantiles of the values shown (a few busy cells do not wash every other cell into one class).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QSizePolicy,
    QWidget,
)

__all__ = [
    "DIVERGING",
    "SEQUENTIAL",
    "ChoroplethLayer",
    "PointMark",
    "RampLegend",
    "class_of",
    "quantile_breaks",
]

SEQUENTIAL: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
"""YlOrRd, five classes: few → many."""

DIVERGING: tuple[str, ...] = ("#2166ac", "#67a9cf", "#d1d1d1", "#ef8a62", "#b2182b")
"""RdBu reversed, five classes: much fewer, fewer, about the same, more, much more."""

ToScene = Callable[[float, float], QPointF]


def quantile_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Upper bounds of up to ``classes`` classes of ``values`` (ascending, distinct).

    The last bound is the largest value; equal quantiles merge, so three distinct values
    give at most three classes.
    """
    data = sorted(v for v in values if not math.isnan(v))
    if not data:
        return []
    bounds: list[float] = []
    for k in range(1, classes + 1):
        bound = data[min(len(data) - 1, math.ceil(k * len(data) / classes) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def class_of(value: float, breaks: Sequence[float]) -> int:
    """Index of the class of ``value`` (the first bound it does not exceed; the last class
    for anything above)."""
    for i, bound in enumerate(breaks):
        if value <= bound:
            return i
    return max(len(breaks) - 1, 0)


@dataclass(frozen=True, slots=True)
class PointMark:
    """A marked point with a number on it (e.g. reports at one place)."""

    key: str
    lon: float
    lat: float
    count: int
    tooltip: str = ""


def _layer(scene: QGraphicsScene, z: float) -> QGraphicsRectItem:
    layer = QGraphicsRectItem()
    layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
    layer.setZValue(z)
    scene.addItem(layer)
    return layer


class ChoroplethLayer:
    """Polygon fills and counted point marks on a scene.

    Parameters
    ----------
    scene : QGraphicsScene
        The map's scene.
    to_scene : callable
        ``(lon, lat) -> QPointF``: the map's projection.
    fill_z, mark_z : float
        Stacking of the fills (above the map's cells) and of the marks (above its markers).
    """

    def __init__(self, scene: QGraphicsScene, to_scene: ToScene, *, fill_z: float = 0.5,
                 mark_z: float = 2.5) -> None:
        self._to_scene = to_scene
        self._fills = _layer(scene, fill_z)
        self._marks = _layer(scene, mark_z)
        self._rings: dict[str, tuple[tuple[float, float], ...]] = {}
        self._items: dict[str, QGraphicsPathItem] = {}
        self._mark_items: dict[str, QGraphicsEllipseItem] = {}
        self._points: dict[str, PointMark] = {}
        self.alpha = 190
        self.mark_radius = 11.0
        self._ink = QColor("#212121")

    def set_polygons(self, rings: Mapping[str, Sequence[tuple[float, float]]]) -> None:
        """The polygons that may be filled, by key, as (lon, lat) rings."""
        self._rings = {k: tuple(r) for k, r in rings.items()}

    def set_fills(self, colours: Mapping[str, str | QColor],
                  tooltips: Mapping[str, str] | None = None) -> None:
        """Fill these polygons (others are left clear); items are reused by key."""
        tips = tooltips or {}
        for key in list(self._items):
            if key not in colours:
                self._fills.scene().removeItem(self._items.pop(key))
        for key, colour in colours.items():
            ring = self._rings.get(key)
            if ring is None:
                continue
            item = self._items.get(key)
            if item is None:
                path = QPainterPath()
                path.addPolygon(QPolygonF([self._to_scene(lon, lat) for lon, lat in ring]))
                path.closeSubpath()
                item = QGraphicsPathItem(path, self._fills)
                item.setPen(QPen(Qt.PenStyle.NoPen))
                self._items[key] = item
            fill = QColor(colour)
            fill.setAlpha(self.alpha)
            item.setBrush(QBrush(fill))
            item.setToolTip(tips.get(key, ""))

    def fill_of(self, key: str) -> QColor | None:
        """The colour a polygon is filled with now (None: not filled)."""
        item = self._items.get(key)
        return None if item is None else item.brush().color()

    @property
    def filled(self) -> list[str]:
        """Keys of the filled polygons."""
        return sorted(self._items)

    def set_marks(self, marks: Sequence[PointMark], colour: str | QColor = "#6a1b9a") -> None:
        """Replace the point marks: a ring with the count in it, the same size at every zoom."""
        for item in self._mark_items.values():
            self._marks.scene().removeItem(item)
        self._mark_items.clear()
        self._points = {m.key: m for m in marks}
        r = self.mark_radius
        font = QFont()
        font.setBold(True)
        for mark in marks:
            item = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r, self._marks)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setPos(self._to_scene(mark.lon, mark.lat))
            item.setBrush(QBrush(QColor(colour)))
            item.setPen(QPen(QColor("#ffffff"), 2))
            item.setToolTip(mark.tooltip)
            text = QGraphicsSimpleTextItem(str(mark.count), item)
            text.setFont(font)
            text.setBrush(QColor("#ffffff"))
            box = text.boundingRect()
            text.setPos(-box.width() / 2, -box.height() / 2)
            self._mark_items[mark.key] = item

    @property
    def marks(self) -> list[str]:
        """Keys of the point marks."""
        return list(self._mark_items)

    def mark_scene_pos(self, key: str) -> QPointF | None:
        """Scene position of a mark (None: no such mark)."""
        item = self._mark_items.get(key)
        return None if item is None else item.pos()

    def mark_near(self, lon: float, lat: float, view_scale: float,
                  tolerance_px: float | None = None) -> str | None:
        """The mark within its radius (in pixels at ``view_scale`` px per scene unit) of a
        point, nearest first; None when there is none."""
        reach = (tolerance_px if tolerance_px is not None else self.mark_radius) / view_scale
        at = self._to_scene(lon, lat)
        best: tuple[float, str] | None = None
        for key, item in self._mark_items.items():
            d = math.hypot(item.pos().x() - at.x(), item.pos().y() - at.y())
            if d <= reach and (best is None or d < best[0]):
                best = (d, key)
        return None if best is None else best[1]

    def set_visible(self, shown: bool) -> None:
        """Show or hide the fills and the marks together."""
        self._fills.setVisible(shown)
        self._marks.setVisible(shown)

    @property
    def visible(self) -> bool:
        """Whether the layer is shown."""
        return self._fills.isVisible()

    def clear(self) -> None:
        """Remove every fill and mark."""
        self.set_fills({})
        self.set_marks([])


class RampLegend(QWidget):
    """A row of colour swatches, each with its class label, for a choropleth.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._classes: list[tuple[QColor, str]] = []
        self._ink = self.palette().color(self.foregroundRole())
        self._font: QFont | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_classes(self, classes: Sequence[tuple[str | QColor, str]]) -> None:
        """The swatches, in order: (colour, label)."""
        self._classes = [(QColor(c), text) for c, text in classes]
        self.updateGeometry()
        self.update()

    @property
    def labels(self) -> list[str]:
        """The class labels shown."""
        return [text for _c, text in self._classes]

    def set_foreground(self, color: QColor | str) -> None:
        """Text colour for the theme."""
        self._ink = QColor(color)
        self.update()

    def set_label_font(self, font: QFont) -> None:
        """The labels' font (a style sheet's font would otherwise win over ``setFont``)."""
        self._font = QFont(font)
        self.updateGeometry()
        self.update()

    def _metrics(self) -> QFontMetrics:
        return QFontMetrics(self._font) if self._font is not None else self.fontMetrics()

    def _swatch(self) -> int:
        return self._metrics().height()

    def sizeHint(self) -> QSize:  # noqa: N802
        metrics = self._metrics()
        sw = self._swatch()
        width = sum(sw + 4 + metrics.horizontalAdvance(t) + 10 for _c, t in self._classes)
        return QSize(max(width, 10), sw + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        if self._font is not None:
            painter.setFont(self._font)
        metrics = self._metrics()
        sw = self._swatch()
        x = 0
        y = (self.height() - sw) // 2
        for colour, text in self._classes:
            painter.setPen(QPen(self._ink, 1))
            painter.setBrush(colour)
            painter.drawRect(QRectF(x + 0.5, y + 0.5, sw - 1, sw - 1))
            x += sw + 4
            painter.drawText(QRectF(x, 0, metrics.horizontalAdvance(text) + 2, self.height()),
                             int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                             text)
            x += metrics.horizontalAdvance(text) + 10
        painter.end()
