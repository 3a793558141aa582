"""EventLog, PhotoStore and the unit of work's transaction boundaries, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from console.domain.cases import Case, CaseState, Event
from console.domain.errors import NotFoundError
from console.services.uow import CaseFilter, NewPhoto, PhotoInfo
from db.uow import SqlUnitOfWork

Factory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def two_cases(uow_factory: Factory, make_case: Callable[..., Case]) -> tuple[int, int]:
    """Ids of two committed cases."""
    with uow_factory() as uow:
        a = uow.cases.add(make_case("E1"))
        b = uow.cases.add(make_case("E2"))
        uow.commit()
    return a.id or 0, b.id or 0


def test_append_assigns_increasing_ids_and_keeps_every_field(
    uow_factory: Factory, make_event: Callable[..., Event], two_cases: tuple[int, int]
) -> None:
    a, b = two_cases
    given = [
        make_event(
            a,
            type="report",
            from_state=None,
            to_state=CaseState.REPORTED,
            stage_deadline=None,
            on_time=None,
            unit=None,
            stage=None,
            payload={},
        ),
        make_event(b),
        make_event(a, type="urge", payload={"nested": {"k": [1, 2.5, None, True]}}),
    ]
    with uow_factory() as uow:
        appended = uow.events.append(given)
        uow.commit()
    ids = [e.id for e in appended]
    assert all(i is not None for i in ids)
    assert ids == sorted(ids)
    assert appended == [replace(e, id=i) for e, i in zip(given, ids, strict=True)]
    with uow_factory() as uow:
        assert uow.events.for_case(a) == [appended[0], appended[2]]
        assert uow.events.for_case(b) == [appended[1]]
        assert uow.events.count() == 3
        stored = uow.events.for_case(b)[0]
    assert stored.occurred_at.tzinfo == UTC
    assert stored.stage_deadline is not None
    assert stored.stage_deadline.tzinfo == UTC


def test_since_pages_through_the_log(
    uow_factory: Factory, make_event: Callable[..., Event], two_cases: tuple[int, int]
) -> None:
    a, _ = two_cases
    with uow_factory() as uow:
        appended = uow.events.append(
            [
                make_event(
                    a, type=f"e{n}", occurred_at=make_event(a).occurred_at + timedelta(minutes=n)
                )
                for n in range(7)
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        assert [e.type for e in uow.events.since(0)] == [f"e{n}" for n in range(7)]
        first = uow.events.since(0, limit=3)
        rest = uow.events.since(first[-1].id or 0, limit=10)
        assert first + rest == appended
        assert uow.events.since(appended[-1].id or 0) == []


def test_events_need_an_existing_case(
    uow_factory: Factory, make_event: Callable[..., Event]
) -> None:
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.events.append([make_event(999)])


def test_events_need_a_case_id(uow_factory: Factory, make_event: Callable[..., Event]) -> None:
    with uow_factory() as uow, pytest.raises(ValueError, match="no case_id"):
        uow.events.append([make_event(None)])


def _photo(kind: str, data: bytes) -> NewPhoto:
    return NewPhoto(
        kind=kind,
        filename=f"{kind}.jpg",
        mime="image/jpeg",
        data=data,
        thumbnail=b"thumb-" + data[:4],
        width=640,
        height=480,
    )


def test_photos_round_trip(
    uow_factory: Factory, make_event: Callable[..., Event], two_cases: tuple[int, int]
) -> None:
    a, b = two_cases
    at = make_event(a).occurred_at
    big = bytes(range(256)) * 4096  # 1 MiB with every byte value
    with uow_factory() as uow:
        (event,) = uow.events.append([make_event(a, type="feedback")])
        before = uow.photos.add(a, _photo("before", big), "zhang3", at)
        after = uow.photos.add(a, _photo("after", b"\xff\xd8after"), "li4", at, event.id)
        other = uow.photos.add(b, _photo("before", b"\xff\xd8other"), "zhang3", at)
        uow.commit()
    assert before == PhotoInfo(
        id=before.id,
        case_id=a,
        kind="before",
        filename="before.jpg",
        mime="image/jpeg",
        size=len(big),
        uploaded_at=at,
        uploaded_by="zhang3",
        event_id=None,
    )
    assert after.event_id == event.id
    with uow_factory() as uow:
        assert uow.photos.for_case(a) == [before, after]
        assert uow.photos.for_case(b) == [other]
        assert uow.photos.data(before.id) == big
        assert uow.photos.data(before.id, thumbnail=True) == b"thumb-" + big[:4]
        assert uow.photos.data(after.id) == b"\xff\xd8after"
        assert uow.photos.for_case(a)[0].uploaded_at.tzinfo == UTC
        with pytest.raises(NotFoundError):
            uow.photos.data(123456)


# -- unit of work ---------------------------------------------------------------------------


def test_leaving_without_commit_rolls_back(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    with uow_factory() as uow:
        uow.cases.add(make_case())
    with uow_factory() as uow:
        assert uow.cases.count(CaseFilter()) == 0


def test_an_exception_rolls_back_everything(
    uow_factory: Factory, make_case: Callable[..., Case], make_event: Callable[..., Event]
) -> None:
    class BoomError(Exception):
        pass

    def report_then_fail() -> None:
        with uow_factory() as uow:
            case = uow.cases.add(make_case())
            uow.events.append([make_event(case.id)])
            raise BoomError

    with pytest.raises(BoomError):
        report_then_fail()
    with uow_factory() as uow:
        assert uow.cases.count(CaseFilter()) == 0
        assert uow.events.count() == 0


def test_work_after_commit_is_rolled_back_on_exit(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    with uow_factory() as uow:
        uow.cases.add(make_case("C1"))
        uow.commit()
        uow.cases.add(make_case("C2"))
    with uow_factory() as uow:
        assert [c.case_no for c in uow.cases.list(CaseFilter())] == ["C1"]


def test_explicit_rollback(uow_factory: Factory, make_case: Callable[..., Case]) -> None:
    with uow_factory() as uow:
        uow.cases.add(make_case("R1"))
        uow.rollback()
        uow.cases.add(make_case("R2"))
        uow.commit()
    with uow_factory() as uow:
        assert [c.case_no for c in uow.cases.list(CaseFilter())] == ["R2"]


def test_a_unit_of_work_is_used_inside_its_block_only(uow_factory: Factory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="outside"):
        uow.commit()
    with uow:
        with pytest.raises(RuntimeError, match="already open"), uow:
            pass
        assert uow.events.count() == 0
    # and it can be used again afterwards, with a new session
    with uow:
        assert uow.events.count() == 0
