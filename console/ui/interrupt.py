"""Ctrl+C and SIGTERM end a Qt event loop started from a terminal.

Python runs a signal handler only between two bytecodes of the main thread.  Qt's event loop
is C++, so an idle window never gives it the chance, and when a Python slot does run, the
default handler's KeyboardInterrupt is raised inside that slot: Qt prints a traceback and the
loop carries on.  The window looks as if it ignored Ctrl+C.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from PySide6.QtCore import QTimer

#: How often the interpreter gets control to run a pending handler (a Ctrl+C acts this late).
TICK_MS = 200

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def quit_on_signals(quit_loop: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call ``quit_loop`` (e.g. ``QApplication.quit``).

    The loop then ends as if its window had been closed: the caller's ``finally`` blocks run
    and the exit code is the loop's own.  Outside the main thread (tests that drive a loop
    from elsewhere) signals cannot be handled and nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        quit_loop()

    previous: dict[int, Any] = {sig: signal.signal(sig, handler) for sig in _SIGNALS}
    # The timer's only job is to run Python now and then, so a pending handler runs.
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(TICK_MS)
    try:
        yield
    finally:
        tick.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
