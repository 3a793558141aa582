"""The LISTEN thread on PostgreSQL: it hears appends, survives a killed backend, stops cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from db.engine import make_engine
from db.notify import EventListener, listener_kwargs
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.integration.conftest import new_case, new_event
from tests.pg import fresh_pg_database

pytestmark = pytest.mark.postgres


class Heard:
    """What a listener reported, with events to wait on."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.status: list[bool] = []
        self.changed = threading.Condition()

    def on_event(self, newest: int) -> None:
        with self.changed:
            self.ids.append(newest)
            self.changed.notify_all()

    def on_status(self, online: bool) -> None:
        with self.changed:
            self.status.append(online)
            self.changed.notify_all()

    def wait(self, predicate, timeout: float = 15.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


@pytest.fixture
def pg_url(pg_admin: Engine) -> Iterator[str]:
    """A fresh, upgraded PostgreSQL database."""
    with fresh_pg_database(pg_admin) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _append(url: str) -> int:
    """One case and its report event, written by another connection; the event's id."""
    engine = make_engine(url)
    try:
        with make_uow_factory(engine)() as uow:
            case = uow.cases.add(new_case())
            assert case.id is not None
            [event] = uow.events.append([new_event(case.id)])
            uow.commit()
        assert event.id is not None
        return event.id
    finally:
        engine.dispose()


def test_an_append_elsewhere_calls_back_with_its_id(pg_url: str) -> None:
    heard = Heard()
    listener = EventListener(pg_url, heard.on_event, heard.on_status)
    listener.start()
    try:
        assert heard.wait(lambda: heard.status == [True])
        newest = _append(pg_url)
        assert heard.wait(lambda: newest in heard.ids)
    finally:
        assert listener.stop()
    assert not listener.running


def test_it_reconnects_after_its_backend_is_killed(pg_url: str, pg_admin: Engine) -> None:
    heard = Heard()
    listener = EventListener(pg_url, heard.on_event, heard.on_status)
    listener.start()
    try:
        assert heard.wait(lambda: heard.status == [True])
        with pg_admin.connect() as conn:
            killed = conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND application_name = 'citydesk-listen'"
            ), {"db": listener_kwargs(pg_url)["dbname"]}).scalars().all()
        assert killed == [True]
        assert heard.wait(lambda: heard.status == [True, False, True])
        assert listener.connects == 2
        newest = _append(pg_url)  # and the new connection hears appends again
        assert heard.wait(lambda: newest in heard.ids)
    finally:
        assert listener.stop()


def test_stop_returns_while_the_server_is_unreachable() -> None:
    heard = Heard()
    # A closed port: every attempt fails at once and the thread sits in its backoff wait.
    with socket_closed_port() as port:
        listener = EventListener(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none",
                                 heard.on_event, heard.on_status)
        listener.start()
        assert heard.wait(lambda: heard.status == [False])
        assert listener.stop(timeout=2.0)


def test_the_password_stays_out_of_its_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    heard = Heard()
    with socket_closed_port() as port:
        listener = EventListener(f"postgresql+psycopg://u:s3cret-pw@127.0.0.1:{port}/x",
                                 heard.on_event, heard.on_status)
        with caplog.at_level("WARNING", logger="db.notify"):
            listener.start()
            assert heard.wait(lambda: heard.status == [False])
            assert listener.stop()
    assert caplog.records and all("s3cret-pw" not in r.getMessage() for r in caplog.records)


def test_the_conninfo_carries_the_url_and_the_timeouts() -> None:
    kwargs = listener_kwargs("postgresql+psycopg://u:pw@db.example:6543/centre?sslmode=require"
                             "&connect_timeout=9")
    assert kwargs["host"] == "db.example" and kwargs["port"] == 6543
    assert kwargs["user"] == "u" and kwargs["password"] == "pw" and kwargs["dbname"] == "centre"
    assert kwargs["sslmode"] == "require"
    assert kwargs["connect_timeout"] == "9"  # the URL's own value wins
    assert kwargs["tcp_user_timeout"] == 3000


class socket_closed_port:  # noqa: N801 - used as a context manager, like contextlib's
    """A local port nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_forged_notification_payload_wakes_nobody() -> None:
    # Anyone who can connect may NOTIFY on the channel (issue #14): only a plausible event
    # id reaches the desk, and even that only makes it poll up to the chain head.
    heard: list[int] = []
    listener = EventListener("postgresql+psycopg://nobody@127.0.0.1:1/none", heard.append,
                             lambda _up: None)
    for payload in ("42", "9000000000000000", str(2**63), "-3", "0", "x" * 500):
        listener._deliver(payload)
    assert heard == [42, 9_000_000_000_000_000]
