"""One street or town of the wall's map: grid cells and open cases coloured by light.

A county is mostly fields between a few built-up areas kilometres apart; framed together they
would be specks.  The wall therefore shows each busy area in a map of its own
(:class:`AreaMap`), framed on that area's cells.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.domain.basemap import BasemapSource
from console.ui.basemap import show_basemap
from console.ui.i18n import _
from console.ui.wall.style import MUTED, PANEL
from widgets.grid_map import GridMapView, MapCell, MapMarker

Box = tuple[float, float, float, float]
"""(lon min, lat min, lon max, lat max)."""


def ring_box(rings: Sequence[Sequence[tuple[float, float]]]) -> Box:
    """The lon/lat box around some rings (or points, as one-point rings)."""
    lons = [lon for ring in rings for lon, _lat in ring]
    lats = [lat for ring in rings for _lon, lat in ring]
    return min(lons), min(lats), max(lons), max(lats)


class AreaMap(QFrame):
    """A titled map framed on one area; every marker is drawn, the view crops to the area.

    Parameters
    ----------
    cells : sequence of MapCell
        Every cell of the centre (neighbouring areas show at the edges).
    basemap : tuple of BasemapSource
        The centre's basemap sources (``centre.yaml`` ``basemap``): the first is drawn under
        the cells, as on the desk; none, no basemap (and, unlike the desk, no note: a hall's
        screen does not tell what is not configured).
    parent : QWidget, optional
    """

    def __init__(self, cells: Sequence[MapCell], basemap: tuple[BasemapSource, ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("wall", "panel")
        self._cells = list(cells)
        self._basemap = basemap
        self._markers: list[MapMarker] = []
        self._box: Box | None = None
        self._scale = 1.0
        self.title = QLabel()
        self.title.setProperty("wall", "section")
        self.count = QLabel()
        self.count.setProperty("wall", "legend")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.count)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(head)
        self.map = self._new_map()
        self._layout.addWidget(self.map, 1)

    @property
    def area(self) -> str:
        """The area's name as titled."""
        return self.title.text()

    def _new_map(self) -> GridMapView:
        view = GridMapView(marker_radius=9.0 * self._scale)
        view.setObjectName("wall_map")
        view.label_min_cell_px = 1e9  # cell numbers are desk detail, noise on a wall
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setStyleSheet("border: none")
        view.setBackgroundBrush(QColor(PANEL))
        view.setDragMode(GridMapView.DragMode.NoDrag)
        view.setInteractive(False)
        # Read only: no wheel zoom, no clicks, even if someone reaches the wall with a mouse.
        view.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        view.set_foreground(MUTED)
        view.set_cells(self._cells)
        view.set_markers(self._markers)
        if self._basemap:
            show_basemap(view, self._basemap)
        return view

    def set_scale(self, scale: float) -> None:
        """Margins and marker size for the scale (a marker's radius is fixed per view)."""
        m = round(14 * scale)
        self._layout.setContentsMargins(m, m, m, m)
        self._layout.setSpacing(round(8 * scale))
        if abs(scale - self._scale) < 0.05:
            return
        self._scale = scale
        old, self.map = self.map, self._new_map()
        self._layout.replaceWidget(old, self.map)
        # Hidden and detached now: deleteLater waits for the event loop, and until then the old
        # view would still paint over the title.
        old.hide()
        old.setParent(None)
        old.deleteLater()
        self.fit()

    def set_area(self, name: str, box: Box | None, open_cases: int) -> None:
        """Frame ``box`` and title the map ``name`` with its count of open cases."""
        self.title.setText(name)
        self.count.setText(_("{n} 件").format(n=open_cases))
        if box != self._box:
            self._box = box
            self.fit()

    def set_markers(self, markers: Sequence[MapMarker]) -> None:
        """Replace every marker (items are reused by key)."""
        self._markers = list(markers)
        self.map.set_markers(self._markers)

    def fit(self) -> None:
        """Zoom so the area fills the view, with a small margin."""
        if self._box is None:
            return
        lon0, lat0, lon1, lat1 = self._box
        a, b = self.map.to_scene(lon0, lat0), self.map.to_scene(lon1, lat1)
        rect = QRectF(QPointF(min(a.x(), b.x()), min(a.y(), b.y())),
                      QPointF(max(a.x(), b.x()), max(a.y(), b.y())))
        pad = max(rect.width(), rect.height(), 1e-4) * 0.05
        self.map.fitInView(rect.adjusted(-pad, -pad, pad, pad), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        # A hidden page gets its resize events only when shown: fit again after that layout.
        QTimer.singleShot(0, self, self.fit)  # (dropped if the map is gone by then)
