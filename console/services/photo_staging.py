"""A step's photos, committed before the transaction that appends the step's events.

The event log's chain head is locked from the append until COMMIT (``db/chain_head.py``): every
desk's writes wait behind it.  A 核查 with two phone photos writes megabytes; stored in the same
transaction, their WAL would be flushed by the COMMIT that holds the lock.  So the photos go
first, in a transaction of their own, marked *staged* (no case and no reader shows them); the
step's transaction then hangs them on its event and case (one small UPDATE) and they appear
with it.  When the step is refused or fails, its staged photos are deleted again; a process
that dies between the two leaves staged rows that the worker's sweep deletes
(:data:`STAGED_KEPT` later).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from console.services.uow import NewPhoto, UnitOfWork

log = logging.getLogger(__name__)

#: How long a staged photo may wait for its events before the worker's sweep deletes it.
STAGED_KEPT = timedelta(hours=1)

#: Seconds between two sweeps in ``citydesk worker``.
SWEEP_EVERY = 3600.0


@contextmanager
def staged_photos(uow_factory: Callable[[], UnitOfWork], groups: Sequence[Sequence[NewPhoto]],
                  uploaded_by: str, now: datetime,
                  case_id: int | None = None) -> Iterator[list[list[int]]]:
    """Commit each group's photos as staged; yield their ids, group by group.

    An exception inside the block deletes them (best effort: the sweep takes what is left)
    and goes on.  Inside the block the caller attaches them in its own transaction.
    """
    if not any(groups):
        yield [[] for _ in groups]
        return
    uow = uow_factory()
    with uow:
        ids = [[uow.photos.stage(photo, uploaded_by, now, case_id) for photo in group]
               for group in groups]
        uow.commit()
    try:
        yield ids
    except BaseException:
        _discard(uow_factory, [i for group in ids for i in group])
        raise


def _discard(uow_factory: Callable[[], UnitOfWork], ids: list[int]) -> None:
    try:
        uow = uow_factory()
        with uow:
            uow.photos.discard(ids)
            uow.commit()
    except Exception:  # the step's own error is the one to report; the sweep comes later
        log.warning("staged photos %s not deleted; the worker's sweep will", ids, exc_info=True)


def sweep_staged(uow_factory: Callable[[], UnitOfWork], now: datetime) -> int:
    """Delete photos left staged for longer than :data:`STAGED_KEPT`; how many."""
    uow = uow_factory()
    with uow:
        gone = uow.photos.prune_staged(now - STAGED_KEPT)
        uow.commit()
    return gone
