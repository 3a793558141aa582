"""The FastAPI application of ``citydesk server``: the services behind ``/api/v1``.

:func:`create_app` wires an open :class:`~console.app.App` (the database, held by this process
alone) to the routers: sessions (:mod:`console.server.auth`), cases
(:mod:`console.server.cases`), the push channel (:mod:`console.server.push`), the collectors'
field API (:mod:`console.server.field`, :mod:`console.server.positions`), and the desk's
seam when :mod:`console.server.desk_routes` exists.  OpenAPI is served at ``/openapi.json``.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from anyio import to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from console.app import App
from console.server import auth, cases, errors, field, mobile, positions, push, video
from console.server.access_log import quiet_routine_fixes
from console.server.auth import ServerState
from console.server.feed_share import FeedShare
from console.server.fixes_fast import FixesFast
from console.server.reference_watch import FreshReference, ReferenceWatch
from console.services.sessions import SessionPolicy, SessionStore

#: Worker threads a server process runs requests' blocking work on (anyio's default is 40).
#: Every request's database work is short, and 40 threads taking turns at the interpreter
#: lock with the event loop made answers queue: single fixes at 500/s on two processes,
#: p95 407 ms with 40 threads against 22.6 ms with 8 (docs/BENCHMARKS.md).  No route waits
#: on anything but the database on these threads, and the pool keeps 20 connections.
THREADS = 8


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(app: App, policy: SessionPolicy | None = None,
               store: SessionStore | None = None,
               clock: Callable[[], datetime] = _now) -> FastAPI:
    """The ASGI application serving ``app``'s centre.

    Parameters
    ----------
    app : App
        The open database (its reference data is loaded at start).
    policy : SessionPolicy, optional
        Session lifetime and idle timeout (defaults: 12 h, 30 min).
    store : SessionStore, optional
        Where sessions live (default: the database's ``sessions`` table).
    clock : callable
        The server's clock; only tests pass another.
    """
    hub = push.PushHub(app)
    watch = ReferenceWatch(app)

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        app.centre  # noqa: B018  (load the reference data before the first request)
        quiet_routine_fixes()  # uvicorn has set its loggers up by now
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        await run_in_threadpool(watch.start)
        hub.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            hub.stop()

    api = FastAPI(title="CityDesk", version="1", lifespan=lifespan,
                  description="智慧城管指挥台 API (issue #14): see docs/api.md")
    api.state.citydesk = ServerState(app, store or app.session_store(),
                                     policy or SessionPolicy(), clock)
    api.state.push = hub
    api.state.feeds = FeedShare()  # the desks' identical feed polls after a push read once
    errors.install(api)

    # Added first, so it runs inside FreshReference: a reload is never skipped for it.
    api.add_middleware(FixesFast, state=api.state.citydesk)
    api.add_middleware(FreshReference, watch=watch, recent=api.state.citydesk.recent)

    # Requests are matched against the routes in this order: the phones' positions, the
    # most frequent request, first (each route passed costs every request a match).
    api.include_router(positions.router)
    api.include_router(auth.router)
    api.include_router(cases.router)
    api.include_router(push.router)
    api.include_router(field.router)
    api.include_router(mobile.router)
    api.include_router(video.router)
    _include_desk_routes(api)
    return api


def _include_desk_routes(api: FastAPI) -> None:
    """Mount the desk seam's router (``console.server.desk_routes``, H4's) when it exists."""
    try:
        module = importlib.import_module("console.server.desk_routes")
    except ModuleNotFoundError as exc:
        if exc.name != "console.server.desk_routes":
            raise
        return
    router = getattr(module, "router", None)
    if router is not None:
        api.include_router(router)
