"""改派 (issue #15) on SQLite and PostgreSQL: a waiting 核实 moved to another collector is one
logged event the audit's fold agrees with; the phone task follows the new holder (the old one
gets 403 on it); a refused reassignment changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from console.services.audit import verify_chain
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from console.services.field_tasks import open_tasks, task_for_result
from console.services.queries import case_detail

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GRID = "330824001002001"


@pytest.fixture
def sent(kaihua_factory):
    uow_factory = kaihua_factory
    centre = load_centre(uow_factory())
    acceptor = centre.actor("shouli1", "t")
    case = report_case(uow_factory, centre, acceptor, NOW,
                       Report("06010", "路口垃圾", source="12345热线", grid=GRID)).case
    act(uow_factory, centre, acceptor, NOW, case.id, "accept")
    act(uow_factory, centre, acceptor, NOW, case.id, "request-verify", {"collector": "caiji01"})
    return uow_factory, centre, acceptor, case


def test_a_reassigned_visit_is_logged_folded_and_follows_the_new_holder(sent) -> None:
    uow_factory, centre, acceptor, case = sent
    later = NOW + timedelta(minutes=25)
    moved = act(uow_factory, centre, acceptor, later, case.id, "reassign",
                {"collector": "caiji02"})
    assert moved.assignee == "caiji02" and moved.state.value == "核实中"
    with uow_factory() as uow:
        events = uow.events.for_case(case.id)
    assert [e.type for e in events][-2:] == ["request-verify", "reassign"]
    assert events[-1].payload == {"collector": "caiji02", "previous": "caiji01"}
    assert events[-1].actor == "shouli1"
    report = verify_chain(uow_factory)
    assert report.ok and report.case_problem_count == 0, report.case_problems
    detail = case_detail(uow_factory(), centre, case.id, later)
    assert detail.holder is not None
    assert (detail.holder.collector, detail.holder.since) == ("caiji02", later)
    new, old = centre.actor("caiji02", "phone"), centre.actor("caiji01", "phone")
    assert [t.case.id for t in open_tasks(uow_factory, new)] == [case.id]
    assert case.id not in [t.case.id for t in open_tasks(uow_factory, old)]
    with pytest.raises(PermissionDeniedError):
        task_for_result(uow_factory, old, case.id)
    assert task_for_result(uow_factory, new, case.id).id == case.id


@pytest.mark.parametrize(("who", "error"), [
    ("caiji01", ValidationError),  # already theirs
    ("shouli1", ValidationError),  # not a collector
    ("nobody", NotFoundError),
])
def test_a_refused_reassignment_changes_nothing(sent, who, error) -> None:
    uow_factory, centre, acceptor, case = sent
    with uow_factory() as uow:
        before = uow.cases.get(case.id)
        count = len(uow.events.for_case(case.id))
    with pytest.raises(error):
        act(uow_factory, centre, acceptor, NOW, case.id, "reassign", {"collector": who})
    with uow_factory() as uow:
        assert uow.cases.get(case.id) == before
        assert len(uow.events.for_case(case.id)) == count
