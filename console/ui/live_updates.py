"""What the desk does with what the controller reads: queues, counts, lights, charts.

The first load and F5 replace each queue's first page; the log poll brings changed cases, which
move between queues, recolour the map and feed the charts; the counts and light tallies come
from SQL on timers.  The case in the detail pane is followed into whichever queue it moves to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSignalBlocker

from console.domain.cases import Case, CaseState, Event
from console.domain.deadlines import Light
from console.services.live_stats import LiveStats
from console.services.queries import make_row
from console.services.queue_reads import LightTally, QueuePage
from console.ui.controller import describe_event
from console.ui.i18n import _
from console.ui.names import localized, unit_name, unit_name_of

if TYPE_CHECKING:
    from console.ui.alerts import AlertDesk
    from console.ui.deadline_watch import DeadlineWatch
    from console.ui.desk_view import DeskView


class LiveUpdates(QObject):
    """Applies the controller's reads and the log's changes to every pane.

    Parameters
    ----------
    window : DeskView
        The desk whose panes are kept current.
    alerts : AlertDesk
        Raises urgent-report alerts for new reports.
    deadlines : DeadlineWatch
        The window's watch on deadlines of cases not loaded.
    headers_restored : dict
        Pane name -> whether the operator's own column widths were restored (then the first
        load does not size the columns).
    """

    def __init__(self, window: DeskView, alerts: AlertDesk, deadlines: DeadlineWatch,
                 headers_restored: dict[str, bool]) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.alerts = alerts
        self.deadlines = deadlines
        self.headers_restored = headers_restored
        self.tally: LightTally | None = None
        self.live_stats: LiveStats | None = None
        self._lights: dict[str, int] = {}
        self._changes = 0  # live changes that may move a count beyond the loaded rows
        self._counted_at = 0  # ... as many as there were when the last recount was asked for
        c = window.controller
        c.cases_loaded.connect(self.on_cases_loaded)
        c.tallies_loaded.connect(self.on_tallies_loaded)
        c.counts_loaded.connect(self.on_counts_loaded)
        c.due_loaded.connect(deadlines.add_due)
        c.cases_changed.connect(self.on_cases_changed)
        c.stats_loaded.connect(self.on_stats_loaded)
        c.live_stats_loaded.connect(self.on_live_stats_loaded)

    def on_cases_loaded(self, pages: dict[str, QueuePage]) -> None:
        """First load, F5 or a reconnect: each queue's first page and its count."""
        w = self.window
        for pane in w.queues:
            page = pages.get(pane.name)
            if page is not None:
                pane.set_cases([c for c in page.cases if w.sees(c)],
                               size_columns=not self.headers_restored.get(pane.name),
                               total=page.total)
        if w.current_case is None:
            for pane in w.queues:
                if pane.isVisible() and pane.select_first():
                    break

    def on_cases_changed(self, cases: list[Case], events: list[Event]) -> None:
        """Cases changed by this or another desk: move rows, recolour, recount, reload."""
        w = self.window
        now = w.clock()
        gone = [replace(c, state=CaseState.VOIDED) for c in cases if not w.sees(c)]
        cases = [c for c in cases if w.sees(c)]
        for pane in w.queues:  # a case handed to another unit leaves a unit's desk
            pane.model.upsert([*cases, *gone], now)
        w.map.update_rows([make_row(w.controller.centre, c, now) for c in [*cases, *gone]])
        self.deadlines.add_cases(cases, now)
        if any(not p.model.complete for p in w.queues):
            # A change beyond the loaded rows moves a count nobody can see: count again soon.
            self._changes += 1
            if not w.recount_soon.isActive():
                w.recount_soon.start()
        current = w.current_case
        if current is not None and any(c.id == current for c in cases):
            for pane in w.queues:  # follow the case into the queue it moved to
                if pane.model.row_of(current) is not None and pane.current_id() != current:
                    with QSignalBlocker(pane.view.selectionModel()):
                        pane.select_case(current)
            mine = w.controller.actor
            theirs = [e for e in events if e.case_id == current
                      and (e.actor != mine.user or e.desk != mine.desk)]
            if theirs:
                w.detail.notify_changed_elsewhere(
                    _("此案件刚被其他工作台修改：{who}，已重新载入").format(who=describe_event(theirs[-1])))
            w.controller.open_case(current)
        # Every step changes some case's light (a new stage, a new clock), so the chart strip
        # counts again after any change while it is cheap (a county's few hundred open cases);
        # at a megacity's size only reports and closures move it between its 15 s refreshes.
        moves = not w.map.per_cell or any(e.type in ("report", "close") for e in events)
        if moves and not w.stats_soon.isActive():
            # One refresh for a burst of changes, not one full open-case query per change.
            w.stats_soon.start()
        self.alerts.on_reports(cases, events)
        self.alerts.on_source_events(cases, events)
        if self.live_stats is not None:
            if self.live_stats.apply(events, w.controller.centre):
                self.redraw_live_charts()
            else:  # a new day: start the counters again from the log
                w.controller.load_live_stats()

    def recount(self) -> None:
        """Count every queue again in SQL (the window's ``recount_soon`` timer calls this)."""
        self._counted_at = self._changes
        self.window.controller.recount()

    def on_counts_loaded(self, counts: dict[str, int]) -> None:
        """Each queue's size, counted again in SQL."""
        w = self.window
        for pane in w.queues:
            if pane.name in counts:
                pane.model.set_total(counts[pane.name])
                pane.update_count()
        if self._changes != self._counted_at and not w.recount_soon.isActive():
            # Changes arrived while counting: the count may or may not hold them (the poll that
            # brought them and the count raced on the worker).  Count once more after them.
            w.recount_soon.start()

    def on_tallies_loaded(self, tally: LightTally) -> None:
        """Open cases by light per unit and grid cell: the unit list and the map."""
        self.tally = tally
        self.update_unit_counts()
        self.window.map.set_tally(tally)

    def update_unit_counts(self) -> None:
        """Label each unit in the board's filter with its yellow and red cases (SQL counts)."""
        w = self.window
        counts: dict[str, Counter[Light]] = self.tally.by_unit if self.tally is not None else {}
        units = w.controller.centre.ref.units
        combo = w.unit_filter
        for i in range(combo.count()):
            code = combo.itemData(i)
            if not code:
                continue
            tally = counts.get(code, Counter())
            yellow, red = tally.get(Light.YELLOW, 0), tally.get(Light.RED, 0)
            text = unit_name_of(units, code)
            if yellow or red:
                text += _("（黄 {y} · 红 {r}）").format(y=yellow, r=red)
            combo.setItemText(i, text)

    def on_stats_loaded(self, stats: Any) -> None:
        """The chart strip's figures."""
        self.window.charts.set_stats(stats)
        self._lights = dict(stats.lights)
        if self.live_stats is not None:
            self.redraw_live_charts()

    def on_live_stats_loaded(self, stats: LiveStats) -> None:
        """The statistics charts' history, read once; later events are folded in."""
        self.live_stats = stats
        self.redraw_live_charts()

    def redraw_live_charts(self) -> None:
        """Draw the statistics tab from the counters."""
        if self.live_stats is None:
            return
        ref = self.window.controller.centre.ref
        names = {c.code: localized(c.name_zh, c.name_en) for c in ref.categories.values()}
        units = {u.code: unit_name(u) for u in ref.units.values()}
        self.window.live_charts.show_stats(self.live_stats, names, units, self._lights)
