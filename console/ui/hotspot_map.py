"""The desk map's hotspot mode (热点图; issue #16 part 4).

A toggle in the map's head row turns the map into a choropleth: cells filled by reports,
reports per km² or the change against the period before, for a chosen period and category
set, with a legend; repeat points (the same category within 50 m at least k times in 30
days) are marked with their count and listed under the map, each with its cases — a click on a
case opens it, a click on a point centres the map on it.  Case markers are hidden meanwhile.
The read runs on the desk's worker (``DeskBackend.hotspot_map``) when a choice changes and
every :data:`REFRESH_MS` while the mode is on and the map is visible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Role
from console.domain.hotspots import DEFAULT_REPEAT_MIN
from console.domain.reference import CategoryKind
from console.services.hotspots import HotspotMap, RepeatPoints
from console.ui.hotspot_view import (
    MEASURES,
    PERIOD_LABELS,
    category_label,
    fills,
    repeat_marks,
    repeat_summary,
    summary,
)
from console.ui.i18n import N_, _
from console.ui.panes.hotspot_stats import HotspotStatsPane
from widgets.choropleth import ChoroplethLayer, RampLegend
from widgets.compact import CompactComboBox

if TYPE_CHECKING:
    from console.ui.main_window import MainWindow
    from console.ui.panes.map import MapPane

REFRESH_MS = 5 * 60 * 1000
CaseIdRole = Qt.ItemDataRole.UserRole + 1
Failed = Callable[[Exception], None]


class HotspotReads(Protocol):
    """Starts the mode's reads on the worker; each answer comes back to the GUI thread."""

    def hotspot_map(self, period: str, categories: list[str],
                    deliver: Callable[[HotspotMap], None], failed: Failed) -> None: ...

    def repeat_points(self, period: str, categories: list[str], repeat_min: int,
                      deliver: Callable[[RepeatPoints], None], failed: Failed) -> None: ...
