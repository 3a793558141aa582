"""Keep a server process's reference data as fresh as the database's.

A process loads the centre's reference data (units, categories, grids, the calendar) once and
reads it on every call.  An administrator's edit reaches the process that served it at once
(it reloads), but a second process behind the same proxy would keep the old data until its
restart — routing to a renamed or disabled unit, timing by an old limit.  Every reference edit
appends to the chained admin log in its own transaction, so the log's head moving is the signal:
each process looks at it at most every :data:`CHECK_EVERY` seconds, before a request, and
reloads when it moved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from console.app import App

#: How stale another process's edit may be here, at most (one cheap read per interval).
CHECK_EVERY = 2.0


class ReferenceWatch:
    """Reload ``app``'s centre when the admin log's head has moved since the last look.

    Parameters
    ----------
    app : App
        The server's open database.
    monotonic : callable, optional
        The interval's clock (tests pass another).
    """

    def __init__(self, app: App, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen: int | None = None
        self._checked = float("-inf")

    def _head(self) -> int:
        with self._app.uow_factory() as uow:
            return int(uow.audit.heads()["admin"].last_id)

    def start(self) -> None:
        """Note where the log stands when the reference data is loaded."""
        self._seen = self._head()
        self._checked = self._monotonic()

    def check(self) -> bool:
        """Look (if the interval has passed) and reload on a change; True when it reloaded.

        Requests on other threads do not wait for a look in progress: they use the data as is.
        """
        if self._monotonic() - self._checked < CHECK_EVERY:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            self._checked = self._monotonic()
            head = self._head()
            if head == self._seen:
                return False
            self._app.reload()
            self._seen = head
            return True
        finally:
            self._lock.release()
