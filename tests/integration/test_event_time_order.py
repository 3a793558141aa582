"""Within a case no event is earlier than its predecessor, whatever clock the caller holds.

Issue #14: a desk (or a server process) whose clock was behind logged feedback before the
dispatch and marked it on time.  ``act`` now takes the later of its ``now`` and the case's
last event instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.services.cases import Report, act, report_case
from console.services.centre import load_centre

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua


def test_a_clock_set_back_logs_nothing_before_the_last_event(kaihua_factory) -> None:
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    case = report_case(uow_factory, centre, centre.actor("caiji01"), NOW,
                       Report("06010", "路口垃圾", grid="330824001001001")).case
    act(uow_factory, centre, centre.actor("shouli1"), NOW + timedelta(minutes=5), case.id,
        "accept")
    behind = NOW - timedelta(days=3)  # a desk whose clock is three days behind
    act(uow_factory, centre, centre.actor("shouli1"), behind, case.id, "file")
    with uow_factory() as uow:
        events = uow.events.for_case(case.id)
    times = [e.occurred_at for e in events]
    assert [e.type for e in events] == ["report", "accept", "file"]
    assert times == sorted(times)
    assert times[-1] == NOW + timedelta(minutes=5)
