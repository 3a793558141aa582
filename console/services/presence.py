"""Which desk has which case open: heartbeats that expire on their own.

Each signed-in desk writes one row (its desk name is the key) every :data:`BEAT` with the case
it has open.  Rows not refreshed within :data:`TTL` no longer count, so a desk that crashed or
lost its network drops out by itself; rows silent for :data:`PRUNE_AFTER` are deleted by
whichever desk beats next.  Presence is advisory — optimistic locking is what keeps two desks
from both changing a case — but it lets an operator see a colleague is on it before starting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from console.domain.cases import Actor
from console.services.central_ports import Presence
from console.services.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

BEAT = timedelta(seconds=5)
TTL = timedelta(seconds=20)
PRUNE_AFTER = timedelta(hours=1)


def heartbeat(uow_factory: UowFactory, actor: Actor, name: str, case_id: int | None,
              now: datetime, since: datetime) -> list[Presence]:
    """Record this desk's heartbeat and return every other desk that is alive.

    ``since`` is when this desk signed in (shown to supervisors as "on duty since").
    """
    mine = Presence(actor.desk, actor.user, name, actor.role.value, case_id, since, now)
    with uow_factory() as uow:
        uow.presence.beat(mine)
        uow.presence.prune(now - PRUNE_AFTER)
        alive = uow.presence.active(now - TTL)
        uow.commit()
    return [p for p in alive if p.desk != actor.desk]


def leave(uow_factory: UowFactory, desk: str) -> None:
    """Remove this desk's row (closing the window, signing out)."""
    with uow_factory() as uow:
        uow.presence.leave(desk)
        uow.commit()


def holders(others: Iterable[Presence], case_id: int) -> list[Presence]:
    """The other desks that have ``case_id`` open."""
    return [p for p in others if p.case_id == case_id]


def by_case(others: Iterable[Presence]) -> dict[int, list[Presence]]:
    """Other desks grouped by the case they have open."""
    out: dict[int, list[Presence]] = {}
    for p in others:
        if p.case_id is not None:
            out.setdefault(p.case_id, []).append(p)
    return out


def label(people: Sequence[Presence]) -> str:
    """``张三@desk-2、李四@desk-3``: who is on a case."""
    return "、".join(f"{p.name}@{p.desk}" for p in people)
