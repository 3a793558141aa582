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

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from console.app import App
from console.services.sessions import RecentSessions

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

    def due(self) -> bool:
        """Whether the interval has passed (a look is worth a trip to a worker thread)."""
        return self._monotonic() - self._checked >= CHECK_EVERY

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


class FreshReference:
    """ASGI middleware: before a request, :meth:`ReferenceWatch.check` when it is due.

    A plain ASGI wrapper, not Starlette's ``BaseHTTPMiddleware`` (which streams every response
    through a second task: 5 % of the server's time under fifty desks), and the look goes to a
    worker thread only when the interval has passed.  After a reload (a user or the reference
    changed in another process) the sessions this process remembers are read again.  A
    database that does not answer is the request's own error to report (503), not this.

    Parameters
    ----------
    app : ASGI application
        The application it wraps.
    watch : ReferenceWatch
        The admin log's watcher.
    recent : RecentSessions
        The server's remembered sessions.
    """

    def __init__(self, app: Any, watch: ReferenceWatch, recent: RecentSessions) -> None:
        self._app = app
        self._watch = watch
        self._recent = recent

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self._watch.due():
            with contextlib.suppress(Exception):
                if await run_in_threadpool(self._watch.check):
                    self._recent.clear()
        await self._app(scope, receive, send)
