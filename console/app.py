"""Composition root: the one place that wires ``db/`` to the services.

The CLI (and, later, the console window) asks for an :class:`App`, which owns the engine, the
unit-of-work factory and the loaded :class:`~console.services.centre.Centre`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from console.audit_files import anchor_dir, ensure_key_file, key_path, load_keys
from console.config import ConfigError, DeskConfig, check_database_url, load_config
from console.domain.audit import MIN_SECRET, ChainKey, KeyRing
from console.services.centre import Centre, load_centre
from console.services.uow import UnitOfWork
from db.alarm_repo import SqlAlarmStore
from db.engine import ENV_VAR, make_engine, resolve_url
from db.grants import GrantReport, grant_roles
from db.notify import EventListener
from db.position_repo import SqlPositionStore
from db.schema import HEAD, current_revision, downgrade_all, upgrade
from db.session_repo import SqlSessionStore
from db.uow import make_read_factory, make_uow_factory


def database_url(url: str | None, config: DeskConfig | None = None, *, wall: bool = False) -> str:
    """The database to open, first match wins.

    ``url`` (``--db``), ``$CITYDESK_DB``, ``desk.toml`` (for the wall screen its
    ``wall_database``, then ``database``), the per-user SQLite file.  ``config`` defaults to
    :func:`console.config.load_config`, read only when neither of the first two is given.
    """
    if not url and not os.environ.get(ENV_VAR):
        chosen = config if config is not None else load_config()
        url = (chosen.wall_database if wall else None) or chosen.database
    elif "://" in (url or os.environ.get(ENV_VAR, "")):
        # --db and $CITYDESK_DB as desk.toml: a password there is in the shell history, ps
        # and the environment of every child; libpq finds it in ~/.pgpass instead.
        check_database_url(url or os.environ.get(ENV_VAR, ""), "--db / CITYDESK_DB")
    return resolve_url(url)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    return None if name in ("", ":memory:") else Path(name)


def sqlite_file_missing(url: str) -> bool:
    """True for an SQLite file that does not exist yet (connecting would create it)."""
    path = sqlite_path(url)
    return path is not None and not path.exists()


#: SQLSTATE of "permission denied" (and of the append-only trigger's refusal).
INSUFFICIENT_PRIVILEGE = "42501"


def describe_database_error(exc: BaseException) -> str | None:
    """A one-line message for a database that cannot be reached or refused a value, else None."""
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"无法连接或访问数据库：{reason} / database unavailable"
    if isinstance(exc, DataError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"数据库拒绝了该值：{reason} / the database refused a value"
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
        # A role without the privilege (the wall's read-only role writing, say; see
        # `citydesk db grant`), or the event log's append-only trigger.
        reason = str(exc.orig).strip().splitlines()[0]
        return f"数据库拒绝了该操作（权限不足）：{reason} / permission denied"
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
    config : DeskConfig
        The desk's ``desk.toml`` (:meth:`open` reads it; empty when built directly).
    pool_size : int
        PostgreSQL connections kept open (``db.engine.make_engine``; the server keeps more).
    """

    url: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    config: DeskConfig = field(default_factory=DeskConfig)
    pool_size: int = 5
    engine: Engine = field(init=False)
    uow_factory: Callable[[], UnitOfWork] = field(init=False)
    read_factory: Callable[[], UnitOfWork] = field(init=False)
    _centre: Centre | None = field(default=None, init=False)
    _keys: KeyRing | None = field(default=None, init=False)
    _positions: SqlPositionStore | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.url, self.pool_size)
        self.uow_factory = make_uow_factory(self.engine, self.chain_keys)
        # Reads without a snapshot across statements: the desks' feed polls (db/uow.py).
        self.read_factory = make_read_factory(self.engine)

    @property
    def chain_key_path(self) -> Path:
        """The audit chain's key file (``console/audit_files.py`` says how it is found)."""
        return key_path(self.config.chain_key_file, sqlite_path(self.url))

    @property
    def anchor_dir(self) -> Path:
        """Where audit anchors are written and read."""
        return anchor_dir(self.config.anchor_dir, sqlite_path(self.url))

    def chain_keys(self) -> KeyRing:
        """The chain keys new rows are chained with, read once.

        An SQLite file's key is created next to it when absent (the embedded default needs no
        set-up); an in-memory database gets a key that lives as long as it does.  Otherwise
        the file must exist: :class:`~console.audit_files.ChainKeyError` (one line) when it
        is missing, unsafe (group or world readable) or broken.
        """
        if self._keys is None:
            if make_url(self.url).get_backend_name() == "sqlite" and sqlite_path(self.url) is None:
                self._keys = KeyRing((ChainKey(os.urandom(MIN_SECRET)),))
            elif sqlite_path(self.url) is not None:
                self._keys = ensure_key_file(self.chain_key_path)[0]
            else:
                self._keys = load_keys(self.chain_key_path)
        return self._keys

    def ensure_chain_key(self) -> bool:
        """Create the key file when absent (``citydesk init``); True when it was created."""
        if make_url(self.url).get_backend_name() == "sqlite" and sqlite_path(self.url) is None:
            self.chain_keys()  # in memory: the key lives with the database
            return False
        ring, created = ensure_key_file(self.chain_key_path)
        self._keys = ring
        return created

    @classmethod
    def open(cls, url: str | None, clock: Callable[[], datetime] | None = None, *,
             wall: bool = False, pool_size: int = 5) -> App:
        """Open the database :func:`database_url` chooses, with the desk's ``desk.toml``."""
        config = load_config()
        app = cls(database_url(url, config, wall=wall), config=config, pool_size=pool_size)
        if clock is not None:
            app.clock = clock
        return app

    @property
    def is_set_up(self) -> bool:
        """True once ``citydesk init`` has created the schema."""
        return current_revision(self.engine) is not None

    @property
    def is_current(self) -> bool:
        """True when the schema is at the newest revision this program knows."""
        return current_revision(self.engine) == HEAD

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        upgrade(self.engine)
        self._centre = None

    def discard_new_database(self, *, created_file: bool) -> None:
        """Undo a first ``citydesk init`` that failed: no half-made schema is left behind.

        ``created_file`` says the SQLite file did not exist before: it is deleted (with its
        journal files).  Otherwise every migration is downgraded, back to an empty database.
        Best effort: the failure that got us here (a lost server, say) may stop this too, and
        that first failure is the one to report.
        """
        self._centre = None
        path = sqlite_path(self.url)
        if created_file and path is not None:
            self.engine.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        with contextlib.suppress(Exception):  # see the docstring
            downgrade_all(self.engine)

    @property
    def centre(self) -> Centre:
        """The centre's reference data and clock, loaded on first use."""
        if self._centre is None:
            centre = load_centre(self.uow_factory())
            expected = self.config.timezone
            if expected and expected != centre.ref.config.timezone:
                # The zone is the centre's (deadlines count in it); desk.toml only says which
                # centre the operator expects, so a mismatch is the wrong database.
                raise ConfigError(
                    f"desk.toml 的时区 {expected} 与本中心数据库的时区 "
                    f"{centre.ref.config.timezone} 不一致：请检查 database 设置 / "
                    "the configured time zone differs from the centre's")
            self._centre = centre
            # The reference data (thousands of objects) lives as long as the process: out of
            # the collector's reach, the batches of new objects every report makes are cheap
            # to collect (~5 µs less per report in batched intake).
            gc.freeze()
        return self._centre

    def reload(self) -> Centre:
        """Re-read reference data (after ``init`` or an administrator's edit)."""
        self._centre = None
        return self.centre

    def grant(self, app_role: str, wall_role: str | None = None,
              revoke: tuple[str, ...] = ()) -> GrantReport:
        """Grant the server's (or the desks') role and the wall's read-only role their
        privileges, revoking those of the roles in ``revoke`` (PostgreSQL)."""
        return grant_roles(self.engine, app_role, wall_role, revoke)

    def session_store(self) -> SqlSessionStore:
        """The server's sessions (``console.services.sessions.SessionStore``) on this database."""
        return SqlSessionStore(self.engine)

    def position_store(self) -> SqlPositionStore:
        """Collectors' positions and device keys (``console.services.positions.PositionStore``).

        One store for the process (it holds nothing but the engine): the server asks for it
        on every position request."""
        if self._positions is None:
            self._positions = SqlPositionStore(self.engine)
        return self._positions

    def alarm_store(self) -> SqlAlarmStore:
        """Collectors' 在岗 alarms and the fixes they are judged on
        (``console.services.on_duty.AlarmStore``)."""
        return SqlAlarmStore(self.engine)

    @property
    def runs_duty_rounds(self) -> bool:
        """Whether a desk on this database runs the collectors' 在岗 round itself: on the
        embedded SQLite file of a one-machine centre no ``citydesk worker`` runs."""
        return make_url(self.url).get_backend_name() == "sqlite"

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
