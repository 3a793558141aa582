"""The desk's calendar strip: a persistent warning while deadlines reach an unknown year.

The work calendar knows statutory holidays only for the years seeded from ``chinesecalendar``
or imported by an administrator.  A deadline that reaches another year counts it Monday to
Friday (New Year's Day as a workday), so while one can — from the day the longest limit
reaches past the last known year — the desk shows 「2027 年法定节假日未导入，期限按周一至
周五计算」 in a strip of its own (the top banner belongs to the demo notice and the outage).
It goes when the year is imported: the strip reads the desk's centre, which the admin window
reloads after a save, and checks again every minute (a day later the horizon has moved).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer

from console.services.calendar_year import horizon_gaps
from console.services.centre import Centre
from console.ui.i18n import _
from widgets.banner import Banner

CHECK_MS = 60_000
"""How often the strip looks again (cheap: two calendar sums and a set lookup)."""


class CalendarNotice(QObject):
    """Shows :attr:`strip` while :func:`horizon_gaps` finds uncovered years.

    Parameters
    ----------
    centre : callable
        Returns the desk's current centre (it changes when an administrator saves).
    clock : callable
        The desk's clock.
    parent : QObject, optional
    """

    def __init__(self, centre: Callable[[], Centre], clock: Callable[[], datetime],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._centre, self._clock = centre, clock
        self.strip = Banner()
        self.strip.setToolTip(_("管理员可在 系统管理 → 工作日历 中导入国务院办公厅的放假通知"))
        self.years: tuple[int, ...] = ()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        """Check now, then every minute."""
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        """Show or clear the strip for the calendar as it is now."""
        self.years = horizon_gaps(self._centre(), self._clock())
        if self.years:
            self.strip.show_message(
                _("{years} 年法定节假日未导入，期限按周一至周五计算").format(
                    years="、".join(str(y) for y in self.years)), "warning")
        else:
            self.strip.clear()
