"""Following the event log: what changed since a desk last looked.

Every desk keeps the id of the newest event it has seen and asks for the events after it; the
cases those events touch are re-read and only their rows are refreshed.  On SQLite this polling
is the whole mechanism; PostgreSQL desks add LISTEN/NOTIFY later to be woken sooner.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.domain.cases import Case, Event
from console.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class FeedBatch:
    """Events after ``since`` (up to a page), the newest id now seen, and the cases they touch."""

    since: int
    last_id: int
    events: tuple[Event, ...]
    cases: tuple[Case, ...]

    @property
    def empty(self) -> bool:
        """True when nothing happened."""
        return not self.events


def start_id(uow: UnitOfWork) -> int:
    """Where a desk opening now starts following the log."""
    with uow:
        return uow.events.last_id()


#: How far behind the newest seen id a poll looks again.  On PostgreSQL ids are drawn when a row
#: is inserted, not when it commits, so a slow transaction can commit id 41 after id 42 was seen.
GRACE = 200
#: Most already-seen ids a poll asks the database to leave out (an ``IN`` list stays short).
MAX_SKIP = 500


def poll(uow: UnitOfWork, since: int, seen: frozenset[int] = frozenset(),
         limit: int = 500) -> FeedBatch:
    """Events after ``since`` (and late commits just before it), with the cases they touch.

    ``seen`` holds the ids above ``since - GRACE`` the desk already has; they are not repeated.
    """
    low = max(since - GRACE, 0)
    known = [i for i in seen if i > low]
    skip = known if len(known) <= MAX_SKIP else ()  # a desk holds about GRACE of them
    with uow:
        window = uow.events.since(low, limit + GRACE, skip)
        events = [e for e in window if e.id is not None and e.id not in seen
                  and (e.id > since or since - e.id <= GRACE)]
        ids = sorted({e.case_id for e in events if e.case_id is not None})
        cases = uow.cases.get_many(ids) if ids else []
    newest = max((e.id for e in events if e.id is not None), default=since)
    # A unit seat's repository returns only its own cases: other units' events stay unseen.
    readable = {c.id for c in cases}
    mine = tuple(e for e in events if e.case_id in readable)
    return FeedBatch(since, max(since, newest), mine, tuple(cases))
