"""Small live charts for a strip at the bottom of a window: a bar chart and a KPI tile."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


def _css_color(color: QColor) -> str:
    return f"rgba({color.red()}, {color.green()}, {color.blue()}, {color.alpha()})"


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class BarChart(QWidget):
    """A titled bar chart whose bars, colours and tick labels update in place.

    The plot, the bar item and the value labels are created once and reused by
    :meth:`set_data`, so a chart refreshed every few seconds costs no allocation of Qt items.
    The background is transparent so the app's theme shows through; :meth:`set_foreground`
    sets the colour of axes, title and value labels.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    show_values : bool
        Write each bar's value above it.
    bar_width : float
        Width of a bar, as a fraction of the distance between bars.
    """

    def __init__(
        self, parent: QWidget | None = None, *, show_values: bool = True, bar_width: float = 0.6
    ) -> None:
        super().__init__(parent)
        self._show_values = show_values
        self._foreground = self.palette().color(QPalette.ColorRole.WindowText)
        self._default_brush = pg.mkBrush(self.palette().color(QPalette.ColorRole.Highlight))
        self._title = ""
        self._labels: list[str] = []
        self._values = np.zeros(0)
        self._plot = pg.PlotWidget(background=None)
        self._plot.setAntialiasing(True)  # per view: pg.setConfigOptions would change every plot
        self._plot.setFrameShape(QFrame.Shape.NoFrame)
        self._plot.setStyleSheet("background: transparent")
        self._plot.viewport().setAutoFillBackground(False)
        self._item = self._plot.getPlotItem()
        self._item.setMenuEnabled(False)
        self._item.setMouseEnabled(x=False, y=False)
        self._item.hideButtons()
        self._bars = pg.BarGraphItem(
            x=np.zeros(0), height=np.zeros(0), width=bar_width, pen=None, brush=self._default_brush
        )
        self._item.addItem(self._bars)
        self._line = pg.PlotDataItem(x=np.zeros(0), y=np.zeros(0))  # optional comparison line
        self._item.addItem(self._line)
        self._value_items: list[pg.TextItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)
        self.set_foreground(self._foreground)

    def set_title(self, title: str) -> None:
        """Set the title shown above the bars ("" hides it)."""
        self._title = title
        self._item.setTitle(title or None, color=self._foreground)

    def set_data(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        colors: Sequence[QColor | str] | None = None,
    ) -> None:
        """Show one bar per label, with its value and, optionally, its own colour.

        Raises
        ------
        ValueError
            When ``values`` or ``colors`` are not as long as ``labels``.
        """
        if len(values) != len(labels) or (colors is not None and len(colors) != len(labels)):
            raise ValueError("labels, values and colors must have the same length")
        self._labels = list(labels)
        self._values = np.asarray(values, dtype=float)
        brushes = None if colors is None else [pg.mkBrush(QColor(color)) for color in colors]
        self._bars.setOpts(
            x=np.arange(len(labels), dtype=float),
            height=self._values,
            brushes=brushes,
            brush=self._default_brush,
        )
        self._item.getAxis("bottom").setTicks([list(enumerate(self._labels))])
        self._item.setXRange(-0.5, max(len(labels), 1) - 0.5, padding=0)
        low = min(float(self._values.min(initial=0.0)), 0.0)
        high = max(float(self._values.max(initial=0.0)), 0.0)
        if high == low:
            high = low + 1.0
        # A value label is ~15 px tall: in a strip-sized chart that needs a third of the height.
        headroom = (high - low) * (0.35 if self._show_values else 0.05)
        self._item.setYRange(low, high + headroom, padding=0)
        if self._show_values:
            self._update_value_items()

    def _update_value_items(self) -> None:
        while len(self._value_items) < len(self._values):
            text = pg.TextItem(anchor=(0.5, 1.0))
            self._item.addItem(text)
            self._value_items.append(text)
        for i, text in enumerate(self._value_items):
            if i >= len(self._values):
                text.setVisible(False)
                continue
            value = float(self._values[i])
            text.setText(_format_number(value), color=self._foreground)
            text.setPos(i, max(value, 0.0))
            text.setVisible(True)

    def set_line(self, values: Sequence[float] | None, color: QColor | str = "#ffb300") -> None:
        """Draw a comparison line over the bars (e.g. a 7-day average); None removes it.

        Raises
        ------
        ValueError
            When ``values`` is not as long as the bars.
        """
        if values is None:
            self._line.setData(x=np.zeros(0), y=np.zeros(0))
            return
        if len(values) != len(self._labels):
            raise ValueError("line values must match the bars")
        y = np.asarray(values, dtype=float)
        self._line.setData(x=np.arange(len(y), dtype=float), y=y,
                           pen=pg.mkPen(QColor(color), width=2))
        top = max(float(y.max(initial=0.0)), float(self._values.max(initial=0.0)), 1.0)
        self._item.setYRange(0, top * 1.35, padding=0)

    @property
    def line_values(self) -> list[float]:
        """The comparison line's values (empty when none is drawn)."""
        data = self._line.getData()[1]
        return [] if data is None else [float(v) for v in data]

    @property
    def labels(self) -> list[str]:
        """Labels of the bars, left to right."""
        return list(self._labels)

    @property
    def values(self) -> list[float]:
        """Values of the bars, left to right."""
        return [float(v) for v in self._values]

    @property
    def bar_item(self) -> pg.BarGraphItem:
        """The one bar item, reused by every :meth:`set_data`."""
        return self._bars

    @property
    def plot_item(self) -> pg.PlotItem:
        """The pyqtgraph plot, for tweaks this class does not offer."""
        return self._item

    def set_foreground(self, color: QColor | str) -> None:
        """Set the colour of the axes, tick labels, title and value labels."""
        self._foreground = QColor(color)
        for name in ("left", "bottom"):
            axis = self._item.getAxis(name)
            axis.setPen(self._foreground)
            axis.setTextPen(self._foreground)
        self.set_title(self._title)
        if self._show_values:
            self._update_value_items()


