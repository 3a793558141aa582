"""The wall's hotspot page (热点分析): this month's choropleth and the top lists.

The month's counts change slowly, so the page reads them itself — through the wall's own
source (``hotspot_map`` / ``hotspot_figures``), on the wall's worker — when it comes on screen
and at most every :data:`REFRESH_SECONDS`, not with the five-second figures of the other pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from console.domain.hotspots import DEFAULT_REPEAT_MIN
from console.services.centre import Centre
from console.services.hotspots import HotspotFigures, HotspotMap, RepeatPoints
from console.ui.hotspot_view import category_label, fills, repeat_marks, summary
from console.ui.i18n import _
from console.ui.names import community_name, street_name
from console.ui.ops import OpRunner
from console.ui.wall.parts import pad, panel, wall_label
from console.ui.wall.style import MUTED, PANEL, TEXT, font, set_tone
from widgets.choropleth import ChoroplethLayer, RampLegend
from widgets.grid_map import GridMapView, MapCell

REFRESH_SECONDS = 300
TOP_ROWS = 7
PERIOD = "month"


class TopList(QFrame):
    """A titled ranking: name, count, change against the period before."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("wall", "panel")
        self.title = wall_label("section", title)
        self.grid = QGridLayout()
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.title)
        self._layout.addLayout(self.grid)
        self._layout.addStretch(1)
        self.rows: list[tuple[str, int, int | None]] = []

    def set_rows(self, rows: list[tuple[str, int, int | None]]) -> None:
        """(name, count, change) per row, best first; change None: the previous period has
        no complete record (shown as —)."""
        self.rows = rows
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        if not rows:
            self.grid.addWidget(wall_label("empty", _("本月暂无上报")), 0, 0)
            return
        for r, (name, count, change) in enumerate(rows):
            rank = wall_label("table", f"{r + 1}")
            set_tone(rank, "muted")
            text = wall_label("table", name)
            n = wall_label("table", str(count))
            delta = wall_label("table", "—" if change is None else f"{change:+d}")
            set_tone(delta, "muted" if change is None or change == 0
                     else "red" if change > 0 else "green")
            for c, label in enumerate((rank, text, n, delta)):
                if c != 1:
                    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.grid.addWidget(label, r, c)
        self.grid.setColumnStretch(1, 1)

    def set_scale(self, scale: float) -> None:
        """Padding for the scale."""
        pad(self, round(14 * scale), round(8 * scale))
        self.grid.setHorizontalSpacing(round(18 * scale))
        self.grid.setVerticalSpacing(round(6 * scale))


