"""Pieces every page of the wall uses: styled labels, panels, the KPI tile, number formats."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.ui.wall.style import set_tone

NO_VALUE = "—"


def wall_label(role: str, text: str = "") -> QLabel:
    """A label styled by the wall sheet's ``role``."""
    widget = QLabel(text)
    widget.setProperty("wall", role)
    return widget


def panel(title: str | None = None) -> tuple[QFrame, QVBoxLayout]:
    """A bordered panel, optionally titled; returns it and its layout."""
    frame = QFrame()
    frame.setProperty("wall", "panel")
    layout = QVBoxLayout(frame)
    if title is not None:
        layout.addWidget(wall_label("section", title))
    return frame, layout


def pad(widget: QWidget, margin: int, spacing: int | None = None) -> None:
    """Set the margins (and spacing) of ``widget``'s layout, in pixels."""
    layout = widget.layout()
    if layout is None:
        return
    layout.setContentsMargins(margin, margin, margin, margin)
    if spacing is not None:
        layout.setSpacing(spacing)


def hours_minutes(minutes: int) -> str:
    """``3:12``: the column header already says "overdue", so the cell keeps to the figure."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def percent(rate: float | None) -> str:
    """``91.8%``, or a dash when there is nothing to divide."""
    return NO_VALUE if rate is None else f"{rate * 100:.1f}%"


class Tile(QFrame):
    """A caption, a big figure and a small note, in a panel.

    Tiles share a row equally whatever they show; a text wider than its tile ("100.0%", a long
    English caption) is drawn smaller until it fits rather than cut or pushing its neighbours.
    """

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("wall", "panel")
        self.caption = wall_label("tile-caption", caption)
        self.value = wall_label("tile-value", NO_VALUE)
        self.note = wall_label("tile-note")
        layout = QVBoxLayout(self)
        for widget in (self.caption, self.value, self.note):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # Ignored: the text's width must not decide the tile's; _fit shrinks it instead.
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(widget)

    def set_value(self, value: str, tone: str = "", note: str = "") -> None:
        """Show ``value`` in ``tone`` ("" for plain white) with ``note`` under it."""
        self.value.setText(value)
        self.note.setText(note)
        set_tone(self.value, tone)
        self._fit()

    def set_scale(self, scale: float) -> None:
        """Padding for the scale (fonts come from the sheet)."""
        pad(self, round(12 * scale), round(4 * scale))
        self._fit()

    def _fit(self) -> None:
        for text in (self.caption, self.value):
            if text.styleSheet():
                text.setStyleSheet("")  # back to the wall sheet's size, then shrink if needed
            # A shrunk figure keeps its full line height, so the captions of a row stay level.
            text.setMinimumHeight(text.fontMetrics().height())
            room = text.contentsRect().width()
            wide = text.fontMetrics().horizontalAdvance(text.text())
            if wide > room > 0:
                size = max(int(text.font().pixelSize() * room / wide), 8)
                text.setStyleSheet(f"font-size: {size}px;")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()
