"""Collectors' 离线 / 越界 / 停留 alarms in the desk's alert strip.

The worker raises them in the database (``citydesk worker``'s 在岗 job); a desk that may
acknowledge alerts asks for the waiting ones every :data:`POLL_MS` and hands new ones to the
alert strip (:class:`~console.ui.alerts.AlertDesk`), where Ctrl+K acknowledges them like a
case's alert.  One acknowledged at another desk leaves this strip at the next poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from console.domain.on_duty import AlarmKind
from console.services.on_duty import CollectorAlarm, may_watch
from console.services.timefmt import clock
from console.ui.i18n import _

if TYPE_CHECKING:
    from console.services.centre import Centre
    from console.ui.alerts import AlertDesk
    from console.ui.desk_view import DeskView

#: How often a desk asks for waiting alarms (the worker's round is a minute).
POLL_MS = 30_000


def alarm_text(alarm: CollectorAlarm, centre: Centre) -> str:
    """``监督员 汪一 离线（自 09:00）``, with where and how far for 越界 and 停留, and the end."""
    user = centre.ref.users.get(alarm.username)
    who = user.name if user is not None else alarm.username
    # The demo's names carry the role already: no second prefix (the role word is data here).
    if not who.startswith(("监督员", _("监督员"))):  # i18n: ignore
        who = _("监督员 {name}").format(name=who)
    text = _("{who} {kind}（自 {since}）").format(
        who=who, kind=_(alarm.kind.value), since=clock(centre, alarm.started))
    distance = alarm.detail.get("distance_m")
    if alarm.kind is AlarmKind.OUTSIDE and distance is not None:
        text += _("，距负责网格约 {m} 米").format(m=int(distance))
    if alarm.ended is not None:
        text += _("，已于 {at} 解除").format(at=clock(centre, alarm.ended))
    return text


class DutyAlarmWatch(QObject):
    """Polls the centre for collectors' alarms and keeps the alert strip in step.

    Parameters
    ----------
    window : DeskView
        The desk (its controller reaches the centre).
    alerts : AlertDesk
        The strip the alarms go to.
    """

    def __init__(self, window: DeskView, alerts: AlertDesk) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.alerts = alerts
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        if may_watch(window.controller.actor):
            self.timer.start()
            QTimer.singleShot(0, self, self.poll)

    def poll(self) -> None:
        """Ask for the waiting alarms (on the desk's worker thread)."""
        if not self.window.as_widget().isVisible():
            # Signed out (or closed) before this turn came: the server session is gone, and a
            # poll with it would read as the NEXT user's session ending.
            self.timer.stop()
            return
        controller = self.window.controller
        desk = controller.desk
        # A refused or failed poll waits for the next turn: the outage banner says the rest.
        controller.ops.run(desk.pending_alarms, self._on_loaded, lambda _exc: None)

    def _on_loaded(self, alarms: list[CollectorAlarm]) -> None:
        centre = self.window.controller.centre
        for alarm in alarms:
            self.alerts.raise_alarm(alarm.id, alarm_text(alarm, centre))
        self.alerts.drop_alarms({a.id for a in alarms})
