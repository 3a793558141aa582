"""Upgrading a working 0001 database to head keeps every row and every value, on both backends.

A real 0001 database cannot be made with today's services (their rows carry 0002 columns), so
the data is made the way a centre made it: reference data and a few days of operations, in a
scratch database at head; then every table is copied into the 0001 database, 0001 columns
only.  Revision 0002 must then add its columns around the data, hash the existing log in id
order and leave the app working.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, column, insert, inspect, select, table, text

from console.cli.setup import CALENDAR_YEARS
from console.domain.audit import GENESIS, first_break
from console.domain.calendar import statutory_days
from console.domain.cases import CaseState
from console.reference_files import load_centre_files
from console.services.cases import act, action_committed
from console.services.centre import load_centre
from console.services.demo import DemoSettings, run_demo
from console.services.setup import init_reference
from console.services.uow import CaseFilter, UnitOfWork
from db.engine import make_engine
from db.schema import HEAD, current_revision, upgrade
from db.tables import Base
from db.uow import make_uow_factory
from tests.cli.conftest import run

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua
OLD = "0001"
#: Columns per table at revision 0001, read from the database (not from today's metadata).
Layout = dict[str, list[str]]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A head database with Kaihua's reference data and three days of demo operations."""
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'head.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    uows = make_uow_factory(engine)
    # The years `citydesk init` seeds, so running it on the copy finds nothing to change.
    init_reference(uows(), load_centre_files(), statutory_days(CALENDAR_YEARS))
    run_demo(uows, load_centre(uows()), NOW, DemoSettings(days=3, per_day=40.0))
    yield engine
    engine.dispose()


def layout(engine: Engine) -> Layout:
    """The tables of the database and their columns, Alembic's own table left out."""
    found = inspect(engine)
    return {name: [c["name"] for c in found.get_columns(name)]
            for name in found.get_table_names() if name != "alembic_version"}


def typed(name: str, names: list[str]) -> Any:
    """A table clause of ``names`` with today's column types (aware datetimes, JSON)."""
    head = Base.metadata.tables[name]
    return table(name, *(column(n, head.c[n].type) for n in names))


def copy_rows(source: Engine, target: Engine, old: Layout) -> None:
    """Every row of the source into the 0001 target, 0001 columns only, in FK order."""
    with source.connect() as src, target.begin() as dst:
        for head in Base.metadata.sorted_tables:
            if head.name not in old:
                continue
            clause = typed(head.name, old[head.name])
            rows = [dict(r._mapping) for r in src.execute(select(clause))]
            if rows:
                dst.execute(insert(clause), rows)
        if dst.dialect.name == "postgresql":
            # Explicit ids leave serial sequences behind; a live 0001 database had them in step.
            for name in old:
                seq = "id" in old[name] and dst.execute(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar()
                if seq:
                    dst.execute(text(f"SELECT setval(:seq, max(id)) FROM {name} HAVING count(*) > 0"),
                                {"seq": seq})


def snapshot(engine: Engine, old: Layout) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 of every 0001 column of every row, per table."""
    result = {}
    with engine.connect() as conn:
        for name, names in sorted(old.items()):
            clause = typed(name, names)
            keys = [clause.c[c.name] for c in Base.metadata.tables[name].primary_key.columns]
            rows = conn.execute(select(clause).order_by(*keys)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            result[name] = (len(rows), digest)
    return result


def verify_chain(uows: Callable[[], UnitOfWork]) -> int:
    """Walk the whole log's hash chain; returns how many rows it holds."""
    previous, after, total = GENESIS, 0, 0
    with uows() as uow:
        while rows := uow.events.chain(after):
            previous, broken = first_break(previous, rows)
            assert broken is None, broken
            total += len(rows)
            after = rows[-1][0].id or 0
    return total


def at_0001_with_data(engine: Engine, source: Engine) -> tuple[Layout, dict[str, tuple[int, str]]]:
    upgrade(engine, OLD)
    assert current_revision(engine) == OLD
    old = layout(engine)
    assert "request_id" not in old["case_events"] and "desk_presence" not in old
    copy_rows(source, engine, old)
    before = snapshot(engine, old)
    assert before["cases"][0] > 50 and before["case_events"][0] > 200
    return old, before


def test_upgrade_keeps_every_row_and_value_and_chains_the_log(
        engine: Engine, source: Engine) -> None:
    old, before = at_0001_with_data(engine, source)

    upgrade(engine)

    assert current_revision(engine) == HEAD
    assert snapshot(engine, old) == before
    uows = make_uow_factory(engine)
    assert verify_chain(uows) == before["case_events"][0]

    # The app works on the upgraded database: act on a case waiting for dispatch.
    centre = load_centre(uows())
    with uows() as uow:
        waiting = uow.cases.list(CaseFilter(states=(CaseState.FILED,), order="id"))
    assert waiting, "the demo leaves cases waiting for dispatch"
    case = waiting[0]
    assert case.id is not None
    done = act(uows, centre, centre.actor("paiqian1", "upgraded"), NOW, case.id, "dispatch",
               expected_version=case.version, request_id="after-upgrade")
    assert done.state is CaseState.DISPATCHED
    assert action_committed(uows, "after-upgrade")
    assert verify_chain(uows) == before["case_events"][0] + 1


def test_citydesk_init_upgrades_a_0001_database(engine: Engine, source: Engine) -> None:
    old, before = at_0001_with_data(engine, source)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the command opens its own connections

    result = run(url, "init", "--json")

    assert result.code == 0, result.err
    # Nothing changes but what 0001 rows could not hold: the category aliases (0008 gives
    # them an empty list; init writes the file's) and the English names of units and grid
    # cells (0010 gives them "").
    changed = json.loads(result.out)["changed"]
    files = load_centre_files()
    aliased = sum(1 for c in files.categories.values() if c.aliases)
    assert changed.pop("categories") == aliased > 0
    assert changed.pop("units") == sum(1 for u in files.units.values() if u.name_en) > 0
    assert changed.pop("grids") == len(files.grids)
    assert set(changed.values()) == {0}
    assert json.loads(run(url, "init", "--json").out)["total"] == 0
    assert current_revision(engine) == HEAD
    assert snapshot(engine, old) == before
    assert verify_chain(make_uow_factory(engine)) == before["case_events"][0]
    listed = run(url, "case", "list", "--state", "待派遣", "--json")
    assert listed.code == 0, listed.err


def test_copy_helper_sees_the_0001_layout(tmp_path: Path) -> None:
    """The layout is read from the database: 0001 has no request ids, hashes or passwords."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        upgrade(engine, OLD)
        old = layout(engine)
        assert "hash" not in old["case_events"]
        assert "password_hash" not in old["users"]
        upgrade(engine, "0002")  # 0003 adds the intake tables; this compares 0001 with 0002
        new = layout(engine)
        assert "desk_presence" in set(new) - set(old)
        assert {"request_id", "hash"} <= set(new["case_events"]) - set(old["case_events"])
    finally:
        engine.dispose()
