"""Where the database is and how to connect to it: SQLite for one machine, PostgreSQL for a centre.

Both backends must behave the same to the code above ``db/``.  The one place they differ by
nature is time: PostgreSQL has ``timestamptz``, SQLite stores text without a zone.  Every
DateTime column is therefore a :class:`UTCDateTime`, which stores UTC and always hands back an
aware UTC ``datetime`` on either backend.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import DateTime, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.types import TypeDecorator

ENV_VAR = "CITYDESK_DB"
"""Environment variable naming the database URL when none is given explicitly."""

SQLITE_BUSY_TIMEOUT_MS = 5000

#: libpq settings that make a dead PostgreSQL server an error within seconds.  Without them a
#: desk whose server vanished (cable pulled, host down: no RST ever arrives) would wait for the
#: operating system's TCP timeout — many minutes — on its one database thread.  A URL that names
#: any of these keeps its own value.
PG_TIMEOUTS: dict[str, int] = {
    "connect_timeout": 3,  # seconds to establish a connection
    "keepalives": 1,  # probe an idle connection (a LISTENing desk is idle most of the time)
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 3000,  # ms data may stay unacknowledged: a query sent into the void fails
}


def default_sqlite_path() -> Path:
    """The per-user SQLite file (``<user data dir>/citydesk/citydesk.sqlite3``).

    The folder is created so the first run can open the file.
    """
    folder = Path(platformdirs.user_data_dir("citydesk"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "citydesk.sqlite3"


def resolve_url(url: str | None) -> str:
    """The database URL to use: ``url`` if given, else ``$CITYDESK_DB``, else the default file.

    A value without ``://`` is taken as a path to an SQLite file, so ``--db ./x.sqlite3`` works.
    """
    chosen = url or os.environ.get(ENV_VAR) or ""
    if not chosen:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser()}"
    return chosen


def _normalise(url: URL) -> URL:
    """Pin PostgreSQL URLs to psycopg 3, the only PostgreSQL driver we ship."""
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return url.set(drivername="postgresql+psycopg")
    return url


#: Server-side limits on every session CityDesk opens (libpq ``options``): a transaction left
#: idle — a COMMIT whose reply was lost, a process stopped in a debugger — is ended by the
#: server after a minute, so its row locks never block every other desk; no statement runs
#: longer than 5 minutes (a year's report at megacity size takes seconds).  A URL that sets
#: ``options`` itself keeps its own; the server role has the same values by ALTER ROLE.
PG_SESSION_SETTINGS: dict[str, str] = {
    "idle_in_transaction_session_timeout": "60s",
    "statement_timeout": "5min",
}


def pg_connect_args(url: URL) -> dict[str, int | str]:
    """The :data:`PG_TIMEOUTS` and :data:`PG_SESSION_SETTINGS` a PostgreSQL URL does not set
    itself, as driver keywords."""
    args: dict[str, int | str] = {
        key: value for key, value in PG_TIMEOUTS.items() if key not in url.query}
    if "options" not in url.query:
        args["options"] = " ".join(f"-c {k}={v}" for k, v in PG_SESSION_SETTINGS.items())
    return args


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """An :class:`~sqlalchemy.Engine` for an SQLite or PostgreSQL URL.

    Parameters
    ----------
    url : str
        ``sqlite:///path``, ``sqlite://`` (in memory), ``postgresql+psycopg://…`` or
        ``postgresql://…`` (rewritten to psycopg).
    pool_size : int
        PostgreSQL connections kept open (up to 10 more while busy, closed again after).
        A desk needs few; the server, with dozens of requests at a time on its threads,
        keeps more — a connection opened and closed again under load costs PostgreSQL a
        backend process each time.

    Returns
    -------
    Engine
        SQLite connections run in WAL mode with foreign keys on and a 5 s busy timeout;
        PostgreSQL connections get the connect and TCP timeouts of :data:`PG_TIMEOUTS` and
        the server-side session limits of :data:`PG_SESSION_SETTINGS`.
    """
    sa_url = _normalise(make_url(url))
    backend = sa_url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(sa_url)
    if backend == "postgresql":
        engine = create_engine(sa_url, connect_args=pg_connect_args(sa_url),
                               pool_size=pool_size, max_overflow=10)
        _ping_after_idle(engine)
        return engine
    raise ValueError(f"不支持的数据库 / unsupported database URL: {sa_url.drivername}")


#: A pooled PostgreSQL connection unused this long is pinged before it is handed out.
PING_AFTER_IDLE_S = 10.0


def single_statements(engine: Engine) -> Engine:
    """``engine`` for work of one statement: on PostgreSQL the driver in autocommit, so the
    statement is its own transaction — one round trip instead of BEGIN, it, and COMMIT or
    ROLLBACK (the hot reads and writes of the server: a session check, a batch of fixes).
    Elsewhere the engine itself."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection only when it sat idle for :data:`PING_AFTER_IDLE_S`.

    A desk stays open for days and the centre's PostgreSQL restarts in between, so a connection
    that waited in the pool may be dead: it is tested first and, if dead, replaced (the pool
    retries on :class:`~sqlalchemy.exc.DisconnectionError`).  ``pool_pre_ping`` tests on EVERY
    checkout — a round trip and a rollback per request, 12 % of the server's time under 50
    desks — while a connection in steady use has just proved itself.  A server restarted inside
    the idle window costs one failed statement, after which the pool is invalidated whole.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi.rollback()
        except Exception as error:  # any failure of a probe means: not this connection
            raise exc.DisconnectionError(str(error)) from error


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(url)
    if in_memory:
        # One shared connection, or every checkout would see its own empty database.  The
        # app runs all DB work on one worker thread, so sharing is safe there.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
    event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # WAL lets the wall screen read while a desk writes; foreign keys are off by default in
    # SQLite; busy_timeout makes a second writer wait instead of failing at once.  pysqlite's
    # default (deferred) transaction handling is kept on purpose: it issues BEGIN right before
    # the first write, so the UPDATE … WHERE version = :expected of the optimistic lock waits
    # for a competing writer and then sees its commit, instead of failing with a stale snapshot.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC, always returned as an aware UTC ``datetime``.

    Naive values are refused: a naive time in a centre that spans time zones (server in UTC,
    desks in Asia/Shanghai) is a bug waiting to be read eight hours off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: CityDesk stores aware instants only")
        utc = value.astimezone(UTC)
        # SQLite's DATETIME text has no zone; storing the UTC wall time keeps sorting right.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
