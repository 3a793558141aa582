"""Small live charts for a strip at the bottom of a window: a bar chart and a KPI tile."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette, QResizeEvent
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

    Category labels never overlap: whenever the data or the size changes they are fitted to
    the room each bar has.  Labels that do not fit are thinned out (every second, third …
    label), or, with ``elide_labels``, shortened with "…" (thinned only when even that does not
    fit); a value label that would touch its neighbour is hidden.  The widget's tooltip lists
    every label with its value in full.  A NaN value draws no bar and "—" for its value.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    show_values : bool
        Write each bar's value beside its end.
    bar_width : float
        Width of a bar, as a fraction of the distance between bars.
    horizontal : bool
        Bars grow to the right, labels on the left, the first label at the top: a ranking.
    elide_labels : bool
        Shorten labels that do not fit instead of leaving some out (names; hours are thinned).
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        show_values: bool = True,
        bar_width: float = 0.6,
        horizontal: bool = False,
        elide_labels: bool = False,
    ) -> None:
        super().__init__(parent)
        self._show_values = show_values
        self._horizontal = horizontal
        self._elide = elide_labels
        self._bar_width = bar_width
        self._foreground = self.palette().color(QPalette.ColorRole.WindowText)
        self._default_brush = pg.mkBrush(self.palette().color(QPalette.ColorRole.Highlight))
        self._title = ""
        self._labels: list[str] = []
        self._shown: list[tuple[int, str]] = []
        self._values = np.zeros(0)
        self._values_fit = True
        self._plot = pg.PlotWidget(background=None)
        self._plot.setAntialiasing(True)  # per view: pg.setConfigOptions would change every plot
        self._plot.setFrameShape(QFrame.Shape.NoFrame)
        self._plot.setStyleSheet("background: transparent")
        self._plot.viewport().setAutoFillBackground(False)
        self._item = self._plot.getPlotItem()
        self._item.setMenuEnabled(False)
        self._item.setMouseEnabled(x=False, y=False)
        self._item.hideButtons()
        # The title spans the whole chart, not just the plot area: centred over a ranking's
        # bars only, a long title would run past the right edge.
        layout = self._item.layout
        layout.removeItem(self._item.titleLabel)
        layout.addItem(self._item.titleLabel, 0, 0, 1, 3)
        if horizontal:
            self._item.getViewBox().invertY(True)  # the first (best) row on top
            if show_values:  # each bar carries its number: the value axis would repeat it
                self._item.hideAxis("bottom")
            self._bars = pg.BarGraphItem(x0=0.0, y=np.zeros(0), width=np.zeros(0),
                                         height=bar_width, pen=None, brush=self._default_brush)
        else:
            self._bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=bar_width,
                                         pen=None, brush=self._default_brush)
        self._item.addItem(self._bars)
        self._line = pg.PlotDataItem(x=np.zeros(0), y=np.zeros(0))  # optional comparison line
        self._item.addItem(self._line)
        self._value_items: list[pg.TextItem] = []
        # Refit the labels whenever the plot area changes size (dock resized, window opened).
        self._item.getViewBox().sigResized.connect(self._fit_labels)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)
        self.set_foreground(self._foreground)

    @property
    def _label_axis(self) -> pg.AxisItem:
        return self._item.getAxis("left" if self._horizontal else "bottom")

    def set_title(self, title: str) -> None:
        """Set the title shown above the bars ("" hides it; cut with "…" if it is too wide)."""
        self._title = title
        self._fit_title()

    @property
    def title_text(self) -> str:
        """The title as drawn (shortened with "…" when the chart is narrower than it)."""
        return str(self._item.titleLabel.text) if self._title else ""

    def _fit_title(self) -> None:
        title = self._title
        self._item.setTitle(title or None, color=self._foreground)
        room = self.width() - 12
        label = self._item.titleLabel.item
        if not title or room <= 0 or label.boundingRect().width() <= room:
            return
        # The label draws rich text in its own font size: measure it, keep the longest head
        # that fits (a binary search; titles are a few dozen characters).
        low, high = 0, len(title)
        while low < high:
            mid = (low + high + 1) // 2
            self._item.setTitle(title[:mid] + "…", color=self._foreground)
            if label.boundingRect().width() <= room:
                low = mid
            else:
                high = mid - 1
        self._item.setTitle(title[:low] + "…", color=self._foreground)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._title:
            self._fit_title()

    def set_data(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        colors: Sequence[QColor | str] | None = None,
    ) -> None:
        """Show one bar per label, with its value and, optionally, its own colour.

        A NaN value (no data, e.g. a week before the history starts) draws no bar.

        Raises
        ------
        ValueError
            When ``values`` or ``colors`` are not as long as ``labels``.
        """
        if len(values) != len(labels) or (colors is not None and len(colors) != len(labels)):
            raise ValueError("labels, values and colors must have the same length")
        self._labels = list(labels)
        self._values = np.asarray(values, dtype=float)
        lengths = np.nan_to_num(self._values, nan=0.0)  # a zero-length bar is no bar
        brushes = None if colors is None else [pg.mkBrush(QColor(color)) for color in colors]
        where = np.arange(len(labels), dtype=float)
        if self._horizontal:
            self._bars.setOpts(y=where, width=lengths, brushes=brushes, brush=self._default_brush)
        else:
            self._bars.setOpts(x=where, height=lengths, brushes=brushes,
                               brush=self._default_brush)
        low = min(float(np.nanmin(self._values, initial=0.0)), 0.0)
        high = max(float(np.nanmax(self._values, initial=0.0)), 0.0)
        if high == low:
            high = low + 1.0
        # A value label is ~15 px tall: in a strip-sized chart that needs a third of the height;
        # beside a horizontal bar it needs room for its digits.
        headroom = (high - low) * ((0.3 if self._horizontal else 0.35) if self._show_values
                                   else 0.05)
        span = (-0.5, max(len(labels), 1) - 0.5)
        if self._horizontal:
            self._item.setYRange(*span, padding=0)
            self._item.setXRange(low, high + headroom, padding=0)
        else:
            self._item.setXRange(*span, padding=0)
            self._item.setYRange(low, high + headroom, padding=0)
        lines = [f"{label}: {_value_text(v)}"
                 for label, v in zip(self._labels, self._values, strict=True)]
        self.setToolTip("\n".join([self._title, *lines] if self._title else lines))
        self._fit_labels()

    def _tick_font(self) -> QFont:
        font = self._label_axis.style.get("tickFont")
        return QFont(font) if font is not None else QFont(self.font())

    def _fit_labels(self, *_args: object) -> None:
        """Choose the labels shown (all, shortened or every n-th) for the room each bar has."""
        axis = self._label_axis
        n = len(self._labels)
        box = self._item.getViewBox()
        metrics = QFontMetricsF(self._tick_font())
        if self._horizontal:
            room = box.height() / n if n else 0.0
            need = metrics.height()
            shown = self._thin(need, room)
            # The label column: as wide as the widest label, at most 40 % of the chart.
            cap = max(self.width() * 0.4, metrics.horizontalAdvance("中中…"))
            widest = max((metrics.horizontalAdvance(t) for _i, t in shown), default=0.0)
            column = min(widest, cap)
            shown = [(i, metrics.elidedText(t, Qt.TextElideMode.ElideRight, column))
                     for i, t in shown]
            axis.setWidth(int(column + metrics.horizontalAdvance(" ") * 2 + 6))
        else:
            room = box.width() / n if n else 0.0
            gap = metrics.horizontalAdvance("  ")
            widest = max((metrics.horizontalAdvance(t) for t in self._labels), default=0.0)
            if widest + gap <= room or room <= 0:
                shown = list(enumerate(self._labels))
            elif self._elide and room - gap >= metrics.horizontalAdvance("中…"):
                shown = [(i, metrics.elidedText(t, Qt.TextElideMode.ElideRight, room - gap))
                         for i, t in enumerate(self._labels)]
            else:
                shown = self._thin(widest + gap, room)
        self._shown = shown
        minor = [(i, "") for i in range(n)] if len(shown) < n else []
        axis.setTicks([shown, minor])
        if self._show_values:
            self._update_value_items(room)

    def _thin(self, need: float, room: float) -> list[tuple[int, str]]:
        """Every k-th label, k the smallest step at which ``need`` pixels fit."""
        if room <= 0 or need <= room:
            return list(enumerate(self._labels))
        step = math.ceil(need / room)
        return [(i, self._labels[i]) for i in range(0, len(self._labels), step)]

    def _update_value_items(self, room: float | None = None) -> None:
        while len(self._value_items) < len(self._values):
            anchor = (0.0, 0.5) if self._horizontal else (0.5, 1.0)
            text = pg.TextItem(anchor=anchor)
            self._item.addItem(text)
            self._value_items.append(text)
        texts = [_value_text(float(v)) for v in self._values]
        if room is not None and self._value_items and texts:
            metrics = QFontMetricsF(self._value_items[0].textItem.font())
            if self._horizontal:
                self._values_fit = room <= 0 or metrics.height() * 0.8 <= room
            else:
                widest = max(metrics.horizontalAdvance(t) for t in texts)
                self._values_fit = room <= 0 or widest + 2 <= room
        for i, text in enumerate(self._value_items):
            if i >= len(self._values) or not self._values_fit:
                text.setVisible(False)
                continue
            value = float(self._values[i])
            text.setText(texts[i], color=self._foreground)
            end = 0.0 if math.isnan(value) else max(value, 0.0)
            if self._horizontal:
                text.setPos(end, i)
            else:
                text.setPos(i, end)
            text.setVisible(True)

    def set_line(self, values: Sequence[float] | None, color: QColor | str = "#ffb300") -> None:
        """Draw a comparison line over the bars (e.g. a 7-day average); None removes it.

        Raises
        ------
        ValueError
            When ``values`` is not as long as the bars, or the chart is horizontal.
        """
        if values is None:
            self._line.setData(x=np.zeros(0), y=np.zeros(0))
            return
        if self._horizontal:
            raise ValueError("a comparison line needs vertical bars")
        if len(values) != len(self._labels):
            raise ValueError("line values must match the bars")
        y = np.asarray(values, dtype=float)
        self._line.setData(x=np.arange(len(y), dtype=float), y=y,
                           pen=pg.mkPen(QColor(color), width=2))
        top = max(float(y.max(initial=0.0)), float(np.nanmax(self._values, initial=0.0)), 1.0)
        self._item.setYRange(0, top * 1.35, padding=0)

    @property
    def line_values(self) -> list[float]:
        """The comparison line's values (empty when none is drawn)."""
        data = self._line.getData()[1]
        return [] if data is None else [float(v) for v in data]

    @property
    def labels(self) -> list[str]:
        """Labels of the bars, left to right (top to bottom when horizontal), in full."""
        return list(self._labels)

    @property
    def shown_labels(self) -> list[tuple[int, str]]:
        """(bar index, text) of the labels drawn now: the fitted subset, maybe shortened."""
        return list(self._shown)

    @property
    def label_room(self) -> float:
        """Pixels each bar has along the label axis at the current size."""
        box = self._item.getViewBox()
        length = box.height() if self._horizontal else box.width()
        return length / len(self._labels) if self._labels else 0.0

    @property
    def values_shown(self) -> bool:
        """Whether the value labels fit beside their bars and are drawn."""
        return self._show_values and self._values_fit

    def label_font(self) -> QFont:
        """The font the category labels are drawn (and measured) in."""
        return self._tick_font()

    @property
    def values(self) -> list[float]:
        """Values of the bars, in label order (NaN: no bar)."""
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


def _value_text(value: float) -> str:
    return "—" if math.isnan(value) else _format_number(value)


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
