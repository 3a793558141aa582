"""Live push on PostgreSQL: a thread that LISTENs for new events and wakes the desk.

:meth:`~db.event_repo.SqlEventLog.append` sends ``pg_notify('citydesk_events', '<newest id>')``
inside the appending transaction, and PostgreSQL delivers it only when that transaction commits,
so a desk woken by it finds the rows already visible.  The notification is only a wake-up call:
the desk still reads the log from the last id it saw, so a notification lost while the connection
was down costs nothing but time (the desk's safety-net poll, or the catch-up poll it runs when the
listener reconnects, reads what was missed).

The listener has a connection of its own (psycopg, autocommit): the SQLAlchemy pool's
connections come and go, a LISTEN must stay.  It never touches Qt; the desk hands it callbacks
that post to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from db.engine import pg_connect_args
from db.event_repo import NOTIFY_CHANNEL

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

#: First wait before reconnecting; it doubles after each failure up to :data:`BACKOFF_MAX`.
BACKOFF_START = 0.5
BACKOFF_MAX = 10.0
#: One wait for notifications: bounds how long :meth:`EventListener.stop` takes to be noticed.
WAIT_SLICE = 0.5
#: After this many seconds without a notification, ask the server something: a silent dead peer
#: sends no error, and only traffic (bounded by ``tcp_user_timeout``) reveals it.
PING_AFTER = 5.0
#: The largest id a BIGINT log can hold: a payload beyond it is not an event id.
MAX_EVENT_ID = 2**63 - 1
#: ``application_name`` of the listener's connection (unless the URL names one).
LISTENER_APP_NAME = "citydesk-listen"


def listener_kwargs(url: str) -> dict[str, Any]:
    """psycopg ``connect()`` keywords for an SQLAlchemy PostgreSQL URL, timeouts included.

    Query parameters of the URL (``?connect_timeout=…``, ``sslmode=…``) are passed on as libpq
    settings; the :data:`~db.engine.PG_TIMEOUTS` fill in what the URL leaves out.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {
        key: value for key, value in (
            ("host", parsed.host), ("port", parsed.port), ("user", parsed.username),
            ("password", parsed.password), ("dbname", parsed.database),
        ) if value is not None
    }
    for key, value in parsed.query.items():
        kwargs[key] = value if isinstance(value, str) else value[-1]
    kwargs.update(pg_connect_args(parsed))
    # Named in pg_stat_activity, so an administrator can tell the desks' listeners apart.
    kwargs.setdefault("application_name", LISTENER_APP_NAME)
    return kwargs


class EventListener:
    """A daemon thread that LISTENs on the event channel and reports each new event id.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the PostgreSQL database (any ``postgresql+driver`` form).
    on_event : callable
        Called with the newest event id of each notification, on the listener thread.
    on_status : callable
        Called with True when the listener is (re)connected and listening, False when its
        connection failed or broke (only on changes), on the listener thread.
    channel : str
        The channel to LISTEN on.
    backoff_max : float
        Longest wait between reconnection attempts, in seconds.

    Notes
    -----
    Callbacks run on the listener thread: they must be thread-safe (emitting a Qt signal whose
    receiver lives on the GUI thread is).  An exception in a callback is logged, never fatal.
    The password of the URL never appears in a log line.
    """

    def __init__(self, url: str, on_event: Callable[[int], None],
                 on_status: Callable[[bool], None], *, channel: str = NOTIFY_CHANNEL,
                 backoff_max: float = BACKOFF_MAX) -> None:
        self._kwargs = listener_kwargs(url)
        self._where = make_url(url).render_as_string(hide_password=True)
        self._on_event = on_event
        self._on_status = on_status
        self._channel = channel
        self._backoff_max = backoff_max
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="citydesk-listen", daemon=True)
        self._online: bool | None = None
        self.connects = 0
        """How many times a connection was established and LISTENing (1 + reconnections)."""

    @property
    def online(self) -> bool:
        """True while the listener's connection is up and listening."""
        return bool(self._online)

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (connecting happens on it)."""
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Ask the thread to end and wait up to ``timeout`` seconds; True when it has ended."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        # psycopg is imported here, on the listener's thread: a desk on SQLite never needs it,
        # and importing it costs a cold start ~0.1 s.
        import psycopg
        from psycopg import sql

        delay = BACKOFF_START
        while not self._stop.is_set():
            try:
                conn = psycopg.connect(autocommit=True, **self._kwargs)
            except (psycopg.Error, OSError) as exc:
                self._lost("cannot connect", exc)
            else:
                try:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self.connects += 1
                    self._status(True)
                    delay = BACKOFF_START
                    self._listen(conn)
                except (psycopg.Error, OSError) as exc:
                    self._lost("connection lost", exc)
                finally:
                    conn.close()
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self._backoff_max)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        quiet = 0.0
        while not self._stop.is_set():
            heard = False
            for note in conn.notifies(timeout=WAIT_SLICE):
                heard = True
                self._deliver(note.payload)
            quiet = 0.0 if heard else quiet + WAIT_SLICE
            if quiet >= PING_AFTER:
                conn.execute("SELECT 1")
                quiet = 0.0

    def _deliver(self, payload: str) -> None:
        # Anyone who can connect may NOTIFY on the channel: the payload only wakes the desk,
        # which then reads the log up to the chain head (db.chain_head), so a forged id (a
        # huge one, say) costs one poll and never moves where the desk follows from.
        try:
            newest = int(payload)
        except ValueError:
            newest = -1
        if not 0 < newest <= MAX_EVENT_ID:
            log.warning("ignoring a notification on %s with payload %r", self._channel,
                        payload[:80])
            return
        try:
            self._on_event(newest)
        except Exception:
            log.exception("event listener callback failed")

    def _lost(self, what: str, exc: BaseException) -> None:
        if self._stop.is_set():
            return  # shutting down: a closed connection is expected, not news
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.warning("event listener on %s: %s: %s", self._where, what, reason)
        self._status(False)

    def _status(self, online: bool) -> None:
        if online == self._online:
            return
        self._online = online
        try:
            self._on_status(online)
        except Exception:
            log.exception("event listener status callback failed")