class HotspotPage(QWidget):
    """Page 4: the month's reports per cell (a choropleth), repeat points, the top lists.

    Parameters
    ----------
    centre : Centre
        Reference data (cells, categories).
    source : callable
        Returns the wall's source now (it is replaced after a sign-in retry).
    ops : OpRunner
        The wall's worker.
    clock : callable
        The wall's clock (when the page last read).
    """

    def __init__(self, centre: Centre, source: Callable[[], Any], ops: OpRunner,
                 clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.centre = centre
        self._source, self._ops, self._clock = source, ops, clock
        self._read_at: datetime | None = None
        self._busy = False
        self.data: HotspotMap | None = None
        self.figures: HotspotFigures | None = None
        self.points: RepeatPoints | None = None
        self.map = GridMapView(marker_radius=8.0)
        self.map.setObjectName("wall_hotspot_map")
        self.map.label_min_cell_px = 1e9
        self.map.setFrameShape(QFrame.Shape.NoFrame)
        self.map.setBackgroundBrush(QColor(PANEL))
        self.map.setDragMode(GridMapView.DragMode.NoDrag)
        self.map.setInteractive(False)
        self.map.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.map.set_foreground(MUTED)
        cells = [MapCell(c.code, c.polygon) for c in centre.ref.grids.values()]
        self.map.set_cells(cells)
        self.layer = ChoroplethLayer(self.map.scene(), self.map.to_scene)
        self.layer.alpha = 255  # no basemap under the wall's map: the legend's colours exactly
        self.layer.set_polygons({c.code: c.polygon for c in centre.ref.grids.values()})
        self.legend = RampLegend()
        self.legend.set_foreground(TEXT)
        self.total = wall_label("legend")
        self.map_panel, map_layout = panel()
        self.area = wall_label("section")  # the street framed
        title = QHBoxLayout()
        title.addWidget(wall_label("section", _("本月各网格上报量")))
        title.addStretch(1)
        title.addWidget(self.area)
        map_layout.addLayout(title)
        head = QHBoxLayout()
        head.addWidget(self.legend)
        head.addStretch(1)
        head.addWidget(self.total)
        map_layout.addLayout(head)
        map_layout.addWidget(self.map, 1)
        self.cells = TopList(_("高发区域"))
        self.kinds = TopList(_("高发问题"))
        side = QVBoxLayout()
        for widget in (self.cells, self.kinds):
            side.addWidget(widget, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.map_panel, 3)
        row.addLayout(side, 2)
        self._side = side
        self._row = row
        self._box: QRectF | None = None

    # -- reading ---------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Read the month again (when due, or ``force``); the answer is drawn on the GUI thread."""
        now = self._clock()
        due = self._read_at is None or (now - self._read_at).total_seconds() >= REFRESH_SECONDS
        if self._busy or not (due or force):
            return
        self._busy = True
        source = self._source()

        def read() -> tuple[HotspotMap, HotspotFigures, RepeatPoints]:
            return (source.hotspot_map(PERIOD, []), source.hotspot_figures(PERIOD, []),
                    source.repeat_points(PERIOD, [], DEFAULT_REPEAT_MIN))

        self._ops.run(read, self._on_read, self._on_failed)

    def _on_failed(self, _exc: Exception) -> None:
        self._busy = False  # the window's banner speaks for the wall's reads; retry next time

    def _on_read(self, answer: tuple[HotspotMap, HotspotFigures, RepeatPoints]) -> None:
        self._busy = False
        self._read_at = self._clock()
        self.show_hotspots(*answer)

    def show_hotspots(self, data: HotspotMap, figures: HotspotFigures,
                      points: RepeatPoints) -> None:
        """Draw a month's map, repeat points and lists."""
        self.data, self.figures, self.points = data, figures, points
        drawn = fills(self.centre, data, "count")
        self.layer.set_fills(drawn.colours)
        self.legend.set_classes(drawn.legend)
        self.layer.set_marks(repeat_marks(self.centre, points.repeats))
        repeats = _("重复点位 {n} 处").format(n=points.total) if points.total else ""
        self.total.setText("  ".join(filter(None, (summary(data), repeats))))
        grids = self.centre.ref.grids
        known = figures.previous_complete  # else a change against a period not on record
        self.cells.set_rows([
            (f"{c.grid[-6:]} {community_name(grids[c.grid])}" if c.grid in grids else c.grid,
             c.count, c.change if known else None) for c in figures.cells[:TOP_ROWS]])
        self.kinds.set_rows([(category_label(self.centre, k.category), k.count,
                              k.count - k.previous if known else None)
                             for k in figures.categories[:TOP_ROWS]])
        self._frame(data)

    def _frame(self, data: HotspotMap) -> None:
        """Frame the street (or town) with the most reports: a county's towns lie kilometres
        apart, and framed together each would be a speck (as on the overview's maps)."""
        grids = self.centre.ref.grids
        by_street: dict[str, int] = {}
        for c in data.cells:
            if c.count and c.grid in grids:
                code = grids[c.grid].street_code
                by_street[code] = by_street.get(code, 0) + c.count
        if not by_street:
            self._box = None
            self.area.setText("")
            self.map.fit_all()
            return
        busiest = max(sorted(by_street), key=lambda code: by_street[code])
        cells = [g for g in grids.values() if g.street_code == busiest]
        self.area.setText(street_name(cells[0]))
        points = [self.map.to_scene(lon, lat) for g in cells for lon, lat in g.polygon]
        xs, ys = [p.x() for p in points], [p.y() for p in points]
        self._box = QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys)))
        self.fit()

    def fit(self) -> None:
        """Zoom so the framed cells fill the view."""
        if self._box is None:
            return
        box = self._box
        margin = max(box.width(), box.height(), 1e-4) * 0.06
        self.map.fitInView(box.adjusted(-margin, -margin, margin, margin),
                           Qt.AspectRatioMode.KeepAspectRatio)

    # -- size --------------------------------------------------------------------------------
    def set_scale(self, scale: float) -> None:
        """Margins, spacing and the repeat marks' size for the scale."""
        pad(self, 0, round(16 * scale))
        pad(self.map_panel, round(14 * scale), round(8 * scale))
        self._side.setSpacing(round(16 * scale))
        for top in (self.cells, self.kinds):
            top.set_scale(scale)
        self.legend.set_label_font(font("tile-note", scale))
        self.layer.mark_radius = 14 * scale
        if self.points is not None:
            self.layer.set_marks(repeat_marks(self.centre, self.points.repeats))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh()
        QTimer.singleShot(0, self.fit)
