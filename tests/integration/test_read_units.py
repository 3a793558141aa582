"""Read-only units of work (db/uow.py ``make_read_factory``) on both backends: they read what
is committed, refuse to commit, and on PostgreSQL run without a transaction (no BEGIN and
ROLLBACK round trips around a desk's feed poll)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from console.domain.cases import Case
from console.services.feed import poll
from db.uow import SqlUnitOfWork, make_read_factory


def test_a_read_unit_reads_committed_rows_and_never_commits(
        engine: Engine, uow_factory: Callable[[], SqlUnitOfWork],
        make_case: Callable[..., Case], make_event: Callable[..., object]) -> None:
    with uow_factory() as uow:
        case = uow.cases.add(make_case("R1"))
        uow.events.append([make_event(case.id)])  # type: ignore[list-item]
        uow.commit()
    reads = make_read_factory(engine)
    batch = poll(reads(), 0)
    assert [c.id for c in batch.cases] == [case.id] and len(batch.events) == 1
    with reads() as uow:
        if engine.dialect.name == "postgresql":
            raw = uow.session.connection().connection.dbapi_connection
            assert raw is not None and raw.autocommit  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="does not commit"):
            uow.commit()
