"""Red alerts for every open case, loaded in the queues or not.

The queue models only hold the rows the operator has scrolled to; the window still has to
raise the alert the second any running stage passes its deadline.  The watch keeps a heap of
the deadlines that fall in the next few minutes — read in SQL every minute
(:func:`~console.services.queue_reads.due_soon`) and topped up from every live change — and
the window's 1 Hz timer pops what has run out.  Cost per tick: the cases that turned red.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Signal

from console.domain.cases import Case, Stage
from console.services.centre import Centre

HORIZON = timedelta(minutes=3)
"""How far ahead the SQL read looks; it runs every minute, so a deadline is never missed."""


class DeadlineWatch(QObject):
    """A heap of upcoming deadlines; :meth:`check` emits the cases that ran out.

    Parameters
    ----------
    centre : Centre
        Its working calendar decides when a working-time deadline has run out.
    """

    turned_red = Signal(int)
    """A case id whose running stage just passed its deadline."""

    def __init__(self, centre: Centre, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.centre = centre
        self._heap: list[tuple[float, int, int, bool]] = []  # (deadline, id, version, natural)
        self._queued: set[tuple[int, int]] = set()
        self._latest: dict[int, int] = {}  # case id -> newest version seen
        self._last: datetime | None = None

    def __len__(self) -> int:
        return len(self._heap)

    def add_due(self, due: Iterable[tuple[int, int, datetime, bool]]) -> None:
        """Deadlines read from SQL: (case id, version, deadline, natural clock)."""
        for case_id, version, deadline, natural in due:
            if version >= self._latest.get(case_id, 0):
                self._latest[case_id] = version
                self._push(case_id, version, deadline, natural)

    def add_cases(self, cases: Iterable[Case], now: datetime) -> None:
        """Changed cases: their new deadline replaces the old one (stale versions are skipped)."""
        for case in cases:
            if case.id is None:
                continue
            self._latest[case.id] = max(case.version, self._latest.get(case.id, 0))
            if (case.is_open and case.stage_deadline is not None
                    and case.suspended_at is None and case.stage_deadline <= now + HORIZON):
                natural = case.natural_time and case.stage == Stage.HANDLE.value
                self._push(case.id, case.version, case.stage_deadline, natural)

    def check(self, now: datetime) -> list[int]:
        """Emit and return the cases whose stage ran out since the last check."""
        red: list[int] = []
        # A working-time deadline runs out when working time passes it: at 18:00 on a Friday
        # a deadline of 17:59 is red, one of 18:00 waits for Monday 08:00.
        settled = self.centre.calendar.settled(now).timestamp()
        held: list[tuple[float, int, int, bool]] = []
        while self._heap and self._heap[0][0] < now.timestamp():
            entry = heapq.heappop(self._heap)
            deadline, case_id, version, natural = entry
            if not natural and deadline >= settled:
                held.append(entry)  # not yet in working time
                continue
            self._queued.discard((case_id, version))
            if self._latest.get(case_id) != version:
                continue
            red.append(case_id)
            self.turned_red.emit(case_id)
        for entry in held:
            heapq.heappush(self._heap, entry)
        self._last = now
        return red

    def _push(self, case_id: int, version: int, deadline: datetime, natural: bool) -> None:
        if (case_id, version) in self._queued:
            return
        if self._last is not None and deadline.timestamp() < self._last.timestamp() - 60:
            return  # long past at the last check: it was red before this desk looked
        self._queued.add((case_id, version))
        heapq.heappush(self._heap, (deadline.timestamp(), case_id, version, natural))
