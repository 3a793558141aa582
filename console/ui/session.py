"""A desk's working session: sign in, work, sign out and let the next person sign in.

At a shift handover the outgoing operator signs out (工作台 → 注销 / 切换用户, Ctrl+Shift+L):
their window closes as a normal close does (layout saved, presence withdrawn, the log no longer
followed), the sign-in dialog comes back, and the next operator's window opens on the same
database without restarting the program.  Cancelling that dialog ends the program.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from console.services.centre import Centre
from console.ui.controller import Backend, DeskController, Listener
from console.ui.i18n import _
from console.ui.main_window import MainWindow
from console.ui.ops import OpRunner
from console.ui.settings import Settings

#: Asks who signs in (the name to prefill) and returns the accepted user name, or None.
AskUser = Callable[[str], str | None]


class DeskSession(QObject):
    """Opens one desk window after another on one database, one signed-in user at a time.

    Parameters
    ----------
    backend : Backend
        The database side (``console.app.App``).
    ops : OpRunner
        The one worker thread.
    centre : Centre
        Reference data, already loaded.
    clock : callable
        The current instant.
    settings : Settings
        Layout and last-user memory.
    desk : str
        This workstation's desk name, recorded on every event.
    ask_user : callable
        Shows the sign-in dialog (the services check the password) and returns who signed in.
    demo : bool
        The database holds demo data (the window says so).
    make_listener : callable, optional
        Builds the PostgreSQL LISTEN thread feeding a controller (None on SQLite).
    """

    session_lost = Signal(str)
    """The server ended this desk's session (emitted from any thread; queued to this one)."""

    window_opened = Signal(object)
    """A new :class:`MainWindow` is shown (after each sign-in)."""

    ended = Signal()
    """Nobody signed in after a sign-out, or the last window closed: the program may quit."""

    def __init__(self, backend: Backend, ops: OpRunner, centre: Centre | None,
                 clock: Callable[[], datetime], settings: Settings, desk: str,
                 ask_user: AskUser, demo: bool = False,
                 make_listener: Callable[[Backend, DeskController], Listener | None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.ops = ops
        self.centre = centre
        self.clock = clock
        self.settings = settings
        self.desk = desk
        self.ask_user = ask_user
        self.demo = demo
        self.make_listener = make_listener
        self.window: MainWindow | None = None
        self.controller: DeskController | None = None
        self._switching = False
        #: Why the last session ended, for the sign-in dialog ("" after a normal sign-out).
        self.notice = ""
        # Queued even from this thread: the 401 is heard inside a call's answer on the worker's
        # queue, and signing out there (closing the window, draining that queue) would wait on
        # itself — a synchronous runner drained for its full 10 s before the window closed.
        self.session_lost.connect(self._on_session_lost, Qt.ConnectionType.QueuedConnection)
        if hasattr(backend, "on_signed_out"):  # a server's session can end under the desk
            backend.on_signed_out = self.session_lost.emit

    def sign_in(self, prefill: str | None = None) -> bool:
        """Ask who signs in and open their window; False when the dialog was cancelled."""
        username = self.ask_user(prefill if prefill is not None else self.settings.last_user)
        if username is None:
            return False
        self.notice = ""
        self.settings.last_user = username
        self.open_window(username)
        return True

    def open_window(self, username: str) -> MainWindow:
        """Open the desk window of a user the services have already let in."""
        # Through a server the centre is the signed-in session's (read at sign-in).
        centre = self.centre
        if centre is None or hasattr(self.backend, "desk_backend"):
            centre = self.centre = self.backend.centre
        actor = centre.actor(username, self.desk)
        controller = DeskController(self.backend, self.ops, actor, self.clock)
        window = MainWindow(controller, centre.user(username), self.settings, demo=self.demo)
        if self.settings.window_state(username) is None:
            fit_to_screen(window)
        window.sign_out_requested.connect(self.sign_out)
        window.closed.connect(self._on_window_closed)
        self.window, self.controller = window, controller
        window.show()
        window.start()
        if self.make_listener is not None:  # after the first load is queued
            controller.follow(self.make_listener(self.backend, controller))
        self.window_opened.emit(window)
        return window

    def sign_out(self) -> None:
        """Close this user's window (as a normal close does) and ask who signs in next."""
        window = self.window
        if window is None:
            return
        last = window.user.username
        self._switching = True
        try:
            window.close()  # saves the layout, withdraws presence, stops following the log
        finally:
            self._switching = False
        self._drop(window)
        end = getattr(self.backend, "sign_out", None)
        if end is not None:  # the server's session ends with the sign-out
            self.ops.run(end, lambda _r: None, lambda _e: None)
        # After the close has finished: the dialog's own event loop must not run inside it.
        QTimer.singleShot(0, lambda: self._ask_next(last))

    def _on_session_lost(self, message: str) -> None:
        """The server ended the session (user disabled, role or password changed, expiry):
        close the window as a sign-out does and ask who signs in, saying why."""
        if self.window is None or self._switching:
            return
        del message  # the server's words are bilingual; the desk says it in its language
        self.notice = _("您的会话已失效，请重新登录")
        self.sign_out()

    def _ask_next(self, last: str) -> None:
        if not self.sign_in(last):
            self.ended.emit()

    def _on_window_closed(self) -> None:
        if self._switching:
            return
        window = self.window
        if window is not None:
            self._drop(window)
        self.ended.emit()

    def _drop(self, window: MainWindow) -> None:
        if self.controller is not None:
            self.controller.stop()  # joins the LISTEN thread before the window goes
        self.window = self.controller = None
        # Work the window queued (its last reads, withdrawing its presence) answers into the
        # window: let it finish before the window's objects are deleted.
        drain(self.ops)
        window.deleteLater()

    def stop(self) -> None:
        """Stop following the log (the program is ending)."""
        if self.controller is not None:
            self.controller.stop()


def drain(ops: OpRunner, timeout_s: float = 10.0) -> None:
    """Run the event loop until ``ops`` has no work queued (or ``timeout_s`` passed)."""
    deadline = time.monotonic() + timeout_s
    while ops.busy and time.monotonic() < deadline:
        loop = QEventLoop()
        ops.busy_changed.connect(loop.quit)
        QTimer.singleShot(50, loop.quit)
        loop.exec()
        ops.busy_changed.disconnect(loop.quit)


def fit_to_screen(window: MainWindow) -> None:
    """A first start: fill the screen's working area (the default layout is made for it)."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        window.resize(1600, 960)
        return
    area = screen.availableGeometry()
    window.resize(area.width(), area.height())
    window.move(area.topLeft())
