"""Which collector (监督员) goes to check a place: the cell's own, then its neighbours'.

核实 and 核查 are site visits.  The desk offers the collector who patrols the case's cell first,
then those patrolling the cells around it (they are a few minutes away), then everyone else, so
the acceptor can send the task to whoever is nearest when the cell's own collector is busy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.domain.cases import Case, Role
from console.domain.geo import neighbours
from console.services.centre import Centre


class Nearness(enum.IntEnum):
    """How near a collector's beat is to the case (lower is nearer)."""

    OWN_CELL = 0  # patrols the case's cell
    NEIGHBOUR = 1  # patrols a cell that touches it
    ELSEWHERE = 2  # anywhere else (or the case has no cell)


@dataclass(frozen=True, slots=True)
class CollectorChoice:
    """A collector the desk can send a site visit to."""

    username: str
    name: str
    nearness: Nearness
    cells: tuple[str, ...]  # of the case's cell and its neighbours, the ones this one patrols


def collector_choices(centre: Centre, case: Case) -> list[CollectorChoice]:
    """Every active collector, the case's cell's own first, then its neighbours', then the rest.

    Within a group, by user name.  The first is the default when the case has a cell that
    someone patrols.
    """
    collectors = [u for u in centre.ref.users.values()
                  if u.active and u.role == Role.COLLECTOR.value]
    cell = centre.ref.grids.get(case.grid) if case.grid else None
    near = ({c.code for c in neighbours(cell, centre.ref.grids.values())}
            if cell is not None else set())
    out: list[CollectorChoice] = []
    for user in collectors:
        beat = set(user.grids)
        cells: tuple[str, ...]
        if cell is not None and cell.code in beat:
            nearness, cells = Nearness.OWN_CELL, (cell.code,)
        elif beat & near:
            nearness, cells = Nearness.NEIGHBOUR, tuple(sorted(beat & near))
        else:
            nearness, cells = Nearness.ELSEWHERE, ()
        out.append(CollectorChoice(user.username, user.name, nearness, cells))
    return sorted(out, key=lambda c: (c.nearness, c.username))
