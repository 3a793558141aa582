"""The map pane: grid cells and case markers coloured by light, with state and light filters.

With few open cases (a county: a few hundred) every case is a marker and follows live changes.
A megacity's ~100 k open cases would be 100 k scene items: there the map draws one marker per
grid cell, coloured by its worst light, from the light counts the desk reads in SQL every few
seconds (:class:`~console.services.queue_reads.LightTally`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QRectF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.domain.cases import CaseState
from console.domain.deadlines import Light
from console.domain.reference import GridCell
from console.services.centre import Centre
from console.services.queries import CaseRow
from console.services.queue_reads import OPEN_STATES, LightTally
from console.ui.basemap import show_basemap
from console.ui.i18n import N_, _, countdown_text, label, light_label
from console.ui.models.case_table import (
    BOARD_STATES,
    CHECK_STATES,
    DISPATCH_STATES,
    INTAKE_STATES,
    category_text,
)
from console.ui.names import community_name, street_name
from console.ui.panes.map_layers import MapLayers
from console.ui.theme import light_color
from widgets.compact import CompactComboBox
from widgets.grid_map import GridMapView, MapCell
from widgets.map_markers import MapMarker
from widgets.map_people import PersonLayer, PersonMarker

_GROUPS: dict[str, frozenset[CaseState] | None] = {
    "all": None,
    "intake": INTAKE_STATES,
    "dispatch": DISPATCH_STATES,
    "board": BOARD_STATES,
    "check": CHECK_STATES,
    # ... and every open state on its own (see MapPane.__init__)
    **{state.value: frozenset({state}) for state in OPEN_STATES},
}
_GROUP_LABELS = {
    "all": N_("全部未办结"), "intake": N_("受理/立案"), "dispatch": N_("待派遣"),
    "board": N_("处置中"), "check": N_("核查/结案"),
}


class MapPane(QWidget):
    """Grid cells of the centre and its open cases."""

    case_selected = Signal(int)
    """A marker was clicked."""

    location_picked = Signal(float, float, str)
    """The map was clicked: (lon, lat, grid cell code or "")."""

    replay_requested = Signal()
    """轨迹回放… was pressed: open a collector's day on the map."""

    component_report_requested = Signal(object)
    """「对此部件上报」 on a component's card: (ComponentInstance) to report on."""

    def __init__(self, centre: Centre, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pane_map")
        self.map = GridMapView()
        self.map.setObjectName("grid_map")
        cells = [
            # tinted per community; the survey's cell name under the code when it has one
            MapCell(c.code, c.polygon, c.code[-3:] + (f"\n{c.name}" if c.name else ""),
                    c.community_code)
            for c in sorted(centre.ref.grids.values(), key=lambda g: g.code)
        ]
        self.map.set_cells(cells)
        show_basemap(self.map, centre.ref.config.basemap)
        self.layers = MapLayers(self.map, centre, self)
        self.layers.report_requested.connect(self.component_report_requested)
        self.state_filter = CompactComboBox(4)
        self.state_filter.setObjectName("map_state_filter")
        for key, text in _GROUP_LABELS.items():
            self.state_filter.addItem(_(text), key)
        self.state_filter.insertSeparator(self.state_filter.count())
        for state in OPEN_STATES:  # each open state alone, in the loop's order
            self.state_filter.addItem("· " + label(state), state.value)
        self.light_filter = CompactComboBox(4)
        self.light_filter.addItem(_("全部灯色"), "")
        for light in Light:
            self.light_filter.addItem(light_label(light), light.value)
        self.area = CompactComboBox(4)
        self.area.setObjectName("map_area")
        self.area.addItem(_("全部区域"), "")
        streets: dict[str, list[GridCell]] = {}
        for cell in centre.ref.grids.values():
            streets.setdefault(cell.street_code, []).append(cell)
        self._streets = streets
        for code, cells_of in sorted(streets.items(), key=lambda kv: -len(kv[1])):
            self.area.addItem(street_name(cells_of[0]), code)
        self.legend = QLabel()
        self.centre = centre
        # Collectors' last fixes (seats that watch collectors: see enable_collectors).
        self.collectors = PersonLayer(self.map.scene(), self.map.to_scene)
        self.show_people = QCheckBox(_("监督员"))
        self.show_people.setObjectName("map_collectors")
        self.show_people.setChecked(True)
        self.show_people.toggled.connect(self.collectors.set_visible)
        self.replay = QPushButton(_("轨迹回放…"))
        self.replay.setObjectName("map_replay")
        self.replay.clicked.connect(self.replay_requested)
        for widget in (self.show_people, self.replay):
            widget.hide()
        self._rows: dict[int, CaseRow] = {}
        self._cells: dict[tuple[str | None, str], dict[Light, int]] | None = None  # per-cell mode
        # Two lines: the filters do not squeeze the legend in a narrow middle (1366 px).
        head = self.head_row = QHBoxLayout()  # the hotspot mode adds its toggle
        head.addWidget(QLabel(_("地图")))
        head.addStretch(1)
        head.addWidget(self.legend)
        filters = QHBoxLayout()
        filters.addWidget(self.area)
        filters.addWidget(self.state_filter)
        filters.addWidget(self.light_filter)
        filters.addStretch(1)
        filters.addWidget(self.show_people)
        filters.addWidget(self.replay)
        layout = self.column = QVBoxLayout(self)  # ... and its controls and list
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addLayout(filters)
        layout.addWidget(self.layers.card)
        layout.addWidget(self.map, 1)
        self.area.currentIndexChanged.connect(self._on_area_changed)
        self.state_filter.currentIndexChanged.connect(self._apply_filter)
        self.light_filter.currentIndexChanged.connect(self._apply_filter)
        self.map.marker_clicked.connect(self._on_marker_clicked)
        self.map.map_clicked.connect(self._on_map_clicked)
        self._last_cell = ""
        self._fitted = False
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(150)
        self._refit.timeout.connect(lambda: self._on_area_changed(self.area.currentIndex()))
        self.map.cell_clicked.connect(self._on_cell_clicked)

    def enable_collectors(self) -> None:
        """Offer the collector layer and the replay (a seat that watches collectors)."""
        for widget in (self.show_people, self.replay):
            widget.show()

    def show_collectors(self, people: Sequence[PersonMarker]) -> None:
        """Draw the collectors (the items :func:`~console.ui.collector_layer.collector_markers`
        built)."""
        self.collectors.set_people(people)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            # After the first layout pass, so the view knows its real size.
            QTimer.singleShot(0, self._fit_first)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fitted:
            self._refit.start()  # keep the chosen area in view when the pane changes size

    def _fit_first(self) -> None:
        """Start on the busiest area (the county seat), not two towns 10 km apart as specks."""
        with QSignalBlocker(self.area):
            self.area.setCurrentIndex(1 if self.area.count() > 1 else 0)
        self._on_area_changed(self.area.currentIndex())

    def _on_area_changed(self, _index: int) -> None:
        code = self.area.currentData() or ""
        if not code:
            self.map.fit_all()
            return
        points = [self.map.to_scene(lon, lat) for cell in self._streets[code]
                  for lon, lat in cell.polygon]
        xs, ys = [p.x() for p in points], [p.y() for p in points]
        rect = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        self.map.fitInView(rect.adjusted(-rect.width() * 0.03, -rect.height() * 0.03,
                                         rect.width() * 0.03, rect.height() * 0.03),
                           Qt.AspectRatioMode.KeepAspectRatio)

    def _on_cell_clicked(self, key: str) -> None:
        self._last_cell = key

    def _on_map_clicked(self, lon: float, lat: float) -> None:
        self.location_picked.emit(lon, lat, self._last_cell)
        self._last_cell = ""

    def _position(self, row: CaseRow) -> tuple[float, float] | None:
        """Where a case is drawn: its coordinates, else the centre of its grid cell."""
        c = row.case
        if c.lon is not None and c.lat is not None:
            return c.lon, c.lat
        cell = self.centre.ref.grids.get(c.grid) if c.grid else None
        return cell.centroid if cell is not None else None

    def _marker(self, row: CaseRow) -> MapMarker | None:
        c = row.case
        at = self._position(row)
        if c.id is None or at is None or not c.is_open:
            return None
        color = light_color(row.light).name() if row.light else "#9e9e9e"
        tip = f"{c.case_no} · {category_text(row)} · {label(c.state)}"
        if row.countdown:
            tip += f" · {countdown_text(row.countdown.remaining)}"
        if c.lon is None or c.lat is None:
            tip += " · " + _("无坐标，画在网格中心")
        return MapMarker(str(c.id), at[0], at[1], color, tip)

    def _on_marker_clicked(self, key: str) -> None:
        if key.isdigit():  # a case; a cell's marker ("cell:…") only shows its counts
            self.case_selected.emit(int(key))

    @property
    def per_cell(self) -> bool:
        """True when the map draws one marker per grid cell (too many cases for one each)."""
        return self._cells is not None

    def set_tally(self, tally: LightTally) -> None:
        """New light counts: every case as a marker when the tally carries them, else cells."""
        if tally.rows or not tally.by_grid:
            self._cells = None
            self.set_rows(tally.rows)
            return
        self._cells = {key: dict(counts) for key, counts in tally.by_grid.items()}
        self._rows = {}
        self._apply_filter()

    def _cell_markers(self, states: frozenset[CaseState] | None,
                      light: str) -> tuple[list[MapMarker], dict[Light, int]]:
        assert self._cells is not None
        per_cell: dict[str, dict[Light, int]] = {}
        for (grid, state), counts in self._cells.items():
            if grid is None or (states is not None and CaseState(state) not in states):
                continue
            into = per_cell.setdefault(grid, {})
            for lt, n in counts.items():
                if not light or lt.value == light:
                    into[lt] = into.get(lt, 0) + n
        totals = dict.fromkeys(Light, 0)
        markers = []
        grids = self.centre.ref.grids
        for grid, counts in sorted(per_cell.items()):
            n = sum(counts.values())
            if not n or grid not in grids:
                continue
            for lt, k in counts.items():
                totals[lt] += k
            worst = next(lt for lt in (Light.RED, Light.YELLOW, Light.GREEN) if counts.get(lt))
            lon, lat = grids[grid].centroid
            detail = " · ".join(f"{light_label(lt)} {counts[lt]}" for lt in Light if counts.get(lt))
            tip = _("网格 {grid}（{community}）：{n} 件（{detail}）").format(
                grid=grid, community=community_name(grids[grid]), n=n, detail=detail)
            markers.append(MapMarker(f"cell:{grid}", lon, lat, light_color(worst).name(), tip))
        return markers, totals

    def set_rows(self, rows: Iterable[CaseRow]) -> None:
        """Replace every marker."""
        self._cells = None
        # Every open case counts in the legend, drawn or not (no place to draw it at).
        self._rows = {r.case.id: r for r in rows if r.case.id is not None and r.case.is_open}
        self.map.set_markers([m for r in self._rows.values() if (m := self._marker(r))])
        self._apply_filter()

    def update_rows(self, rows: Iterable[CaseRow]) -> None:
        """Update, add or remove the markers of changed cases only (per-case mode)."""
        if self._cells is not None:
            return  # the cells follow the next light counts
        changed, gone = [], []
        for row in rows:
            assert row.case.id is not None
            if row.case.is_open:
                self._rows[row.case.id] = row
            else:
                self._rows.pop(row.case.id, None)
            marker = self._marker(row)
            if marker is None:
                gone.append(str(row.case.id))
            else:
                changed.append(marker)
        if gone:
            self.map.remove_markers(gone)
        if changed:
            self.map.update_markers(changed)
        self._apply_filter()

    def select_case(self, case_id: int) -> None:
        """Highlight a case's marker and bring it into view."""
        if case_id in self._rows:
            self.map.set_selected(str(case_id))
            self.map.center_on(str(case_id))
        else:
            self.map.set_selected(None)

    def _apply_filter(self, *_args: object) -> None:
        states = _GROUPS[self.state_filter.currentData() or "all"]
        light = self.light_filter.currentData() or ""
        if self._cells is not None:
            markers, totals = self._cell_markers(states, light)
            self.map.set_visible_keys(None)  # the per-case filter would hide every cell marker
            self.map.set_markers(markers)
            self.legend.setText("  ".join(f"{light_label(lt)} {n}" for lt, n in totals.items()))
            return
        keys = {
            str(case_id) for case_id, row in self._rows.items()
            if (states is None or row.case.state in states)
            and (not light or (row.light is not None and row.light.value == light))
        }
        self.map.set_visible_keys(keys)
        counts = dict.fromkeys(Light, 0)
        unplaced = 0
        for row in self._rows.values():
            if str(row.case.id) not in keys:
                continue
            if row.light is not None:
                counts[row.light] += 1
            if self._position(row) is None:
                unplaced += 1
        text = "  ".join(f"{light_label(lt)} {n}" for lt, n in counts.items())
        if unplaced:
            text += "  " + _("（其中 {n} 件无位置，未画出）").format(n=unplaced)
        self.legend.setText(text)
