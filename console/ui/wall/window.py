"""The wall screen (大屏): a full-screen, read-only dashboard that turns its pages by itself.

Nobody sits at a wall.  :class:`WallWindow` asks for fresh figures every few seconds through the
:class:`~console.ui.ops.OpRunner` (the GUI thread never waits on the database), rotates its pages
on a timer and scales its type with the window height.  When the database stops answering it
keeps the last picture, says since when in a red banner, and clears the banner by itself at the
first answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from console.desk_backend import WallBackend
from console.desk_local import open_wall
from console.domain.errors import AuthenticationError
from console.services import timefmt
from console.services.centre import Centre
from console.services.wall import WallData
from console.ui.controller import Backend
from console.ui.i18n import N_, _
from console.ui.names import centre_name
from console.ui.ops import OpRunner
from console.ui.wall.board import BoardPage
from console.ui.wall.charts import ChartsPage
from console.ui.wall.hotspots import HotspotPage
from console.ui.wall.overview import OverviewPage
from console.ui.wall.parts import pad, wall_label
from console.ui.wall.style import scale_for, set_tone, style_sheet
from console.ui.wall.video_page import wall_video_page
from widgets.banner import Banner

log = logging.getLogger(__name__)

PAGE_TITLES = (N_("运行概况"), N_("单位排名与超时案件"), N_("今日走势"), N_("本月热点"))
"""Page names shown in the header, in page order."""

WEEKDAYS = (N_("星期一"), N_("星期二"), N_("星期三"), N_("星期四"), N_("星期五"), N_("星期六"),
            N_("星期日"))

STALE_AFTER_REFRESHES = 3
"""Without an answer for this many refresh intervals the data counts as stale (a hung query
never reports an error, so silence must raise the banner too)."""


class WallWindow(QMainWindow):
    """The wall dashboard.

    Parameters
    ----------
    backend : Backend
        The composition root; the wall reads through its
        :class:`~console.desk_backend.WallBackend` (:func:`console.desk_local.open_wall`).
        ``backend.centre`` must already be loaded (:func:`console.ui.wall.start.run_wall`
        loads it on the worker), because reading it the first time reads the database.
    ops : OpRunner
        Runs every database read off the GUI thread.
    clock : callable
        Returns the current instant (pinned in tests and with ``--now``).
    rotate_seconds : int
        Seconds each page stays on screen; 0 keeps the first page.
    refresh_seconds : int
        Seconds between two reads of the figures.
    video_tiles : int
        Tiles of the video page (:mod:`console.ui.wall.video_page`); 0 leaves it out.
    parent : QWidget, optional
    """

    page_changed = Signal(int)
    """The page on show changed: its index."""

    data_loaded = Signal(object)
    """Fresh :class:`~console.services.wall.WallData` is on screen."""

    online_changed = Signal(bool)
    """False when the database stopped answering, True when it answers again."""

    signed_out = Signal(str)
    """The server ended the wall's session (through a server only): the one-line message."""

    _pushed = Signal()
    _session_ended = Signal(str)

    def __init__(self, backend: Backend, ops: OpRunner, clock: Callable[[], datetime], *,
                 rotate_seconds: int = 20, refresh_seconds: int = 5, video_tiles: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if rotate_seconds < 0 or refresh_seconds < 1:
            raise ValueError("rotate_seconds must be >= 0 and refresh_seconds >= 1")
        self.backend = backend
        self.ops = ops
        self.clock = clock
        self.source: WallBackend = open_wall(backend, clock)
        #: Through a server: the push stream (a remote root opens it); None on a database.
        self.listener: Any = None
        #: True after the server ended the session, until a retry asked for (F5) succeeds.
        self.is_signed_out = False
        self._remote = getattr(backend, "wall_backend", None) is not None
        self.centre: Centre = self.source.centre
        self.data: WallData | None = None
        self.online = True
        self._loading = False
        self._scale = 0.0
        self.setWindowTitle(_("CityDesk 大屏") + f" — {centre_name(self.centre.ref.config)}")

        self.title = wall_label("title", centre_name(self.centre.ref.config))
        self.page_title = wall_label("page-title")
        self.pager = wall_label("pager")
        self.fresh = wall_label("fresh", _("正在读取数据…"))
        # A small mark while deadlines reach a year without statutory holidays (they count
        # Monday to Friday there): the hall should know the red list may be off.
        self.calendar_mark = wall_label("fresh")
        self.calendar_mark.setObjectName("wall_calendar_mark")
        set_tone(self.calendar_mark, "yellow")
        self.calendar_mark.hide()
        self.date = wall_label("date")
        self.time = wall_label("clock")
        self.header = QFrame()
        self.header.setProperty("wall", "header")
        head = self._head = QHBoxLayout(self.header)
        head.addWidget(self.title)
        head.addWidget(self.page_title)
        head.addStretch(1)
        head.addWidget(self.pager)
        head.addWidget(self.fresh)
        head.addWidget(self.calendar_mark)
        when = QVBoxLayout()
        when.setSpacing(0)
        for widget in (self.time, self.date):
            widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            when.addWidget(widget)
        head.addLayout(when)
        self.banner = Banner()

        self.overview = OverviewPage(self.centre)
        self.board = BoardPage(centre=self.centre)
        self.charts = ChartsPage()
        # Reads its own month's figures, through the wall's source of the moment.
        self.hotspots = HotspotPage(self.centre, lambda: self.source, ops, clock)
        self.pages: tuple[QWidget, ...] = (self.overview, self.board, self.charts, self.hotspots)
        self.pages += (wall_video_page(self, video_tiles),) if video_tiles else ()
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)

        root = QWidget()
        root.setObjectName("wall_root")
        self._body = QVBoxLayout()
        self._body.addWidget(self.stack, 1)
        column = QVBoxLayout(root)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.banner)
        column.addLayout(self._body, 1)
        self.setCentralWidget(root)

        self.rotate_timer = QTimer(self)
        self.rotate_timer.setInterval(max(rotate_seconds, 1) * 1000)
        self.rotate_timer.timeout.connect(self._on_rotate_timer_timeout)
        self._rotates = rotate_seconds > 0
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(refresh_seconds * 1000)
        self.refresh_timer.timeout.connect(self.refresh)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._since_answer = QElapsedTimer()
        self._since_answer.start()
        self.stale_after_ms = STALE_AFTER_REFRESHES * refresh_seconds * 1000
        """Milliseconds without an answer after which the picture counts as stale."""
        # F11 only toggles full screen: the wall has nothing to act on.
        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self.toggle_fullscreen)
        # F5 after a signed-out session: try once more (a new `citydesk login` may be saved).
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.retry_sign_in)
        self._pushed.connect(self.refresh)
        self._session_ended.connect(self._on_session_ended)
        self._apply_scale(scale_for(self.height()))
        self.show_page(0)
        self._on_clock_timer_timeout()

    # -- running -----------------------------------------------------------------------------
    def start(self) -> None:
        """Read the figures now and start the refresh, clock and rotation timers (and, through
        a server, follow its push stream)."""
        self.refresh()
        self.refresh_timer.start()
        self.clock_timer.start()
        if self._rotates:
            self.rotate_timer.start()
        self._listen()

    def stop(self) -> None:
        """Stop every timer and the push stream (before closing, and in tests)."""
        for timer in (self.refresh_timer, self.clock_timer, self.rotate_timer):
            timer.stop()
        self.board.stop_paging()
        self._stop_listening()

    def _listen(self) -> None:
        """Through a server: refresh on each push, and hear when the session ends."""
        if not self._remote or self.listener is not None:
            return
        self.backend.on_signed_out = self._session_ended.emit  # type: ignore[attr-defined]
        make = getattr(self.backend, "event_listener", None)
        if make is None:
            return
        # Both callbacks run on the stream's thread: signals carry them to the GUI thread.
        self.listener = make(lambda _last: self._pushed.emit(), lambda _up: None)
        self.listener.start()

    def _stop_listening(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()

    def _on_session_ended(self, message: str) -> None:
        """The server ended the session: say so in one line, stop asking until told to."""
        self._loading = False
        if self.is_signed_out:
            return
        self.is_signed_out = True
        self.refresh_timer.stop()
        self._stop_listening()
        self.banner.show_message(
            _("会话已失效（{message}）：大屏已停止刷新，重新登录后按 F5 重试").format(
                message=message.split(" / ")[0]), "danger")
        set_tone(self.fresh, "red")
        if self.online:
            self.online = False
            self.online_changed.emit(False)
        self.signed_out.emit(message)

    def retry_sign_in(self) -> None:
        """After a signed-out session: read the session again (``retry`` of the root, if it
        has one: ``citydesk wall`` re-reads the saved login) and refresh once."""
        if not self.is_signed_out:
            return
        retry = getattr(self.backend, "retry", None)
        try:
            if callable(retry):
                retry()
        except Exception as exc:  # no session saved, or an unsafe file: stay signed out
            self.banner.show_message(str(exc).split(" / ")[0], "danger")
            return
        self.is_signed_out = False
        self.source = open_wall(self.backend, self.clock)
        self.refresh()
        self.refresh_timer.start()
        self._listen()

    def show_on_wall(self, fullscreen: bool = True) -> None:
        """Show the window: frameless full screen with no cursor, or a 1920×1080 window."""
        if fullscreen:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.setCursor(Qt.CursorShape.BlankCursor)
            self.showFullScreen()
        else:
            self.resize(1920, 1080)
            self.show()

    def toggle_fullscreen(self) -> None:
        """Between full screen and a normal window (napari's ``_toggle_fullscreen``)."""
        if self.isFullScreen():
            self.unsetCursor()
            self.showNormal()
        else:
            self.setCursor(Qt.CursorShape.BlankCursor)
            self.showFullScreen()

    # -- pages -------------------------------------------------------------------------------
    @property
    def page(self) -> int:
        """Index of the page on show."""
        return self.stack.currentIndex()

    def show_page(self, index: int) -> None:
        """Bring page ``index`` to the screen."""
        self.stack.setCurrentIndex(index)
        self.page_title.setText(_(PAGE_TITLES[index]) if index < len(PAGE_TITLES)
                                else self.pages[index].windowTitle())
        self.pager.setText("  ".join("●" if i == index else "○" for i in range(len(self.pages))))
        if self.pages[index] is self.board:
            self.board.start_paging()
        else:
            self.board.stop_paging()
        self.page_changed.emit(index)

    def next_page(self) -> None:
        """The next page, after the last the first."""
        self.show_page((self.page + 1) % len(self.pages))

    def _on_rotate_timer_timeout(self) -> None:
        self.next_page()

    # -- data --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask for fresh figures; the answer (or the error) comes back on the GUI thread."""
        if self._loading or self.is_signed_out:
            return  # the last read is still on the worker: never pile them up
        self._loading = True
        self.ops.run(self.source.wall_data, self._on_data_loaded, self._on_data_failed)

    def _on_data_loaded(self, data: WallData) -> None:
        self._loading = False
        self._since_answer.restart()
        self.data = data
        for page in (self.overview, self.board, self.charts):
            page.set_data(data)
        self.fresh.setText(_("数据截至 {time}").format(time=self._local(data.as_of, seconds=True)))
        set_tone(self.fresh, "")
        gaps = "、".join(str(y) for y in data.calendar_gaps)
        self.calendar_mark.setText(_("⚠ {years} 年节假日未导入").format(years=gaps) if gaps else "")
        self.calendar_mark.setVisible(bool(gaps))
        if not self.online:
            self.online = True
            self.banner.clear()
            self.online_changed.emit(True)
        self.data_loaded.emit(data)

    def _on_data_failed(self, exc: Exception) -> None:
        self._loading = False
        if isinstance(exc, AuthenticationError):  # the server ended the session (401)
            self._on_session_ended(exc.message)
            return
        log.warning("wall refresh failed: %s", exc)
        self._go_offline()

    def _go_offline(self) -> None:
        """Keep the picture on screen; say since when it is."""
        if self.data is None:
            text = _("数据库无响应，正在重试…")
        else:
            text = _("数据库无响应，数据截至 {time}").format(time=self._local(self.data.as_of))
        self.banner.show_message(text, "danger")
        set_tone(self.fresh, "red")
        if self.online:
            self.online = False
            self.online_changed.emit(False)

    def _local(self, instant: datetime, seconds: bool = False) -> str:
        return timefmt.clock(self.centre, instant, seconds)

    def _on_clock_timer_timeout(self) -> None:
        instant = self.clock()
        now = timefmt.in_centre(self.centre, instant)
        self.time.setText(timefmt.clock(self.centre, instant, seconds=True))
        self.date.setText(f"{timefmt.day(self.centre, instant)} {_(WEEKDAYS[now.weekday()])}")
        if self.online and not self.is_signed_out \
                and self._since_answer.elapsed() > self.stale_after_ms:
            self._go_offline()  # a query that hangs never fails: silence is an outage too

    # -- size --------------------------------------------------------------------------------
    def _apply_scale(self, scale: float) -> None:
        if scale == self._scale:
            return
        self._scale = scale
        self.setStyleSheet(style_sheet(scale))
        gap = round(16 * scale)
        self._body.setContentsMargins(gap, gap, gap, gap)
        self._head.setContentsMargins(round(24 * scale), round(10 * scale), round(24 * scale),
                                      round(10 * scale))
        self._head.setSpacing(round(28 * scale))
        pad(self.banner, round(10 * scale))
        for page in (self.overview, self.board, self.charts, self.hotspots):
            page.set_scale(scale)

    @property
    def scale(self) -> float:
        """The size factor now applied (1.0 at 1080 px high, 2.0 at 2160)."""
        return self._scale

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._apply_scale(scale_for(event.size().height()))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)