#: Seats hotspots are for (the others' reads are scoped to their own cases).
SEATS = frozenset({Role.ACCEPTOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


class HotspotMode(QObject):
    """The hotspot controls, layer and list of one map pane.

    Parameters
    ----------
    pane : MapPane
        The desk's map pane; its ``head_row`` gets the toggle, its ``column`` the controls
        and the list.
    read : HotspotReads
        Starts the reads on the worker.
    """

    failed_read = Signal(object)
    """A read failed: the exception (the desk shows its one line)."""

    def __init__(self, pane: MapPane, read: HotspotReads,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pane = pane
        self._read = read
        self._busy = False
        self._again = False
        self.data: HotspotMap | None = None
        self.points: RepeatPoints | None = None
        #: The statistics tab's 热点分析 pane and its refresh (attach_hotspots makes them).
        self.stats: HotspotStatsPane | None = None
        self.stats_timer: QTimer | None = None
        centre = pane.centre
        self.toggle = QPushButton(_("热点图"))
        self.toggle.setObjectName("map_hotspots")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip(_("按网格显示上报密度、重复点位"))
        self.period = CompactComboBox(4)
        self.period.setObjectName("hotspot_period")
        for key, text in PERIOD_LABELS.items():
            self.period.addItem(_(text), key)
        self.period.setCurrentIndex(2)  # this month
        self.categories = CompactComboBox(4)
        self.categories.setObjectName("hotspot_categories")
        self.categories.addItem(_("全部类别"), [])
        cats = centre.ref.categories.values()
        for kind, text in ((CategoryKind.COMPONENT, N_("部件")), (CategoryKind.EVENT, N_("事件"))):
            self.categories.addItem(_(text), sorted(c.code for c in cats if c.kind is kind))
        self.categories.insertSeparator(self.categories.count())
        for cat in sorted(cats, key=lambda c: c.code):
            self.categories.addItem("· " + category_label(centre, cat.code), [cat.code])
        self.measure = CompactComboBox(4)
        self.measure.setObjectName("hotspot_measure")
        for key, text in MEASURES.items():
            self.measure.addItem(_(text), key)
        self.repeat_min = QSpinBox()
        self.repeat_min.setObjectName("hotspot_repeat_min")
        self.repeat_min.setRange(2, 20)
        self.repeat_min.setValue(DEFAULT_REPEAT_MIN)
        self.repeat_min.setPrefix(_("重复 ≥ "))
        self.repeat_min.setSuffix(_(" 次"))
        self.legend = RampLegend()
        self.legend.setObjectName("hotspot_legend")
        self.total = QLabel()
        self.total.setObjectName("hotspot_total")
        # Its width must not widen the map's minimum: the docks beside it keep their share.
        self.total.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.bar = QWidget()
        self.bar.setObjectName("hotspot_bar")
        # Two lines (the choices; the legend and totals): one would not fit a 1366 px desk.
        rows = QVBoxLayout(self.bar)
        rows.setContentsMargins(0, 0, 0, 0)
        choices, legend_row = QHBoxLayout(), QHBoxLayout()
        for widget in (self.period, self.categories, self.measure, self.repeat_min):
            choices.addWidget(widget)
        choices.addStretch(1)
        legend_row.addWidget(self.legend)
        legend_row.addWidget(self.total, 1)
        rows.addLayout(choices)
        rows.addLayout(legend_row)
        self.repeats = QTreeWidget()
        self.repeats.setObjectName("hotspot_repeats")
        self.repeats.setHeaderLabels([_("重复点位（近 30 天）"), _("次数"), _("最近")])
        self.repeats.setMaximumHeight(120)  # a few lines: the map keeps the height at 768 px
        self.repeats.setRootIsDecorated(True)
        self.layer = ChoroplethLayer(pane.map.scene(), pane.map.to_scene)
        self.layer.set_polygons({code: cell.polygon for code, cell in centre.ref.grids.items()})
        self.layer.set_visible(False)
        pane.head_row.insertWidget(1, self.toggle)  # the head, not the full filter row
        pane.column.insertWidget(2, self.bar)
        pane.column.addWidget(self.repeats)
        self.bar.hide()
        self.repeats.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        for combo in (self.period, self.categories):
            combo.currentIndexChanged.connect(self.refresh)
        self.repeat_min.valueChanged.connect(self._read_repeats)
        self.measure.currentIndexChanged.connect(self._draw)
        self.repeats.itemClicked.connect(self._on_repeats_item_clicked)
        pane.map.map_clicked.connect(self._on_map_clicked)

    @property
    def active(self) -> bool:
        """Whether the map is in hotspot mode."""
        return self.toggle.isChecked()

    def _on_toggle_toggled(self, on: bool) -> None:
        self.bar.setVisible(on)
        self.repeats.setVisible(on)
        self.layer.set_visible(on)
        self.pane.map.set_markers_visible(not on)
        if on:
            self.timer.start()
            self.refresh()
        else:
            self.timer.stop()

    def _choices(self) -> tuple[str, list[str]]:
        return str(self.period.currentData()), list(self.categories.currentData() or [])

    def refresh(self, *_args: object) -> None:
        """Read the choropleth, then the repeat points, for the current choices (one round at
        a time; a change during one is read after it)."""
        if not self.active or not self.pane.isVisible():
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        period, categories = self._choices()
        self._read.hotspot_map(period, categories, self.show_map, self.failed)
        self._read_repeats()

    def _read_repeats(self, *_args: object) -> None:
        if not self.active:
            return
        period, categories = self._choices()
        self._read.repeat_points(period, categories, self.repeat_min.value(),
                                 self.show_repeats, self.failed)

    def failed(self, exc: Exception) -> None:
        """A read failed: say why in the desk's one line; the next change tries again."""
        self._busy = False
        self.failed_read.emit(exc)

    def show_map(self, data: HotspotMap) -> None:
        """Draw a read's fills and legend (the repeat points follow in their own read)."""
        self.data = data
        self._draw()

    def show_repeats(self, points: RepeatPoints) -> None:
        """Mark and list a read's repeat points; the round is over."""
        self._busy = False
        self.points = points
        centre = self.pane.centre
        self.layer.set_marks(repeat_marks(centre, points.repeats))
        self.repeats.clear()
        for i, r in enumerate(points.repeats):
            top = QTreeWidgetItem([category_label(centre, r.category), str(r.count),
                                   centre.local(r.last).strftime("%m-%d %H:%M")])
            top.setData(0, CaseIdRole, f"repeat:{i}")
            for case_id, case_no in zip(r.case_ids, r.case_nos, strict=True):
                child = QTreeWidgetItem([case_no])
                child.setData(0, CaseIdRole, case_id)
                top.addChild(child)
            self.repeats.addTopLevelItem(top)
        if not points.repeats:
            self.repeats.addTopLevelItem(QTreeWidgetItem([_("无重复点位")]))
        self.repeats.resizeColumnToContents(0)
        self.repeats.setHeaderLabels([repeat_summary(points), _("次数"), _("最近")])
        if self._again:
            self._again = False
            self.refresh()

    def _draw(self, *_args: object) -> None:
        data = self.data
        if data is None:
            return
        drawn = fills(self.pane.centre, data, self.measure.currentData() or "count")
        self.layer.set_fills(drawn.colours, drawn.tooltips)
        self.legend.set_classes(drawn.legend)
        self.total.setText(summary(data))

    def set_foreground(self, color: str) -> None:
        """Legend and heat-table text for the theme."""
        self.legend.set_foreground(color)
        if self.stats is not None:
            self.stats.set_foreground(color)

    def _on_repeats_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        value = item.data(0, CaseIdRole)
        if isinstance(value, int):
            self.pane.case_selected.emit(value)
        elif isinstance(value, str):
            self.centre_on(value)

    def centre_on(self, key: str) -> None:
        """Centre the map on a repeat point."""
        at = self.layer.mark_scene_pos(key)
        if at is not None:
            self.pane.map.centerOn(at)

    def _on_map_clicked(self, lon: float, lat: float) -> None:
        if not self.active:
            return
        key = self.layer.mark_near(lon, lat, self.pane.map.zoom)
        if key is None:
            return
        for i in range(self.repeats.topLevelItemCount()):
            item = self.repeats.topLevelItem(i)
            if item is not None and item.data(0, CaseIdRole) == key:
                self.repeats.setCurrentItem(item)
                item.setExpanded(True)


def attach_hotspots(window: MainWindow) -> HotspotMode | None:
    """Give a centre seat's map its hotspot mode and its statistics a 热点分析 tab (None and
    nothing for the other seats)."""
    controller = window.controller
    if controller.actor.role not in SEATS:
        return None
    desk, ops = controller.desk, controller.ops

    class Reads:
        def hotspot_map(self, period: str, categories: list[str],
                        deliver: Callable[[HotspotMap], None], failed: Failed) -> None:
            ops.run(lambda: desk.hotspot_map(period, categories), deliver, failed)

        def repeat_points(self, period: str, categories: list[str], repeat_min: int,
                          deliver: Callable[[RepeatPoints], None], failed: Failed) -> None:
            ops.run(lambda: desk.repeat_points(period, categories, repeat_min), deliver,
                    failed)

    mode = HotspotMode(window.map, Reads(), window)
    mode.failed_read.connect(ops.failed)
    mode.stats = HotspotStatsPane(controller.centre)
    pane = mode.stats
    dock = window.add_dock("hotspots", _("热点分析"), pane,
                           Qt.DockWidgetArea.BottomDockWidgetArea)
    window.tabifyDockWidget(window.docks["live_charts"], dock)
    window.docks["charts"].raise_()  # the strip stays the default tab

    def load(*_args: object) -> None:
        if dock.isVisible():  # a tab behind another is hidden: read when it comes forward
            ops.run(lambda: desk.hotspot_figures(pane.period_key, []), pane.show_figures,
                    ops.failed.emit)

    pane.period_changed.connect(load)
    dock.visibilityChanged.connect(lambda shown: load() if shown else None)
    mode.stats_timer = QTimer(mode)
    mode.stats_timer.setInterval(REFRESH_MS)
    mode.stats_timer.timeout.connect(load)
    mode.stats_timer.start()
    return mode
