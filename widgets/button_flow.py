"""Buttons in as many columns as fit, each showing its whole label.

A row of action buttons in a narrow pane either cuts labels (``申请作废 [SHIFT+DEL``) or widens
the pane.  :class:`ButtonFlow` does neither: each button shows its full text with its key hint
when every button fits so in the columns the width allows; otherwise the hints go (they stay in
the tooltip) and the columns are recounted, down to one button per row.  With ``max_rows``
the buttons that would need more rows go into a "more" button's menu, so a narrow pane keeps
room for what the buttons act on.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QMenu, QPushButton, QSizePolicy, QWidget


class ButtonFlow(QWidget):
    """A grid of push buttons that reflows with the width, never cutting a label.

    Parameters
    ----------
    max_columns : int
        At most this many buttons in a row.
    max_rows : int, optional
        At most this many rows; the rest go into the menu of a last button (``more_text``).
    more_text : str
        The label of that button (already translated).
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, max_columns: int = 3, parent: QWidget | None = None, *,
                 max_rows: int | None = None, more_text: str = "…") -> None:
        super().__init__(parent)
        self._max_columns = max(1, max_columns)
        self._max_rows = max_rows
        self.more = QPushButton(more_text, self)
        self.more.setObjectName("button_flow_more")
        self.more.setMenu(QMenu(self.more))
        self.more.hide()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._buttons: list[tuple[QPushButton, str, str]] = []  # (button, label, with hint)
        self._columns = 0
        self._hints = True
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    # -- our API -------------------------------------------------------------------------------
    def set_buttons(self, buttons: Sequence[tuple[QPushButton, str, str]]) -> None:
        """Show these buttons: (button, its label, the label with its key hint).

        The buttons become children of this widget; the previous ones are deleted.
        """
        for button, _label, _hinted in self._buttons:
            self._grid.removeWidget(button)
            button.hide()
            button.setParent(None)  # gone from findChildren at once, not at the next loop
            button.deleteLater()
        self._buttons = list(buttons)
        for button, _label, _hinted in self._buttons:
            button.setParent(self)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._columns = 0
        if not self._buttons:
            self.setFixedHeight(0)
        self._reflow(force=True)

    def buttons(self) -> list[QPushButton]:
        """The buttons shown, in order."""
        return [b for b, _l, _h in self._buttons]

    @property
    def columns(self) -> int:
        """Buttons per row now."""
        return self._columns

    @property
    def hints_shown(self) -> bool:
        """Whether the buttons show their key hints (they fit)."""
        return self._hints

    # -- layout --------------------------------------------------------------------------------
    def _fits(self, texts: Sequence[str], width: int) -> int:
        """How many columns of buttons showing ``texts`` fit in ``width`` (0: not even one)."""
        spacing = max(self._grid.horizontalSpacing(), 0)
        needed = []
        for (button, _label, _hinted), text in zip(self._buttons, texts, strict=True):
            button.setText(text)
            needed.append(button.sizeHint().width())
        widest = max(needed, default=0)
        for columns in range(min(self._max_columns, len(texts)), 0, -1):
            if columns * widest + (columns - 1) * spacing <= width:
                return columns
        return 0

    def _reflow(self, force: bool = False) -> None:
        if not self._buttons:
            return
        width = self.width()
        hinted = [h for _b, _l, h in self._buttons]
        plain = [p for _b, p, _h in self._buttons]
        columns = self._fits(hinted, width)
        self._hints = columns > 0
        if not self._hints:
            columns = max(self._fits(plain, width), 1)
        else:
            # Drop the hints only when they cost a row.
            bare = self._fits(plain, width)
            count = len(self._buttons)
            if -(-count // bare) < -(-count // columns):
                self._hints = False
                columns = bare
        for (button, label, with_hint) in self._buttons:
            button.setText(with_hint if self._hints else label)
        if columns == self._columns and not force:
            return
        self._columns = columns
        for button, _l, _h in self._buttons:
            self._grid.removeWidget(button)
        self._grid.removeWidget(self.more)
        shown = len(self._buttons)
        if self._max_rows is not None and shown > columns * self._max_rows:
            shown = columns * self._max_rows - 1  # the last place is the "more" button's
        for i, (button, _l, _h) in enumerate(self._buttons):
            if i < shown:
                self._grid.addWidget(button, i // columns, i % columns)
                button.show()
            else:
                button.hide()
        self._fill_more(shown)
        if shown < len(self._buttons):
            self._grid.addWidget(self.more, shown // columns, shown % columns)
        # The rows need their height whatever the pane's layout offers (a Preferred height
        # was squeezed to nothing under a scroll area taking all the stretch).
        rows = -(-min(len(self._buttons), shown + 1) // columns)
        row = max(b.sizeHint().height() for b, _l, _h in self._buttons)
        self.setFixedHeight(rows * row + (rows - 1) * max(self._grid.verticalSpacing(), 0))

    def _fill_more(self, shown: int) -> None:
        menu = self.more.menu()
        menu.clear()
        for button, _label, with_hint in self._buttons[shown:]:
            action = menu.addAction(with_hint)
            action.setEnabled(button.isEnabled())
            action.setToolTip(button.toolTip())
            action.triggered.connect(button.click)
        self.more.setVisible(shown < len(self._buttons))

    @property
    def overflow(self) -> list[QPushButton]:
        """The buttons in the "more" menu now."""
        return [b for b, _l, _h in self._buttons if not b.isVisibleTo(self)]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._reflow()
