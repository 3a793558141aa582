"""The desk's main window: dock panes, menus, shortcuts, and the wiring between them.

Panes never import each other; this module connects their signals (Spyder's plugin wiring).
All database work goes through :class:`~console.ui.controller.DeskController`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Case, CaseState, Event, Role, Source
from console.domain.commands import Command
from console.domain.deadlines import Light
from console.domain.permissions import PERMISSIONS
from console.domain.reference import UnitKind, User
from console.services.access import can_read
from console.services.cases import Report
from console.services.live_stats import LiveStats
from console.services.queries import make_row
from console.services.queue_reads import OPEN_STATES, LightTally, QueuePage
from console.services.queue_view import QueueQuery
from console.ui.admin import AdminWindow
from console.ui.controller import DeskController, DetailData, describe_event
from console.ui.deadline_watch import HORIZON, DeadlineWatch
from console.ui.dialogs.action_fields import ActionFieldsDialog, needs_fields
from console.ui.dialogs.import_dialog import ImportDialog
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.dialogs.shortcut_sheet import ShortcutSheet
from console.ui.evaluation_view import EvaluationView
from console.ui.i18n import N_, _, command_label, label, language
from console.ui.intake_problems import IntakeProblemsPane
from console.ui.models.case_table import (
    BOARD_STATES,
    DISPATCH_STATES,
    INTAKE_STATES,
    CaseTableModel,
)
from console.ui.outage import OutagePresenter
from console.ui.panes.charts import ChartsPane
from console.ui.panes.detail import DetailPane, PhotoDialog
from console.ui.panes.live_charts import LiveChartsPane
from console.ui.panes.map import MapPane
from console.ui.panes.queue import QueuePane
from console.ui.presence import PresenceTracker
from console.ui.settings import Settings, restore_header, save_header
from console.ui.shortcuts import SHORTCUTS, WINDOW_SHORTCUTS
from console.ui.theme import apply_theme, theme_colors
from widgets.banner import Banner
from widgets.busy import BusyIndicator

# The countdown sits next to the case number: it is what an operator scans for.
_STATE_ORDER = list(CaseState)
_INTAKE_COLS = ("case_no", "remaining", "state", "category", "source", "place", "reported", "age",
                "presence")
_DISPATCH_COLS = ("case_no", "remaining", "category", "suggested", "place", "rule", "presence")
_BOARD_COLS = ("case_no", "remaining", "state", "category", "unit", "stage", "presence")
_APPROVAL_COLS = ("case_no", "request", "waiting", "requested_by", "unit", "reason", "remaining")


class MainWindow(QMainWindow):
    """One desk: queues, detail, map and charts for the signed-in user."""

    def __init__(self, controller: DeskController, user: User, settings: Settings,
                 demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.controller = controller
        self.user = user
        self.settings = settings
        self.clock: Callable[[], datetime] = controller.clock
        self.presence = PresenceTracker(controller.uow_factory, controller.ops, controller.actor,
                                        user.name, self.clock, self)
        self.presence.changed.connect(self._on_presence_changed)
        centre = controller.centre
        self.setWindowTitle(_("CityDesk 智慧城管指挥台") + f" — {centre.ref.config.name}")

        def model(columns: tuple[str, ...], states: frozenset[Any],
                  decisions_for: str | None = None) -> CaseTableModel:
            query = QueueQuery(tuple(sorted(states, key=_STATE_ORDER.index)),
                               decisions_for=decisions_for)
            return CaseTableModel(centre, columns, query, self)

        self.intake = QueuePane("intake", _("受理 / 核实 / 立案"), model(_INTAKE_COLS, INTAKE_STATES),
                                self.clock)
        self.dispatch = QueuePane("dispatch", _("待派遣"), model(_DISPATCH_COLS, DISPATCH_STATES),
                                  self.clock)
        self.board = QueuePane("board", _("处置中"), model(_BOARD_COLS, BOARD_STATES), self.clock)
        # A request waits for the supervisor, or the matrix found no unit: 代整改.
        self.approvals = QueuePane(
            "approvals", _("待审批：延期 / 回退 / 挂账 / 作废 / 代整改"),
            model(_APPROVAL_COLS, frozenset(OPEN_STATES), centre.ref.config.coordination_office),
            self.clock)
        self.approvals.view.sortByColumn(_APPROVAL_COLS.index("waiting"), Qt.SortOrder.AscendingOrder)
        self.board.view.sortByColumn(_BOARD_COLS.index("remaining"), Qt.SortOrder.AscendingOrder)
        self.intake.view.sortByColumn(_INTAKE_COLS.index("reported"), Qt.SortOrder.DescendingOrder)
        self.dispatch.view.sortByColumn(_DISPATCH_COLS.index("remaining"),
                                        Qt.SortOrder.AscendingOrder)
        self.queues = (self.intake, self.dispatch, self.board, self.approvals)
        self.unit_filter = QComboBox()
        self.unit_filter.setObjectName("board_unit_filter")
        self.unit_filter.addItem(_("全部单位"), "")
        for unit in sorted(centre.ref.units.values(), key=lambda u: u.code):
            if unit.active and unit.kind is not UnitKind.OFFICE:
                self.unit_filter.addItem(unit.name, unit.code)
        self.board.tools.addWidget(self.unit_filter)
        self.dispatch_to = QPushButton(_("派遣到…"))
        self.dispatch.tools.addWidget(self.dispatch_to)
        self.detail = DetailPane()
        self.map = MapPane(centre)
        self.charts = ChartsPane()
        self.live_charts = LiveChartsPane()
        self.live_stats: LiveStats | None = None
        self.deadlines = DeadlineWatch(centre, self)
        self.tally: LightTally | None = None
        self._lights: dict[str, int] = {}
        self.banner = Banner()
        self.alert = Banner()  # alerts that stay until acknowledged
        self.notice = Banner()  # refusals and errors: they fade after a while
        self.busy = BusyIndicator()
        self.status_user = QLabel(f"{user.name} · {label(Role(user.role))}")
        self._current: int | None = None
        self._report_dialog: NewReportDialog | None = None
        self._admin_window: AdminWindow | None = None
        self._headers_restored: dict[str, bool] = {}

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.alert)
        column.addWidget(self.notice)
        column.addWidget(self.map, 1)
        self.setCentralWidget(central)
        self.docks: dict[str, QDockWidget] = {}
        self._dock("intake", _("受理"), self.intake, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("dispatch", _("派遣"), self.dispatch, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("detail", _("案件详情"), self.detail, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("board", _("处置看板"), self.board, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("approvals", _("审批"), self.approvals, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["dispatch"], self.docks["approvals"])
        self.docks["dispatch"].raise_()
        self._dock("charts", _("实时统计"), self.charts, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("live_charts", _("统计图表"), self.live_charts,
                   Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["charts"], self.docks["live_charts"])
        self.docks["charts"].raise_()
        self.resizeDocks([self.docks["intake"], self.docks["detail"]], [620, 560],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["intake"], self.docks["dispatch"]], [420, 300],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["detail"], self.docks["board"]], [430, 330],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["charts"]], [180], Qt.Orientation.Vertical)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.status_user)
        self._default_state = self.saveState()
        self._role_hidden: set[str] = set()
        self._build_actions()
        self._wire()
        self.banner.clear()
        self.alert.clear()
        self.notice.clear()
        self._alerts: list[tuple[int, str]] = []  # (case id, text), oldest first, unacknowledged
        self.demo = demo
        self.show_idle_banner()
        self.outage = OutagePresenter(self)  # the offline banner and what is disabled meanwhile
        self.deadline_timer = QTimer(self)  # runs minimised too: alerts must not wait for a repaint
        self.deadline_timer.setInterval(1000)
        self.deadline_timer.timeout.connect(self._on_deadline_timer_timeout)
        self.alert_timer = QTimer(self)
        self.alert_timer.setSingleShot(True)
        self.alert_timer.setInterval(8000)
        self.alert_timer.timeout.connect(self.notice.clear)
        # Per-unit yellow/red counts on the board's unit list and the map's lights, in SQL.
        self.counts_timer = QTimer(self)
        self.counts_timer.setInterval(30000)
        self.counts_timer.timeout.connect(controller.load_tallies)
        self.due_timer = QTimer(self)  # deadlines of the next minutes, for the red alerts
        self.due_timer.setInterval(60000)
        self.due_timer.timeout.connect(lambda: controller.load_due(HORIZON))
        self.recount_soon = QTimer(self)  # live changes beyond the loaded rows move the counts
        self.recount_soon.setSingleShot(True)
        self.recount_soon.setInterval(2000)
        self.recount_soon.timeout.connect(controller.recount)
        self.stats_soon = QTimer(self)
        self.stats_soon.setSingleShot(True)
        self.stats_soon.setInterval(2000)
        self.stats_soon.timeout.connect(controller.refresh_stats)
        self.stats_timer = QTimer(self)
        self.stats_timer.setInterval(15000)
        self.stats_timer.timeout.connect(controller.refresh_stats)
        self._restore_layout()
        self._apply_role()  # after the saved layout: a role's hidden panes stay hidden
        self.apply_theme_colors(settings.theme)

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
        self.statusBar().showMessage(
            _("界面语言已保存，重新打开指挥台后生效"), 8000)

    def apply_theme_colors(self, theme: str) -> None:
        """Chart and map ink for the theme (qt-material does not reach pyqtgraph or the map)."""
        ink = theme_colors(theme)["secondaryTextColor"]
        self.charts.set_foreground(ink)
        self.live_charts.set_foreground(ink)
        self.map.map.set_foreground(ink)

    # -- construction --------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    def _action(self, text: str, key: str, slot: Callable[[], object],
                name: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"act_{name}" if name else "")
        if key:
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        desk = bar.addMenu(_("工作台"))
        view = bar.addMenu(_("视图"))
        cases = bar.addMenu(_("案件"))
        w = WINDOW_SHORTCUTS
        if Role(self.user.role) is Role.ADMIN:  # other seats get neither the menu nor the key
            bar.addMenu(_("管理")).addAction(
                self._action(_(w["admin"][1]), w["admin"][0], self.show_admin, "admin"))
        helpm = bar.addMenu(_("帮助"))
        desk.addAction(self._action(_(w["new_report"][1]), w["new_report"][0], self.new_report, "new_report"))
        desk.addAction(self._action(_(w["refresh"][1]), w["refresh"][0], self.reload, "refresh"))
        desk.addAction(self._action(_(w["evaluation"][1]), w["evaluation"][0],
                                    self.show_evaluation, "evaluation"))
        desk.addAction(self._action(_("入库问题"), "", self.show_intake_problems, "intake_problems"))
        desk.addAction(self._action(_("导入案件文件…"), "", self.show_import_dialog, "import_file"))
        desk.addSeparator()
        desk.addAction(self._action(_(w["quit"][1]), w["quit"][0], self.close, "quit"))
        for name, pane in (("focus_intake", self.intake), ("focus_dispatch", self.dispatch),
                           ("focus_board", self.board), ("focus_approvals", self.approvals)):
            view.addAction(self._action(_(w[name][1]), w[name][0],
                                        partial(self._focus, pane), name))
        view.addAction(self._action(_(w["focus_map"][1]), w["focus_map"][0],
                                    lambda: self.map.map.setFocus(), "focus_map"))
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self._action(_(w["reset_layout"][1]), w["reset_layout"][0],
                                    self.reset_layout, "reset_layout"))
        self.theme_menu = view.addMenu(_("主题"))
        for theme, text in (("dark", N_("深色")), ("light", N_("浅色"))):
            self.theme_menu.addAction(self._action(_(text), "", partial(self.switch_theme, theme),
                                                   f"theme_{theme}"))
        self.lang_menu = view.addMenu(_("语言 / Language"))
        # Each language is named in itself, whatever the current language.
        for lang, text in (("zh", "中文"), ("en", "English")):  # i18n: ignore
            self.lang_menu.addAction(self._action(text, "", partial(self.switch_language, lang),
                                                  f"lang_{lang}"))
        cases.addAction(self._action(_(w["next_case"][1]), w["next_case"][0], self.next_case,
                                     "next_case"))
        cases.addAction(self._action(_(w["dispatch_to"][1]), w["dispatch_to"][0],
                                     self.dispatch_to_other, "dispatch_to"))
        cases.addSeparator()
        seen: set[str] = set()
        for command, key in SHORTCUTS.items():
            if key in seen:
                continue
            seen.add(key)
            text = _("审批通过") if key == "Ctrl+Return" else command_label(command)
            run = "approve" if key == "Ctrl+Return" else command.value
            slot = (self.acknowledge_alert if command is Command.ACK_ALERT
                    else partial(self.run_on_current, run))
            cases.addAction(self._action(text, key, slot, f"cmd_{run}"))
        helpm.addAction(self._action(_(w["help"][1]), w["help"][0], self.show_shortcuts, "help"))

    def _wire(self) -> None:
        c = self.controller
        c.queue_queries = self.queue_queries
        c.cases_loaded.connect(self._on_controller_cases_loaded)
        c.tallies_loaded.connect(self._on_controller_tallies_loaded)
        c.counts_loaded.connect(self._on_controller_counts_loaded)
        c.due_loaded.connect(self.deadlines.add_due)
        self.deadlines.turned_red.connect(self._on_watch_turned_red)
        c.cases_changed.connect(self._on_controller_cases_changed)
        c.detail_loaded.connect(self._on_controller_detail_loaded)
        c.stats_loaded.connect(self._on_controller_stats_loaded)
        c.live_stats_loaded.connect(self._on_controller_live_stats_loaded)
        c.action_failed.connect(self._on_controller_action_failed)
        c.action_done.connect(self._on_controller_action_done)
        self.alert.action_triggered.connect(self.acknowledge_alert)
        c.ops.failed.connect(lambda exc: self._on_controller_action_failed(str(exc), False))
        c.ops.busy_changed.connect(lambda busy: self.busy.start() if busy else self.busy.stop())
        for pane in self.queues:
            pane.case_selected.connect(self.select_case)
            pane.model.turned_red.connect(self._on_model_turned_red)
            pane.model.set_fetcher(c.fetch_page)
        self.dispatch.activated.connect(self.dispatch_selected)
        self.intake.activated.connect(lambda ids: self._focus_detail(ids))
        self.approvals.activated.connect(lambda ids: self._focus_detail(ids))
        self.board.activated.connect(lambda ids: self._focus_detail(ids))
        self.dispatch_to.clicked.connect(self.dispatch_to_other)
        self.unit_filter.currentIndexChanged.connect(self._on_unit_filter_changed)
        self.map.case_selected.connect(self.select_case)
        self.map.location_picked.connect(self._on_map_location_picked)
        self.detail.action_requested.connect(lambda cid, cmd: self.run_command(cid, cmd))
        self.detail.photo_requested.connect(self._on_detail_photo_requested)

    def _apply_role(self) -> None:
        role = Role(self.user.role)
        hidden: set[str] = set()
        if role not in (Role.SUPERVISOR, Role.ADMIN):
            hidden.add("approvals")
        if role is Role.UNIT:
            hidden |= {"intake", "dispatch"}
            # Fail closed: the board shows this unit's cases whatever the combo can list.
            with QSignalBlocker(self.unit_filter):
                self.unit_filter.setCurrentIndex(max(self.unit_filter.findData(self.user.unit), 0))
            self.unit_filter.setEnabled(False)
            for pane in self.queues:  # before the first load: nothing to read again yet
                pane.model.query = replace(pane.model.query, reader_unit=self.user.unit or "")
        elif role is Role.COLLECTOR:
            hidden.add("dispatch")
        elif role is Role.WALL:
            # A read-only seat: it watches the board, the map and the charts, and acts on nothing.
            hidden |= {"intake", "dispatch"}
            report = self.findChild(QAction, "act_new_report")
            if report is not None:
                report.setEnabled(False)
        self._role_hidden = hidden
        for name in hidden:
            self.docks[name].hide()
            self.docks[name].toggleViewAction().setVisible(False)

    def _sees(self, case: Case) -> bool:
        """Whether this seat may see a case at all (a unit: only its own)."""
        return can_read(self.controller.actor, case)

    def queue_queries(self) -> dict[str, QueueQuery]:
        """What each queue pane shows now (its order and filter are the operator's)."""
        return {pane.name: pane.model.query for pane in self.queues}

    def update_unit_counts(self) -> None:
        """Label each unit in the board's filter with its yellow and red cases (SQL counts)."""
        counts: dict[str, Counter[Light]] = self.tally.by_unit if self.tally is not None else {}
        units = self.controller.centre.ref.units
        for i in range(self.unit_filter.count()):
            code = self.unit_filter.itemData(i)
            if not code:
                continue
            tally = counts.get(code, Counter())
            yellow, red = tally.get(Light.YELLOW, 0), tally.get(Light.RED, 0)
            text = units[code].name if code in units else code
            if yellow or red:
                text += _("（黄 {y} · 红 {r}）").format(y=yellow, r=red)
            self.unit_filter.setItemText(i, text)

    def _on_controller_tallies_loaded(self, tally: LightTally) -> None:
        self.tally = tally
        self.update_unit_counts()
        self.map.set_tally(tally)

    def _on_controller_counts_loaded(self, counts: dict[str, int]) -> None:
        for pane in self.queues:
            if pane.name in counts:
                pane.model.set_total(counts[pane.name])
                pane.update_count()

    def _on_deadline_timer_timeout(self) -> None:
        now = self.clock()
        for pane in self.queues:
            pane.model.check_deadlines(now)
        self.deadlines.check(now)

    # -- loading and live updates -------------------------------------------------------------
    def start(self) -> None:
        """First load, then follow the log every second."""
        self.controller.load_all()
        self.controller.refresh_stats()
        self.controller.load_live_stats()
        self.controller.load_tallies()
        self.controller.load_due(HORIZON)
        self.presence.start()
        self.controller.start_following()
        self.stats_timer.start()
        self.deadline_timer.start()
        self.counts_timer.start()
        self.due_timer.start()

    def reload(self) -> None:
        """F5: read everything again."""
        self.controller.load_all()
        self.controller.refresh_stats()
        self.controller.load_tallies()

    def _on_controller_cases_loaded(self, pages: dict[str, QueuePage]) -> None:
        for pane in self.queues:
            page = pages.get(pane.name)
            if page is not None:
                pane.set_cases([c for c in page.cases if self._sees(c)],
                               size_columns=not self._headers_restored.get(pane.name),
                               total=page.total)
        if self._current is None:
            for pane in self.queues:
                if pane.isVisible() and pane.select_first():
                    break

    def _on_controller_cases_changed(self, cases: list[Case], events: list[Event]) -> None:
        now = self.clock()
        gone = [replace(c, state=CaseState.VOIDED) for c in cases if not self._sees(c)]
        cases = [c for c in cases if self._sees(c)]
        for pane in self.queues:  # a case handed to another unit leaves a unit's desk
            pane.model.upsert([*cases, *gone], now)
        self.map.update_rows([make_row(self.controller.centre, c, now) for c in [*cases, *gone]])
        self.deadlines.add_cases(cases, now)
        if any(not p.model.complete for p in self.queues) and not self.recount_soon.isActive():
            self.recount_soon.start()
        if self._current is not None and any(c.id == self._current for c in cases):
            for pane in self.queues:  # follow the case into the queue it moved to
                if pane.model.row_of(self._current) is not None and pane.current_id() != self._current:
                    with QSignalBlocker(pane.view.selectionModel()):
                        pane.select_case(self._current)
            mine = self.controller.actor
            theirs = [e for e in events if e.case_id == self._current
                      and (e.actor != mine.user or e.desk != mine.desk)]
            if theirs:
                self.detail.notify_changed_elsewhere(
                    _("此案件刚被其他工作台修改：{who}，已重新载入").format(who=describe_event(theirs[-1])))
            self.controller.open_case(self._current)
        if any(e.type in ("report", "close") for e in events) and not self.stats_soon.isActive():
            # One refresh for a burst of reports, not one full open-case query per report.
            self.stats_soon.start()
        self._alert_on_urgent_reports(cases, events)
        if self.live_stats is not None:
            if self.live_stats.apply(events, self.controller.centre):
                self._redraw_live_charts()
            else:  # a new day: start the counters again from the log
                self.controller.load_live_stats()

    def _on_controller_stats_loaded(self, stats: Any) -> None:
        self.charts.set_stats(stats)
        self._lights = dict(stats.lights)
        if self.live_stats is not None:
            self._redraw_live_charts()

    def _on_controller_live_stats_loaded(self, stats: LiveStats) -> None:
        self.live_stats = stats
        self._redraw_live_charts()

    def _redraw_live_charts(self) -> None:
        if self.live_stats is None:
            return
        ref = self.controller.centre.ref
        english = language() == "en"
        names = {c.code: (c.name_en if english and c.name_en else c.name_zh)
                 for c in ref.categories.values()}
        units = {u.code: u.name for u in ref.units.values()}
        self.live_charts.show_stats(self.live_stats, names, units, self._lights)

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
        if not self._sees(case):
            self.detail.clear_case()
            self.statusBar().showMessage(_("该案件不属于本单位，无权查看"), 5000)
            return
        self.detail.show_case(data.detail, data.options, data.thumbnails)

    # -- commands ------------------------------------------------------------------------------
    def run_on_current(self, command: str) -> None:
        """A shortcut: run a command on the current case."""
        if self._current is None:
            self.statusBar().showMessage(_("请先选择案件"), 3000)
            return
        row = self.approvals.model.row_of(self._current)
        if command == "approve" and row is not None:
            case = self.approvals.model.row_data(row).case
            if case.pending is None:  # routed to the coordination office: approving = designating
                command = Command.DESIGNATE.value
        self.run_command(self._current, command)

    def run_command(self, case_id: int, command: str, fields: dict[str, Any] | None = None) -> None:
        """Ask for the command's fields if it needs any, then run it on the worker."""
        if not self._confirm_contested([case_id], command):
            return
        version = self.detail.version if self.detail.case_id == case_id else None
        if fields is None and command != "approve":
            cmd = Command(command)
            if needs_fields(cmd):
                units = self._unit_choices(case_id, cmd)
                self._ask_fields(cmd, units, lambda values: self._run_with_photos(
                    case_id, command, values, version))
                return
        self.controller.run_command(case_id, command, dict(fields or {}), version)

    def _run_with_photos(self, case_id: int, command: str, values: dict[str, Any],
                         version: int | None) -> None:
        paths = values.pop("photos", [])
        # Decoded on the worker; a bad image comes back as a refusal and nothing changes.
        self.controller.run_command(case_id, command, values, version, paths)

    def _ask_fields(self, command: Command, units: list[tuple[str, str]],
                    then: Callable[[dict[str, Any]], None], title: str = "") -> ActionFieldsDialog:
        dialog = ActionFieldsDialog(command, units, self)
        dialog.setObjectName("action_fields")
        if title:
            dialog.setWindowTitle(title)
        dialog.submitted.connect(then)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # window-modal, and the event loop keeps running
        return dialog

    def _unit_choices(self, case_id: int, command: Command) -> list[tuple[str, str]]:
        units = self.controller.centre.ref.units.values()
        if command is Command.SUBDISPATCH:
            row = self.board.model.row_of(case_id)
            current = self.board.model.row_data(row).case.unit if row is not None else None
            return [(u.code, u.name) for u in units if u.parent == current and u.active]
        if command is Command.DESIGNATE:
            return [(u.code, u.name) for u in units if u.active and u.kind is not UnitKind.OFFICE]
        return []

    def _seen_version(self, case_id: int) -> int | None:
        for pane in self.queues:
            if (row := pane.model.row_of(case_id)) is not None:
                return pane.model.row_data(row).case.version
        return None

    def dispatch_selected(self, ids: list[int]) -> None:
        """Enter in the dispatch queue: dispatch every selected case to its suggested unit."""
        if not self._confirm_contested(ids, Command.DISPATCH.value):
            return
        for case_id in ids:
            self.controller.run_command(case_id, Command.DISPATCH.value, {},
                                        self._seen_version(case_id))

    def _confirm_contested(self, ids: list[int], command: str) -> bool:
        """Warn before acting on a case another desk has open; True to go ahead."""
        held = [(cid, who) for cid in ids if (who := self.presence.holders(cid))]
        if not held:
            return True
        try:
            action = command_label(Command(command))
        except ValueError:
            action = _("审批") if command == "approve" else command
        who = "；".join(sorted({w for _cid, w in held}))
        answer = QMessageBox.question(
            self, _("他人正在处理"),
            _("该案件正由 {who} 打开处理。仍要执行「{action}」吗？").format(who=who, action=action),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_presence_changed(self, holders: dict[int, str]) -> None:
        for pane in self.queues:
            pane.model.set_presence(holders)
        if self.detail.case_id is not None:
            self.detail.set_presence(holders.get(self.detail.case_id, ""))

    def dispatch_to_other(self) -> None:
        """Ctrl+D: choose another unit for the selected cases."""
        if self.dispatch.view.hasFocus() and self.dispatch.selected_ids():
            ids = self.dispatch.selected_ids()
        else:  # the case the operator is looking at, not a leftover selection
            ids = [self._current] if self._current is not None else []
        if not ids or not self._confirm_contested(ids, Command.DISPATCH.value):
            return
        units = [(u.code, u.name) for u in self.controller.centre.ref.units.values()
                 if u.active and u.kind is not UnitKind.OFFICE]

        def send(values: dict[str, Any]) -> None:
            for case_id in ids:
                self.controller.run_command(case_id, Command.DISPATCH.value,
                                            {"unit": values.get("unit")}, self._seen_version(case_id))

        self._ask_fields(Command.DISPATCH, units, send, _("派遣到其他单位"))

    def _on_controller_action_done(self, case: Case) -> None:
        # No reload here: the poll that follows every own action brings this event back and
        # _on_controller_cases_changed reloads the open case once.
        self.statusBar().showMessage(
            _("{no}：已{state}").format(no=case.case_no, state=label(case.state)), 4000)

    def show_idle_banner(self) -> None:
        """The top banner when the database answers: the demo notice on demo data, else none."""
        if self.demo:
            self.banner.show_message(_("演示数据 / demo data：本库数据为模拟生成，仅供演示与培训"), "demo")
        else:
            self.banner.clear()

    def _on_controller_action_failed(self, message: str, conflict: bool) -> None:
        self.statusBar().showMessage(message, 8000)
        self.notice.show_message(message, "warning" if conflict else "danger")
        self.alert_timer.start()
        if self._current is not None:
            self.controller.open_case(self._current)

    def _on_model_turned_red(self, case_id: int) -> None:
        for pane in self.queues:
            pane.model.flash(case_id, self.clock())
        row = next((p.model.row_data(at) for p in self.queues
                    if (at := p.model.row_of(case_id)) is not None), None)
        if row is None:  # not in a loaded page: name it once its number is read
            self.controller.fetch_cases([case_id], self._alert_red)
            return
        self._alert_red([row.case])
        self.map.update_rows([row])  # the marker turns red as well

    def _on_watch_turned_red(self, case_id: int) -> None:
        # A loaded row's own deadline heap has announced it already (it runs first each tick).
        if all(p.model.row_of(case_id) is None for p in self.queues):
            self._on_model_turned_red(case_id)

    def _alert_red(self, cases: list[Case]) -> None:
        for case in cases:
            if case.id is not None and self._sees(case):
                self.raise_alert(case.id, _("案件 {no} 已超时（红灯）").format(no=case.case_no))

    # -- alerts ------------------------------------------------------------------------------
    def raise_alert(self, case_id: int, text: str) -> None:
        """Show an alert until someone acknowledges it; beep and flash the taskbar entry."""
        if any(cid == case_id and t == text for cid, t in self._alerts):
            return
        self._alerts.append((case_id, text))
        QApplication.beep()
        QApplication.alert(self, 3000)
        self._show_alerts()

    def _show_alerts(self) -> None:
        if not self._alerts:
            self.alert.clear()
            return
        _case_id, text = self._alerts[0]
        more = len(self._alerts) - 1
        if more:
            text += _("（另有 {n} 条未确认）").format(n=more)
        can_ack = Command.ACK_ALERT in PERMISSIONS[Role(self.user.role)]
        self.alert.show_message(text, "danger", _("确认 [Ctrl+K]") if can_ack else None)

    def acknowledge_alert(self) -> None:
        """Ctrl+K: acknowledge the oldest alert; the acknowledgement goes into the case's log."""
        if not self._alerts or Command.ACK_ALERT not in PERMISSIONS[Role(self.user.role)]:
            return
        case_id, text = self._alerts.pop(0)
        self.controller.run_command(case_id, Command.ACK_ALERT.value, {"alert": text}, None)
        self._show_alerts()

    def _alert_on_urgent_reports(self, cases: list[Case], events: list[Event]) -> None:
        urgent_sources = (Source.LEADER, Source.MEDIA)
        by_id = {c.id: c for c in cases}
        categories = self.controller.centre.ref.categories
        for event in events:
            case = by_id.get(event.case_id)
            if event.type != Command.REPORT.value or case is None or event.actor == self.user.username:
                continue
            category = categories.get(case.category)
            if case.source in urgent_sources or (category is not None and category.natural_time):
                self.raise_alert(case.id or 0, _("紧急上报：{no} {what}（{source}）").format(
                    no=case.case_no, what=category.name_zh if category else case.category,
                    source=label(case.source)))

    def next_case(self) -> None:
        """N: the next case of the focused queue (the intake queue by default)."""
        shown = [p for p in self.queues if p.name not in self._role_hidden]
        if not shown:
            return
        pane = next((p for p in shown if p.view.hasFocus()), shown[0])
        view = pane.view
        row = view.currentIndex().row() + 1
        if row >= pane.model.rowCount():
            row = 0
        if pane.model.rowCount():
            pane.select_case(pane.model.index(row, 0).data(Qt.ItemDataRole.UserRole + 1))

    # -- new report ----------------------------------------------------------------------------
    def new_report(self) -> NewReportDialog:
        """Ctrl+N: the report form for a call or a walk-in (one at a time)."""
        if self._report_dialog is not None:
            self._report_dialog.show()
            self._report_dialog.raise_()
            return self._report_dialog
        role = Role(self.user.role)
        sources = [Source.COLLECTOR] if role is Role.COLLECTOR else list(Source)
        dialog = NewReportDialog(self.controller.centre, sources, self)
        dialog.setObjectName("new_report")
        if role is not Role.COLLECTOR:
            dialog.source.setCurrentIndex(dialog.source.findData(Source.HOTLINE.value))
        self._report_dialog = dialog
        self.outage.prepare_report_dialog(dialog)  # no Save while the database is away
        dialog.duplicates_wanted.connect(self.controller.find_duplicates)
        self.controller.duplicates_found.connect(dialog.show_duplicates)
        dialog.map_pick_requested.connect(self._on_dialog_map_pick)
        dialog.save_requested.connect(lambda: self._save_report(dialog))
        dialog.finished.connect(lambda _r: self._on_report_dialog_finished(dialog))
        dialog.open()
        return dialog

    @property
    def report_dialog(self) -> NewReportDialog | None:
        """The report form, while one is open."""
        return self._report_dialog

    def _on_report_dialog_finished(self, dialog: NewReportDialog) -> None:
        self.controller.duplicates_found.disconnect(dialog.show_duplicates)
        if self._report_dialog is dialog:
            self._report_dialog = None
        dialog.deleteLater()

    def _save_report(self, dialog: NewReportDialog) -> None:
        report = Report(
            category=dialog.category_code() or "", description=dialog.description.toPlainText(),
            source=str(dialog.source.currentData()), grid=dialog.grid_code(), lon=dialog.lon,
            lat=dialog.lat, address=dialog.address.text(), contact=dialog.contact.text(),
        )

        def saved(case: Case) -> None:
            if shiboken6.isValid(dialog):
                dialog.saving_done(ok=True)
            self.statusBar().showMessage(_("已上报 {no}").format(no=case.case_no), 5000)
            if case.id is not None:
                self._current = None
                self.select_case(case.id)

        def failed(message: str) -> None:
            if shiboken6.isValid(dialog):
                dialog.saving_done(ok=False)
                dialog.show_error(message)
                self.outage.prepare_report_dialog(dialog)

        merge_into, dialog.merge_into = dialog.merge_into, None  # one save, one decision
        self.controller.report(report, merge_into, saved, failed,
                               [str(p) for p in dialog.photos])

    def _on_dialog_map_pick(self) -> None:
        if self._report_dialog is not None:
            self._report_dialog.hide()
            self.statusBar().showMessage(_("请在地图上点击问题位置"), 10000)

    def _on_map_location_picked(self, lon: float, lat: float, grid: str) -> None:
        dialog = self._report_dialog
        if dialog is not None and not dialog.isVisible():
            dialog.set_location(lon, lat, grid)
            dialog.show()

    # -- misc ----------------------------------------------------------------------------------
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

    def _on_detail_photo_requested(self, photo_id: int) -> None:
        def show(data: bytes) -> None:
            dialog = PhotoDialog(data, _("照片"), self)
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()

        self.controller.photo(photo_id, show)

    def show_evaluation(self) -> EvaluationView:
        """Ctrl+E: league tables of the standard's evaluation for a period."""
        view = EvaluationView(self.controller.backend, self.controller.ops, self)
        view.clock = self.clock
        today = self.controller.centre.local(self.clock()).date()
        last_month = today.replace(day=1) - timedelta(days=1)
        view.set_quick_periods([
            (_("本月"), f"{today:%Y-%m}"),
            (_("上月"), f"{last_month:%Y-%m}"),
            (_("本季度"), f"{today.year}-Q{(today.month - 1) // 3 + 1}"),
            (_("本年"), f"{today.year}"),
        ])
        view.case_requested.connect(self.select_case)
        view.finished.connect(view.deleteLater)
        view.open()
        view.compute()
        return view

    def show_admin(self) -> AdminWindow:
        """Ctrl+Shift+A (administrators): users and reference data, one window at a time."""
        if self._admin_window is None:
            c = self.controller
            window = AdminWindow(c.backend, c.ops, c.actor, self.clock, self)  # type: ignore[arg-type]
            window.finished.connect(self._on_admin_window_finished)
            self._admin_window = window
            window.load()
        self._admin_window.show()
        self._admin_window.raise_()
        self._admin_window.activateWindow()
        return self._admin_window

    def _on_admin_window_finished(self, _result: int) -> None:
        if self._admin_window is not None:
            self._admin_window.deleteLater()
            self._admin_window = None

    def show_intake_problems(self) -> IntakeProblemsPane:
        """Records the intake channels could not take in, in a dock made on first use."""
        dock = self.docks.get("intake_problems")
        if dock is None:
            c = self.controller
            pane = IntakeProblemsPane(c.backend, c.ops, c.actor, self.clock)
            pane.case_requested.connect(self.select_case)
            pane.import_requested.connect(self.show_import_dialog)
            self._dock("intake_problems", _("入库问题"), pane, Qt.DockWidgetArea.LeftDockWidgetArea)
            dock = self.docks["intake_problems"]
            self.tabifyDockWidget(self.docks["approvals"], dock)
        dock.show()
        dock.raise_()
        shown = dock.widget()
        assert isinstance(shown, IntakeProblemsPane)
        shown.refresh()
        return shown

    def show_import_dialog(self) -> ImportDialog:
        """Import cases from a CSV or XLSX file through a column mapping."""
        c = self.controller
        dialog = ImportDialog(c.backend, c.ops, c.actor, self.clock, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutSheet:
        """F1: the shortcut sheet."""
        sheet = ShortcutSheet(self)
        sheet.setObjectName("shortcut_sheet")
        sheet.finished.connect(sheet.deleteLater)
        sheet.open()
        return sheet

    def reset_layout(self) -> None:
        """Put every pane back where it started and forget saved sizes."""
        self.settings.reset_layout(self.user.username)
        self.restoreState(self._default_state)
        for pane in self.queues:
            pane.view.resizeColumnsToContents()
            self._headers_restored[pane.name] = False
        for dock in self.docks.values():
            dock.show()
        self._apply_role()

    def _restore_layout(self) -> None:
        state = self.settings.window_state(self.user.username)
        if state:
            geometry, layout = state
            self.restoreGeometry(QByteArray(geometry))
            self.restoreState(QByteArray(layout))
        for pane in self.queues:  # column widths, order and sort, per user and pane
            self._headers_restored[pane.name] = restore_header(
                pane.view, self.settings, self.user.username, pane.name)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.set_window_state(self.user.username, bytes(self.saveGeometry().data()),
                                       bytes(self.saveState().data()))
        for pane in self.queues:
            save_header(pane.view, self.settings, self.user.username, pane.name)
        self.presence.stop()  # the others stop seeing this desk at once, not after the TTL
        self.controller.stop()  # timers and the LISTEN thread
        super().closeEvent(event)
