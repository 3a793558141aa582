"""The wall's red list: the most overdue open cases first, read a page at a time in SQL.

A megacity's backlog holds tens of thousands of red cases; the wall shows the first
:data:`RED_LIST_LIMIT` and says how many there are.  The order is minutes overdue on each
stage's own clock (working minutes, or natural minutes for categories that count wall-clock
time), then the case number.  On one kind of clock an earlier deadline is never less overdue,
so the database orders each kind by deadline (:meth:`~console.services.uow.QueueReader.
overdue_page`) and Python times a page of each and merges them.  Where many deadlines share
the cut-off's minutes (a night's deadlines are all as late in working time), pages are read
until the minutes drop below the last kept case's: nothing tied with it is left out.
Suspended cases (their clocks stand) come from the caller, already read whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from console.domain.cases import Case, CaseState
from console.domain.deadlines import Countdown, Light, countdown
from console.services.centre import Centre
from console.services.uow import UnitOfWork

#: Red cases the wall is sent, most overdue first (it pages through them on screen).
RED_LIST_LIMIT = 100


@dataclass(frozen=True, slots=True)
class RedCase:
    """One line of the red list: an open case past its stage deadline.

    Attributes
    ----------
    overdue_minutes : int
        Minutes past the deadline on the stage's own axis (working minutes unless the stage
        counts natural time); always positive.
    unit_name : str
        The responsible unit, "" while the case is still with the centre (intake, dispatch).
    """

    case_id: int
    case_no: str
    state: CaseState
    stage: str
    category_name: str
    category_name_en: str
    unit: str | None
    unit_name: str
    street: str
    overdue_minutes: int


def red_case(centre: Centre, case: Case, cd: Countdown) -> RedCase:
    """The red list's line for ``case`` with its (red) countdown ``cd``."""
    assert case.id is not None
    category = centre.ref.categories.get(case.category)
    unit = centre.ref.units.get(case.unit) if case.unit else None
    return RedCase(
        case_id=case.id,
        case_no=case.case_no,
        state=case.state,
        stage=case.stage or "",
        category_name=category.name_zh if category else case.category,
        category_name_en=category.name_en if category else "",
        unit=case.unit,
        unit_name=unit.name if unit else "",
        street=case.street or "",
        overdue_minutes=max(-cd.remaining, 1),
    )


def _overdue(centre: Centre, case: Case, now: datetime) -> Countdown | None:
    cd = countdown(case, now, centre.calendar, centre.ref.config.yellow_at)
    return cd if cd is not None and cd.light is Light.RED else None


def _one_clock(uow: UnitOfWork, centre: Centre, now: datetime, natural: bool,
               limit: int) -> list[RedCase]:
    """Every red case of one kind of clock at least as overdue as its ``limit``-th."""
    before = now if natural else centre.calendar.settled(now)
    found: list[RedCase] = []
    offset = 0
    while True:
        page = uow.queues.overdue_page(natural, before, offset, limit)
        offset += len(page)
        for case in page:
            cd = _overdue(centre, case, now)
            if cd is not None:
                found.append(red_case(centre, case, cd))
        if len(page) < limit:
            return found
        if (len(found) >= limit
                and found[-1].overdue_minutes < found[limit - 1].overdue_minutes):
            return found


def most_overdue(uow: UnitOfWork, centre: Centre, now: datetime, limit: int,
                 suspended: Iterable[Case] = ()) -> list[RedCase]:
    """The ``limit`` most overdue open cases at ``now`` (minutes overdue, then case number).

    Parameters
    ----------
    uow : UnitOfWork
        An entered unit of work.
    centre : Centre
        Calendar, thresholds, names.
    now : datetime
        The instant the lights are for.
    limit : int
        How many to return (0: none).
    suspended : iterable of Case
        The suspended open cases (a red one keeps its frozen minutes and is listed too).
    """
    if limit <= 0:
        return []
    reds = _one_clock(uow, centre, now, False, limit) + _one_clock(uow, centre, now, True, limit)
    for case in suspended:
        cd = _overdue(centre, case, now)
        if cd is not None and case.id is not None:
            reds.append(red_case(centre, case, cd))
    reds.sort(key=lambda r: (-r.overdue_minutes, r.case_no))
    return reds[:limit]
