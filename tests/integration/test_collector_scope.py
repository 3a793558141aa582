"""A collector's seat sees the cases of the cells it patrols, its own reports and the site
visits sent to it — nothing else — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.cases import CaseState
from console.domain.errors import NotFoundError
from console.services.access import can_read, scoped_factory
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from console.services.queries import list_cases
from console.services.queue_reads import OPEN_STATES, light_tally
from console.services.queue_view import QueueQuery
from console.services.uow import CaseFilter

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OWN = "330824001001001"  # caiji01's beat
OTHER = "330824001002001"  # caiji03's


@pytest.fixture
def scene(kaihua_factory):
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    acceptor = centre.actor("shouli1", "t")

    def hotline(grid: str, text: str):
        made = report_case(uow_factory, centre, acceptor, NOW,
                           Report("06010", text, source="12345热线", grid=grid)).case
        act(uow_factory, centre, acceptor, NOW, made.id, "accept")
        return made

    own = hotline(OWN, "本网格的垃圾")
    other = hotline(OTHER, "别的网格的垃圾")
    sent = hotline(OTHER, "派给 caiji01 核实的别处垃圾")
    act(uow_factory, centre, acceptor, NOW, sent.id, "request-verify", {"collector": "caiji01"})
    mine = report_case(uow_factory, centre, centre.actor("caiji01", "t"), NOW,
                       Report("06010", "caiji01 自己上报", grid=OTHER)).case
    return uow_factory, centre, own, other, sent, mine


def test_reads_are_limited_to_cells_reports_and_visits(scene) -> None:
    uow_factory, centre, own, other, sent, mine = scene
    collector = centre.actor("caiji01", "t")
    assert collector.grids and OWN in collector.grids
    scoped = scoped_factory(uow_factory, collector)
    seen = {r.case.id for r in list_cases(scoped(), centre, NOW, limit=None)}
    assert {own.id, sent.id, mine.id} <= seen and other.id not in seen
    with scoped() as uow:
        assert uow.cases.get(sent.id).assignee == "caiji01"
        # Outside its view a case answers as one that does not exist (nothing leaks).
        with pytest.raises(NotFoundError, match=f"^案件 id={other.id} 不存在 / no such case$"):
            uow.cases.get(other.id)
        assert uow.cases.count(CaseFilter(open_only=True)) == len(
            uow.cases.list(CaseFilter(open_only=True)))
    with scoped() as uow:
        page = uow.queues.page(QueueQuery(tuple(OPEN_STATES)), 0, 500)
        assert {c.id for c in page} == {c for c in seen if c is not None} and other.id not in {
            c.id for c in page}
    tally = light_tally(scoped(), centre, NOW, OPEN_STATES)
    assert sum(tally.total.values()) == len(seen)
    # Another collector sees the visit's cell (theirs) but not caiji01's own cell.
    caiji03 = scoped_factory(uow_factory, centre.actor("caiji03", "t"))
    theirs = {r.case.id for r in list_cases(caiji03(), centre, NOW, limit=None)}
    assert {other.id, sent.id} <= theirs and own.id not in theirs


def test_the_visit_leaves_the_collectors_view_once_done(scene) -> None:
    uow_factory, centre, _own, _other, sent, _mine = scene
    collector = centre.actor("caiji01", "t")
    act(scoped_factory(uow_factory, collector), centre, collector, NOW, sent.id, "verify",
        {"found": True, "notes": "属实"})
    with uow_factory() as uow:
        done = uow.cases.get(sent.id)
    assert done.state is CaseState.ACCEPTED and done.assignee is None
    assert not can_read(collector, done)  # not its cell, not its report, no visit now


def test_other_seats_are_not_limited(scene) -> None:
    uow_factory, centre, own, other, sent, mine = scene
    for user in ("shouli1", "zhibanzhang1", "paiqian1"):
        scoped = scoped_factory(uow_factory, centre.actor(user, "t"))
        seen = {r.case.id for r in list_cases(scoped(), centre, NOW, limit=None)}
        assert {own.id, other.id, sent.id, mine.id} <= seen


def test_revision_0011_fills_the_collector_of_visits_waiting_now(scene, engine) -> None:
    from alembic import command
    from sqlalchemy import text

    from db.schema import alembic_config, upgrade

    uow_factory, centre, own, _other, sent, _mine = scene
    act(uow_factory, centre, centre.actor("shouli1", "t"), NOW, own.id, "request-verify")
    with engine.begin() as conn:  # as a database written before the column existed
        command.downgrade(alembic_config(conn), "0010")
    upgrade(engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, assignee FROM cases")).all())
    assert rows[sent.id] == "caiji01"  # its request named caiji01
    assert rows[own.id] is None  # sent to nobody in particular
    assert sum(1 for v in rows.values() if v is not None) == 1
