"""Several server processes on one listening socket: ``citydesk server --workers N``.

One Python process serves requests on one core at a time (the interpreter lock): a phone's
single position costs the server about 2 ms of CPU in uvicorn, FastAPI, the session check and
the INSERT, so one process keeps up with a few hundred such requests a second.  With
``--workers N`` the command binds the socket once and uvicorn's supervisor starts N worker
processes that accept on it (the kernel shares the connections out) and restarts any that
dies.  Each worker opens the database itself and holds everything docs/deploy.md's "two or
more server processes" describes: its own sessions cache, push listener and reference watch.

Worker processes are *spawned*, so what they are given must be picklable: :class:`WorkerApp`
carries the database URL and the session policy, and builds the application inside the worker
at its first call (the ASGI lifespan's start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from console.app import App
from console.config import load_config
from console.domain.errors import ValidationError
from console.server.app import create_app
from console.services.sessions import SessionPolicy

#: The most workers one server may run (more than the cores only adds contention).
MAX_WORKERS = 32
#: PostgreSQL connections each server process keeps open (10 more while busy): the server
#: runs dozens of requests at once on its threads, and a connection opened and closed again
#: under load costs PostgreSQL a backend process each time.
SERVER_POOL = 20


@dataclass
class WorkerApp:
    """The ASGI application of one worker process, made in that process.

    Parameters
    ----------
    url : str
        The resolved database URL (the parent opened and checked it before starting workers).
    lifetime_s, idle_s : float
        The session policy's absolute lifetime and idle timeout, in seconds.
    """

    url: str
    lifetime_s: float
    idle_s: float
    _api: Any = field(default=None, init=False, repr=False, compare=False)
    _app: Any = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # Only the recipe crosses to the worker: never a built application or an engine.
        return {"url": self.url, "lifetime_s": self.lifetime_s, "idle_s": self.idle_s,
                "_api": None, "_app": None}

    def _build(self) -> Any:
        self._app = App(self.url, config=load_config(), pool_size=SERVER_POOL)
        policy = SessionPolicy(lifetime=timedelta(seconds=self.lifetime_s),
                               idle=timedelta(seconds=self.idle_s))
        return create_app(self._app, policy)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._api is None:
            self._api = self._build()
        try:
            await self._api(scope, receive, send)
        finally:
            if scope["type"] == "lifespan" and self._app is not None:
                self._app.close()  # the worker is stopping: its connections go with it
                self._app = None


def check_workers(workers: int, dialect: str) -> None:
    """Refuse a worker count the server cannot run (one line, before anything is served)."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValidationError(f"--workers 应在 1 到 {MAX_WORKERS} 之间 / --workers must be "
                              f"from 1 to {MAX_WORKERS}")
    if workers > 1 and dialect != "postgresql":
        raise ValidationError("--workers 大于 1 需要 PostgreSQL：嵌入式 SQLite 文件同一时间只有一个"
                              "写入者 / more than one worker needs PostgreSQL (an SQLite file "
                              "takes one writer at a time)")
