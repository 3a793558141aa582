"""A batch of fixes in one statement (PostgreSQL) or one transaction (SQLite), on both: what
is stored equals what was sent, NULLs included; repeats within the batch and of stored fixes
count as duplicates; the session check reads the same on an autocommit connection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, select

from console.domain.calendar import statutory_days
from console.reference_files import load_centre_files
from console.services.positions import Fix
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from db.position_repo import SqlPositionStore
from db.tables import PositionRow

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def test_a_batch_lands_exactly_once(engine: Engine, uow_factory: Callable[[], UnitOfWork]) -> None:
    init_reference(uow_factory(), load_centre_files(), statutory_days([2026]))
    store = SqlPositionStore(engine)
    first = Fix("caiji01", T0, 118.4015, 29.1474, accuracy=None, speed=1.25, battery=None)
    second = Fix("caiji01", T0 + timedelta(seconds=10), 118.40151, 29.14741, accuracy=6.5)
    other = Fix("caiji02", T0, 118.41, 29.15)
    received = datetime(2026, 12, 7, 1, 0, 30, tzinfo=UTC)
    assert store.add_many([first, second, first, other], received) == 3  # one repeat inside
    assert store.add_many([second, Fix("caiji01", T0 + timedelta(seconds=20), 118.4, 29.1)],
                          received) == 1  # the stored one again, and one new
    with engine.connect() as conn:
        rows = conn.execute(select(PositionRow.username, PositionRow.t, PositionRow.lon,
                                   PositionRow.lat, PositionRow.accuracy, PositionRow.speed,
                                   PositionRow.battery, PositionRow.received_at)
                            .order_by(PositionRow.username, PositionRow.t)).all()
    assert [tuple(r)[:7] for r in rows] == [
        ("caiji01", T0, 118.4015, 29.1474, None, 1.25, None),
        ("caiji01", T0 + timedelta(seconds=10), 118.40151, 29.14741, 6.5, None, None),
        ("caiji01", T0 + timedelta(seconds=20), 118.4, 29.1, None, None, None),
        ("caiji02", T0, 118.41, 29.15, None, None, None)]
    assert {r[7] for r in rows} == {received}
