"""One read for the desks that ask the same feed poll at the same moment.

Every event is pushed to every desk, and every desk then asks ``events_since`` for it: fifty
desks send fifty identical requests within milliseconds (the same ``since``, the same ids of
the grace window already held), and each read the log and encoded the same answer.  A
:class:`FeedShare` lets the first of such requests read and encode, and hands its answer to
the others that arrive while it is in flight.  Only seats that see the whole centre share (a
unit seat's answer is its own), and only requests made knowing the same newest event: the push
hub's ``newest`` is part of the key, so a desk that was told of a later event never takes an
answer read before that event was known.  Nothing is kept after the flight: a later request
reads again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class _Flight:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class FeedShare:
    """Requests in flight by key; :meth:`run` joins one or starts it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        #: How many requests took another's answer (for the benchmark's note and the tests).
        self.shared = 0

    def run(self, key: Hashable, work: Callable[[], Any]) -> Any:
        """``work()``'s result, or the result of the same key's request already in flight."""
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
            else:
                self.shared += 1
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.result
        try:
            flight.result = work()
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()
        return flight.result
