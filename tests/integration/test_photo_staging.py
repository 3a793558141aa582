"""A step's photos are committed before the transaction that appends its events (issue #14).

On SQLite and PostgreSQL, through the services: while a report's or an action's events are
being appended, its photos are already committed in another transaction (staged: no case shows
them); the step's commit shows them on its event; a refused step leaves no photo behind; the
worker's sweep deletes photos left staged by a process that died between the two.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import text

from console.domain.cases import Case
from console.domain.errors import ConflictError
from console.photos import photo_from_bytes
from console.services.cases import Report, act, report_case
from console.services.centre import Centre
from console.services.photo_staging import STAGED_KEPT, sweep_staged
from console.services.uow import NewPhoto, UnitOfWork
from db.uow import SqlUnitOfWork
from tests.integration.conftest import BACKENDS
from tests.integration.templates import kaihua_database
from tests.integration.test_evaluation_read import G1, at

Factory = Callable[[], SqlUnitOfWork]


def photo(colour: str) -> NewPhoto:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return photo_from_bytes(out.getvalue(), f"{colour}.jpg", "before")


def rows(factory: Factory) -> list[tuple[int | None, int | None, bool]]:
    """(case_id, event_id, staged) of every photo row, read on a connection of its own."""
    with factory() as uow:
        return [(r[0], r[1], bool(r[2])) for r in uow.session.execute(text(
            "SELECT case_id, event_id, staged FROM photos ORDER BY id"))]


@pytest.fixture(scope="module", params=BACKENDS)
def centre_db(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Factory, Centre]]:
    with ExitStack() as stack:
        yield kaihua_database(stack, request, tmp_path_factory, request.param)


@pytest.fixture
def db(centre_db: tuple[Factory, Centre]) -> Iterator[tuple[Factory, Centre]]:
    factory, _centre = centre_db
    yield centre_db
    with factory() as uow:  # each test starts without photos
        uow.session.execute(text("DELETE FROM photos"))
        uow.commit()


def test_a_reports_photos_are_committed_before_its_events(db: tuple[Factory, Centre]) -> None:
    factory, centre = db
    seen_inside: list[list[tuple[int | None, int | None, bool]]] = []

    def while_appending(_uow: UnitOfWork, _case: Case) -> None:
        # Inside the report's transaction, after its append: another connection already
        # sees the photos, committed and staged (not yet any case's).
        seen_inside.append(rows(factory))

    made = report_case(factory, centre, centre.actor("caiji01"), at(10, 12, 9),
                       Report("06010", "路口垃圾（照片先行）", grid=G1,
                              photos=(photo("red"), photo("blue"))),
                       on_saved=while_appending)
    assert seen_inside == [[(None, None, True), (None, None, True)]]
    case_id = made.case.id
    after = rows(factory)
    assert [(c, s) for c, _e, s in after] == [(case_id, False), (case_id, False)]
    with factory() as uow:
        (report_event,) = [e for e in uow.events.for_case(case_id or 0) if e.type == "report"]
        assert {e for _c, e, _s in after} == {report_event.id}
        assert [p.filename for p in uow.photos.for_case(case_id or 0)] == ["red.jpg", "blue.jpg"]
        shown = tuple(p.id for p in uow.photos.for_case(case_id or 0))
        # the feed's read of many cases carries the same photo ids, in order
        assert [c.photos for c in uow.cases.get_many([case_id or 0])] == [shown]


def test_a_refused_action_leaves_no_photo(db: tuple[Factory, Centre]) -> None:
    factory, centre = db
    made = report_case(factory, centre, centre.actor("shouli1"), at(10, 12, 10),
                       Report("06010", "路口垃圾（版本过期）", grid=G1))
    case = made.case
    assert case.id is not None
    with pytest.raises(ConflictError):
        act(factory, centre, centre.actor("shouli1"), at(10, 12, 10, 5), case.id, "accept",
            expected_version=case.version + 7, photos=(photo("green"),))
    assert rows(factory) == []  # staged, then deleted with the refusal
    act(factory, centre, centre.actor("shouli1"), at(10, 12, 10, 6), case.id, "accept",
        expected_version=case.version, photos=(photo("green"),))
    ((case_id, event_id, staged),) = rows(factory)
    assert (case_id, staged) == (case.id, False) and event_id is not None


def test_the_sweep_takes_only_photos_left_staged(db: tuple[Factory, Centre]) -> None:
    factory, centre = db
    made = report_case(factory, centre, centre.actor("caiji01"), at(10, 12, 11),
                       Report("06010", "路口垃圾（清扫）", grid=G1, photos=(photo("red"),)))
    now = at(10, 12, 12)
    with factory() as uow:  # a server process that died between its two transactions
        old = uow.photos.stage(photo("black"), "caiji01", now - STAGED_KEPT - timedelta(1))
        fresh = uow.photos.stage(photo("white"), "caiji01", now - timedelta(minutes=5),
                                 made.case.id)  # an action's photo, staged on its case
        uow.commit()
    with factory() as uow:  # the case shows its own photo only
        (shown,) = uow.photos.for_case(made.case.id or 0)
        assert shown.filename == "red.jpg"
        assert uow.cases.get(made.case.id or 0).photos == (shown.id,)
        assert uow.cases.get_many([made.case.id or 0])[0].photos == (shown.id,)
        with pytest.raises(Exception, match="no such photo"):
            uow.photos.data(fresh)  # a staged photo is nobody's to read
    assert sweep_staged(factory, now) == 1
    left = {r[2] for r in rows(factory)}
    assert len(rows(factory)) == 2 and left == {False, True}  # the shown one and the fresh
    with factory() as uow:
        uow.photos.discard([fresh, old])
        uow.commit()
    assert [(c, s) for c, _e, s in rows(factory)] == [(made.case.id, False)]
