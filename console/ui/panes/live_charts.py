"""The statistics charts: intake today against the 7-day average, sources, top categories,
open cases by light, unit on-time ranking and the weekly trend of 按期处置率.

Fed by :class:`~console.services.live_stats.LiveStats`, which the window keeps current from
the event feed, so a new event redraws without re-querying the history.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QGridLayout, QWidget

from console.domain.cases import Source
from console.domain.deadlines import Light
from console.services.live_stats import LiveStats
from console.ui.i18n import _, label, light_label
from console.ui.theme import light_color
from widgets.charts import BarChart


class LiveChartsPane(QWidget):
    """Six small charts in a grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pane_live_charts")
        self.intake = BarChart()
        self.intake.set_title(_("今日每小时受理量（线：前 7 日平均）"))
        self.sources = BarChart()
        self.sources.set_title(_("今日案件来源"))
        self.categories = BarChart()
        self.categories.set_title(_("今日前 10 类问题"))
        self.lights = BarChart()
        self.lights.set_title(_("未办结案件灯色"))
        self.units = BarChart()
        self.units.set_title(_("本月专业部门按期处置率"))
        self.weekly = BarChart()
        self.weekly.set_title(_("近 8 周按期处置率"))
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        for i, chart in enumerate((self.intake, self.sources, self.categories, self.lights,
                                   self.units, self.weekly)):
            grid.addWidget(chart, i // 3, i % 3)

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
        ranking = stats.unit_ranking()[:10]
        self.units.set_data([units.get(u, u) for u, _r, _n in ranking],
                            [round(r * 100, 1) for _u, r, _n in ranking])
        weeks = stats.weekly_rates()
        self.weekly.set_data([f"{w:%m-%d}" for w, _r in weeks],
                             [round((r or 0.0) * 100, 1) for _w, r in weeks])

    def set_foreground(self, color: str) -> None:
        """Axis and text colour for the theme."""
        for chart in (self.intake, self.sources, self.categories, self.lights, self.units,
                      self.weekly):
            chart.set_foreground(color)
