"""Batched writes store exactly what the one-at-a-time writes store, on SQLite and PostgreSQL.

``add_many`` and the event log's ``append`` write plain tuples with one ``executemany``
(``db.bulk``); ``report_many`` shares routing and deadline work across its batch.  These
tests compare the raw stored rows with those of the ORM / Core paths they replaced, and a
batch of reports with the same reports taken in one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, text

from console.domain.audit import GENESIS, chain_hash
from console.domain.cases import Case, Event
from console.services.audit import verify_chain
from console.services.cases import Report, report_case, report_many
from console.services.centre import load_centre
from db.bulk import BulkInsert
from db.case_repo import _stored
from db.event_repo import EVENT_COLUMNS, _numbered, event_row, event_values
from db.tables import CaseRow, EventRow
from db.uow import SqlUnitOfWork

Factory = Callable[[], SqlUnitOfWork]
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua
GRID = "330824001001001"


def _raw(uow: SqlUnitOfWork, table: str, row_id: int) -> dict[str, Any]:
    """A stored row as the driver returns it (no SQLAlchemy type processing)."""
    row = uow.session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})
    return dict(row.mappings().one())


def test_add_many_stores_the_rows_add_stores(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    full = make_case("2026030200001")
    minimal = replace(make_case("2026030200002"), pending=None, lon=None, lat=None,
                      verified=None, stage_deadline=None, closed_at=None)
    with uow_factory() as uow:
        one = [uow.cases.add(c) for c in (full, minimal)]
        many = uow.cases.add_many([replace(full, case_no="2026030200003"),
                                   replace(minimal, case_no="2026030200004")])
        for single, batched in zip(one, many, strict=True):
            assert batched == replace(single, id=batched.id, case_no=batched.case_no)
            assert uow.cases.get(batched.id) == batched  # type: ignore[arg-type]
            a, b = _raw(uow, "cases", single.id), _raw(uow, "cases", batched.id)  # type: ignore[arg-type]
            assert {**a, "id": 0, "case_no": ""} == {**b, "id": 0, "case_no": ""}
        uow.commit()


def test_add_many_ids_follow_every_existing_case(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    with uow_factory() as uow:
        moved = uow.cases.add(make_case("2026030200001", pending=None))
        # A case far above the others (imported, say): new ids must not collide with it.
        uow.session.execute(text("UPDATE cases SET id = 1000 WHERE id = :id"), {"id": moved.id})
        made = uow.cases.add_many([make_case(f"20260302{n:05d}", pending=None)
                                   for n in range(2, 30)])
        uow.commit()
    ids = [c.id for c in made]
    assert len(set(ids)) == len(ids) and 1000 not in ids
    assert ids == sorted(ids)  # type: ignore[type-var]
    with uow_factory() as uow:
        assert [uow.cases.get(i).case_no for i in ids] == [c.case_no for c in made]  # type: ignore[arg-type]


def test_add_many_of_nothing_writes_nothing(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        assert uow.cases.add_many([]) == []


def test_append_stores_the_rows_a_core_insert_stores(
    uow_factory: Factory, make_case: Callable[..., Case], make_event: Callable[..., Event]
) -> None:
    with uow_factory() as uow:
        case = uow.cases.add(make_case())
        uow.commit()
    assert case.id is not None
    events = [make_event(case.id), make_event(case.id, payload={}, unit=None, on_time=None,
                                                  stage_deadline=None, request_id="req-1")]
    with uow_factory() as uow:
        stored = uow.events.append(events)
        written = [_raw(uow, "case_events", e.id) for e in stored]  # type: ignore[arg-type]
        uow.rollback()
    with uow_factory() as uow:
        previous = GENESIS
        values = []
        for event in stored:
            previous = chain_hash(previous, event)
            values.append(event_values(event, previous))
        uow.session.execute(insert(EventRow), values)  # the statement append used before
        assert [_raw(uow, "case_events", e.id) for e in stored] == written  # type: ignore[arg-type]
        uow.rollback()
    assert stored == [replace(e, id=s.id) for e, s in zip(events, stored, strict=True)]


def test_event_values_are_event_row_by_column(make_event: Callable[..., Event]) -> None:
    event = make_event(7, id=11)
    assert list(event_values(event, "h")) == list(EVENT_COLUMNS)
    assert tuple(event_values(event, "h").values()) == event_row(event, "h")
    with pytest.raises(ValueError, match="no case_id or id"):
        event_row(make_event(7), "h")  # no id


def test_positional_copies_are_replace(
    make_case: Callable[..., Case], make_event: Callable[..., Event]
) -> None:
    case = make_case()
    assert _stored(case, 5) == replace(case, id=5, version=1, photos=())
    event = make_event(3, request_id="r")
    assert _numbered(event, 9) == replace(event, id=9)


def test_bulk_binding_repeats_nothing_it_should_not(engine: Engine) -> None:
    writer = BulkInsert(CaseRow.__table__, ("reported_at", "stage_deadline", "natural_time",
                                            "pending"), engine.dialect)
    a = datetime(2026, 3, 2, 10, tzinfo=UTC)
    rows = [(a, a + timedelta(minutes=i % 3), i % 2 == 0, {"n": i} if i % 4 else None)
            for i in range(12)]


    def plain(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        # psycopg's JSON wrapper does not compare by value; its document does.
        return [tuple(getattr(v, "obj", v) for v in row) for row in rows]

    bound = writer.bind(rows)
    # Each row bound alone (no sharing between rows) gives the same values.
    assert plain(bound) == plain([writer.bind([row])[0] for row in rows])
    # Equal wall times of one zone that differ only in ``fold`` are different instants.
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    folded = writer.bind([(first, first.replace(fold=1), True, None),
                          (first.replace(fold=1), first, True, None)])
    assert plain(folded) == plain([writer.bind([row])[0] for row in
                                   [(first, first.replace(fold=1), True, None),
                                    (first.replace(fold=1), first, True, None)]])
    assert folded[0][0] != folded[0][1]
    with pytest.raises(ValueError, match="naive datetime"):
        writer.bind([(datetime(2026, 3, 2, 10), None, True, None)])  # naive instants refused


def test_a_batch_stores_what_reports_one_by_one_store(kaihua_factory: Factory) -> None:
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    actor = centre.actor("caiji01", "desk-9")
    cells = sorted(centre.ref.grids)[:12]
    components = sorted(centre.ref.components.values(), key=lambda c: c.id)[:4]
    reports = [Report(cat, f"上报 {i}", grid=cells[i % len(cells)], address=f"路 {i}")
               for i, cat in enumerate(["06010", "07001", "09006", "09009", "09005", "06012"] * 4)]
    reports += [Report(c.category, f"部件 {c.id}", component_id=c.id) for c in components]
    reports.append(Report("06010", "较早", grid=GRID, reported_at=NOW - timedelta(days=1)))
    singles = [report_case(uow_factory, centre, actor, NOW, r).case for r in reports]
    batch = report_many(uow_factory, centre, actor, NOW, reports)
    assert len(batch) == len(singles)
    with uow_factory() as uow:
        for single, batched in zip(singles, batch, strict=True):
            assert batched == replace(single, id=batched.id, case_no=batched.case_no)
            assert single.case_no[:8] == batched.case_no[:8]
            assert single.id is not None and batched.id is not None
            [one] = uow.events.for_case(single.id)
            [other] = uow.events.for_case(batched.id)
            assert other == replace(one, id=other.id, case_id=batched.id)
    assert verify_chain(uow_factory).ok
