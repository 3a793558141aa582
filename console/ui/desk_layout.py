"""Where a desk's panes sit: the default layout for the window's size, the operator's saved one.

The default layout is proportional, so it fits a 1366x768 laptop and a 1920x1080 monitor alike:
the queues take nearly a third of the width on the left, the detail pane and the board a third on
the right, the map the middle, the chart strip a band along the bottom (just its bars on a
short screen).  An operator's own layout (dock sizes, tabs, column widths and sorts) is kept per
user and comes back at the next sign-in; Ctrl+Shift+R forgets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

from console.ui.settings import Settings, restore_header, save_header

if TYPE_CHECKING:
    from console.ui.panes.queue import QueuePane


class DeskLayout(QObject):
    """Fits, saves, restores and resets the dock layout of one desk window.

    Parameters
    ----------
    window : QMainWindow
        The desk window.
    docks : dict
        Its docks by name (``intake``, ``dispatch``, ``detail``, ``board``, ``charts`` …).
    queues : sequence of QueuePane
        The queue panes, whose header state (widths, order, sort) is kept per user.
    settings : Settings
        Where layouts are kept.
    user : str
        Whose layout this is.
    """

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget],
                 queues: tuple[QueuePane, ...], settings: Settings, user: str) -> None:
        super().__init__(window)
        self.window, self.docks, self.queues = window, docks, queues
        self.settings, self.user = settings, user
        self.default_state = window.saveState()  # the structure: which dock where, tabbed
        self.restored = False  # the operator's saved layout came back
        self.headers_restored: dict[str, bool] = {}
        self._shown = False

    def restore(self) -> None:
        """Bring back this user's window geometry, docks and queue headers, if saved."""
        state = self.settings.window_state(self.user)
        if state:
            geometry, layout = state
            self.window.restoreGeometry(QByteArray(geometry))
            self.restored = self.window.restoreState(QByteArray(layout))
        for pane in self.queues:  # column widths, order and sort, per user and pane
            self.headers_restored[pane.name] = restore_header(
                pane.view, self.settings, self.user, pane.name)

    def save(self) -> None:
        """Remember this user's layout (the window closes or the user signs out)."""
        w = self.window
        self.settings.set_window_state(self.user, bytes(w.saveGeometry().data()),
                                       bytes(w.saveState().data()))
        for pane in self.queues:
            save_header(pane.view, self.settings, self.user, pane.name)

    def first_shown(self) -> None:
        """The window is on screen: size the panes for it unless the user's layout came back."""
        if self._shown:
            return
        self._shown = True
        if not self.restored:  # the operator's own layout stays as they left it
            QTimer.singleShot(0, self, self.fit)

    def reset(self) -> None:
        """The default layout again, sized for the window now; saved sizes forgotten."""
        self.settings.reset_layout(self.user)
        self.window.restoreState(self.default_state)
        self.fit()
        for pane in self.queues:
            pane.view.resizeColumnsToContents()
            self.headers_restored[pane.name] = False
        for dock in self.docks.values():
            dock.show()

    def fit(self) -> None:
        """Size the panes for this window (the default layout's proportions)."""
        w, d = self.window, self.docks
        width, height = w.width(), w.height()
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        w.resizeDocks([d["intake"], d["detail"]], [width * 31 // 100, width * 30 // 100],
                      horizontal)
        # A short screen keeps the strip to its bars; the queues need the height more.
        strip = max(140, height * 17 // 100) if height >= 900 else 130
        w.resizeDocks([d["charts"]], [strip], vertical)
        column = height - strip
        w.resizeDocks([d["intake"], d["dispatch"]], [column * 52 // 100, column * 48 // 100],
                      vertical)
        w.resizeDocks([d["detail"], d["board"]], [column * 60 // 100, column * 40 // 100],
                      vertical)

    def float_large(self, name: str) -> QDockWidget:
        """Take a dock out as a window of its own, as large as reading it wants (up to
        1280 x 860); a double-click on its title or Ctrl+Shift+R docks it back."""
        dock = self.docks[name]
        dock.show()
        dock.setFloating(True)
        area = (self.window.screen() or QApplication.primaryScreen()).availableGeometry()
        dock.resize(min(1280, area.width() * 9 // 10), min(860, area.height() * 9 // 10))
        dock.move(area.center() - dock.rect().center())
        dock.raise_()
        dock.activateWindow()
        return dock
