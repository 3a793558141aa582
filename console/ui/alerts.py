"""Alerts that stay on a desk until someone acknowledges them.

A case turning red, an urgent report (领导交办, 媒体曝光, or a natural-time category such as a
missing manhole cover) and a source event that asks the desk to decide (an Open311 source
closed or changed a request that is a case here: console.domain.source_events) beep once and
wait in the red strip; **Ctrl+K** acknowledges the oldest and writes the acknowledgement into
the case's log.  A collector's 离线 / 越界 / 停留 alarm (console.ui.duty_alarms brings them)
waits in the same strip; its acknowledgement is written on the alarm and in the admin log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from console.domain.cases import Case, Event, Role, Source
from console.domain.commands import Command
from console.domain.permissions import PERMISSIONS
from console.domain.source_events import asks_desk, news_of
from console.ui.i18n import _, label
from console.ui.names import localized

if TYPE_CHECKING:
    from console.ui.desk_view import DeskView

_URGENT_SOURCES = (Source.LEADER, Source.MEDIA)


class AlertDesk(QObject):
    """The desk's unacknowledged alerts, oldest first.

    Parameters
    ----------
    window : DeskView
        The desk: its alert strip, queues (to name a case) and controller (to log the
        acknowledgement).
    """

    def __init__(self, window: DeskView) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.pending: list[tuple[int, str]] = []  # (case id, text), oldest first
        self.alarms: list[tuple[int, str]] = []  # collectors' alarms: (alarm id, text)
        self._order: list[tuple[bool, int, str]] = []  # (is an alarm, id, text), oldest first
        window.alert.action_triggered.connect(self.acknowledge)

    @property
    def may_acknowledge(self) -> bool:
        """Whether this seat's role may acknowledge alerts (the wall, for one, may not)."""
        return Command.ACK_ALERT in PERMISSIONS[Role(self.window.user.role)]

    def raise_alert(self, case_id: int, text: str) -> None:
        """Show an alert until someone acknowledges it; beep and flash the taskbar entry."""
        if any(cid == case_id and t == text for cid, t in self.pending):
            return
        self.pending.append((case_id, text))
        self._order.append((False, case_id, text))
        self._sound()

    def raise_alarm(self, alarm_id: int, text: str) -> None:
        """Show a collector's alarm until someone acknowledges it (a new text replaces the old
        one in place: the alarm ended meanwhile)."""
        for i, (aid, old) in enumerate(self.alarms):
            if aid == alarm_id:
                if old != text:
                    self.alarms[i] = (aid, text)
                    self._order = [(a, k, text if a and k == alarm_id else t)
                                   for a, k, t in self._order]
                    self._show()
                return
        self.alarms.append((alarm_id, text))
        self._order.append((True, alarm_id, text))
        self._sound()

    def drop_alarms(self, keep: set[int]) -> None:
        """Forget the alarms not in ``keep`` (acknowledged at another desk)."""
        if all(aid in keep for aid, _t in self.alarms):
            return
        self.alarms = [(aid, t) for aid, t in self.alarms if aid in keep]
        self._order = [(a, k, t) for a, k, t in self._order if not a or k in keep]
        self._show()

    def _sound(self) -> None:
        QApplication.beep()
        QApplication.alert(self.window.as_widget(), 3000)
        self._show()

    def _show(self) -> None:
        strip = self.window.alert
        if not self._order:
            strip.clear()
            return
        _alarm, _key, text = self._order[0]
        more = len(self._order) - 1
        if more:
            text += _("（另有 {n} 条未确认）").format(n=more)
        strip.show_message(text, "danger", _("确认 [Ctrl+K]") if self.may_acknowledge else None)

    def acknowledge(self) -> None:
        """Ctrl+K: acknowledge the oldest alert; the acknowledgement goes into the case's log."""
        if not self._order or not self.may_acknowledge:
            return
        alarm, key, text = self._order.pop(0)
        if alarm:
            self.alarms = [(aid, t) for aid, t in self.alarms if aid != key]
            desk = self.window.controller.desk
            self.window.controller.ops.run(lambda: desk.acknowledge_alarm(key),
                                           lambda _alarm: None, self._on_ack_failed)
        else:
            self.pending.remove((key, text))
            self.window.controller.run_command(key, Command.ACK_ALERT.value, {"alert": text},
                                               None)
        self._show()

    def _on_ack_failed(self, exc: Exception) -> None:
        """An alarm's acknowledgement did not reach the centre: say so (the next poll brings the
        alarm back to the strip)."""
        self.window.notice.show_message(
            _("告警确认失败：{why}").format(why=getattr(exc, "message", str(exc))), "warning")

    # -- what raises them ----------------------------------------------------------------------
    def on_turned_red(self, case_id: int) -> None:
        """A loaded row's deadline passed: flash it everywhere and raise the alert."""
        w = self.window
        for pane in w.queues:
            pane.model.flash(case_id, w.clock())
        row = next((p.model.row_data(at) for p in w.queues
                    if (at := p.model.row_of(case_id)) is not None), None)
        if row is None:  # not in a loaded page: name it once its number is read
            w.controller.fetch_cases([case_id], self.alert_red)
            return
        self.alert_red([row.case])
        w.map.update_rows([row])  # the marker turns red as well

    def on_watch_turned_red(self, case_id: int) -> None:
        """The window's deadline watch saw a case turn red (loaded or not)."""
        # A loaded row's own deadline heap has announced it already (it runs first each tick).
        if all(p.model.row_of(case_id) is None for p in self.window.queues):
            self.on_turned_red(case_id)

    def alert_red(self, cases: list[Case]) -> None:
        """Raise a red alert for each case this seat may see."""
        for case in cases:
            if case.id is not None and self.window.sees(case):
                self.raise_alert(case.id, _("案件 {no} 已超时（红灯）").format(no=case.case_no))

    def on_reports(self, cases: list[Case], events: list[Event]) -> None:
        """Raise an alert for each urgent report another desk just took in."""
        w = self.window
        by_id = {c.id: c for c in cases}
        categories = w.controller.centre.ref.categories
        for event in events:
            case = by_id.get(event.case_id)
            if event.type != Command.REPORT.value or case is None or event.actor == w.user.username:
                continue
            category = categories.get(case.category)
            if case.source in _URGENT_SOURCES or (category is not None and category.natural_time):
                self.raise_alert(case.id or 0, _("紧急上报：{no} {what}（{source}）").format(
                    no=case.case_no,
                    what=localized(category.name_zh, category.name_en) if category else case.category,
                    source=label(case.source)))

    def on_source_events(self, cases: list[Case], events: list[Event]) -> None:
        """Raise an alert for each source event that asks the desk to decide.

        The intake channel logs it and changes nothing else: whether to void, refuse, merge or
        carry on is the desk's call, so only seats that may acknowledge an alert raise it.
        """
        if not self.may_acknowledge:
            return
        by_id = {c.id: c for c in cases}
        for event in events:
            case = by_id.get(event.case_id)
            if case is None or case.id is None or not asks_desk(event):
                continue
            closed, notes = news_of(event.payload)
            text = (_("源系统已关闭案件 {no} 的请求，请决定如何处理") if closed
                    else _("源系统更新了案件 {no} 的请求，请查看")).format(no=case.case_no)
            if notes:
                text += _("：{notes}").format(notes=notes)
            self.raise_alert(case.id, text)
