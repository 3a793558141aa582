"""The marker layer of :class:`widgets.grid_map.GridMapView`: live points indexed by key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

_UNTRANSFORMED = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations


@dataclass(frozen=True, slots=True)
class MapMarker:
    """One point of the map, drawn as a small circle of constant on-screen size.

    ``visible=False`` hides the marker whatever the key filter says.
    """

    key: str
    lon: float
    lat: float
    color: QColor | str
    tooltip: str = ""
    visible: bool = True


class MarkerLayer:
    """One circle item per marker under a parent layer item, plus the selection ring.

    The circles ignore the view's transformations, so they keep ``radius`` pixels on screen.
    Updates touch only the items of the markers passed in, and only the properties that changed.

    Parameters
    ----------
    parent : QGraphicsItem
        Item that owns the circles (hiding it hides them all).
    ring : QGraphicsEllipseItem
        Item drawn around the selected marker; the layer moves and shows or hides it.
    project : callable
        ``project(lon, lat) -> QPointF``, the view's projection.
    radius : float
        Radius of a marker on screen, in pixels.
    """

    def __init__(
        self,
        parent: QGraphicsItem,
        ring: QGraphicsEllipseItem,
        project: Callable[[float, float], QPointF],
        radius: float,
    ) -> None:
        self._parent = parent
        self._ring = ring
        self._project = project
        self._rect = QRectF(-radius, -radius, 2 * radius, 2 * radius)
        ring.setRect(self._rect.adjusted(-4, -4, 4, 4))
        ring.setFlag(_UNTRANSFORMED)
        ring.setVisible(False)
        self._pen = QPen(QColor(255, 255, 255, 220), 1.0)
        self._items: dict[str, QGraphicsEllipseItem] = {}
        self._data: dict[str, MapMarker] = {}
        # id(item) -> key: the items are kept alive here, so ids are stable; no QVariant per item.
        self._keys: dict[int, str] = {}
        self._brushes: dict[str | int, QBrush] = {}
        self._filter: frozenset[str] | None = None
        self.selected: str | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def replace(self, markers: Sequence[MapMarker], within: QRectF) -> bool:
        """Make ``markers`` the whole set, reusing items whose key stays; see :meth:`update`."""
        wanted = {marker.key for marker in markers}
        self.remove([key for key in self._items if key not in wanted])
        return self.update(markers, within)

    def update(self, markers: Iterable[MapMarker], within: QRectF) -> bool:
        """Add or update markers by key; return whether one now lies outside ``within``."""
        outside = False
        for marker in markers:
            item = self._items.get(marker.key)
            old = self._data.get(marker.key)
            self._data[marker.key] = marker
            if item is None:
                item = QGraphicsEllipseItem(self._rect, self._parent)
                item.setFlag(_UNTRANSFORMED)
                item.setPen(self._pen)
                self._items[marker.key] = item
                self._keys[id(item)] = marker.key
            if old is None or (old.lon, old.lat) != (marker.lon, marker.lat):
                point = self._project(marker.lon, marker.lat)
                item.setPos(point)
                outside = outside or not within.contains(point)
            if old is None or old.color != marker.color:
                item.setBrush(self._brush(marker.color))
            if old is None or old.tooltip != marker.tooltip:
                item.setToolTip(marker.tooltip)
            self._show(item, marker)
            if marker.key == self.selected:
                self.sync_ring()
        return outside

    def remove(self, keys: Iterable[str]) -> None:
        """Remove the markers with these keys (unknown keys are ignored)."""
        scene = self._parent.scene()
        for key in keys:
            item = self._items.pop(key, None)
            if item is None:
                continue
            del self._data[key]
            del self._keys[id(item)]
            scene.removeItem(item)
            if key == self.selected:
                self.sync_ring()

    def set_filter(self, keys: frozenset[str] | None) -> None:
        """Show only markers whose key is in ``keys`` (None: no key filter)."""
        self._filter = keys
        for key, marker in self._data.items():
            self._show(self._items[key], marker)
        self.sync_ring()

    def reproject(self) -> None:
        """Move every marker after the projection changed."""
        for key, marker in self._data.items():
            self._items[key].setPos(self._project(marker.lon, marker.lat))
        self.sync_ring()

    def select(self, key: str | None) -> None:
        """Ring the marker ``key`` and raise it; a key with no marker yet is ringed on arrival."""
        previous = self._items.get(self.selected) if self.selected is not None else None
        if previous is not None:
            previous.setZValue(0)
        self.selected = key
        self.sync_ring()

    def sync_ring(self) -> None:
        """Put the ring on the selected marker, or hide it when that marker is not shown."""
        item = self._items.get(self.selected) if self.selected is not None else None
        if item is None or not item.isVisible():
            self._ring.setVisible(False)
            return
        item.setZValue(1)
        self._ring.setPos(item.pos())
        self._ring.setVisible(True)

    def key_of(self, item: QGraphicsItem) -> str | None:
        """Return the key of a marker item shown on the map, or None for any other item."""
        key = self._keys.get(id(item))
        return key if key is not None and item.isVisible() else None

    def item(self, key: str) -> QGraphicsEllipseItem | None:
        """Return the circle of a marker, or None."""
        return self._items.get(key)

    def positions(self, *, shown_only: bool) -> list[QPointF]:
        """Return the scene positions of all (or only the shown) markers."""
        return [item.pos() for item in self._items.values() if item.isVisible() or not shown_only]

    def _show(self, item: QGraphicsEllipseItem, marker: MapMarker) -> None:
        shown = marker.visible and (self._filter is None or marker.key in self._filter)
        if item.isVisible() != shown:
            item.setVisible(shown)

    def _brush(self, color: QColor | str) -> QBrush:
        # One brush per colour: 10k markers in four light colours share four brushes.
        cache_key: str | int = color if isinstance(color, str) else color.rgba()
        brush = self._brushes.get(cache_key)
        if brush is None:
            brush = self._brushes[cache_key] = QBrush(QColor(color))
        return brush
