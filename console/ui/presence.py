"""The desk's heartbeat: tell the others which case is open here, learn which they have open.

One beat every :data:`~console.services.presence.BEAT` (and at once when the open case
changes) runs on the controller's worker; the answer — every other live desk — arrives as
:attr:`PresenceTracker.changed`.  A failed beat is simply skipped: the outage banner is the
log poll's business, and presence is advisory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from console.desk_backend import DeskBackend
from console.domain.cases import Actor
from console.services.central_ports import Presence
from console.services.presence import BEAT, by_case, holders, label
from console.ui.ops import OpRunner


class PresenceTracker(QObject):
    """Heartbeats of this desk and the presence of the others.

    Parameters
    ----------
    desk : DeskBackend
        The seat (its heartbeat carries the time: the backend's clock).
    ops : OpRunner
        The desk's database worker.
    actor : Actor
        The signed-in seat (its desk name keys the heartbeat row).
    name : str
        The person's name, as others see it.
    clock : callable
        The current instant.
    """

    changed = Signal(object)
    """Case id -> ``"name@desk"`` of the other desks that have it open."""

    def __init__(self, desk: DeskBackend, ops: OpRunner, actor: Actor,
                 name: str, clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._ops = ops
        self._actor = actor
        self._name = name
        self._clock = clock
        self._since = clock()
        self._case_id: int | None = None
        self._busy = False
        self.others: list[Presence] = []
        self.timer = QTimer(self)
        self.timer.setInterval(int(BEAT.total_seconds() * 1000))
        self.timer.timeout.connect(self.beat)

    def start(self) -> None:
        """Beat now and then every few seconds."""
        self.beat()
        self.timer.start()

    def stop(self) -> None:
        """Stop beating and remove this desk's row (best effort: it expires anyway)."""
        self.timer.stop()
        desk = self._desk
        self._ops.run(desk.leave, lambda _r: None, lambda _e: None)

    def set_case(self, case_id: int | None) -> None:
        """The case now open here; the others learn it at once."""
        if case_id != self._case_id:
            self._case_id = case_id
            self.beat()

    def beat(self) -> None:
        """One heartbeat on the worker (skipped while the previous one is still running)."""
        if self._busy:
            return
        self._busy = True
        desk, name, case_id, since = self._desk, self._name, self._case_id, self._since

        def done(others: list[Presence]) -> None:
            self._busy = False
            self.others = others
            self.changed.emit({cid: label(people) for cid, people in by_case(others).items()})

        def failed(_exc: Exception) -> None:
            self._busy = False

        self._ops.run(lambda: desk.heartbeat(name, case_id, since), done, failed)

    def holders(self, case_id: int) -> str:
        """``name@desk`` of the other desks that have ``case_id`` open, or ""."""
        return label(holders(self.others, case_id))
