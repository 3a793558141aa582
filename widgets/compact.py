"""Drop-downs as wide as their current choice, not their longest one.

A combo box is as wide as its longest item by default; a list of long unit names (in English,
with their light counts) then widens the whole pane past a 1366 px screen.
:class:`CompactComboBox` asks for the width of its current text (at least ``chars``
characters); the open list still shows every item whole.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QComboBox, QWidget


class CompactComboBox(QComboBox):
    """A combo box sized for its current text.

    Parameters
    ----------
    chars : int
        It is never narrower than this many average characters.
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, chars: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chars = chars
        self._measured = ""
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(chars)
        self.currentTextChanged.connect(lambda _t: self.updateGeometry())

    def _wanted(self) -> QSize:
        metrics = self.fontMetrics()
        floor = metrics.averageCharWidth() * self._chars
        # Qt's own hint is ``chars`` average characters plus what the style (a stylesheet's
        # padding and arrow included) puts around the text: keep that, for the current text.
        hint = super().sizeHint()
        around = hint.width() - floor
        return QSize(max(metrics.horizontalAdvance(self.currentText()), floor) + around,
                     hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return self._wanted()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self._wanted()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        # The current text can change with signals blocked (a filter set in code): the layout
        # hears of it here, on the first paint after.
        if self.currentText() != self._measured:
            self._measured = self.currentText()
            self.updateGeometry()
        super().paintEvent(event)
