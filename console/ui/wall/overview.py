"""Page 1 of the wall: today's KPI tiles over maps of the busiest areas, and the lights.

The maps draw one marker per grid cell, in the colour of the worst light among its open cases
(:class:`~console.services.wall.WallCell`): a megacity's ~100 k open cases are counted per
cell by the database, never sent to the wall one by one.

Pages take a :class:`~console.services.wall.WallData` in ``set_data`` and their size factor in
``set_scale``; none reaches the database, and none knows the others
(:mod:`console.ui.wall.window` feeds them).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.domain.deadlines import Light
from console.services.centre import Centre
from console.services.wall import WallData
from console.ui.i18n import N_, _, light_label
from console.ui.names import street_names, street_of
from console.ui.wall.area_map import AreaMap, ring_box
from console.ui.wall.parts import NO_VALUE, Tile, pad, panel, percent, wall_label
from console.ui.wall.style import FILL_COLORS, MUTED, set_tone
from widgets.grid_map import MapCell, MapMarker

_TILES = (
    ("reported", N_("今日上报")),
    ("filed", N_("今日立案")),
    ("dispatched", N_("今日派遣")),
    ("closed", N_("今日结案")),
    ("overdue", N_("当前超时")),
    ("on_time", N_("本月按时率")),
    ("on_duty", N_("监督员在岗")),
)

#: Markers are drawn in this order, so a red one is never hidden under a green one.
_LIGHT_ORDER = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
#: A cell whose open cases have no running clock (all suspended, say): drawn, not coloured.
_NO_LIGHT = MUTED


class OverviewPage(QWidget):
    """Page 1: today's KPI tiles over maps of the busiest areas, with the lights' legend.

    Parameters
    ----------
    centre : Centre
        Its grid cells make the maps.
    max_maps : int
        How many areas get a map of their own (the busiest, by open cases).
    parent : QWidget, optional
    """

    def __init__(self, centre: Centre, max_maps: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = {key: Tile(_(caption)) for key, caption in _TILES}
        cells = sorted(centre.ref.grids.values(), key=lambda g: g.code)
        map_cells = [MapCell(c.code, c.polygon, "", c.community_code) for c in cells]
        rings: dict[str, list[tuple[tuple[float, float], ...]]] = {}
        for cell in cells:
            rings.setdefault(cell.street, []).append(cell.polygon)
        self._areas = {street: ring_box(r) for street, r in rings.items()}
        self._street_names = street_names(cells)  # keys stay Chinese: the data names them so
        self._cell_street = {cell.code: cell.street for cell in cells}
        self._centroids = {cell.code: cell.centroid for cell in cells}
        # Before any data, the areas with the most cells (the county seat first).
        self._by_size = sorted(rings, key=lambda s: -len(rings[s]))
        self.maps = [AreaMap(map_cells, centre.ref.config.basemap)
                     for _n in range(min(max_maps, len(self._areas)) or 1)]
        self._show_areas({})
        self.legend_panel, legend = panel(_("灯色"))
        self.legend: dict[Light, QLabel] = {}
        for light in (Light.RED, Light.YELLOW, Light.GREEN):
            row = wall_label("legend", f"● {light_label(light)}  {NO_VALUE}")
            set_tone(row, light.value)
            self.legend[light] = row
            legend.addWidget(row)
        legend.addStretch(1)
        legend.addWidget(wall_label("tile-caption", _("未办结案件")))
        self.open_total = wall_label("tile-value", NO_VALUE)
        legend.addWidget(self.open_total)
        legend.addStretch(1)
        tiles_row = QHBoxLayout()
        for tile in self.tiles.values():
            tiles_row.addWidget(tile, 1)
        bottom = QHBoxLayout()
        for area_map in self.maps:
            bottom.addWidget(area_map, 4)
        bottom.addWidget(self.legend_panel, 2)
        self._layouts = (tiles_row, bottom)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.addLayout(tiles_row)
        self._column.addLayout(bottom, 1)

    def set_scale(self, scale: float) -> None:
        """Fonts come from the sheet; markers and spacing are sized here."""
        for tile in self.tiles.values():
            tile.set_scale(scale)
        gap = round(16 * scale)
        for row in self._layouts:
            row.setSpacing(gap)
        self._column.setSpacing(gap)
        pad(self.legend_panel, round(14 * scale), round(8 * scale))
        for area_map in self.maps:
            area_map.set_scale(scale)

    def _show_areas(self, counts: dict[str, int]) -> None:
        """Give each map an area: the most open cases first, then the most cells."""
        ranked = sorted(self._areas, key=lambda s: (-counts.get(s, 0), self._by_size.index(s)))
        for area_map, street in zip(self.maps, ranked, strict=False):
            area_map.set_area(street_of(self._street_names, street), self._areas[street],
                              counts.get(street, 0))

    def set_data(self, data: WallData) -> None:
        """Show the figures and move the markers."""
        self.tiles["reported"].set_value(str(data.reported_today))
        self.tiles["filed"].set_value(str(data.filed_today))
        self.tiles["dispatched"].set_value(str(data.dispatched_today))
        self.tiles["closed"].set_value(str(data.closed_today))
        self.tiles["overdue"].set_value(str(data.overdue_now),
                                        "red" if data.overdue_now else "green")
        rate = data.on_time_rate
        self.tiles["on_time"].set_value(
            percent(rate), "" if rate is None else ("green" if rate >= 0.9 else "yellow"),
            f"{data.on_time_month} / {data.handled_month}" if data.handled_month else "")
        if data.collectors is None or data.collectors_on_duty is None:
            self.tiles["on_duty"].set_value(NO_VALUE)  # no fixes kept where the wall reads
        else:
            n, m = data.collectors_on_duty, data.collectors
            self.tiles["on_duty"].set_value(f"{n}/{m}", "" if not m else (
                "green" if n == m else "yellow" if n else "red"))
        for light, row in self.legend.items():
            row.setText(f"● {light_label(light)}  {data.lights.get(light, 0)}")
        self.open_total.setText(str(data.open_cases))
        placed = [c for c in data.cells if c.grid in self._centroids and c.open_cases]
        markers = [
            MapMarker(f"cell:{c.grid}", *self._centroids[c.grid],
                      FILL_COLORS[c.worst] if c.worst is not None else _NO_LIGHT)
            for c in sorted(placed, key=lambda c: -1 if c.worst is None
                            else _LIGHT_ORDER[c.worst])  # red on top
        ]
        for area_map in self.maps:
            area_map.set_markers(markers)
        by_street: dict[str, int] = {}
        for c in placed:
            street = self._cell_street[c.grid]
            by_street[street] = by_street.get(street, 0) + c.open_cases
        self._show_areas(by_street)
