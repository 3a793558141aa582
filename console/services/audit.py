"""Walk the event log's hash chain and say whether (and where) it was tampered with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.domain.audit import GENESIS, Break, first_break
from console.services.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
PAGE = 5000


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of a chain walk.

    ``checked`` rows matched before the walk ended; ``last_id`` is the id of the last of them
    (0 when none did); ``head`` is the last good hash (the value to note down and compare with
    next time: a log cut short at its end still chains).
    """

    checked: int
    last_id: int
    head: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        """True when every row matched."""
        return self.broken is None

    def as_json(self) -> dict[str, object]:
        """The report for ``citydesk audit verify --json``."""
        broken = None if self.broken is None else {
            "event_id": self.broken.event_id, "reason": self.broken.reason,
            "expected": self.broken.expected, "stored": self.broken.stored,
        }
        return {"ok": self.ok, "checked": self.checked, "last_id": self.last_id,
                "head": self.head, "first_broken": broken}


def verify_chain(uow_factory: UowFactory, page: int = PAGE) -> AuditReport:
    """Recompute every row's hash in id order; stop at the first that does not match."""
    previous, after, checked = GENESIS, 0, 0
    with uow_factory() as uow:
        while True:
            rows = uow.events.chain(after, page)
            if not rows:
                return AuditReport(checked, after, previous, None)
            head, broken = first_break(previous, rows)
            if broken is not None:
                good = [e.id for e, _ in rows if e.id is not None and e.id < broken.event_id]
                # The last row that matched: on this page if any did, else the last page's end.
                return AuditReport(checked + len(good), max(good, default=after), head, broken)
            checked += len(rows)
            previous = head
            last = rows[-1][0].id
            assert last is not None
            after = last
