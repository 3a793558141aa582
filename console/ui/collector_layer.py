"""The map's collector layer: each collector's last fix, coloured 在岗 / 离线 / 不在班, named.

:func:`collector_markers` builds the layer's items from a list of positions and is all the
refresh computes (a benchmark times it for 500 collectors); painting is
:class:`widgets.map_people.PersonLayer`'s.  :class:`CollectorWatch` reads the positions when
the map is shown and every :data:`REFRESH_MS` while it stays visible — fixes are not case
events, so no push announces them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from console.domain.on_duty import DutyStatus, TrackPoint
from console.services import timefmt
from console.services.collector_places import CollectorSpot
from console.services.on_duty import collectors
from console.ui.dialogs.track_replay import TrackReplayDialog
from console.ui.i18n import _
from widgets.map_people import PersonMarker

if TYPE_CHECKING:
    from console.ui.main_window import MainWindow

#: How often a visible map reads the collectors' positions again.
REFRESH_MS = 30_000
#: 在岗 green, 离线 red, 不在班 grey (the supervisor's list's colours).
COLORS = {DutyStatus.ON_DUTY: "#2e9d4a", DutyStatus.OFFLINE: "#d64541",
          DutyStatus.OFF_SHIFT: "#8a8f98"}


def short_name(name: str, username: str) -> str:
    """The name drawn on the map: ``监督员 汪一（芹阳办事处北门社区北片）`` -> ``汪一``."""
    text = name.split("（", 1)[0].split("(", 1)[0].strip()
    text = text.removeprefix("监督员").strip()  # i18n: ignore
    return text or username


def collector_markers(spots: Sequence[CollectorSpot],
                      when: Callable[[datetime], str]) -> list[PersonMarker]:
    """The layer's items: one per collector with a fix (those without one are not drawn).

    ``when`` formats a fix's instant (the centre's zone).
    """
    # Translated once, not per collector: a refresh builds 500 tooltips.
    tip = _("{name} · {status} · 最后定位 {time}")
    statuses = {status: _(status.value) for status in DutyStatus}
    out = []
    for spot in spots:
        fix = spot.fix
        if fix is None:
            continue
        out.append(PersonMarker(
            spot.username, fix.lon, fix.lat, COLORS[spot.status],
            short_name(spot.name, spot.username),
            tip.format(name=spot.name or spot.username, status=statuses[spot.status],
                       time=when(fix.t))))
    return out


class CollectorWatch(QObject):
    """Keeps the map's collector layer current while the map is visible.

    Parameters
    ----------
    read : callable
        Starts a read of the spots on the worker and delivers them to ``show``
        (``read(show)``).
    show : callable
        Draws the spots (the map pane's ``show_collectors``).
    visible : callable
        Whether the map is on screen now (a hidden map is not refreshed).
    """

    def __init__(self, read: Callable[[Callable[[list[CollectorSpot]], None]], None],
                 show: Callable[[list[CollectorSpot]], None], visible: Callable[[], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read, self._show, self._visible = read, show, visible
        self._busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        """Read now and then every :data:`REFRESH_MS`."""
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        """One read, unless one is running or the map is hidden."""
        if self._busy or not self._visible():
            return
        self._busy = True

        def done(spots: list[CollectorSpot]) -> None:
            self._busy = False
            self._show(spots)

        self._read(done)

    def failed(self) -> None:
        """The read was refused or failed: the next tick tries again."""
        self._busy = False


def attach_collectors(window: MainWindow) -> CollectorWatch:
    """Give a watching seat's map its collector layer, kept current, and the day's replay."""
    controller = window.controller
    desk, ops = controller.desk, controller.ops
    pane = window.map

    def when(t: datetime) -> str:
        return timefmt.short(controller.centre, t)

    def read(deliver: Callable[[list[CollectorSpot]], None]) -> None:
        ops.run(desk.collector_spots, deliver, lambda _exc: watch.failed())

    def show(spots: list[CollectorSpot]) -> None:
        pane.show_collectors(collector_markers(spots, when))

    watch = CollectorWatch(read, show, pane.isVisible, window)
    pane.enable_collectors()

    def replay() -> None:
        centre = controller.centre
        people = [(u.username, u.name or u.username) for u in collectors(centre)]

        def load(username: str, day: date,
                 deliver: Callable[[list[TrackPoint]], None]) -> None:
            ops.run(lambda: desk.collector_track(username, day), deliver,
                    controller.ops.failed.emit)

        dialog = TrackReplayDialog(centre, load, people, centre.local(window.clock()).date(),
                                   None, lambda t: timefmt.clock(centre, t, True), window)
        dialog.finished.connect(dialog.deleteLater)
        window.replay_dialog = dialog
        dialog.open()
        dialog.reload()

    pane.replay_requested.connect(replay)
    watch.start()
    return watch
