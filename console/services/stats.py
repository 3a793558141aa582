"""Small live figures for the console's chart strip: today's intake, lights, closures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from console.domain.deadlines import Light
from console.services.centre import Centre
from console.services.live_stats import report_hours
from console.services.queue_reads import OPEN_STATES, open_lights
from console.services.uow import CaseFilter, UnitOfWork


@dataclass(frozen=True, slots=True)
class DeskStats:
    """What the chart strip shows."""

    intake_by_hour: tuple[int, ...]  # 24 counts, centre-local hours of today
    lights: dict[str, int] = field(default_factory=dict)  # open cases by light
    closed_today: int = 0
    open_cases: int = 0
    unit_on_time: tuple[int, int] | None = None  # a unit seat: (on time, handled) this month


def desk_stats(uow: UnitOfWork, centre: Centre, now: datetime,
               unit: str | None = None) -> DeskStats:
    """Today's figures at ``now`` (today = the centre-local calendar day).

    With ``unit`` (a unit's desk) the open cases are that unit's, and the figures include its
    own handling this month: feedback events that ended a 处置 stage, and how many on time.
    """
    local = centre.local(now)
    start = datetime.combine(local.date(), time(0), centre.tz)
    end = start + timedelta(days=1)
    month = datetime.combine(local.date().replace(day=1), time(0), centre.tz)
    own = (0, 0)  # a unit seat's (on time, handled) this month
    with uow:
        # Counted by the database: a megacity desk must not read 100 k open cases, or a day's
        # thousands of events, every 15 seconds.
        counted = open_lights(centre, uow, OPEN_STATES, now)
        open_count = uow.cases.count(CaseFilter(open_only=True, unit=unit))
        hours = report_hours(uow, centre, start, end)
        closed = uow.stats.by_type(("close",), start, end).get("close", 0)
        if unit is not None:
            mine = [(t, n) for _h, u, t, n in uow.stats.handled_by_hour(month, end) if u == unit]
            own = (sum(n for t, n in mine if t), sum(n for _t, n in mine))
    lights: Counter[Light] = Counter()
    for (code, _grid, _state), tally in counted.items():
        if unit is None or code == unit:
            lights.update(tally)
    return DeskStats(
        tuple(hours), {light.value: lights.get(light, 0) for light in Light}, closed,
        open_count, own if unit is not None else None,
    )
