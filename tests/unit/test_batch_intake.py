"""The batch-level shortcuts of ``report_many`` give the per-report path's answers.

``report_many`` splits the routing matrix by category once per batch and remembers the
deadline computation of the batch's instant (:class:`~console.domain.deadlines.MemoClock`);
these tests hold both to what the unshortened code answers.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain.audit import canonical
from console.domain.calendar import WorkCalendar, statutory_days
from console.domain.cases import CaseState, Event, Role
from console.domain.deadlines import MemoClock
from console.domain.errors import CalendarRangeError, ValidationError
from console.domain.routing import route
from console.services.cases import _with_case, rules_by_category, suggest_route
from console.services.centre import build_centre
from tests.unit import kaihua

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
CAL = WorkCalendar(SH, days=statutory_days([2025, 2026]))

instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 20),
    timezones=st.sampled_from([SH, UTC, NY]),
)


def test_rules_by_category_keep_the_matrix_order() -> None:
    rules = kaihua.rules()
    split = rules_by_category(rules)
    assert sum(len(part) for part in split.values()) == len(rules)
    for code, part in split.items():
        assert part == tuple(r for r in rules if r.category == code)


def test_routing_with_a_category_s_rules_matches_the_whole_matrix() -> None:
    centre = build_centre(kaihua.reference())
    split = rules_by_category(centre.ref.rules)
    grids = sorted(centre.ref.grids)
    components = [None, *sorted(centre.ref.components)]
    rng = random.Random(7)
    checked = 0
    for category in centre.ref.categories.values():
        conditions = [None, *(c.id for c in category.filing_conditions)]
        for grid in [*rng.sample(grids, 25), None]:
            for component in [*rng.sample(components, 4), None]:
                for condition in conditions:
                    whole = suggest_route(centre, category, grid, component, condition)
                    part = suggest_route(centre, category, grid, component, condition,
                                         rules=split.get(category.code, ()))
                    assert part == whole, (category.code, grid, component, condition)
                    checked += 1
    assert checked > 1000


def test_components_route_alike_with_either_matrix() -> None:
    ref = kaihua.reference()
    split = rules_by_category(ref.rules)
    for component in ref.components.values():
        category = ref.categories[component.category]
        kwargs = {"grid": ref.grids.get(component.grid), "component": component,
                  "condition": None, "units": ref.units,
                  "coordination_office": ref.config.coordination_office}
        assert route(category, rules=split.get(category.code, ()), **kwargs) == route(
            category, rules=ref.rules, **kwargs)


@settings(max_examples=300, deadline=None, database=None)
@given(start=instants, minutes=st.integers(min_value=-30_000, max_value=30_000),
       natural=st.booleans())
def test_memo_clock_answers_as_the_calendar(start: datetime, minutes: int, natural: bool) -> None:
    memo = MemoClock(CAL)
    expected = CAL.add_for(start, minutes, natural)
    assert memo.add_for(start, minutes, natural) == expected
    again = memo.add_for(start, minutes, natural)  # remembered
    assert again == expected and again.tzinfo == expected.tzinfo
    other = start + timedelta(minutes=7)
    assert memo.between_for(start, other, natural) == CAL.between_for(start, other, natural)
    assert memo.between_seconds_for(start, other, natural) == CAL.between_seconds_for(
        start, other, natural)


def test_memo_clock_tells_apart_equal_wall_times_that_are_different_instants() -> None:
    # 01:30 on the night New York leaves summer time happens twice; within one zone the two
    # compare equal, but they are an hour apart.
    first = datetime(2026, 11, 1, 1, 30, tzinfo=NY)
    second = first.replace(fold=1)
    assert first == second and first.utcoffset() != second.utcoffset()
    memo = MemoClock(CAL)
    for start in (first, second, first):
        for natural in (True, False):
            assert memo.add_for(start, 45, natural) == CAL.add_for(start, 45, natural)
    assert memo.add_for(first, 45, True) != memo.add_for(second, 45, True)


def test_memo_clock_raises_every_time_as_the_calendar_does() -> None:
    memo = MemoClock(CAL)
    naive = datetime(2026, 3, 2, 10, 0)
    outside = datetime(CAL.last_year + 1, 1, 2, tzinfo=SH)
    for _ in range(2):
        with pytest.raises(ValidationError):
            memo.add_for(naive, 30, False)
        with pytest.raises(CalendarRangeError):
            memo.add_for(outside, 30, False)


def _canonical_as_written(event: Event) -> bytes:
    """``audit.canonical`` as version 1 of the chain was first written (the stored format)."""

    def instant(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")

    def text(value: object) -> str | None:
        return None if value is None else str(getattr(value, "value", value))

    doc = [1, event.id, event.case_id, event.type, text(event.from_state), text(event.to_state),
           event.actor, text(event.role), event.desk, event.unit, event.stage,
           instant(event.stage_deadline), event.on_time, dict(event.payload),
           instant(event.occurred_at), event.request_id]
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


payloads = st.dictionaries(
    st.text(max_size=5),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
              st.lists(st.text(max_size=3), max_size=3)),
    max_size=4,
)


@settings(max_examples=300, deadline=None, database=None)
@given(occurred=instants, deadline=st.one_of(st.none(), instants), fold=st.integers(0, 1),
       payload=payloads, on_time=st.one_of(st.none(), st.booleans()),
       request_id=st.one_of(st.none(), st.text(max_size=10)))
def test_canonical_bytes_are_unchanged(
    occurred: datetime, deadline: datetime | None, fold: int, payload: dict[str, object],
    on_time: bool | None, request_id: str | None,
) -> None:
    event = Event(
        case_id=3, type="report", from_state=None, to_state=CaseState.REPORTED, actor="采集员",
        role=Role.COLLECTOR, occurred_at=occurred.replace(fold=fold), desk="d", unit=None,
        stage="受理", stage_deadline=deadline, on_time=on_time, payload=payload, id=17,
        request_id=request_id,
    )
    for _ in range(2):  # the second time from the remembered instants
        assert canonical(event) == _canonical_as_written(event)


def test_canonical_tells_apart_equal_wall_times_that_are_different_instants() -> None:
    first = datetime(2026, 11, 1, 1, 30, tzinfo=NY)
    events = [Event(case_id=1, type="report", from_state=None, to_state=CaseState.REPORTED,
                    actor="a", role=Role.COLLECTOR, occurred_at=at, id=1)
              for at in (first, first.replace(fold=1), first)]
    assert [canonical(e) for e in events] == [_canonical_as_written(e) for e in events]
    assert canonical(events[0]) != canonical(events[1])


def test_with_case_is_replace() -> None:
    event = Event(
        case_id=None, type="report", from_state=None, to_state=CaseState.REPORTED,
        actor="caiji01", role=Role.COLLECTOR, occurred_at=datetime(2026, 3, 2, 2, tzinfo=UTC),
        desk="d", unit="u", stage="受理", stage_deadline=datetime(2026, 3, 2, 3, tzinfo=UTC),
        on_time=True, payload={"a": 1}, id=None, request_id="r-1",
    )
    assert _with_case(event, 42) == replace(event, case_id=42)
