"""The statistics charts: reports today against the 7-day average, sources, top categories,
open cases by light, the units' on-time ranking and the weekly trend of 按期处置率.

Fed by :class:`~console.services.live_stats.LiveStats`, which the window keeps current from
the event feed, so a new event redraws without re-querying the history.

The pane works docked (a short strip under the map) and as a window of its own: each chart has
a minimum height its labels need, the charts flow into as many columns as the width allows
(three at most), and a scroll area shows the rest when the pane is shorter than the charts.
The three small charts come first, so the strip always shows one whole row (the pane asks for
that much height); the two rankings of ten rows and the weekly trend are the second row, a
scroll away in the dock and in full view in a window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QScrollArea, QVBoxLayout, QWidget

from console.domain.cases import Source
from console.domain.deadlines import Light
from console.services.live_stats import LiveStats
from console.ui.i18n import _, label, light_label
from console.ui.theme import light_color
from widgets.charts import BarChart

#: A chart's minimum height: title, axis labels and bars all readable.
CHART_HEIGHT = 140
#: A ranking of ten rows needs more: one text line per row.
RANKING_HEIGHT = 230
_MARGIN = 2
#: Below this width a chart's labels crowd: fewer columns.
CHART_WIDTH = 380
MAX_COLUMNS = 3
TOP_UNITS = 10


class LiveChartsPane(QWidget):
    """Six charts in a grid that reflows with the width, in a scroll area.

    Attributes
    ----------
    intake, sources, categories, lights, units, weekly : BarChart
        The charts, in reading order.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pane_live_charts")
        self.intake = BarChart()
        self.intake.set_title(_("今日每小时上报量（线：前 7 日平均）"))
        self.sources = BarChart(elide_labels=True)
        self.sources.set_title(_("今日上报来源"))
        self.categories = BarChart(horizontal=True)
        self.categories.set_title(_("今日上报前 10 类问题"))
        self.lights = BarChart()
        self.lights.set_title(_("未办结案件灯色"))
        self.units = BarChart(horizontal=True)
        self.units.set_title(_("本月专业部门按期处置率（%，已反馈案件）"))
        self.weekly = BarChart()
        self.weekly.set_title(_("近 8 周按期处置率（%，已反馈案件）"))
        for chart in self.charts:
            chart.setMinimumHeight(CHART_HEIGHT)
        for chart in (self.categories, self.units):
            chart.setMinimumHeight(RANKING_HEIGHT)
        self.body = QWidget()
        self.body.setObjectName("live_charts_body")
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(4, _MARGIN, 4, _MARGIN)
        self.grid.setSpacing(6)
        self.area = QScrollArea()
        self.area.setObjectName("live_charts_scroll")
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.area.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)
        # Docked, the first row (the small charts) is always whole; the rest scrolls.
        self.setMinimumHeight(CHART_HEIGHT + 2 * _MARGIN)
        self._columns = 0
        self._arrange(MAX_COLUMNS)

    @property
    def charts(self) -> tuple[BarChart, ...]:
        """Every chart, in reading order: the small ones first, then the rankings."""
        return (self.intake, self.sources, self.lights, self.categories, self.units,
                self.weekly)

    @property
    def columns(self) -> int:
        """How many charts sit side by side now."""
        return self._columns

    @staticmethod
    def columns_for(width: int) -> int:
        """The columns that fit ``width`` pixels (1 to :data:`MAX_COLUMNS`)."""
        return max(1, min(MAX_COLUMNS, width // CHART_WIDTH))

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for chart in self.charts:
            self.grid.removeWidget(chart)
        for i, chart in enumerate(self.charts):
            self.grid.addWidget(chart, i // columns, i % columns)
        for c in range(MAX_COLUMNS):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        rows = math.ceil(len(self.charts) / columns)
        for r in range(len(self.charts)):
            self.grid.setRowStretch(r, 1 if r < rows else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        # By the pane's width, not the viewport's: a scroll bar coming and going must not
        # make the charts jump between two arrangements.
        self._arrange(self.columns_for(event.size().width()))

    def show_stats(self, stats: LiveStats, names: Mapping[str, str],
                   units: Mapping[str, str], lights: Mapping[str, int]) -> None:
        """Redraw every chart from the counters (names: category and unit names by code)."""
        hours = [str(h) for h in range(24)]
        self.intake.set_data(hours, [float(v) for v in stats.today_by_hour])
        self.intake.set_line(stats.week_avg_by_hour)
        sources = [s for s in Source if stats.by_source.get(s.value)]
        self.sources.set_data([label(s) for s in sources],
                              [float(stats.by_source[s.value]) for s in sources])
        top = stats.top_categories()
        self.categories.set_data([names.get(code, code) for code, _n in top],
                                 [float(n) for _c, n in top])
        order = list(Light)
        self.lights.set_data([light_label(lt) for lt in order],
                             [float(lights.get(lt.value, 0)) for lt in order],
                             [light_color(lt) for lt in order])
        # Only units with something handled this month are ranked (the evaluation's rule:
        # nothing due, no rank), best first.
        ranking = stats.unit_ranking()[:TOP_UNITS]
        self.units.set_data([units.get(u, u) for u, _r, _n in ranking],
                            [round(r * 100, 1) for _u, r, _n in ranking])
        weeks = stats.weekly_rates()
        # A week with nothing handled (before the history starts) has no bar, not a 0.
        self.weekly.set_data([f"{w:%m-%d}" for w, _r in weeks],
                             [math.nan if r is None else round(r * 100, 1) for _w, r in weeks])

    def set_foreground(self, color: str) -> None:
        """Axis and text colour for the theme."""
        for chart in self.charts:
            chart.set_foreground(color)
