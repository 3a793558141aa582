"""The push channel: ``GET /api/v1/events`` as server-sent events.

One :class:`PushHub` per server process watches the event log — PostgreSQL's LISTEN through
:meth:`console.app.App.event_listener` (one connection for the process, however many clients),
plus a slow poll as a safety net; on SQLite a poll every second — and reads each batch of new
events ONCE into a short memory of ``(event id, case id)``.  Every connected client's stream
takes its part from that memory: a unit seat or a collector only the events of cases it may
see (checked through its scoped unit of work), the others all of them.

Messages (``text/event-stream``)::

    event: hello      data: {"last_id": N}                         on connecting
    event: events     data: {"last_id": N, "events": [...], "cases": [...]}
    event: signed-out data: {"error": "authentication", "message": ...}   then the stream ends
    : ping                                                          every 15 s of silence

A client resumes with ``Last-Event-ID`` (or ``?after=N``).  The session is checked again every
:data:`RECHECK` seconds: a revoked session, a disabled user or a changed role ends the stream
with ``signed-out``, and the client's next call gets 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from console.app import App
from console.domain.cases import Event
from console.domain.errors import AuthenticationError
from console.server.auth import ServerState, bearer_token, state_of
from console.services.access import reader_of, scoped_factory
from console.services.sessions import resolve

log = logging.getLogger(__name__)

#: Seconds between session checks of an open stream (how soon a disabled user's stream ends).
RECHECK = 2.0
#: Seconds of silence before a comment line keeps proxies from closing the stream.
PING_EVERY = 15.0
#: How many recent (event id, case id) pairs the hub remembers for its clients.
MEMORY = 20_000
#: Poll intervals of the log: SQLite has no NOTIFY; on PostgreSQL a safety net only.
POLL_SQLITE = 1.0
POLL_PG = 5.0


class PushHub:
    """One watcher of the event log per process, fanned out to every stream.

    Parameters
    ----------
    app : App
        The server's database.
    """

    def __init__(self, app: App) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._recent: deque[tuple[int, int]] = deque()
        # Events that name a collector (a 核实/核查 sent to them): a field long poll waits
        # for one naming its caller instead of reading the tasks again on every event.
        self._named: deque[tuple[int, str]] = deque()
        self._newest = 0
        self._floor = 0  # the memory holds every event after this id
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._listener: Any = None
        self._thread = threading.Thread(target=self._run, name="citydesk-push", daemon=True)

    @property
    def newest(self) -> int:
        """The newest event id the hub has read."""
        return self._newest

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read the log's end, then watch it (LISTEN on PostgreSQL, poll on SQLite)."""
        self._loop = loop
        self._changed = asyncio.Event()
        with self._app.uow_factory() as uow:
            self._newest = self._floor = uow.events.last_id()
        self._listener = self._app.event_listener(lambda _id: self._wake.set(),
                                                  lambda _online: self._wake.set())
        if self._listener is not None:
            self._listener.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the server is shutting down)."""
        self._stop.set()
        self._wake.set()
        if self._listener is not None:
            self._listener.stop()
        if self._thread.is_alive():
            self._thread.join(2.0)

    def _run(self) -> None:
        every = POLL_SQLITE if self._listener is None else POLL_PG
        while not self._stop.is_set():
            self._wake.wait(every)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self._read()
            except Exception as exc:  # the database is away: the next wake-up tries again
                log.warning("push: reading the log failed: %s: %s", type(exc).__name__,
                            str(exc).splitlines()[0] if str(exc) else "")

    def _read(self) -> None:
        with self._app.uow_factory() as uow:
            while True:
                batch = uow.events.since(self._newest, limit=1000)
                if not batch:
                    break
                self.remember(batch)
                if len(batch) < 1000:
                    break
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._notify)

    def remember(self, batch: list[Event]) -> None:
        """Take newly read events (oldest first) into the memory."""
        with self._lock:
            for e in batch:
                if len(self._recent) == MEMORY:
                    self._floor = self._recent.popleft()[0]
                    while self._named and self._named[0][0] <= self._floor:
                        self._named.popleft()
                self._recent.append((e.id or 0, e.case_id or 0))
                collector = e.payload.get("collector")
                if isinstance(collector, str) and collector:
                    self._named.append((e.id or 0, collector))
            self._newest = max(self._newest, *(e.id or 0 for e in batch))

    def _notify(self) -> None:
        # On the event loop: wake every waiting stream, then arm a new event for the next.
        if self._changed is not None:
            self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, seen: int, timeout: float) -> None:
        """Return when events after ``seen`` are known, or after ``timeout`` seconds."""
        if self._newest > seen or self._changed is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    def names(self, seen: int, user: str) -> bool:
        """Whether an event after ``seen`` names ``user`` as its collector (True as well when
        ``seen`` is older than the memory reaches: the caller must look for itself)."""
        with self._lock:
            if seen < self._floor:
                return True
            for eid, who in reversed(self._named):
                if eid <= seen:
                    return False
                if who == user:
                    return True
            return False

    def after(self, seen: int) -> list[tuple[int, int]] | None:
        """The remembered (event id, case id) pairs after ``seen``; None when ``seen`` is older
        than the memory reaches (the stream then reads the log itself)."""
        with self._lock:
            if seen >= self._newest:
                return []
            if seen < self._floor:
                return None
            return [pair for pair in self._recent if pair[0] > seen]


router = APIRouter(prefix="/api/v1", tags=["push"])


def _message(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _visible(state: ServerState, actor: Any, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pairs of cases ``actor`` may see (all of them for unscoped roles)."""
    if reader_of(actor) is None or not pairs:
        return pairs
    with scoped_factory(state.app.uow_factory, actor)() as uow:
        seen = {c.id for c in uow.cases.get_many(sorted({case for _e, case in pairs}))}
    return [p for p in pairs if p[1] in seen]


