"""Queues, light counts and upcoming deadlines read in SQL agree with the Python rules.

A short demo history runs on each backend; the SQL answers are checked against what the
domain computes case by case (``countdown``, ``QueueQuery.accepts``, ``sort_key``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from console.domain.cases import CaseState
from console.domain.deadlines import countdown
from console.services.centre import load_centre
from console.services.demo import DemoSettings, run_demo
from console.services.queue_reads import (
    OPEN_STATES,
    count_queues,
    due_soon,
    load_page,
    load_queues,
    open_lights,
)
from console.services.queue_view import QueueQuery, Reader, sort_key
from console.services.uow import CaseFilter

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
BOARD = (CaseState.DISPATCHED, CaseState.HANDLING, CaseState.SUSPENDED, CaseState.HANDLED,
         CaseState.CHECKING, CaseState.TO_CLOSE)


def _three_demo_days(uow_factory) -> None:
    run_demo(uow_factory, load_centre(uow_factory()), NOW,
             DemoSettings(days=3, seed=3, per_day=30.0))


@pytest.fixture
def demo(engine, request, reference_templates):
    """Kaihua's reference data (2026) and three demo days, copied from a database that ran
    them once per session (every test here only reads)."""
    uow_factory = reference_templates.copy(engine, request, (2026,), _three_demo_days)
    return uow_factory, load_centre(uow_factory())


def _open(uow_factory):
    with uow_factory() as uow:
        return uow.cases.list(CaseFilter(open_only=True, order="id"))


@pytest.mark.parametrize("shift", [timedelta(0), timedelta(hours=3, minutes=7),
                                   timedelta(hours=-5, minutes=-31), timedelta(days=2, hours=4)])
def test_sql_lights_equal_the_countdown_of_every_open_case(demo, shift) -> None:
    uow_factory, centre = demo
    now = NOW + shift  # a working afternoon, an evening, a morning, a Friday night
    want: Counter = Counter()
    grids: Counter = Counter()
    for case in _open(uow_factory):
        cd = countdown(case, now, centre.calendar, centre.ref.config.yellow_at)
        if cd is not None:
            want[(case.unit, case.state.value, cd.light)] += 1
            grids[(case.grid, cd.light)] += 1
    with uow_factory() as uow:
        got = open_lights(centre, uow, OPEN_STATES, now)
    flat: Counter = Counter()
    for (unit, _grid, state), tally in got.items():
        for light, n in tally.items():
            flat[(unit, state, light)] += n
    flat = +flat
    assert sum(want.values()) > 30 and flat == want
    by_grid: Counter = Counter()
    for (_unit, grid, _state), tally in got.items():
        for light, n in tally.items():
            by_grid[(grid, light)] += n
    assert +by_grid == grids


@pytest.mark.parametrize(("sort", "descending"), [("deadline", False), ("reported", True),
                                                  ("case_no", False), ("unit", True),
                                                  ("updated", False)])
def test_a_queue_pages_in_the_order_sort_key_gives(demo, sort, descending) -> None:
    uow_factory, _centre = demo
    query = QueueQuery(BOARD, sort, descending)
    with uow_factory() as uow:
        pages = [uow.queues.page(query, offset, 7) for offset in range(0, 70, 7)]
        total = uow.queues.count(query)
    got = [c for page in pages for c in page]
    mine = [c for c in _open(uow_factory) if query.accepts(c)]
    present = sorted((c for c in mine if sort_key(c, sort) is not None),
                     key=lambda c: (sort_key(c, sort), c.id), reverse=descending)
    absent = sorted((c for c in mine if sort_key(c, sort) is None), key=lambda c: c.id,
                    reverse=descending)
    assert total == len(mine) > 7
    assert [c.id for c in got] == [c.id for c in present + absent][:len(got)]


@pytest.mark.parametrize("page", [5, 500])
def test_first_pages_count_a_queue_only_when_it_is_longer_than_a_page(demo, engine,
                                                                      page) -> None:
    uow_factory, centre = demo
    office = centre.ref.config.coordination_office
    queries = {"board": QueueQuery(BOARD, "deadline"), "filed": QueueQuery((CaseState.FILED,)),
               "approvals": QueueQuery(tuple(OPEN_STATES), decisions_for=office)}
    counts = count_queues(uow_factory(), queries)
    counted: list[str] = []

    def seen(conn, cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT COUNT("):
            counted.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        loaded = load_queues(uow_factory(), queries, page)
        first = load_page(uow_factory(), queries["board"], 0, page, True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert {name: p.total for name, p in loaded.items()} == counts
    assert {name: len(p.cases) for name, p in loaded.items()} == {
        name: min(n, page) for name, n in counts.items()}
    assert first[1] == counts["board"]
    longer = sum(n >= page for n in counts.values()) + (counts["board"] >= page)
    assert len(counted) == longer  # only a full first page asks for its count
    if page == 5:
        assert 0 < longer < 4  # some queues are longer than a page, some are not
    else:
        assert longer == 0


def test_the_approvals_queue_and_a_unit_seat_match_their_python_rules(demo) -> None:
    uow_factory, centre = demo
    office = centre.ref.config.coordination_office
    approvals = QueueQuery(tuple(OPEN_STATES), decisions_for=office)
    unit = next(c.unit for c in _open(uow_factory) if c.unit)
    seat = QueueQuery(BOARD, reader=Reader(unit=unit))
    counts = count_queues(uow_factory(), {"approvals": approvals, "seat": seat})
    cases = _open(uow_factory)
    assert counts["approvals"] == sum(approvals.accepts(c) for c in cases)
    assert counts["seat"] == sum(seat.accepts(c) for c in cases) > 0


def test_due_soon_lists_the_running_stages_of_the_next_minutes(demo) -> None:
    uow_factory, _centre = demo
    running = [c for c in _open(uow_factory)
               if c.stage_deadline is not None and c.suspended_at is None and c.stage_limit]
    first = min(running, key=lambda c: c.stage_deadline)
    due = due_soon(uow_factory(), first.stage_deadline, timedelta(minutes=3))
    assert (first.id, first.version) in {(i, v) for i, v, _d, _n in due}
    assert all(first.stage_deadline - timedelta(seconds=1) <= d for _i, _v, d, _n in due)


def test_live_stats_counted_by_the_database_equal_the_event_walk(demo) -> None:
    from console.services import live_stats as ls

    uow_factory, centre = demo
    summed = ls.load_live_stats(uow_factory(), centre, NOW)
    # The same figures from the events one by one (the path for zones with :30 offsets).
    day_start = datetime.combine(NOW.date(), datetime.min.time(), centre.tz)
    fresh = ls.LiveStats(day=summed.day, weeks=summed.weeks,
                         week_on_time={m: [0, 0] for m in summed.weeks})
    walked = ls._load_events(uow_factory(), centre, fresh, day_start - timedelta(days=7),
                             min(datetime.combine(summed.weeks[0], datetime.min.time(),
                                                  centre.tz),
                                 day_start.replace(day=1)),
                             day_start + timedelta(days=1))
    assert sum(summed.today_by_hour) > 0 and summed.unit_month
    for name in ("today_by_hour", "week_avg_by_hour", "by_source", "by_category",
                 "unit_month", "week_on_time"):
        assert getattr(summed, name) == getattr(walked, name), name


def test_desk_stats_counted_by_the_database_equal_the_events(demo) -> None:
    from console.services.stats import desk_stats

    uow_factory, centre = demo
    day = datetime.combine(NOW.date(), datetime.min.time(), centre.tz)
    with uow_factory() as uow:
        events = uow.events.in_window(day, day + timedelta(days=1), ("report", "close"))
        month = uow.events.in_window(day.replace(day=1), day + timedelta(days=1), ("feedback",))
    hours = [0] * 24
    for e in events:
        if e.type == "report":
            hours[centre.local(e.occurred_at).hour] += 1
    unit = next(e.unit for e in month if e.unit and e.on_time is not None)
    own = [e for e in month if e.unit == unit and e.on_time is not None]
    stats = desk_stats(uow_factory(), centre, NOW, unit)
    assert sum(hours) > 0 and list(stats.intake_by_hour) == hours
    assert stats.closed_today == sum(1 for e in events if e.type == "close")
    assert stats.unit_on_time == (sum(1 for e in own if e.on_time), len(own))
    whole = desk_stats(uow_factory(), centre, NOW)
    assert sum(whole.lights.values()) == sum(
        1 for c in _open(uow_factory)
        if countdown(c, NOW, centre.calendar, centre.ref.config.yellow_at) is not None)


def test_the_open_case_indexes_name_exactly_the_open_states_in_the_queries_order() -> None:
    # SQLite uses a partial index only when the query repeats its WHERE term word for word
    # (db/queue_repo.py writes state IN (OPEN_VALUES)): same states, same order.
    from db.case_repo import OPEN_VALUES
    from db.tables import _OPEN_WHERE

    named = tuple(v.strip(" '") for v in str(_OPEN_WHERE).split("(", 1)[1].rstrip(")").split(","))
    open_values = tuple(s.value for s in CaseState if not s.is_terminal)
    assert named == OPEN_VALUES == open_values  # a new open state: here and in a migration


def test_wall_figures_counted_by_the_database_equal_the_events(demo) -> None:
    from console.services.wall import (
        DISPATCH_TYPES,
        TODAY_TYPES,
        day_window,
        month_window,
        wall_data,
    )

    uow_factory, centre = demo
    day_start, day_end = day_window(centre, NOW)
    month_start, month_end = month_window(centre, NOW)
    with uow_factory() as uow:
        today = uow.events.in_window(day_start, day_end, TODAY_TYPES)
        feedback = [e for e in uow.events.in_window(month_start, month_end, ("feedback",))
                    if e.on_time is not None]
    kinds = Counter("dispatch" if e.type in DISPATCH_TYPES else e.type for e in today)
    hours = [0] * 24
    for e in today:
        if e.type == "report":
            hours[centre.local(e.occurred_at).hour] += 1
    data = wall_data(uow_factory(), centre, NOW)
    assert (data.reported_today, data.filed_today, data.dispatched_today, data.closed_today) == (
        kinds["report"], kinds["file"], kinds["dispatch"], kinds["close"])
    assert list(data.intake_by_hour) == hours and sum(hours) > 0
    assert (data.handled_month, data.on_time_month) == (
        len(feedback), sum(1 for e in feedback if e.on_time)) and feedback
    per_unit = {r.unit: (r.handled, r.on_time) for r in data.units}
    for unit in {e.unit for e in feedback if e.unit}:
        mine = [e for e in feedback if e.unit == unit]
        assert per_unit[unit] == (len(mine), sum(1 for e in mine if e.on_time))