class KpiTile(QWidget):
    """A big number with a caption above it and an optional coloured delta below it.

    Integers are shown with the widget locale's digit grouping, floats with ``decimals``
    decimals, strings as they are.

    Parameters
    ----------
    caption : str
        Text above the number.
    parent : QWidget, optional
        The parent widget.
    decimals : int
        Decimals shown for float values.
    value_scale : float
        Size of the number relative to the widget font.
    """

    def __init__(
        self,
        caption: str = "",
        parent: QWidget | None = None,
        *,
        decimals: int = 1,
        value_scale: float = 2.2,
    ) -> None:
        super().__init__(parent)
        self._decimals = decimals
        self._foreground: QColor | None = None
        self._delta_color: QColor | None = None
        self._caption = QLabel(caption)
        self._value = QLabel()
        self._delta = QLabel()
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * value_scale)
        font.setBold(True)
        self._value.setFont(font)
        # The delta line keeps its height when empty, so tiles side by side stay aligned.
        self._delta.setMinimumHeight(self._delta.fontMetrics().height())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        layout.addStretch(1)
        for label in (self._caption, self._value, self._delta):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(1)

    def set_value(
        self,
        value: int | float | str,
        caption: str | None = None,
        delta: str = "",
        delta_color: QColor | str | None = None,
    ) -> None:
        """Show ``value``; also replace the caption unless it is None, and the delta text.

        ``delta`` is shown as given (e.g. "+3"), in ``delta_color`` or else the foreground colour;
        an empty ``delta`` leaves the delta line blank.
        """
        if isinstance(value, str):
            text = value
        elif isinstance(value, int):
            text = self.locale().toString(value)
        else:
            text = self.locale().toString(float(value), "f", self._decimals)
        self._value.setText(text)
        if caption is not None:
            self._caption.setText(caption)
        self._delta.setText(delta)
        self._delta_color = None if delta_color is None else QColor(delta_color)
        self._apply_colors()

    def set_caption(self, caption: str) -> None:
        """Set the text above the number."""
        self._caption.setText(caption)

    def set_foreground(self, color: QColor | str | None) -> None:
        """Set the colour of number and caption; None follows the app's style again."""
        self._foreground = None if color is None else QColor(color)
        self._apply_colors()

    def _apply_colors(self) -> None:
        # A widget's own style sheet wins over the app's (qt-material styles QLabel), a palette not.
        main = "" if self._foreground is None else f"color: {_css_color(self._foreground)}"
        self._caption.setStyleSheet(main)
        self._value.setStyleSheet(main)
        delta = self._delta_color or self._foreground
        self._delta.setStyleSheet("" if delta is None else f"color: {_css_color(delta)}")

    @property
    def value_text(self) -> str:
        """The number as shown."""
        return self._value.text()

    @property
    def caption_text(self) -> str:
        """The caption as shown."""
        return self._caption.text()

    @property
    def delta_text(self) -> str:
        """The delta as shown ("" when none)."""
        return self._delta.text()
