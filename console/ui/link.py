"""Whether the desk's database answers, and how often to ask it.

A desk follows the event log by polling it: every second on SQLite; on PostgreSQL a LISTEN
thread wakes it at once and a slower poll is only the safety net.  The same polls tell whether
the database is there.  :class:`LinkMonitor` takes their outcomes and decides by *elapsed time*
since the last answer — not by counting failed polls, whose spacing depends on the interval —
and it watches the poll in flight too, because a query sent to a dead server may hang instead of
failing.  While the database is away it spaces the retries out (backoff), and it remembers when
the data on screen was last fresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from console.ui.i18n import _

POLL_MS = 1000
"""Poll interval without a listener (SQLite): polling is the whole mechanism."""
SAFETY_POLL_MS = 2000
"""Poll interval with a LISTEN thread: NOTIFY wakes the desk; this poll catches what it misses.
Still short enough that a server that hangs is noticed within 5 s (this + :data:`STALL_S`)."""
OFFLINE_AFTER_S = 2.0
"""No answer from the database for this long, and the last attempt failed or hangs: offline."""
STALL_S = 2.0
"""A poll still running after this long counts as failing (a dead peer may never answer)."""
RETRY_START_MS = 1000
RETRY_MAX_MS = 5000
"""Retries while offline: 1 s, 2 s, 4 s, then every 5 s."""
WATCH_MS = 250


class LinkMonitor(QObject):
    """Online or offline, from the outcome of each poll and the time since the last answer.

    Parameters
    ----------
    clock : callable
        The desk's clock; :attr:`data_as_of` is read from it (it may be pinned, e.g. ``--now``).
    parent : QObject, optional

    Attributes
    ----------
    monotonic : callable
        Seconds from a monotonic clock; tests replace it to make time pass.
    online : bool
        False from the moment the desk declared the database gone until it answers again.
    data_as_of : datetime or None
        The desk clock at the last successful poll: how fresh the data on screen is.
    """

    connection_changed = Signal(bool, str)
    """(online, reason): the database stopped answering (reason: the last error), or answers again."""

    interval_changed = Signal(int)
    """The poll interval to use now, in milliseconds (normal, or a retry backoff step)."""

    def __init__(self, clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.monotonic: Callable[[], float] = time.monotonic
        self.online = True
        self.data_as_of: datetime | None = None
        self.normal_ms = POLL_MS
        self._last_ok = self.monotonic()
        self._started: float | None = None  # when the poll in flight began
        self._failing = False  # the last attempt failed
        self._reason = ""
        self._retry_ms = RETRY_START_MS
        self.watchdog = QTimer(self)
        self.watchdog.setInterval(WATCH_MS)
        self.watchdog.timeout.connect(self.check)

    @property
    def interval_ms(self) -> int:
        """How long to wait between polls right now."""
        return self.normal_ms if self.online else self._retry_ms

    def set_normal_interval(self, ms: int) -> None:
        """Change the interval used while online (slower when a listener pushes events)."""
        self.normal_ms = ms
        if self.online:
            self.interval_changed.emit(ms)

    def start(self) -> None:
        """Start watching (call when polling starts)."""
        self._last_ok = self.monotonic()  # the first poll is due, not overdue
        self.watchdog.start()

    def stop(self) -> None:
        """Stop watching."""
        self.watchdog.stop()

    # -- outcomes ------------------------------------------------------------------------------
    def poll_started(self) -> None:
        """A poll went to the worker."""
        self._started = self.monotonic()

    def poll_succeeded(self) -> None:
        """The database answered."""
        self._started = None
        self._failing = False
        self._last_ok = self.monotonic()
        self.data_as_of = self.clock()
        if not self.online:
            self.online = True
            self._retry_ms = RETRY_START_MS
            self.interval_changed.emit(self.normal_ms)
            self.connection_changed.emit(True, "")

    def poll_failed(self, reason: str) -> None:
        """A poll (or any other database call) failed: maybe the database is gone."""
        self._started = None
        was_online = self.online
        self.failure_seen(reason)
        if not was_online:  # each failed retry waits longer before the next
            self._retry_ms = min(self._retry_ms * 2, RETRY_MAX_MS)
            self.interval_changed.emit(self._retry_ms)

    def failure_seen(self, reason: str) -> None:
        """Evidence that the database is away (a failed action), without a poll's backoff."""
        self._failing = True
        self._reason = reason
        self.check()

    def check(self) -> None:
        """Go offline when there was no answer for :data:`OFFLINE_AFTER_S` and none is coming."""
        if not self.online:
            return
        now = self.monotonic()
        stalled = self._started is not None and now - self._started >= STALL_S
        if (self._failing or stalled) and now - self._last_ok >= OFFLINE_AFTER_S:
            self.online = False
            self._retry_ms = RETRY_START_MS
            self.interval_changed.emit(self._retry_ms)
            reason = self._reason if self._failing else _("查询长时间无应答")
            self.connection_changed.emit(False, reason)
