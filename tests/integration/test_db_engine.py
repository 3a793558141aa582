"""Engines, URLs and the UTC datetime column type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

import db.engine
from db.engine import UTCDateTime, default_sqlite_path, make_engine, resolve_url

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs' user data dir into ``tmp_path``."""
    folder = tmp_path / "userdata"
    monkeypatch.setattr(db.engine.platformdirs, "user_data_dir", lambda app: str(folder / app))
    monkeypatch.delenv("CITYDESK_DB", raising=False)
    return folder


def test_default_sqlite_path_creates_its_folder(data_dir: Path) -> None:
    path = default_sqlite_path()
    assert path == data_dir / "citydesk" / "citydesk.sqlite3"
    assert path.parent.is_dir()


def test_resolve_url_prefers_explicit_then_env_then_default(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_url(None) == f"sqlite:///{data_dir / 'citydesk' / 'citydesk.sqlite3'}"
    monkeypatch.setenv("CITYDESK_DB", "postgresql://centre/citydesk")
    assert resolve_url(None) == "postgresql://centre/citydesk"
    assert resolve_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"


def test_resolve_url_takes_a_bare_path_as_sqlite_file(data_dir: Path, tmp_path: Path) -> None:
    assert resolve_url(str(tmp_path / "a.sqlite3")) == f"sqlite:///{tmp_path / 'a.sqlite3'}"


def test_sqlite_engine_sets_pragmas_and_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert path.exists()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@db.example/citydesk",
        "postgres://u@db.example/citydesk",
        "postgresql+psycopg://u@db.example/citydesk",
    ],
)
def test_postgres_urls_use_psycopg3(url: str) -> None:
    engine = make_engine(url)  # creating an engine does not connect
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.url.database == "citydesk"
    finally:
        engine.dispose()


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        make_engine("mysql://u@h/db")


def _instants(engine: Engine) -> Table:
    table = Table(
        "instants",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()),
    )
    table.create(engine)
    return table


def test_aware_datetimes_come_back_as_utc(engine: Engine) -> None:
    table = _instants(engine)
    local = datetime(2026, 1, 1, 8, 0, 0, 123456, tzinfo=SHANGHAI)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "at": local}, {"id": 2, "at": None}])
    with engine.connect() as conn:
        got = conn.execute(select(table.c.at).order_by(table.c.id)).scalars().all()
    assert got[0] == local
    assert got[0].tzinfo == UTC
    assert got[0] == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert got[1] is None


def test_comparisons_use_the_instant_not_the_wall_time(engine: Engine) -> None:
    table = _instants(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "at": datetime(2026, 1, 1, 1, 0, tzinfo=UTC)}])
        # 08:30 in Shanghai is 00:30 UTC: before the stored 01:00 UTC.
        cutoff = datetime(2026, 1, 1, 8, 30, tzinfo=SHANGHAI)
        assert conn.execute(select(table.c.id).where(table.c.at > cutoff)).scalar() == 1


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    table = _instants(engine)
    with engine.begin() as conn, pytest.raises(StatementError, match="naive datetime"):
        conn.execute(insert(table), [{"id": 1, "at": datetime(2026, 1, 1, 8, 0)}])


def test_a_pooled_connection_that_died_while_idle_is_replaced(
    pg_admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PostgreSQL pool pings a connection that sat idle (not every checkout) and swaps a
    dead one: a server restarted while a desk or the API server was idle costs nothing."""
    from tests.pg import fresh_pg_database

    with fresh_pg_database(pg_admin) as url:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                first = conn.scalar(text("SELECT pg_backend_pid()"))
            with pg_admin.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            monkeypatch.setattr(db.engine, "PING_AFTER_IDLE_S", 0.0)
            with engine.connect() as conn:
                second = conn.scalar(text("SELECT pg_backend_pid()"))
            assert second != first
        finally:
            engine.dispose()
