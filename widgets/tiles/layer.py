"""The basemap under the map's grid: a scene item that draws tiles, and the note in a corner.

The map (:class:`widgets.grid_map.GridMapView`) is plain lon/lat on a plane, x stretched by
cos(reference latitude).  In that plane a tile of either matrix is an axis-aligned rectangle
between its edges' longitudes and latitudes: a ``c`` tile (geographic) is drawn there exactly;
a ``w`` tile (Web Mercator) is drawn stretched into its lon/lat rectangle.  Inside one Mercator
tile the latitude is not quite linear in the row, but at the zooms a city is seen at (12 and
deeper: a tile spans < 0.09° of latitude) the error is under a tenth of a pixel at 29° N.

Tiles are asked of a :class:`~widgets.tiles.loader.TileLoader` for the whole view, drawn where
Qt repaints as they arrive; a tile not there yet shows the part of an ancestor already loaded
(so zooming does not flash empty), never anything made up.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from widgets.tiles.cache import TileCache
from widgets.tiles.grid import (
    MERCATOR_MAX_LAT,
    tile_bounds,
    tile_count,
    tiles_in_bbox,
    zoom_for_scale,
)
from widgets.tiles.loader import TileKey, TileLoader
from widgets.tiles.source import TileSource

__all__ = ["Basemap", "TileLayer"]

#: Tiles kept in memory (a full-HD view needs ~40 per layer; 256 px ARGB is 256 kB each).
MEMORY_TILES = 320
#: More tiles than this in view: zoomed too far out for the source; nothing is asked.
MAX_VIEW_TILES = 400
#: How many levels up a missing tile looks for an ancestor to stand in.
ANCESTOR_LEVELS = 4

Project = Callable[[float, float], QPointF]
Unproject = Callable[[QPointF], tuple[float, float]]


class TileLayer(QGraphicsObject):
    """Scene item drawing the tiles of one :class:`TileSource` under everything else.

    Parameters
    ----------
    project, unproject : callable
        The map's (lon, lat) -> scene point and back.
    """

    def __init__(self, project: Project, unproject: Unproject) -> None:
        super().__init__()
        self._project = project
        self._unproject = unproject
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(-1)
        self._source: TileSource | None = None
        self._loader: TileLoader | None = None
        self._pixmaps: OrderedDict[TileKey, QPixmap] = OrderedDict()
        # Tiles smoothly scaled to the size they were last drawn at: at one scale they are
        # blitted, not scaled again, on every paint.
        self._scaled: dict[TileKey, QPixmap] = {}
        self._scale = 0.0
        self._zoom = -1
        self.on_error: Callable[[str], None] = lambda _message: None
        self.on_loaded: Callable[[], None] = lambda: None

    # -- the source ------------------------------------------------------------------------

    def set_source(self, source: TileSource | None, cache: TileCache | None) -> None:
        """Draw this source from now on (None: draw nothing)."""
        if self._loader is not None:
            self._loader.close()
            self._loader.deleteLater()
        self._loader = None
        self._pixmaps.clear()
        self._scaled.clear()
        self._source = source
        if source is not None:
            self._loader = TileLoader(source, cache, self)
            self._loader.loaded.connect(self._on_loaded)
            self._loader.failed.connect(lambda _key, message: self.on_error(message))
        self.update()

    @property
    def source(self) -> TileSource | None:
        """The source drawn, or None."""
        return self._source

    @property
    def loader(self) -> TileLoader | None:
        """The loader of the current source (tests look at what it requested)."""
        return self._loader

    @property
    def zoom_level(self) -> int:
        """The tile zoom of the last paint (-1 before any)."""
        return self._zoom

    def loaded_count(self) -> int:
        """Tiles held in memory."""
        return len(self._pixmaps)

    def reproject(self) -> None:
        """The map's projection changed: every tile moves."""
        self.prepareGeometryChange()
        self.update()

    # -- geometry ----------------------------------------------------------------------------

    def _rect(self, west: float, south: float, east: float, north: float) -> QRectF:
        return QRectF(self._project(west, north), self._project(east, south))

    def boundingRect(self) -> QRectF:  # noqa: N802
        """The whole world (the view draws only what it shows)."""
        return self._rect(-180.0, -90.0, 180.0, 90.0)

    def _tile_rect(self, z: int, x: int, y: int) -> QRectF:
        assert self._source is not None
        return self._rect(*tile_bounds(self._source.matrix, z, x, y))

    # -- painting ----------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        """Draw the loaded tiles in the exposed area; ask for the view's missing ones."""
        source = self._source
        if source is None or widget is None:
            return
        transform = painter.worldTransform()
        inverse, invertible = transform.inverted()
        if not invertible:
            return
        visible = inverse.mapRect(QRectF(widget.rect()))
        west, north = self._unproject(visible.topLeft())
        east, south = self._unproject(visible.bottomRight())
        limit = MERCATOR_MAX_LAT if source.matrix == "w" else 90.0
        bbox = (max(west, -180.0), max(south, -limit), min(east, 180.0), min(north, limit))
        if bbox[0] >= bbox[2] or bbox[1] >= bbox[3]:
            return
        unit = self._project(1.0, 0.0).x() - self._project(0.0, 0.0).x()
        px_per_degree = transform.m11() * unit
        z = zoom_for_scale(source.matrix, px_per_degree, (south + north) / 2,
                           source.min_zoom, source.max_zoom)
        self._zoom = z
        if tile_count(source.matrix, z, bbox) > MAX_VIEW_TILES:
            return
        exposed = option.exposedRect
        centre = visible.center()
        missing: list[tuple[float, TileKey]] = []
        scale = transform.m11()
        if scale != self._scale:
            self._scale = scale
            self._scaled.clear()
        # The map view draws without antialiasing while it moves (GridMapView): tiles then
        # too are scaled fast, and smoothly at the paint after it stood still.
        settled = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        # Drawn in device pixels with each edge rounded the same way, so neighbours share their
        # edge exactly: antialiased fractional edges would show seams between tiles.
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        # Smooth scaling of 40 tiles costs a frame tens of milliseconds (Qt spreads it over
        # threads that a busy machine makes wait): only once the view has settled.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, settled)
        for x, y in tiles_in_bbox(source.matrix, z, bbox):
            rect = self._tile_rect(z, x, y)
            device = _snapped(transform.mapRect(rect))
            for layer in range(source.layer_count):
                key = (layer, z, x, y)
                pixmap = self._pixmaps.get(key)
                if pixmap is None:
                    d = rect.center() - centre
                    missing.append((d.x() * d.x() + d.y() * d.y(), key))
                if not rect.intersects(exposed):
                    continue
                if pixmap is not None:
                    self._pixmaps.move_to_end(key)
                    self._draw_tile(painter, device, key, pixmap, settled)
                else:
                    self._draw_ancestor(painter, device, key)
        painter.restore()
        if self._loader is not None:
            self._loader.request(key for _, key in sorted(missing))

    def _draw_tile(self, painter: QPainter, device: QRectF, key: TileKey, pixmap: QPixmap,
                   settled: bool) -> None:
        size = device.size().toSize()
        if not settled or size == pixmap.size():
            painter.drawPixmap(device, pixmap, QRectF(pixmap.rect()))
            return
        scaled = self._scaled.get(key)
        if scaled is None or scaled.size() != size:
            scaled = self._scaled[key] = pixmap.scaled(
                size, Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            if len(self._scaled) > MEMORY_TILES:
                self._scaled.pop(next(iter(self._scaled)))
        painter.drawPixmap(device.topLeft(), scaled)

    def _draw_ancestor(self, painter: QPainter, rect: QRectF, key: TileKey) -> None:
        layer, z, x, y = key
        for up in range(1, ANCESTOR_LEVELS + 1):
            if z - up < 1:
                return
            pixmap = self._pixmaps.get((layer, z - up, x >> up, y >> up))
            if pixmap is None:
                continue
            n = 1 << up
            size = pixmap.width() / n
            part = QRectF((x % n) * size, (y % n) * size, size, pixmap.height() / n)
            painter.drawPixmap(rect, pixmap, part)
            return

    def _on_loaded(self, key: TileKey, image: object) -> None:
        assert isinstance(image, QImage)
        self._pixmaps[key] = QPixmap.fromImage(image)
        self._scaled.pop(key, None)
        while len(self._pixmaps) > MEMORY_TILES:
            self._scaled.pop(self._pixmaps.popitem(last=False)[0], None)
        _, z, x, y = key
        self.update(self._tile_rect(z, x, y))
        self.on_loaded()


def _snapped(rect: QRectF) -> QRectF:
    """``rect`` with its edges rounded to whole device pixels."""
    left, top = round(rect.left()), round(rect.top())
    return QRectF(left, top, round(rect.right()) - left, round(rect.bottom()) - top)


class _CornerNote(QLabel):
    """A small line of text kept in the bottom-right corner of the map view."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.setObjectName("basemap_note")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel { background: rgba(255, 255, 255, 200); color: #333;"
                           " padding: 1px 4px; font-size: 11px; }")
        view.installEventFilter(self)
        self.hide()

    def show_text(self, text: str) -> None:
        """Show ``text`` (empty: hide)."""
        self.setText(text)
        self.setVisible(bool(text))
        self.adjustSize()
        self._place()

    def _place(self) -> None:
        view = self.parentWidget()
        if view is not None:
            self.move(view.width() - self.width() - 2, view.height() - self.height() - 2)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Follow the view's size."""
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


class Basemap:
    """The map view's basemap: the tile layer in its scene and the corner note.

    Call :meth:`set_source` with a source to draw, or None to say none is configured; until
    then the map shows neither tiles nor a note (the wall's small maps never ask for one).

    Parameters
    ----------
    view : QGraphicsView
        The map view (the note is its child).
    scene : QGraphicsScene
        The map's scene (the layer is added under everything).
    project, unproject : callable
        The map's (lon, lat) <-> scene point.
    """

    def __init__(self, view: QGraphicsView, scene: QGraphicsScene, project: Project,
                 unproject: Unproject) -> None:
        self.layer = TileLayer(project, unproject)
        scene.addItem(self.layer)
        self.note = _CornerNote(view)
        self._attribution = ""
        self._failed_note = ""
        self.last_error = ""
        self.layer.on_error = self._on_error
        self.layer.on_loaded = self._on_loaded

    def set_source(self, source: TileSource | None, cache: TileCache | None = None, *,
                   note: str = "未配置底图", failed_note: str = "底图瓦片未能加载") -> None:
        """Draw ``source``'s tiles with its attribution in the corner; None shows ``note``.

        ``failed_note`` prefixes the last error once a tile failed (e.g. a wrong 天地图 key),
        until a tile arrives again.  The texts come from the caller (the console translates).
        """
        self.layer.set_source(source, cache)
        self._attribution = source.attribution if source is not None else ""
        self._failed_note = failed_note
        self.last_error = ""
        self.note.show_text(self._attribution if source is not None else note)

    def show_note(self, text: str) -> None:
        """Show ``text`` in the corner without a source (e.g. a missing key: say which)."""
        self.layer.set_source(None, None)
        self.note.show_text(text)

    def reproject(self) -> None:
        """The map's projection changed."""
        self.layer.reproject()

    def _on_error(self, message: str) -> None:
        self.last_error = message
        parts = [p for p in (self._attribution, f"{self._failed_note}：{message}") if p]
        self.note.show_text(" · ".join(parts))

    def _on_loaded(self) -> None:
        if self.last_error:
            self.last_error = ""
            self.note.show_text(self._attribution)
