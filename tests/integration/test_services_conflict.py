"""Two desks (two engines) act on the same case version: exactly one wins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from console.domain.errors import ConflictError
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from db.engine import make_engine
from db.uow import make_uow_factory

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua


def test_two_desks_same_version_one_conflict(engine: Engine, kaihua_factory, db_url: str) -> None:
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    made = report_case(uow_factory, centre, centre.actor("caiji01"), NOW,
                       Report("06010", "路口垃圾", grid="330824001001001")).case
    other = make_engine(db_url)
    try:
        desk_b = make_uow_factory(other)
        seen = made.version
        first = act(uow_factory, centre, centre.actor("shouli1", "desk-a"), NOW, made.id,
                    "accept", expected_version=seen)
        assert first.version == seen + 1
        with pytest.raises(ConflictError):
            act(desk_b, centre, centre.actor("shouli2", "desk-b"), NOW, made.id, "refuse",
                {"reason": "重复"}, expected_version=seen)
        with uow_factory() as uow:
            events = uow.events.for_case(made.id)
        assert [e.type for e in events] == ["report", "accept"]
        assert events[-1].desk == "desk-a"
    finally:
        other.dispose()
