"""CaseRepository on both backends: round trip, queries, case numbers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import db.case_repo
from console.domain.cases import Case, CaseState, Source
from console.domain.duplicates import Nearby
from console.domain.errors import NotFoundError, ValidationError
from console.services.uow import CaseFilter, NearbyQuery, NewPhoto
from db.engine import make_engine
from db.schema import upgrade
from db.uow import SqlUnitOfWork, make_uow_factory

Factory = Callable[[], SqlUnitOfWork]
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def _add(factory: Factory, *cases: Case) -> list[Case]:
    with factory() as uow:
        added = [uow.cases.add(c) for c in cases]
        uow.commit()
    return added


def test_a_full_case_survives_save_and_load(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    case = make_case()
    (added,) = _add(uow_factory, case)
    assert added.id is not None
    assert added.version == 1
    with uow_factory() as uow:
        loaded = uow.cases.get(added.id)
        by_no = uow.cases.get_by_no(case.case_no)
    assert loaded == replace(case, id=added.id, version=1)
    assert by_no == loaded
    for f in fields(Case):
        value = getattr(loaded, f.name)
        if isinstance(value, datetime):
            assert value.utcoffset() == timedelta(0), f.name
    assert loaded.pending is not None
    assert loaded.pending.requested_at.tzinfo == UTC
    assert loaded.pending.requested_at == case.pending.requested_at


def test_a_minimal_case_survives_save_and_load(uow_factory: Factory) -> None:
    minimal = Case(
        id=None,
        case_no="2026030200009",
        state=CaseState.REPORTED,
        source=Source.HOTLINE,
        category="01001",
        description="",
        reported_at=T0,
        reporter="",
    )
    (added,) = _add(uow_factory, minimal)
    with uow_factory() as uow:
        assert uow.cases.get(added.id or 0) == replace(minimal, id=added.id, version=1)


def test_add_refuses_a_case_with_an_id(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    with uow_factory() as uow, pytest.raises(ValueError, match="already has id"):
        uow.cases.add(make_case(id=5))


def test_missing_cases_raise_not_found(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            uow.cases.get(404)
        with pytest.raises(NotFoundError):
            uow.cases.get_by_no("2026030299999")


def test_update_writes_every_field_and_bumps_the_version(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    (added,) = _add(uow_factory, make_case())
    changed = replace(
        added,
        state=CaseState.HANDLED,
        pending=None,
        unit=None,
        verified=False,
        lon=None,
        stage_deadline=T0 + timedelta(hours=5),
        urge_count=9,
        merged_into=None,
    )
    with uow_factory() as uow:
        saved = uow.cases.update(changed, expected_version=1)
        uow.commit()
    assert saved.version == 2
    with uow_factory() as uow:
        assert uow.cases.get(added.id or 0) == replace(changed, version=2)


def test_update_of_an_unknown_case_is_not_found(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    with uow_factory() as uow, pytest.raises(NotFoundError):
        uow.cases.update(make_case(id=404), expected_version=1)


def test_merged_into_must_name_an_existing_case(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    first, second = _add(uow_factory, make_case("A1"), make_case("A2"))
    with uow_factory() as uow:
        uow.cases.update(replace(second, state=CaseState.MERGED, merged_into=first.id), 1)
        uow.commit()
    with uow_factory() as uow:
        assert uow.cases.get(second.id or 0).merged_into == first.id


def test_loaded_cases_carry_their_photo_ids(
    uow_factory: Factory, make_case: Callable[..., Case]
) -> None:
    (added,) = _add(uow_factory, make_case())
    photo = NewPhoto(kind="before", filename="a.jpg", mime="image/jpeg", data=b"x", thumbnail=b"t")
    with uow_factory() as uow:
        ids = [uow.photos.add(added.id or 0, photo, "zhang3", T0).id for _ in range(2)]
        uow.commit()
    with uow_factory() as uow:
        assert uow.cases.get(added.id or 0).photos == tuple(ids)
        assert uow.cases.list(CaseFilter())[0].photos == tuple(ids)


# -- queries --------------------------------------------------------------------------------


@pytest.fixture
def queue(uow_factory: Factory, make_case: Callable[..., Case]) -> list[Case]:
    """Six cases across states, units, categories, grids, report times and deadlines."""
    specs = [
        ("Q1", CaseState.REPORTED, "U1", "01001", "330824001001001", 0, None, (118.40, 29.10)),
        ("Q2", CaseState.DISPATCHED, "U1", "01001", "330824001002001", 1, 5, (118.41, 29.11)),
        ("Q3", CaseState.DISPATCHED, "U2", "02002", "330824002001001", 2, 3, (118.50, 29.20)),
        ("Q4", CaseState.HANDLED, "U2", "01001", "330824001001002", 3, 9, (118.42, 29.12)),
        ("Q5", CaseState.CLOSED, "U1", "01001", "330824001001003", 4, None, (118.40, 29.10)),
        ("Q6", CaseState.FILED, None, "01001", None, 5, 1, (None, None)),
    ]
    cases = [
        make_case(
            no,
            state=state,
            unit=unit,
            category=cat,
            grid=grid,
            reported_at=T0 + timedelta(hours=h),
            stage_deadline=None if d is None else T0 + timedelta(days=d),
            lon=pos[0],
            lat=pos[1],
        )
        for no, state, unit, cat, grid, h, d, pos in specs
    ]
    return _add(uow_factory, *cases)


def _nos(cases: list[Case]) -> list[str]:
    return [c.case_no for c in cases]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (CaseFilter(order="id"), ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]),
        (CaseFilter(), ["Q6", "Q5", "Q4", "Q3", "Q2", "Q1"]),
        (CaseFilter(order="deadline"), ["Q6", "Q3", "Q2", "Q4", "Q1", "Q5"]),
        (CaseFilter(states=(CaseState.DISPATCHED,), order="id"), ["Q2", "Q3"]),
        (CaseFilter(open_only=True, order="id"), ["Q1", "Q2", "Q3", "Q4", "Q6"]),
        (CaseFilter(unit="U1", order="id"), ["Q1", "Q2", "Q5"]),
        (CaseFilter(category="02002"), ["Q3"]),
        (CaseFilter(grid_prefix="330824001001", order="id"), ["Q1", "Q4", "Q5"]),
        (CaseFilter(grid_prefix="330824001", order="id"), ["Q1", "Q2", "Q4", "Q5"]),
        (CaseFilter(grid_prefix="3308240019"), []),
        (
            CaseFilter(reported_from=T0 + timedelta(hours=1), reported_to=T0 + timedelta(hours=3)),
            ["Q3", "Q2"],
        ),
        (CaseFilter(order="id", limit=2, offset=1), ["Q2", "Q3"]),
        (CaseFilter(unit="U1", open_only=True, category="01001", order="id"), ["Q1", "Q2"]),
    ],
)
def test_list_filters_and_orders(
    uow_factory: Factory, queue: list[Case], flt: CaseFilter, expected: list[str]
) -> None:
    with uow_factory() as uow:
        assert _nos(uow.cases.list(flt)) == expected
        assert uow.cases.count(replace(flt, limit=None, offset=0)) == len(
            uow.cases.list(replace(flt, limit=None, offset=0))
        )


def test_count_ignores_limit_and_offset(uow_factory: Factory, queue: list[Case]) -> None:
    with uow_factory() as uow:
        assert uow.cases.count(CaseFilter(limit=1, offset=3)) == 6
        assert uow.cases.count(CaseFilter(open_only=True)) == 5


def test_unknown_order_is_a_validation_error(uow_factory: Factory) -> None:
    with uow_factory() as uow, pytest.raises(ValidationError, match="unknown order"):
        uow.cases.list(CaseFilter(order="random"))


def test_open_in_box(uow_factory: Factory, queue: list[Case]) -> None:
    # The queue's report times are T0 … T0 + 5 h; at T0 + 2 h the earlier side holds Q1 and Q2
    # (and Q3, another category), the later side Q4 (Q5 is closed).
    at, window = T0 + timedelta(hours=2), timedelta(hours=3)
    near = (118.4101, 29.1101)  # Q2 is 15 m away, Q4 1,462 m, Q1 1,491 m

    def read(**options: object) -> list[str]:
        settings: dict[str, object] = {"at": at, "window": window, "near": near,
                                       "reach_m": 2_000.0, **options}
        with uow_factory() as uow:
            rows = uow.cases.open_in_box(NearbyQuery("01001", **settings))  # type: ignore[arg-type]
        assert all(type(row) is Nearby for row in rows)  # light rows, never full cases
        return [row.case_no for row in rows]

    # The earlier side first, each nearest first; Q3 is another category, Q6 has no position.
    assert read() == ["Q2", "Q1", "Q4"]
    assert read(at=T0 + timedelta(hours=4), window=timedelta(hours=5)) == ["Q2", "Q4", "Q1"]
    assert read(limit=1) == ["Q2", "Q4"]  # one per side
    assert read(reach_m=1_470.0) == ["Q2", "Q4"]
    assert read(window=timedelta(minutes=90)) == ["Q2", "Q4"]  # Q1 is 2 h before
    assert read(exclude=queue[1].id) == ["Q1", "Q4"]
    # At one distance (the same point) closest in time first
    at_q1 = {"near": (118.40, 29.10), "reach_m": 10.0, "at": T0 + timedelta(hours=5),
             "window": timedelta(hours=6)}
    with uow_factory() as uow:
        for hours in (3, 4):
            uow.cases.add(replace(queue[0], id=None, case_no=f"Q1{hours}", version=0,
                                  reported_at=T0 + timedelta(hours=hours)))
        uow.commit()
    assert read(**at_q1) == ["Q14", "Q13", "Q1"]
    assert read(**at_q1, limit=1) == ["Q14"]
    assert read(**{**at_q1, "at": T0}) == ["Q1", "Q13", "Q14"]  # the later side: earliest first
    assert read(**{**at_q1, "at": T0 + timedelta(hours=3, minutes=30)}) == ["Q13", "Q1", "Q14"]
    # The cell alone: every case in it, with or without coordinates
    assert read(near=None, grid="330824001002001") == ["Q2"]
    # Near a point, the cell's cases without coordinates come last
    with uow_factory() as uow:
        uow.cases.update(replace(queue[5], grid="330824001002001"), 1)
        uow.commit()
    late = {"at": T0 + timedelta(hours=5), "window": timedelta(hours=6)}
    assert read(grid="330824001002001", **late) == ["Q2", "Q4", "Q14", "Q13", "Q1", "Q6"]
    assert read(near=None, grid="330824001002001", **late) == ["Q6", "Q2"]
    with uow_factory() as uow:
        row = uow.cases.open_in_box(NearbyQuery("01001", T0, window, (118.40, 29.10), 10.0))[0]
    assert row == Nearby(queue[0].id, "Q1", 118.40, 29.10, "330824001001001", T0)


# -- case numbers ---------------------------------------------------------------------------


def test_case_numbers_count_per_day(uow_factory: Factory) -> None:
    day, other = date(2026, 3, 2), date(2026, 3, 3)
    with uow_factory() as uow:
        first = [uow.cases.next_case_no(day) for _ in range(3)]
        uow.commit()
    with uow_factory() as uow:
        assert uow.cases.next_case_no(day) == "2026030200004"
        assert uow.cases.next_case_no(other) == "2026030300001"
        uow.commit()
    assert first == ["2026030200001", "2026030200002", "2026030200003"]


def test_a_rolled_back_number_is_handed_out_again(uow_factory: Factory) -> None:
    day = date(2026, 3, 2)
    with uow_factory() as uow:
        assert uow.cases.next_case_no(day) == "2026030200001"
    with uow_factory() as uow:
        assert uow.cases.next_case_no(day) == "2026030200001"


def test_concurrent_desks_get_distinct_numbers(uow_factory: Factory) -> None:
    day, per_thread, threads = date(2026, 3, 2), 5, 4
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def desk() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with uow_factory() as uow:
                    no = uow.cases.next_case_no(day)
                    uow.commit()
                with lock:
                    numbers.append(no)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    workers = [threading.Thread(target=desk) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"20260302{n:05d}" for n in range(1, per_thread * threads + 1)]


def test_case_numbers_without_returning_on_old_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db.case_repo.sqlite3, "sqlite_version_info", (3, 31, 1))
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        upgrade(engine)
        factory = make_uow_factory(engine)
        with factory() as uow:
            got = [uow.cases.next_case_no(date(2026, 3, 2)) for _ in range(3)]
            uow.commit()
        with factory() as uow:
            assert uow.cases.next_case_no(date(2026, 3, 2)) == "2026030200004"
    finally:
        engine.dispose()
    assert got == ["2026030200001", "2026030200002", "2026030200003"]
