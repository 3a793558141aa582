"""The Alembic migrations build exactly the schema of ``db/tables.py``, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from db.engine import make_engine
from db.schema import HEAD, alembic_config, current_revision, main, script_head, upgrade
from db.tables import Base
from db.uow import SqlUnitOfWork, make_uow_factory

TABLES = {
    "units",
    "categories",
    "routing_rules",
    "components",
    "grid_cells",
    "users",
    "admin_log",
    "chain_heads",
    "calendar_days",
    "settings",
    "case_no_seq",
    "cases",
    "case_events",
    "photos",
    "desk_presence",
    "intake_links",
    "intake_problems",
    "intake_mappings",
    "intake_outbox",
    "intake_cursors",
    "sessions",
    "collector_positions",
    "device_keys",
    "collector_alarms",
    "gazetteer_places",
    "cameras",
    "video_alarm_types",
    "video_alarm_keys",
    "video_alarms",
}


def _diffs(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_head_constant_is_the_newest_script() -> None:
    assert script_head() == HEAD


def test_metadata_declares_the_documented_tables() -> None:
    assert set(Base.metadata.tables) == TABLES


def test_upgrade_creates_the_tables_and_is_idempotent(engine: Engine) -> None:
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == HEAD
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}


def test_migration_equals_metadata(engine: Engine) -> None:
    upgrade(engine)
    assert _diffs(engine) == []


def test_comparison_notices_a_difference(engine: Engine) -> None:
    # Guards the test above against comparing nothing with nothing.
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_cases_grid"))
    diffs = _diffs(engine)
    assert len(diffs) == 1
    assert diffs[0][0] == "add_index"  # type: ignore[index]


def test_downgrade_to_base_removes_everything(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(engine) is None


def test_upgrade_from_a_url(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_command_line_upgrade_and_current(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", db_url, "upgrade"]) == 0
    assert main(["--url", db_url, "current"]) == 0
    assert capsys.readouterr().out.strip() == HEAD


def test_in_memory_sqlite_upgrades_and_serves_units_of_work() -> None:
    # The connection is handed to env.py, so the schema lands in *this* in-memory database.
    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        assert current_revision(engine) == HEAD
        factory: Callable[[], SqlUnitOfWork] = make_uow_factory(engine)
        with factory() as uow:
            assert uow.events.count() == 0
    finally:
        engine.dispose()


def test_migrations_run_without_the_sessions_statement_timeout(
        pg_admin: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PostgreSQL session has a 5-minute statement timeout; a migration over a big
    database may need longer, so the upgrade's own transaction lifts it."""
    from tests.pg import fresh_pg_database

    seen: list[str] = []

    def spy(config: object, revision: str) -> None:
        connection = config.attributes["connection"]  # type: ignore[attr-defined]
        seen.append(connection.execute(text("SHOW statement_timeout")).scalar())

    monkeypatch.setattr(command, "upgrade", spy)
    with fresh_pg_database(pg_admin) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            with engine.connect() as conn:  # the limit itself stays for everything else
                assert conn.execute(text("SHOW statement_timeout")).scalar() == "5min"
        finally:
            engine.dispose()
    assert seen == ["0"]


def test_photos_are_stored_without_a_compression_attempt(engine: Engine) -> None:
    """Revision 0025: pglz tried every photo (a JPEG's headers compress, so it did not give up
    early) and stored it uncompressed anyway — ~30 ms of a 2.8 MB photo's ~47 ms INSERT."""
    upgrade(engine)
    if engine.dialect.name != "postgresql":
        return  # SQLite has no storage setting; the revision does nothing there
    query = text("SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
                 "'photos'::regclass AND attname IN ('data', 'thumbnail') ORDER BY attname")
    with engine.connect() as conn:
        assert conn.execute(query).all() == [("data", "e"), ("thumbnail", "e")]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0024")
    with engine.connect() as conn:
        assert conn.execute(query).all() == [("data", "x"), ("thumbnail", "x")]
    upgrade(engine)
