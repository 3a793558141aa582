"""The chart strip: today's reports per hour, open cases by light, closed today."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from console.domain.deadlines import Light
from console.services.stats import DeskStats
from console.ui.i18n import _, light_label
from console.ui.theme import light_color
from widgets.charts import BarChart, KpiTile


class ChartsPane(QWidget):
    """Three small live charts fed by :class:`~console.services.stats.DeskStats`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pane_charts")
        self.intake = BarChart()
        self.intake.set_title(_("今日每小时上报量"))
        self.lights = BarChart()
        self.lights.set_title(_("未办结案件灯色"))
        self.closed = KpiTile()
        self.open = KpiTile()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.intake, 3)
        layout.addWidget(self.lights, 2)
        layout.addWidget(self.closed, 1)
        layout.addWidget(self.open, 1)
        self.setMinimumHeight(140)

    def set_stats(self, stats: DeskStats) -> None:
        """Redraw from fresh figures (cheap: the plots update in place)."""
        hours = [f"{h}" for h in range(24)]
        self.intake.set_data(hours, [float(v) for v in stats.intake_by_hour])
        lights = list(Light)
        self.lights.set_data(
            [light_label(lt) for lt in lights],
            [float(stats.lights.get(lt.value, 0)) for lt in lights],
            [light_color(lt) for lt in lights],
        )
        self.closed.set_value(stats.closed_today, _("今日结案"))
        if stats.unit_on_time is not None:  # a unit's desk: its own on-time figure this month
            done, handled = stats.unit_on_time
            rate = f"{done * 100 / handled:.1f}%" if handled else "—"
            self.open.set_value(rate, _("本单位本月按期处置率"),
                                delta=_("{done} / {handled} 件").format(done=done, handled=handled))
        else:
            self.open.set_value(stats.open_cases, _("未办结"))

    def set_foreground(self, color: str) -> None:
        """Axis and text colour for the current theme."""
        for chart in (self.intake, self.lights):
            chart.set_foreground(color)
