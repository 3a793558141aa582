"""A small spinner that shows while something runs."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPalette, QPen, QShowEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class BusyIndicator(QWidget):
    """A rotating arc, hidden while stopped, turning once a second while running.

    The timer runs only while the indicator is running *and* on screen: a running spinner in a
    hidden tab costs nothing.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    diameter : int
        Size of the spinner, in pixels.
    fps : int
        Frames per second, clamped to 10-20.
    """

    def __init__(self, parent: QWidget | None = None, *, diameter: int = 18, fps: int = 15) -> None:
        super().__init__(parent)
        self._diameter = diameter
        self._fps = min(max(fps, 10), 20)
        self._angle = 0.0
        self._running = False
        self._color: QColor | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // self._fps)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setVisible(False)

    def start(self) -> None:
        """Show the spinner and start turning it."""
        self._running = True
        self.setVisible(True)
        if self.isVisible():
            self._timer.start()

    def stop(self) -> None:
        """Stop turning and hide the spinner."""
        self._running = False
        self._timer.stop()
        self.setVisible(False)

    def set_busy(self, busy: bool) -> None:
        """Start when ``busy``, else stop (connect a "busy changed" signal here)."""
        if busy:
            self.start()
        else:
            self.stop()

    @property
    def is_running(self) -> bool:
        """Whether :meth:`start` was called more recently than :meth:`stop`."""
        return self._running

    @property
    def is_animating(self) -> bool:
        """Whether the frame timer runs (running and on screen)."""
        return self._timer.isActive()

    @property
    def angle(self) -> float:
        """Current start angle of the arc, in degrees."""
        return self._angle

    def set_color(self, color: QColor | str | None) -> None:
        """Set the arc colour; None uses the palette's highlight colour."""
        self._color = None if color is None else QColor(color)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        """The diameter, square."""
        return QSize(self._diameter, self._diameter)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Resume turning when shown while running."""
        super().showEvent(event)
        if self._running:
            self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        """Pause the timer while off screen (e.g. in a hidden tab); ``is_running`` is kept."""
        super().hideEvent(event)
        self._timer.stop()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """Draw a faint track and the arc at the current angle."""
        color = self._color or self.palette().color(QPalette.ColorRole.Highlight)
        side = min(self.width(), self.height())
        width = max(2.0, side / 8)
        rect = QRectF(0, 0, side, side).adjusted(width / 2, width / 2, -width / 2, -width / 2)
        rect.moveCenter(QRectF(self.rect()).center())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QColor(color)
        track.setAlpha(50)
        painter.setPen(QPen(track, width))
        painter.drawEllipse(rect)
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        # Qt angles are in 1/16 degree, counter-clockwise; subtracting turns the arc clockwise.
        painter.drawArc(rect, int(-self._angle * 16), 100 * 16)
        painter.end()

    def _on_timer_timeout(self) -> None:
        self._angle = (self._angle + 360 / self._fps) % 360
        self.update()
