"""The embedded seat's reads of collectors' whereabouts (a part of ``LocalDeskBackend``).

Kept apart from :mod:`console.desk_local` so that module stays about cases; the server runs
the same methods for a remote desk (``POST /api/v1/desk/collector_options`` …).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from console.domain.cases import Actor, Case
from console.domain.on_duty import TrackPoint
from console.services.centre import Centre
from console.services.collector_places import (
    CollectorFix,
    CollectorOption,
    CollectorSpot,
    collector_options,
    collector_spots,
    day_track,
    holder_fix,
)
from console.services.on_duty import AlarmStore, may_watch
from console.services.uow import UnitOfWork


class CollectorReads:
    """V / K's list of collectors, the holder's last fix, the map's layer, a day's track.

    Mixed into ``LocalDeskBackend``, which provides the attributes declared here.
    """

    _alarms: Callable[[], AlarmStore] | None
    _raw: Callable[[], UnitOfWork]
    _uow: Callable[[], UnitOfWork]
    _actor: Actor
    _clock: Callable[[], datetime]

    @property
    def centre(self) -> Centre:  # provided by the backend
        raise NotImplementedError

    def _fixes(self) -> AlarmStore | None:
        return self._alarms() if self._alarms is not None else None

    def collector_options(self, case_id: int) -> list[CollectorOption]:
        """Collectors for a visit to the case, the default first."""
        with self._uow() as uow:  # the seat's own view: a case it may not see is unknown
            case = uow.cases.get(case_id)
        return collector_options(self._fixes(), self._raw(), self.centre, self._actor, case,
                                 self._clock())

    def _holder_fix(self, case: Case) -> CollectorFix | None:
        """The last fix of the collector holding the case's visit, for the seats that watch
        collectors (a unit seat sees the case, not where the collector is)."""
        if not may_watch(self._actor):
            return None
        return holder_fix(self._fixes(), self.centre, case, self._clock())

    def collector_spots(self) -> list[CollectorSpot]:
        """Every active collector's status and last fix."""
        store = self._fixes()
        if store is None:
            return []
        return collector_spots(store, self.centre, self._actor, self._clock())

    def collector_track(self, username: str, day: date) -> list[TrackPoint]:
        """A collector's fixes of one day (the centre's zone)."""
        store = self._fixes()
        if store is None:
            return []
        return day_track(store, self.centre, self._actor, username, day, self._clock())
