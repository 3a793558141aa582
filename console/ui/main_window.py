"""The desk's main window: dock panes, the seat's layout, and the wiring between them.

Panes never import each other; this module connects their signals (Spyder's plugin wiring).
The work around the panes lives in helpers that see the window through
:class:`~console.ui.desk_view.DeskView`: alerts (:mod:`console.ui.alerts`), commands
(:mod:`console.ui.command_flow`), live updates (:mod:`console.ui.live_updates`), the report
form (:mod:`console.ui.report_flow`), the offline mode (:mod:`console.ui.outage`), the secondary
windows (:mod:`console.ui.desk_windows`) and the menus (:mod:`console.ui.window_menus`).
All database work goes through :class:`~console.ui.controller.DeskController`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.cameras import Camera
from console.domain.cases import Case, Role
from console.domain.reference import UnitKind, User
from console.services.access import can_read, reader_of
from console.services.on_duty import may_watch
from console.services.queue_view import QueueQuery
from console.ui.alerts import AlertDesk
from console.ui.calendar_notice import CalendarNotice
from console.ui.camera_layer import CameraLayer
from console.ui.case_finder import CaseFinder
from console.ui.case_video import CaseVideo
from console.ui.collector_layer import attach_collectors
from console.ui.command_flow import CommandFlow
from console.ui.controller import DeskController, DetailData
from console.ui.deadline_watch import HORIZON, DeadlineWatch
from console.ui.desk_layout import DeskLayout
from console.ui.desk_panes import build_queue_panes, hidden_panes
from console.ui.desk_windows import DeskWindows
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.duty_alarms import DutyAlarmWatch
from console.ui.hotspot_map import attach_hotspots
from console.ui.i18n import _, label
from console.ui.live_updates import LiveUpdates
from console.ui.names import centre_name, unit_name
from console.ui.outage import OutagePresenter
from console.ui.panes.charts import ChartsPane
from console.ui.panes.detail import DetailPane
from console.ui.panes.live_charts import LiveChartsPane
from console.ui.panes.map import MapPane
from console.ui.panes.queue import QueuePane
from console.ui.presence import PresenceTracker
from console.ui.report_flow import ReportFlow
from console.ui.settings import Settings
from console.ui.theme import apply_theme, theme_colors
from console.ui.window_menus import DeskMenus
from widgets.banner import Banner
from widgets.busy import BusyIndicator
from widgets.compact import CompactComboBox
from widgets.video_player import GrabbedFrame


class MainWindow(QMainWindow):
    """One desk: queues, detail, map and charts for the signed-in user."""

    sign_out_requested = Signal()
    """Ctrl+Shift+L: the user signs out; whoever opened the window asks who comes next."""

    closed = Signal()
    """The window has closed (layout saved, presence withdrawn, the log no longer followed)."""

    def __init__(self, controller: DeskController, user: User, settings: Settings,
                 demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.controller = controller
        self.user = user
        self.settings = settings
        self.demo = demo
        self.clock: Callable[[], datetime] = controller.clock
        self.presence = PresenceTracker(controller.desk, controller.ops, controller.actor,
                                        user.name, self.clock, self)
        self.presence.changed.connect(self._on_presence_changed)
        self.setWindowTitle(_("CityDesk 智慧城管指挥台") + f" — {centre_name(controller.centre.ref.config)}")
        self._current: int | None = None
        self._detail: DetailData | None = None
        self._role_hidden: set[str] = set()
        self._build_panes()
        self._build_layout()
        self._build_timers()
        self.deadlines = DeadlineWatch(controller.centre, self)
        self.alerts = AlertDesk(self)
        self.duty_alarms = DutyAlarmWatch(self, self.alerts)  # collectors' 在岗 alarms
        # The map's collector layer and the day's replay, for the seats that watch collectors.
        self.replay_dialog: QDialog | None = None
        self.collector_watch = (attach_collectors(self) if may_watch(self.controller.actor)
                                else None)
        self.hotspots = attach_hotspots(self)  # the map's 热点图 (centre seats)
        self.camera_layer = CameraLayer(self)  # the map's cameras (issue #17)
        self.commands = CommandFlow(self)
        self.live = LiveUpdates(self, self.alerts, self.deadlines,
                                self.layout_keeper.headers_restored)
        self.outage = OutagePresenter(self)  # the offline banner and what is disabled meanwhile
        self.reports = ReportFlow(self, self.outage)
        self.windows = DeskWindows(self)
        self.finder = CaseFinder(self)
        self.case_video = CaseVideo(self, self.detail.cameras)  # 附近视频 and the live view
        self.menus = DeskMenus(self)
        self.menuBar().setCornerWidget(self.finder.widget, Qt.Corner.TopRightCorner)
        self._wire()
        self.show_idle_banner()
        self.layout_keeper.restore()
        self._apply_role()  # after the saved layout: a role's hidden panes stay hidden
        self.apply_theme_colors(settings.theme)

    # -- construction --------------------------------------------------------------------------
    def _build_panes(self) -> None:
        centre = self.controller.centre

        panes = build_queue_panes(centre, self.clock, self)
        self.intake, self.dispatch = panes.intake, panes.dispatch
        self.board, self.approvals = panes.board, panes.approvals
        self.check = panes.check
        self.queues: tuple[QueuePane, ...] = panes.all
        # Long unit names (with their light counts) in the open list only: the box fits its choice.
        self.unit_filter: QComboBox = CompactComboBox(14)
        self.unit_filter.setObjectName("board_unit_filter")
        self.unit_filter.addItem(_("全部单位"), "")
        for unit in sorted(centre.ref.units.values(), key=lambda u: u.code):
            if unit.active and unit.kind is not UnitKind.OFFICE:
                self.unit_filter.addItem(unit_name(unit), unit.code)
        self.board.tools.addWidget(self.unit_filter)
        self.dispatch_to = QPushButton(_("派遣到…"))
        self.dispatch.tools.addWidget(self.dispatch_to)
        self.detail = DetailPane()
        self.detail.watches_collectors = may_watch(self.controller.actor)
        self.map = MapPane(centre)
        self.charts = ChartsPane()
        self.live_charts = LiveChartsPane()
        self.banner = Banner()
        self.alert = Banner()  # alerts that stay until acknowledged
        self.notice = Banner()  # refusals and errors: they fade after a while
        self.calendar_notice = CalendarNotice(lambda: self.controller.centre, self.clock, self)
        for strip in (self.banner, self.alert, self.notice):
            strip.clear()
        self.busy = BusyIndicator()
        self.status_user = QLabel(f"{self.user.name} · {label(Role(self.user.role))}")

    def _build_layout(self) -> None:
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        for strip in (self.banner, self.calendar_notice.strip, self.alert, self.notice):
            column.addWidget(strip)
        column.addWidget(self.map, 1)
        self.setCentralWidget(central)
        self.docks: dict[str, QDockWidget] = {}
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.add_dock("intake", _("受理"), self.intake, left)
        self.add_dock("dispatch", _("派遣"), self.dispatch, left)
        self.add_dock("detail", _("案件详情"), self.detail, right)
        self.add_dock("board", _("处置看板"), self.board, right)
        self.add_dock("approvals", _("审批"), self.approvals, left)
        self.add_dock("check", _("核查结案"), self.check, left)
        self.tabifyDockWidget(self.docks["dispatch"], self.docks["approvals"])
        self.tabifyDockWidget(self.docks["approvals"], self.docks["check"])
        self.docks["dispatch"].raise_()
        self.add_dock("charts", _("实时统计"), self.charts, bottom)
        self.add_dock("live_charts", _("统计图表"), self.live_charts, bottom)
        self.tabifyDockWidget(self.docks["charts"], self.docks["live_charts"])
        self.docks["charts"].raise_()
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.status_user)
        self.layout_keeper = DeskLayout(self, self.docks, self.queues, self.settings,
                                        self.user.username)

    def _build_timers(self) -> None:
        c = self.controller

        def timer(ms: int, slot: Callable[[], object], single: bool = False) -> QTimer:
            made = QTimer(self)
            made.setInterval(ms)
            made.setSingleShot(single)
            made.timeout.connect(slot)
            return made

        # Runs minimised too: alerts must not wait for a repaint.
        self.deadline_timer = timer(1000, self._on_deadline_timer_timeout)
        self.alert_timer = timer(8000, self.notice.clear, single=True)
        # Per-unit yellow/red counts on the board's unit list and the map's lights, in SQL.
        self.counts_timer = timer(30000, c.load_tallies)
        self.due_timer = timer(60000, lambda: c.load_due(HORIZON))  # for the red alerts
        # Live changes beyond the loaded rows move the counts.
        self.recount_soon = timer(2000, lambda: self.live.recount(), single=True)
        self.stats_soon = timer(2000, c.refresh_stats, single=True)
        self.stats_timer = timer(15000, c.refresh_stats)

    def add_dock(self, name: str, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea) -> QDockWidget:
        """Put ``widget`` in a new dock pane named ``dock_<name>``."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def slots(self) -> Mapping[str, Callable[[], object]]:
        """Window action name -> what it does (the menus read this)."""
        w = self.windows
        return {
            "new_report": self.reports.open, "refresh": self.reload,
            "evaluation": w.evaluation, "intake_problems": w.intake_problems,
            "import_file": w.import_dialog, "quit": self.close, "admin": w.admin,
            "duty_board": w.duty_board,
            "help": w.shortcuts, "next_case": self.next_case,
            "dispatch_to": self.commands.dispatch_to_other, "reset_layout": self.reset_layout,
            "file_with_choices": self.commands.file_with_choices,
            "charts_window": self.show_charts_window,
            "focus_intake": partial(self._focus, self.intake),
            "focus_dispatch": partial(self._focus, self.dispatch),
            "focus_board": partial(self._focus, self.board),
            "focus_approvals": partial(self._focus, self.approvals),
            "focus_check": partial(self._focus, self.check),
            "focus_map": self.map.map.setFocus,
            "sign_out": self.sign_out_requested.emit, "find_case": self.finder.focus,
            "video_patrol": self.windows.video_patrol,
        }

    def _wire(self) -> None:
        c = self.controller
        c.queue_queries = self.queue_queries
        c.detail_loaded.connect(self._on_controller_detail_loaded)
        c.ops.busy_changed.connect(self.busy.set_busy)  # bound: the runner outlives the window
        self.deadlines.turned_red.connect(self.alerts.on_watch_turned_red)
        for pane in self.queues:
            pane.case_selected.connect(self.select_case)
            pane.model.turned_red.connect(self.alerts.on_turned_red)
            pane.model.set_fetcher(c.fetch_page)
        self.dispatch.activated.connect(self.commands.dispatch_selected)
        for pane in (self.intake, self.approvals, self.board, self.check):
            pane.activated.connect(self._focus_detail)
        self.dispatch_to.clicked.connect(self.commands.dispatch_to_other)
        self.unit_filter.currentIndexChanged.connect(self._on_unit_filter_changed)
        self.map.case_selected.connect(self.select_case)
        self.detail.action_requested.connect(self.commands.run_command)
        self.detail.photo_requested.connect(self.windows.photo)
        self.windows.video_report_requested.connect(self._on_video_report_requested)

    def _apply_role(self) -> None:
        role = Role(self.user.role)
        hidden = hidden_panes(role)
        reader = reader_of(self.controller.actor)
        if reader is not None:  # a unit's or a collector's seat: its own cases, failing closed
            for pane in self.queues:  # before the first load: nothing to read again yet
                pane.model.query = replace(pane.model.query, reader=reader)
        if role is Role.UNIT:
            # The board shows this unit's cases whatever the combo can list.
            with QSignalBlocker(self.unit_filter):
                self.unit_filter.setCurrentIndex(max(self.unit_filter.findData(self.user.unit), 0))
            self.unit_filter.setEnabled(False)
        elif role is Role.WALL:  # a read-only seat: it watches, and acts on nothing
            report = self.findChild(QAction, "act_new_report")
            if report is not None:
                report.setEnabled(False)
        self._role_hidden = hidden
        for name in hidden:
            self.docks[name].hide()
            self.docks[name].toggleViewAction().setVisible(False)

    # -- what the helpers see (DeskView) -------------------------------------------------------
    @property
    def current_case(self) -> int | None:
        """The case in the detail pane (None before one is chosen)."""
        return self._current

    @property
    def current_detail(self) -> DetailData | None:
        """What the detail pane shows (None before a case is loaded)."""
        return self._detail

    def forget_current(self) -> None:
        """Drop the current case, so selecting it again loads it again."""
        self._current = None

    def as_widget(self) -> QWidget:
        """The window, as the parent of dialogs."""
        return self

    def sees(self, case: Case) -> bool:
        """Whether this seat may see a case at all (a unit: only its own)."""
        return can_read(self.controller.actor, case)

    @property
    def report_dialog(self) -> NewReportDialog | None:
        """The report form, while one is open."""
        return self.reports.dialog

    def show_idle_banner(self) -> None:
        """The top banner when the database answers: the demo notice on demo data, else none."""
        if self.demo:
            self.banner.show_message(_("演示数据：本库数据为模拟生成，仅供演示与培训"), "demo")
        else:
            self.banner.clear()

    def queue_queries(self) -> dict[str, QueueQuery]:
        """What each queue pane shows now (its order and filter are the operator's)."""
        return {pane.name: pane.model.query for pane in self.queues}

    # -- what the menus and tests call ----------------------------------------------------------
    def switch_theme(self, theme: str) -> None:
        """Change the look now, and remember it."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        self.settings.theme = theme
        self.apply_theme_colors(theme)

    def switch_language(self, lang: str) -> None:
        """Remember the language; every label is rebuilt when the console opens next."""
        self.settings.language = lang
        self.statusBar().showMessage(_("界面语言已保存，重新打开指挥台后生效"), 8000)

    def apply_theme_colors(self, theme: str) -> None:
        """Chart and map ink for the theme (qt-material does not reach pyqtgraph or the map)."""
        ink = theme_colors(theme)["secondaryTextColor"]
        self.charts.set_foreground(ink)
        self.live_charts.set_foreground(ink)
        self.map.map.set_foreground(ink)
        if self.hotspots is not None:
            self.hotspots.set_foreground(ink)

    def run_on_current(self, command: str) -> None:
        """A shortcut: run a command on the current case (the menus call this)."""
        self.commands.run_on_current(command)

    def acknowledge_alert(self) -> None:
        """Ctrl+K: acknowledge the oldest alert (the menus call this)."""
        self.alerts.acknowledge()

    # -- loading -------------------------------------------------------------------------------
    def start(self) -> None:
        """First load, then follow the log every second."""
        c = self.controller
        c.load_all()
        c.refresh_stats()
        c.load_live_stats()
        c.load_tallies()
        c.load_due(HORIZON)
        self.presence.start()
        self.calendar_notice.start()
        c.start_following()
        for timer in (self.stats_timer, self.deadline_timer, self.counts_timer, self.due_timer):
            timer.start()

    def reload(self) -> None:
        """F5: read everything again."""
        self.controller.load_all()
        self.controller.refresh_stats()
        self.controller.load_tallies()

    def _on_deadline_timer_timeout(self) -> None:
        now = self.clock()
        for pane in self.queues:
            pane.model.check_deadlines(now)
        self.deadlines.check(now)

    def select_case(self, case_id: int) -> None:
        """Make a case current: detail pane, map marker, and its row where it lives."""
        if case_id == self._current:
            return
        self._current = case_id
        self.controller.open_case(case_id)
        self.presence.set_case(case_id)
        self.detail.set_presence(self.presence.holders(case_id))
        self.map.select_case(case_id)

    def _on_controller_detail_loaded(self, data: DetailData) -> None:
        case = data.detail.row.case
        if case.id != self._current:
            return
        if not self.sees(case):
            self.detail.clear_case()
            self.statusBar().showMessage(_("该案件不属于本单位，无权查看"), 5000)
            return
        self._detail = data
        self.detail.show_case(data.detail, data.options, data.thumbnails, data.holder_fix)
        if case.id is not None:
            self.case_video.show_case(case.id, data.options)

    def _on_video_report_requested(self, camera: Camera, frame: GrabbedFrame) -> None:
        dialog = self.reports.open_from_video(camera, frame)
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()

    def _on_presence_changed(self, holders: dict[int, str]) -> None:
        for pane in self.queues:
            pane.model.set_presence(holders)
        if self.detail.case_id is not None:
            self.detail.set_presence(holders.get(self.detail.case_id, ""))

    def next_case(self) -> None:
        """N: the next case of the queue being worked: the focused one, else the shown queue
        holding the current case, else the first queue this seat has."""
        shown = [p for p in self.queues if p.name not in self._role_hidden]
        if not shown:
            return
        holding = [p for p in shown if p.isVisible() and self._current is not None
                   and p.model.row_of(self._current) is not None]
        pane = next((p for p in shown if p.view.hasFocus()), None) or next(iter(holding), shown[0])
        if not pane.model.rowCount():
            return
        at = pane.model.row_of(self._current) if self._current is not None else None
        row = (at if at is not None else pane.view.currentIndex().row()) + 1
        if row >= pane.model.rowCount():
            row = 0
        pane.select_case(pane.model.index(row, 0).data(Qt.ItemDataRole.UserRole + 1))

    def _focus(self, pane: QueuePane) -> None:
        if pane.name in self._role_hidden:
            return  # not this seat's pane: no key brings it back
        self.docks[pane.name].show()
        self.docks[pane.name].raise_()
        pane.view.setFocus()
        pane.select_first()  # the next case to work on is the top row

    def _focus_detail(self, ids: list[int]) -> None:
        if ids:
            self.select_case(ids[0])

    def _on_unit_filter_changed(self, _index: int) -> None:
        code = str(self.unit_filter.currentData() or "") or None
        self.board.model.set_query(replace(self.board.model.query, unit=code))

    # -- layout --------------------------------------------------------------------------------
    def show_charts_window(self) -> QDockWidget:
        """The statistics charts in a window of their own, large enough to read."""
        return self.layout_keeper.float_large("live_charts")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.layout_keeper.first_shown()

    def reset_layout(self) -> None:
        """Put every pane back where it started and forget saved sizes."""
        self.layout_keeper.reset()
        self._apply_role()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.layout_keeper.save()
        self.presence.stop()  # the others stop seeing this desk at once, not after the TTL
        self.controller.stop()  # timers and the LISTEN thread
        self.case_video.stop()
        for timer in self.findChildren(QTimer):
            timer.stop()
        super().closeEvent(event)
        self.closed.emit()
