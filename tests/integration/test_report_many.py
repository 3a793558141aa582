"""``report_many``: a batch of reports in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from console.domain.errors import ValidationError
from console.services.audit import verify_chain
from console.services.cases import Report, report_case, report_many
from console.services.centre import load_centre
from console.services.uow import CaseFilter

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua
GRID = "330824001001001"


def test_batch_numbers_logs_and_chains(engine: Engine, kaihua_factory) -> None:
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    actor = centre.actor("caiji01")
    first = report_case(uow_factory, centre, actor, NOW, Report("06010", "单件", grid=GRID)).case
    made = report_many(uow_factory, centre, actor, NOW,
                       [Report("06010", f"批量 {i}", grid=GRID) for i in range(25)])
    assert len(made) == 25
    assert [c.description for c in made] == [f"批量 {i}" for i in range(25)]
    assert len({c.id for c in made}) == 25 and first.id not in {c.id for c in made}
    numbers = [first.case_no, *(c.case_no for c in made)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 26
    with uow_factory() as uow:
        stored = {c.id: c for c in uow.cases.list(CaseFilter(open_only=True, order="id"))}
        for case in made:
            assert stored[case.id] == case
            events = uow.events.for_case(case.id)
            assert [e.type for e in events] == ["report"]
            assert events[0].actor == "caiji01"
    assert verify_chain(uow_factory).ok


def test_one_bad_report_writes_nothing(engine: Engine, kaihua_factory) -> None:
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    batch = [Report("06010", "好的", grid=GRID), Report("nope", "未知类别", grid=GRID)]
    with pytest.raises(ValidationError):
        report_many(uow_factory, centre, centre.actor("caiji01"), NOW, batch)
    with uow_factory() as uow:
        assert uow.cases.count(CaseFilter()) == 0
    assert report_many(uow_factory, centre, centre.actor("caiji01"), NOW, []) == []