def _from_log(state: ServerState, seen: int) -> list[tuple[int, int]]:
    with state.app.uow_factory() as uow:
        return [(e.id or 0, e.case_id or 0) for e in uow.events.since(seen, limit=5000)]


@router.get("/events")
async def events(
    request: Request,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The caller's push stream (see the module docstring)."""
    state = state_of(request)
    hub: PushHub = request.app.state.push
    token = bearer_token(request)
    actor, _record = await run_in_threadpool(resolve, state.store,
                                             token, state.clock(), state.policy)
    seen = hub.newest if after is None else after
    if last_event_id and last_event_id.isdigit() and len(last_event_id) < 19:
        seen = int(last_event_id)

    async def stream() -> AsyncIterator[str]:
        nonlocal seen, actor
        yield _message("hello", {"last_id": seen})
        loop = asyncio.get_running_loop()
        checked = silent = loop.time()
        while not await request.is_disconnected():
            await hub.wait(seen, RECHECK)
            now = loop.time()
            if now - checked >= RECHECK:
                checked = now
                try:
                    actor, _ = await run_in_threadpool(
                        resolve, state.store, token, state.clock(),
                        state.policy)
                except AuthenticationError as exc:
                    yield _message("signed-out", {"error": "authentication",
                                                  "message": exc.message})
                    return
            pairs = hub.after(seen)
            if pairs is None:
                pairs = await run_in_threadpool(_from_log, state, seen)
                if not pairs:  # nothing readable after ``seen``: go on from the hub's end
                    seen = max(seen, hub.newest)
            if pairs:
                newest = max(e for e, _c in pairs)
                mine = await run_in_threadpool(_visible, state, actor, pairs)
                seen = newest
                silent = now
                if mine:
                    yield _message("events", {
                        "last_id": seen, "events": [e for e, _c in mine],
                        "cases": sorted({c for _e, c in mine})}, seen)
            elif now - silent >= PING_EVERY:
                silent = now
                yield ": ping\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
