"""Page 3 of the wall: today's intake per hour and the open cases by light (pyqtgraph bars)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from console.domain.deadlines import Light
from console.services.wall import WallData
from console.ui.i18n import _, light_label
from console.ui.wall.parts import pad, panel
from console.ui.wall.style import BORDER, FILL_COLORS, TEXT, font
from widgets.charts import BarChart


class ChartsPage(QWidget):
    """Page 3: today's intake per hour and the open cases by light."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intake = BarChart()
        self.lights = BarChart()
        self.intake_panel, intake_layout = panel(_("今日每小时上报量"))
        self.lights_panel, lights_layout = panel(_("未办结案件灯色"))
        intake_layout.addWidget(self.intake, 1)
        lights_layout.addWidget(self.lights, 1)
        for chart in (self.intake, self.lights):
            chart.set_foreground(TEXT)
            for name in ("left", "bottom"):
                chart.plot_item.getAxis(name).setPen(pg.mkPen(BORDER))
        self._scale = 1.0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.intake_panel, 3)
        row.addWidget(self.lights_panel, 2)

    def set_scale(self, scale: float) -> None:
        """pyqtgraph draws its own text: give it the wall's fonts at this scale."""
        self._scale = scale
        pad(self, 0, round(16 * scale))
        for frame in (self.intake_panel, self.lights_panel):
            pad(frame, round(14 * scale), round(8 * scale))
        tick = font("chart-tick", scale)
        offset = round(8 * scale)
        for chart in (self.intake, self.lights):
            for name in ("left", "bottom"):
                axis = chart.plot_item.getAxis(name)
                axis.setStyle(tickFont=tick, tickTextOffset=offset, tickLength=round(-6 * scale))
                axis.setTextPen(pg.mkPen(TEXT))
            # pyqtgraph sizes axes for its default font: make room for the wall's.
            chart.plot_item.getAxis("bottom").setHeight(round(tick.pixelSize() * 1.6) + offset)
            chart.plot_item.getAxis("left").setWidth(round(tick.pixelSize() * 2.4) + offset)
            self._restyle_values(chart)

    def _restyle_values(self, chart: BarChart) -> None:
        # The value labels are pyqtgraph TextItems the chart made: style sheets do not reach them.
        value_font = font("chart-value", self._scale)
        for item in chart.plot_item.items:
            if isinstance(item, pg.TextItem):
                item.setFont(value_font)

    def set_data(self, data: WallData) -> None:
        """Redraw both charts (in place: the bar items are reused)."""
        self.intake.set_data([str(h) for h in range(24)],
                             [float(v) for v in data.intake_by_hour])
        lights = list(Light)
        self.lights.set_data([light_label(lt) for lt in lights],
                             [float(data.lights.get(lt, 0)) for lt in lights],
                             [FILL_COLORS[lt] for lt in lights])
        for chart in (self.intake, self.lights):
            self._restyle_values(chart)
