"""A vector map of grid cells and point markers, drawn without internet tiles."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from widgets.map_markers import MapMarker, MarkerLayer
from widgets.tiles.layer import Basemap

__all__ = ["GridMapView", "MapCell", "MapMarker"]

_UNTRANSFORMED = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
_MAX_PX_PER_DEGREE = 2.0e6  # about 0.06 m per pixel: deeper zoom shows nothing new
#: Milliseconds after the last pan or zoom before the map is drawn antialiased again.
SETTLE_MS = 200


@dataclass(frozen=True, slots=True)
class MapCell:
    """One polygon of the map: a key, its outer ring in (lon, lat), a label and a group."""

    key: str
    ring: tuple[tuple[float, float], ...]
    label: str = ""
    group: str = ""


def _layer(scene: QGraphicsScene, z: float) -> QGraphicsRectItem:
    """Return an empty item that parents one kind of item, so a layer hides in one call."""
    layer = QGraphicsRectItem()
    layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
    layer.setZValue(z)
    scene.addItem(layer)
    return layer


class GridMapView(QGraphicsView):
    """Map of grid cells (polygons) and live markers in an equirectangular projection.

    Scene coordinates are ``x = lon * cos(reference latitude)`` and ``y = -lat``, so the map keeps
    its proportions near the reference latitude (the middle of the cells). Markers ignore the
    view's zoom, so they keep their size on screen; cell labels appear only when a typical cell is
    at least :attr:`label_min_cell_px` pixels wide. Wheel zooms around the cursor, dragging pans.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    marker_radius : float
        Radius of a marker on screen, in pixels.

    Attributes
    ----------
    GROUP_PALETTE : tuple of str
        Tints for cell groups, used in turn; the app may replace it before :meth:`set_cells`.
    group_fill_alpha : int
        Opacity (0-255) of the group tint.
    label_min_cell_px : float
        On-screen width a typical cell needs before labels show.
    """

    GROUP_PALETTE: ClassVar[tuple[str, ...]] = (
        "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
    )  # fmt: skip

    marker_clicked = Signal(str)
    """
    The user clicked a marker.

    Parameters
    ----------
    key : str
        Key of the marker (the topmost one when markers overlap).
    """

    map_clicked = Signal(float, float)
    """
    The user clicked the map away from any marker.

    Parameters
    ----------
    lon : float
        Longitude of the click, in degrees.
    lat : float
        Latitude of the click, in degrees.
    """

    cell_clicked = Signal(str)
    """
    The user clicked inside a cell, away from any marker (emitted after ``map_clicked``).

    Parameters
    ----------
    key : str
        Key of the cell.
    """

    def __init__(self, parent: QWidget | None = None, *, marker_radius: float = 5.0) -> None:
        super().__init__(parent)
        self.group_fill_alpha = 40
        self.label_min_cell_px = 80.0
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        # While the view moves it is drawn without antialiasing: the cells' tinted polygons and
        # outlines then cost a frame over a basemap about half (docs/BENCHMARKS.md, the map's
        # pan and zoom).  SETTLE_MS after the last move it is drawn once more, smoothly.
        self._smooth = True
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._on_settle_timeout)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._cell_layer = _layer(self._scene, 0)
        self._label_layer = _layer(self._scene, 1)
        self._marker_layer = _layer(self._scene, 2)
        # Tiles under the cells (z -1); nothing drawn or said until set_source is called.
        self.basemap = Basemap(self, self._scene, self.to_scene, self.to_lonlat)
        self._foreground = self.palette().color(self.foregroundRole())
        self._cell_pen = QPen(self._foreground, 0)  # width 0: a 1 px hairline at every zoom
        self._ring = QGraphicsEllipseItem()
        self._ring.setZValue(3)
        self._scene.addItem(self._ring)
        self._kx = 1.0
        self._reference_lat: float | None = None
        self._cells: dict[str, QGraphicsPathItem] = {}
        self._cell_keys: dict[int, str] = {}  # id(item) -> key, as in MarkerLayer
        self._labels: list[QGraphicsSimpleTextItem] = []
        self._cell_bounds = QRectF()
        self._scene_rect = QRectF()
        self._typical_cell = 0.0
        self._markers = MarkerLayer(self._marker_layer, self._ring, self.to_scene, marker_radius)
        self._press_pos: QPoint | None = None
        self._cells_shown = True
        self.set_foreground(self._foreground)

    # -- projection ------------------------------------------------------------------------------

    def to_scene(self, lon: float, lat: float) -> QPointF:
        """Return the scene point of a (lon, lat) position."""
        return QPointF(lon * self._kx, -lat)

    def to_lonlat(self, scene_point: QPointF) -> tuple[float, float]:
        """Return the (lon, lat) of a scene point."""
        return scene_point.x() / self._kx, -scene_point.y()

    @property
    def reference_latitude(self) -> float | None:
        """Latitude whose scale the projection keeps (None until cells or markers are set)."""
        return self._reference_lat

    def _set_reference(self, lats: Iterable[float]) -> None:
        values = list(lats)
        if not values:
            return
        self._reference_lat = (min(values) + max(values)) / 2
        self._kx = math.cos(math.radians(self._reference_lat))
        self._markers.reproject()
        self.basemap.reproject()

    # -- cells -----------------------------------------------------------------------------------

    def set_cells(self, cells: Sequence[MapCell]) -> None:
        """Replace all cells; the projection is re-centred on their latitudes."""
        for item in self._cells.values():
            self._scene.removeItem(item)
        for label in self._labels:
            self._scene.removeItem(label)
        self._cells.clear()
        self._cell_keys.clear()
        self._labels.clear()
        self._set_reference(lat for cell in cells for _, lat in cell.ring)
        groups = sorted({cell.group for cell in cells if cell.group})
        tints = {group: self._group_brush(i) for i, group in enumerate(groups)}
        widths: list[float] = []
        bounds = QRectF()
        for cell in cells:
            polygon = QPolygonF([self.to_scene(lon, lat) for lon, lat in cell.ring])
            path = QPainterPath()
            path.addPolygon(polygon)
            path.closeSubpath()
            item = QGraphicsPathItem(path, self._cell_layer)
            item.setPen(self._cell_pen)
            item.setBrush(tints.get(cell.group, QBrush(Qt.BrushStyle.NoBrush)))
            self._cells[cell.key] = item
            self._cell_keys[id(item)] = cell.key
            rect = polygon.boundingRect()
            bounds = bounds.united(rect)
            widths.append(rect.width())
            if cell.label:
                self._add_label(cell.label, rect.center())
        self._cell_bounds = bounds
        self._typical_cell = statistics.median(widths) if widths else 0.0
        self._update_scene_rect()
        self._update_lod()

    def _group_brush(self, index: int) -> QBrush:
        color = QColor(self.GROUP_PALETTE[index % len(self.GROUP_PALETTE)])
        color.setAlpha(self.group_fill_alpha)
        return QBrush(color)

    def _add_label(self, text: str, at: QPointF) -> None:
        label = QGraphicsSimpleTextItem(text, self._label_layer)
        label.setFlag(_UNTRANSFORMED)
        label.setFont(self.font())
        label.setBrush(self._foreground)
        label.setPos(at)
        size = label.boundingRect()
        label.setTransform(QTransform.fromTranslate(-size.width() / 2, -size.height() / 2))
        self._labels.append(label)

    def set_cells_visible(self, visible: bool) -> None:
        """Show or hide the cells and their labels (a layer switcher's grid layer)."""
        self._cells_shown = visible
        self._cell_layer.setVisible(visible)
        self._update_lod()

    def set_markers_visible(self, visible: bool) -> None:
        """Show or hide every marker and the selection ring (a layer switcher's cases)."""
        self._marker_layer.setVisible(visible)
        self._markers.sync_ring()  # the ring follows its marker (hidden with its layer)

    @property
    def cells_visible(self) -> bool:
        """Whether the cell layer is on."""
        return self._cells_shown

    @property
    def cell_count(self) -> int:
        """Number of cells on the map."""
        return len(self._cells)

    @property
    def labels_visible(self) -> bool:
        """Whether the zoom is deep enough for cell labels to show."""
        return self._label_layer.isVisible()

    def cell_at(self, scene_point: QPointF) -> str | None:
        """Return the key of the cell containing a scene point, or None."""
        # With the view's transform, markers (which ignore it) are tested at their on-screen size.
        items = self._scene.items(
            scene_point,
            Qt.ItemSelectionMode.IntersectsItemShape,
            Qt.SortOrder.DescendingOrder,
            self.viewportTransform(),
        )
        for item in items:
            key = self._cell_keys.get(id(item))
            if key is not None:
                return key
        return None

    # -- markers ---------------------------------------------------------------------------------

    def set_markers(self, markers: Sequence[MapMarker]) -> None:
        """Replace all markers (items whose key stays are reused, the others are removed)."""
        if self._reference_lat is None:
            self._set_reference(marker.lat for marker in markers)
        if self._markers.replace(markers, self._scene_rect):
            self._update_scene_rect()

    def update_markers(self, markers: Iterable[MapMarker]) -> None:
        """Add or update the given markers by key, leaving all others untouched."""
        if self._reference_lat is None:
            markers = list(markers)
            self._set_reference(marker.lat for marker in markers)
        if self._markers.update(markers, self._scene_rect):
            self._update_scene_rect()

    def remove_markers(self, keys: Iterable[str]) -> None:
        """Remove the markers with these keys (unknown keys are ignored)."""
        self._markers.remove(keys)

    def set_visible_keys(self, keys: Iterable[str] | None) -> None:
        """Show only the markers whose key is in ``keys``; None lifts the filter.

        A marker also needs its own ``visible`` flag. The items stay; only visibility changes.
        """
        self._markers.set_filter(None if keys is None else frozenset(keys))

    @property
    def marker_count(self) -> int:
        """Number of markers, shown or not."""
        return len(self._markers)

    def marker_keys(self) -> list[str]:
        """Return the keys of all markers."""
        return list(self._markers)

    def is_marker_shown(self, key: str) -> bool:
        """Whether the marker exists and passes both its own flag and the key filter."""
        item = self._markers.item(key)
        return item is not None and item.isVisible()

    def marker_scene_pos(self, key: str) -> QPointF | None:
        """Return the scene position of a marker, or None when there is no such marker."""
        item = self._markers.item(key)
        return None if item is None else item.pos()

    def marker_at(self, view_pos: QPoint, tolerance: int = 3) -> str | None:
        """Return the key of the topmost shown marker near a viewport position, or None."""
        corner = QPoint(tolerance, tolerance)
        for item in self.items(QRect(view_pos - corner, view_pos + corner)):
            key = self._markers.key_of(item)
            if key is not None:
                return key
        return None

    # -- selection and navigation ----------------------------------------------------------------

    def set_selected(self, key: str | None) -> None:
        """Ring the marker ``key`` and draw it on top; None clears the selection.

        A key with no marker yet is remembered and ringed when that marker arrives.
        """
        self._markers.select(key)

    @property
    def selected_key(self) -> str | None:
        """Key passed to the last :meth:`set_selected`."""
        return self._markers.selected

    @property
    def highlight_visible(self) -> bool:
        """Whether the selection ring is drawn (the selected marker exists and is shown)."""
        return self._ring.isVisible()

    def center_on(self, key: str) -> bool:
        """Scroll so the marker, or else the cell, ``key`` is centred; return whether found."""
        marker = self._markers.item(key)
        cell = self._cells.get(key)
        if marker is not None:
            self.centerOn(marker.pos())
        elif cell is not None:
            self.centerOn(cell.boundingRect().center())
        return marker is not None or cell is not None

    def fit_all(self) -> None:
        """Zoom and scroll so all cells and shown markers fit in the view."""
        bounds = self._content_bounds(shown_only=True)
        if bounds.isNull():
            return
        self.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)
        self._update_lod()

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        """Zoom by ``factor`` (>1 zooms in), keeping the map still at viewport point ``anchor``.

        The anchor defaults to the centre of the view. The zoom stays between half of
        :meth:`fit_all` and about 0.06 m per pixel.
        """
        self._moving()
        current = self.transform().m11()
        target = min(max(current * factor, self._min_scale()), _MAX_PX_PER_DEGREE)
        centre = QPointF(self.viewport().rect().center())
        fixed = centre if anchor is None else QPointF(anchor)
        scene_fixed = self.mapToScene(fixed.toPoint())
        self.scale(target / current, target / current)
        # Anchored by hand: AnchorUnderMouse falls back to a stale point when the cursor is away.
        self.centerOn(scene_fixed + (centre - fixed) / target)
        self._update_lod()

    @property
    def zoom(self) -> float:
        """Current scale, in pixels per scene unit (about pixels per degree of latitude)."""
        return self.transform().m11()

    def _min_scale(self) -> float:
        bounds = self._content_bounds(shown_only=False)
        if bounds.isEmpty():
            return 1e-9
        viewport = self.viewport()
        return 0.5 * min(viewport.width() / bounds.width(), viewport.height() / bounds.height())

    def _content_bounds(self, *, shown_only: bool) -> QRectF:
        bounds = QRectF(self._cell_bounds)
        points = self._markers.positions(shown_only=shown_only)
        if points:
            xs = [p.x() for p in points]
            ys = [p.y() for p in points]
            box = QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys)))
            # Pad by ~10 m so that one marker, or markers on a line, still have an area.
            bounds = bounds.united(box.adjusted(-1e-4, -1e-4, 1e-4, 1e-4))
        return bounds

    def _update_scene_rect(self) -> None:
        # Set explicitly: items that ignore transformations would blow up itemsBoundingRect().
        bounds = self._content_bounds(shown_only=False)
        if bounds.isNull():
            return
        # A wide margin, so that any point of the map can be panned to the centre of the view.
        margin = max(bounds.width(), bounds.height(), 1e-3)
        self._scene_rect = bounds.adjusted(-margin, -margin, margin, margin)
        self._scene.setSceneRect(self._scene_rect)

    def _update_lod(self) -> None:
        shown = (self._cells_shown
                 and self._typical_cell * self.transform().m11() >= self.label_min_cell_px)
        if self._label_layer.isVisible() != shown:
            self._label_layer.setVisible(shown)

    # -- appearance ------------------------------------------------------------------------------

    def set_foreground(self, color: QColor | str) -> None:
        """Set the colour of cell borders, labels and the selection ring (for light/dark themes)."""
        self._foreground = QColor(color)
        border = QColor(self._foreground)
        border.setAlpha(150)
        self._cell_pen = QPen(border, 0)
        for item in self._cells.values():
            item.setPen(self._cell_pen)
        for label in self._labels:
            label.setBrush(self._foreground)
        self._ring.setPen(QPen(self._foreground, 2.5))

    # -- Qt overrides ----------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Zoom around the cursor, 1.2 times per wheel notch."""
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.2**steps, event.position().toPoint())
        event.accept()

    def _moving(self) -> None:
        """The view pans or zooms: draw fast until it has stood still for SETTLE_MS."""
        if not self.isVisible():
            return
        if not self._settle.isActive():
            self._smooth = bool(self.renderHints() & QPainter.RenderHint.Antialiasing)
            if self._smooth:
                self.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._settle.start()

    def _on_settle_timeout(self) -> None:
        if self._smooth:
            self.setRenderHint(QPainter.RenderHint.Antialiasing, True)  # repaints the view

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        """A pan (a drag, or the view scrolled to a place): draw fast while it moves."""
        self._moving()
        super().scrollContentsBy(dx, dy)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Keep the label level of detail in step with the new size."""
        super().resizeEvent(event)
        self._update_lod()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Remember where a left press started, to tell a click from a drag."""
        left = event.button() == Qt.MouseButton.LeftButton
        self._press_pos = event.position().toPoint() if left else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Emit the click signals when the left button is released where it was pressed."""
        super().mouseReleaseEvent(event)
        start, self._press_pos = self._press_pos, None
        if start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        if (pos - start).manhattanLength() >= QApplication.startDragDistance():
            return  # that was a pan
        event.accept()
        key = self.marker_at(pos)
        if key is not None:
            self.marker_clicked.emit(key)
            return
        scene_point = self.mapToScene(pos)
        lon, lat = self.to_lonlat(scene_point)
        self.map_clicked.emit(lon, lat)
        cell = self.cell_at(scene_point)
        if cell is not None:
            self.cell_clicked.emit(cell)
