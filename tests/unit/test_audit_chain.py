"""The event hash chain: every field counts, and a change or a gap is found at its row."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from console.domain.audit import GENESIS, canonical, chain_hash, first_break, link
from console.domain.cases import CaseState, Event, Role

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def _events(n: int = 6) -> list[Event]:
    return [
        Event(case_id=1 + i % 2, type="dispatch", from_state=CaseState.FILED,
              to_state=CaseState.DISPATCHED, actor="paiqian1", role=Role.DISPATCHER,
              occurred_at=T0 + timedelta(minutes=i), desk="desk-1", unit="U1",
              stage="派遣", stage_deadline=T0 + timedelta(hours=1), on_time=True,
              payload={"unit": "U1", "n": i, "note": "已派遣"}, id=10 + i, request_id=f"r{i}")
        for i in range(n)
    ]


def _stored(events: list[Event]) -> list[tuple[Event, str | None]]:
    return [(e, h) for e, h in link(GENESIS, events)]


def test_an_intact_chain_verifies() -> None:
    rows = _stored(_events())
    head, broken = first_break(GENESIS, rows)
    assert broken is None and head == rows[-1][1]


CHANGES = {
    "actor": "someone", "desk": "desk-9", "unit": "U2", "type": "close", "case_id": 99,
    "on_time": False, "payload": {"unit": "U1", "n": 2, "note": "已派遣!"},
    "occurred_at": T0 + timedelta(minutes=2, microseconds=1), "request_id": "other",
    "stage_deadline": None, "to_state": CaseState.CLOSED, "role": Role.ADMIN, "id": 99,
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_changing_any_field_breaks_the_chain_at_that_row(field: str) -> None:
    rows = _stored(_events())
    event, digest = rows[2]
    rows[2] = (dataclasses.replace(event, **{field: CHANGES[field]}), digest)
    _, broken = first_break(GENESIS, rows)
    assert broken is not None and broken.event_id == rows[2][0].id


def test_a_removed_row_breaks_the_next_one() -> None:
    rows = _stored(_events())
    del rows[3]
    _, broken = first_break(GENESIS, rows)
    assert broken is not None and broken.event_id == 14


def test_a_missing_hash_is_named() -> None:
    rows = _stored(_events())
    rows[1] = (rows[1][0], None)
    _, broken = first_break(GENESIS, rows)
    assert broken is not None and broken.reason == "hash missing"


def test_the_canonical_form_ignores_zone_and_enum_spelling() -> None:
    event = _events(1)[0]
    shanghai = event.occurred_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    same = dataclasses.replace(event, occurred_at=shanghai, role=Role.DISPATCHER.value,  # type: ignore[arg-type]
                               payload=dict(reversed(list(event.payload.items()))))
    assert canonical(same) == canonical(event)
    assert chain_hash(GENESIS, same) == chain_hash(GENESIS, event)
