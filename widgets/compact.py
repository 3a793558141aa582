"""Drop-downs as wide as their current choice, not their longest one.

A combo box is as wide as its longest item by default; a list of long unit names (in English,
with their light counts) then widens the whole pane past a 1366 px screen.
:class:`CompactComboBox` asks for the width of its current text (at least ``chars``
characters); the open list still shows every item whole.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QWidget


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
        self.currentTextChanged.connect(lambda _t: self._refit())

    def _wanted(self) -> QSize:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        metrics = self.fontMetrics()
        text = max(metrics.horizontalAdvance(self.currentText()),
                   metrics.averageCharWidth() * self._chars)
        # The style (a stylesheet's padding and arrow included) puts its frame around the text.
        size = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option,
                                             QSize(text, metrics.height()), self)
        return QSize(max(size.width(), text + 40), size.height())

    def _refit(self) -> None:
        # A minimum width, not only a hint: layouts always honour it, even one that has not
        # asked for hints again since the text changed.
        self._measured = self.currentText()
        self.setMinimumWidth(self._wanted().width())

    def sizeHint(self) -> QSize:  # noqa: N802
        return self._wanted()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self._wanted()

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        """Choose an item; the box takes its width at once, even with its signals blocked."""
        super().setCurrentIndex(index)
        self._refit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        # A stylesheet or font arriving at polish time changes what the text needs.
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._refit()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        # The current text can change with signals blocked (a filter set in code): the layout
        # hears of it here, on the first paint after.
        if self.currentText() != self._measured:
            self._refit()
        super().paintEvent(event)
