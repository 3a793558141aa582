"""Reads behind the desk's queues, map and light counts, for a queue of any size.

See :mod:`console.services.queue_view` for why nothing here reads every open case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from console.domain.cases import TERMINAL_STATES, Case, CaseState
from console.domain.deadlines import Light, countdown
from console.services.centre import Centre
from console.services.queries import CaseRow, make_row
from console.services.queue_view import QueueQuery, yellow_cutoffs
from console.services.uow import CaseFilter, UnitOfWork

OPEN_STATES = tuple(s for s in CaseState if s not in TERMINAL_STATES)

#: Up to this many open cases the map shows one marker per case; beyond, one per grid cell.
MARKER_LIMIT = 3000


@dataclass(frozen=True, slots=True)
class QueuePage:
    """A queue's first page and its size."""

    cases: list[Case]
    total: int


@dataclass(frozen=True, slots=True)
class LightTally:
    """Open cases counted by light, per unit (the board's states) and per grid cell and state.

    ``rows`` holds every open case, with its countdown, when there are at most
    :data:`MARKER_LIMIT` (the map then draws each one), else it is empty and the map draws
    ``by_grid``.
    """

    by_unit: dict[str, Counter[Light]]
    by_grid: dict[tuple[str | None, str], Counter[Light]]
    total: Counter[Light] = field(default_factory=Counter)
    rows: list[CaseRow] = field(default_factory=list)


def _first_page(uow: UnitOfWork, query: QueueQuery, limit: int) -> QueuePage:
    cases = uow.queues.page(query, 0, limit)
    # A first page shorter than a page is the whole queue: its length is the count, and the
    # count's round trip is saved (at county size four of the desk's five panes).
    total = len(cases) if len(cases) < limit else uow.queues.count(query)
    return QueuePage(cases, total)


def load_queues(uow: UnitOfWork, queries: Mapping[str, QueueQuery],
                page: int) -> dict[str, QueuePage]:
    """The first page and count of each queue, in one transaction."""
    with uow:
        return {name: _first_page(uow, q, page) for name, q in queries.items()}


def load_page(uow: UnitOfWork, query: QueueQuery, offset: int, limit: int,
              with_count: bool) -> tuple[list[Case], int | None]:
    """A page of a queue (and its count, for a first page)."""
    with uow:
        if with_count and offset == 0:
            first = _first_page(uow, query, limit)
            return first.cases, first.total
        cases = uow.queues.page(query, offset, limit)
        return cases, (uow.queues.count(query) if with_count else None)


def count_queues(uow: UnitOfWork, queries: Mapping[str, QueueQuery]) -> dict[str, int]:
    """Each queue's size now."""
    with uow:
        return {name: uow.queues.count(q) for name, q in queries.items()}


Key = tuple[str | None, str | None, str]
"""(unit, grid cell, state) of a count of open cases."""


@dataclass(frozen=True, slots=True)
class OpenTally:
    """Open cases counted per (unit, grid cell, state), by light and in all.

    Attributes
    ----------
    lights : dict
        Per key, the cases with a countdown by its light.
    cases : dict
        Per key, every open case (with a running clock or not).
    suspended : list of Case
        The suspended cases among them, read whole: their clocks stand, so each is timed in
        Python (they are few).
    """

    lights: dict[Key, Counter[Light]]
    cases: dict[Key, int]
    suspended: list[Case]


def open_tally(centre: Centre, uow: UnitOfWork, states: Sequence[CaseState],
               now: datetime) -> OpenTally:
    """Open cases in ``states`` per (unit, grid cell, state): each case's light as
    :func:`~console.domain.deadlines.countdown` would colour it at ``now``, and their number."""
    cal, yellow_at = centre.calendar, centre.ref.config.yellow_at
    cutoffs = yellow_cutoffs(cal, now, yellow_at, uow.queues.limits(states))
    raw = uow.queues.light_tally(states, now, cal.settled(now), cutoffs)
    out: dict[Key, Counter[Light]] = {}
    cases: dict[Key, int] = {}
    for key, counts in raw.items():
        tally = out.setdefault(key, Counter())
        cases[key] = sum(counts.values())
        for colour, n in counts.items():
            if colour in ("red", "yellow", "green"):
                tally[Light(colour)] += n
    # A suspended stage's clock stands: its light is the one it had when it stopped.
    suspended: list[Case] = []
    if CaseState.SUSPENDED in states:
        suspended = uow.cases.list(CaseFilter(states=(CaseState.SUSPENDED,), order="id"))
        for case in suspended:
            cd = countdown(case, now, cal, yellow_at)
            if cd is not None:
                key = (case.unit, case.grid, case.state.value)
                out.setdefault(key, Counter())[cd.light] += 1
    return OpenTally(out, cases, suspended)


def open_lights(centre: Centre, uow: UnitOfWork, states: Sequence[CaseState],
                now: datetime) -> dict[Key, Counter[Light]]:
    """Open cases in ``states`` counted by light per (unit, grid cell, state), as
    :func:`~console.domain.deadlines.countdown` would colour each one at ``now``."""
    return open_tally(centre, uow, states, now).lights


def light_tally(uow: UnitOfWork, centre: Centre, now: datetime,
                board: Collection[CaseState]) -> LightTally:
    """Lights per unit (cases in ``board`` states) and per grid cell and state, from one
    grouped read; the cases themselves when few enough for the map to draw each one.
    """
    board_values = {s.value for s in board}
    with uow:
        counted = open_lights(centre, uow, OPEN_STATES, now)
        count = uow.cases.count(CaseFilter(open_only=True))
        cases = (uow.cases.list(CaseFilter(open_only=True, order="id"))
                 if count <= MARKER_LIMIT else [])
    units: dict[str, Counter[Light]] = {}
    grids: dict[tuple[str | None, str], Counter[Light]] = {}
    total: Counter[Light] = Counter()
    for (unit, grid, state), tally in counted.items():
        if unit is not None and state in board_values:
            units.setdefault(unit, Counter()).update(tally)
        grids.setdefault((grid, state), Counter()).update(tally)
        total.update(tally)
    # Rows (countdowns) are made here, on the worker: not on the GUI thread every refresh.
    return LightTally(units, grids, total, [make_row(centre, c, now) for c in cases])


def due_soon(uow: UnitOfWork, now: datetime,
             horizon: timedelta) -> list[tuple[int, int, datetime, bool]]:
    """(id, version, deadline, natural clock) of running stages due within ``horizon``."""
    with uow:
        return uow.queues.due_between(OPEN_STATES, now - timedelta(seconds=1), now + horizon)
