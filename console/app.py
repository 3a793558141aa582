"""Composition root: the one place that wires ``db/`` to the services.

The CLI (and, later, the console window) asks for an :class:`App`, which owns the engine, the
unit-of-work factory and the loaded :class:`~console.services.centre.Centre`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from console.services.centre import Centre, load_centre
from console.services.uow import UnitOfWork
from db.engine import make_engine, resolve_url
from db.notify import EventListener
from db.schema import current_revision, upgrade
from db.uow import make_uow_factory


def database_url(url: str | None) -> str:
    """The URL ``--db`` names, else ``CITYDESK_DB``, else the per-user SQLite file."""
    return resolve_url(url)


def sqlite_file_missing(url: str) -> bool:
    """True for an SQLite file that does not exist yet (connecting would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    name = parsed.database or ""
    return name not in ("", ":memory:") and not Path(name).exists()


def describe_database_error(exc: BaseException) -> str | None:
    """A one-line message for a database that cannot be reached or refused a value, else None."""
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"无法连接或访问数据库：{reason} / database unavailable"
    if isinstance(exc, DataError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"数据库拒绝了该值：{reason} / the database refused a value"
    return None


def is_connection_error(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be reached or the connection broke.

    Such an error leaves an action's outcome unknown (the COMMIT may have arrived before the
    line went dead); a refusal by the database (a constraint, a bad value) does not.
    """
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, PoolTimeoutError | ConnectionError)


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass
class App:
    """An open database and the services' entry points on it.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the database (already resolved).
    clock : callable
        Returns the current instant; tests and ``--now`` pin it.
    """

    url: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    engine: Engine = field(init=False)
    uow_factory: Callable[[], UnitOfWork] = field(init=False)
    _centre: Centre | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.url)
        self.uow_factory = make_uow_factory(self.engine)

    @classmethod
    def open(cls, url: str | None, clock: Callable[[], datetime] | None = None) -> App:
        """Open the database named by ``url``, ``CITYDESK_DB`` or the default SQLite file."""
        app = cls(resolve_url(url))
        if clock is not None:
            app.clock = clock
        return app

    @property
    def is_set_up(self) -> bool:
        """True once ``citydesk init`` has created the schema."""
        return current_revision(self.engine) is not None

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        upgrade(self.engine)
        self._centre = None

    @property
    def centre(self) -> Centre:
        """The centre's reference data and clock, loaded on first use."""
        if self._centre is None:
            self._centre = load_centre(self.uow_factory())
        return self._centre

    def reload(self) -> Centre:
        """Re-read reference data (after ``init`` or an administrator's edit)."""
        self._centre = None
        return self.centre

    def event_listener(self, on_event: Callable[[int], None],
                       on_status: Callable[[bool], None]) -> EventListener | None:
        """A (not yet started) LISTEN thread for new events on PostgreSQL; None on SQLite.

        ``on_event(newest id)`` and ``on_status(online)`` are called on the listener's thread.
        """
        if make_url(self.url).get_backend_name() != "postgresql":
            return None  # SQLite has no NOTIFY: desks poll the log
        return EventListener(self.url, on_event, on_status)

    @staticmethod
    def is_connection_error(exc: BaseException) -> bool:
        """See :func:`is_connection_error` (for the desk, which never imports SQLAlchemy)."""
        return is_connection_error(exc)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()
