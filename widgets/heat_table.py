"""A heat table: a grid of counts, each cell shaded by its value, with row and column labels.

Drawn by hand (one ``paintEvent``) rather than as a ``QTableWidget`` of 168 items: a 7 × 24
week of hours must fit the width of a docked pane, with the numbers shown only where the cells
are wide enough to hold them and the shading alone elsewhere (the tooltip always says the
number).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

__all__ = ["HeatTable"]

#: Low → high (ColorBrewer YlOrRd, light end first), interpolated between stops.
RAMP: tuple[str, ...] = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def ramp_colour(fraction: float) -> QColor:
    """The ramp's colour at ``fraction`` (0–1) of the largest value."""
    f = min(max(fraction, 0.0), 1.0) * (len(RAMP) - 1)
    i = min(int(f), len(RAMP) - 2)
    return _mix(QColor(RAMP[i]), QColor(RAMP[i + 1]), f - i)


class HeatTable(QWidget):
    """Rows × columns of counts shaded from pale (few) to dark red (the most); zero is blank.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[str] = []
        self._columns: list[str] = []
        self._values: list[list[int]] = []
        self._ink = self.palette().color(self.foregroundRole())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def set_data(self, rows: Sequence[str], columns: Sequence[str],
                 values: Sequence[Sequence[int]]) -> None:
        """Labels and counts (``values[row][column]``)."""
        if len(values) != len(rows) or any(len(v) != len(columns) for v in values):
            raise ValueError("values must be len(rows) lists of len(columns) counts")
        self._rows, self._columns = list(rows), list(columns)
        self._values = [list(v) for v in values]
        self.updateGeometry()
        self.update()

    def value(self, row: int, column: int) -> int:
        """The count of a cell."""
        return self._values[row][column]

    @property
    def peak(self) -> int:
        """The largest count (0 when empty)."""
        return max((max(v) for v in self._values if v), default=0)

    def colour(self, row: int, column: int) -> QColor | None:
        """The shade of a cell (None: zero, left blank)."""
        v = self._values[row][column]
        return None if v <= 0 or not self.peak else ramp_colour(v / self.peak)

    def set_foreground(self, color: QColor | str) -> None:
        """Label colour for the theme."""
        self._ink = QColor(color)
        self.update()

    # -- geometry ----------------------------------------------------------------------------
    def _label_width(self) -> int:
        metrics = self.fontMetrics()
        return max((metrics.horizontalAdvance(r) for r in self._rows), default=0) + 8

    def _grid(self) -> QRectF:
        head = self.fontMetrics().height() + 4
        left = self._label_width()
        return QRectF(left, head, max(self.width() - left, 1), max(self.height() - head, 1))

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """(row, column) under a widget position, or None."""
        grid = self._grid()
        if not self._rows or not self._columns or not grid.contains(pos.toPointF()):
            return None
        col = int((pos.x() - grid.left()) / (grid.width() / len(self._columns)))
        row = int((pos.y() - grid.top()) / (grid.height() / len(self._rows)))
        if 0 <= row < len(self._rows) and 0 <= col < len(self._columns):
            return row, col
        return None

    def sizeHint(self) -> QSize:  # noqa: N802
        h = self.fontMetrics().height()
        return QSize(self._label_width() + 24 * 22, (len(self._rows) + 1) * (h + 6))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        h = self.fontMetrics().height()
        return QSize(self._label_width() + 24 * 8, (len(self._rows) + 1) * (h + 2))

    # -- Qt overrides ----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if not self._rows or not self._columns:
            return
        painter = QPainter(self)
        grid = self._grid()
        cw, rh = grid.width() / len(self._columns), grid.height() / len(self._rows)
        # A short dock gives short rows: the labels shrink to the row rather than overlap.
        font = QFont(self.font())
        size = font.pixelSize() if font.pixelSize() > 0 else round(
            font.pointSizeF() * self.logicalDpiY() / 72)
        font.setPixelSize(max(7, min(size, int(rh) - 1)))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        painter.setPen(self._ink)
        every = max(1, int(metrics.horizontalAdvance("00") * 1.6 // cw) + 1)
        for c, text in enumerate(self._columns):
            if c % every == 0:
                painter.drawText(QRectF(grid.left() + c * cw, 0, cw * every, grid.top()),
                                 int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                 text)
        for r, text in enumerate(self._rows):
            painter.drawText(QRectF(0, grid.top() + r * rh, grid.left() - 4, rh),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             text)
        numbers = cw >= metrics.horizontalAdvance(str(self.peak)) + 4 and rh >= metrics.height()
        grid_pen = QColor(self._ink)
        grid_pen.setAlpha(50)
        for r in range(len(self._rows)):
            for c in range(len(self._columns)):
                cell = QRectF(grid.left() + c * cw, grid.top() + r * rh, cw, rh)
                shade = self.colour(r, c)
                painter.setPen(QPen(grid_pen, 1))
                painter.setBrush(shade if shade is not None else Qt.BrushStyle.NoBrush)
                painter.drawRect(cell)
                if numbers and shade is not None:
                    dark = shade.lightnessF() < 0.5
                    painter.setPen(QColor("#ffffff" if dark else "#212121"))
                    painter.drawText(cell, int(Qt.AlignmentFlag.AlignCenter),
                                     str(self._values[r][c]))
        painter.end()

    def event(self, event: QEvent) -> bool:
        """Tooltips name the row, the column and the count."""
        if isinstance(event, QHelpEvent):
            at = self.cell_at(event.pos())
            if at is not None:
                r, c = at
                QToolTip.showText(event.globalPos(),
                                  f"{self._rows[r]} {self._columns[c]}: {self._values[r][c]}", self)
                return True
        return super().event(event)
