"""A queue of cases as a Qt table model, loaded a page at a time, with live countdown cells.

The queue is a :class:`~console.services.queue_view.QueueQuery`: SQL orders, counts and pages
it (a megacity desk has ~100 k open cases; only the rows the operator scrolls to are read).
The first page comes with the window's load; the view asks for more through ``fetchMore`` as
it scrolls, and a header click re-asks the database in the new order.  Live updates
(:meth:`CaseTableModel.upsert`) change, insert or drop only the rows an event touched, placed
as SQL would place them, so views keep their selection and scroll position.
:meth:`CaseTableModel.tick` recomputes countdowns for the rows a view shows and emits
``dataChanged`` for the countdown column only; red transitions of loaded rows are found from a
heap of deadlines (the window watches the rest in SQL).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from console.domain.cases import Case, CaseState
from console.domain.deadlines import Light, countdown
from console.services import timefmt
from console.services.centre import Centre
from console.services.queries import CaseRow, make_row
from console.services.queue_view import QueueQuery, position, sort_key
from console.ui.i18n import N_, _, countdown_text, label, light_label
from console.ui.names import localized
from console.ui.theme import light_color

FLASH_COLOR = QColor(198, 40, 40, 110)  # a translucent red over either theme
PRESENCE_COLOR = QColor("#fb8c00")  # the detail pane's 「正在处理」 orange
NO_PRESENCE = QColor(0, 0, 0, 0)

CaseIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
LightColorRole = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    """One column: a key, a header (translated at display time) and how to read a row.

    A time column gives ``instant`` instead of ``text``: the model shows it in the centre's
    zone (:mod:`console.services.timefmt`), never the workstation's.
    """

    key: str
    header: str
    text: Callable[[CaseRow, datetime], str] = lambda r, n: ""
    sort: Callable[[CaseRow, datetime], Any] | None = None
    countdown: bool = False  # refreshed every tick
    instant: Callable[[CaseRow], datetime] | None = None


def category_text(row: CaseRow) -> str:
    """The category's name in the console's language (reference data carries both)."""
    return localized(row.category_name, row.category_name_en)


def _age(row: CaseRow, now: datetime) -> str:
    minutes = int((now - row.case.reported_at).total_seconds() // 60)
    if minutes < 60:
        return _("{n} 分钟").format(n=max(minutes, 0))
    if minutes < 48 * 60:
        return _("{n} 小时").format(n=minutes // 60)
    return _("{n} 天").format(n=minutes // 1440)


def _remaining(row: CaseRow, now: datetime) -> str:
    cd = row.countdown
    if cd is None:
        return ""
    if cd.frozen:  # suspended: the clock stands, neither "left" nor "overdue"
        minutes = abs(cd.remaining)
        return _("停 {time}").format(time=f"{minutes // 60}:{minutes % 60:02d}")
    return countdown_text(cd.remaining)


def _request(row: CaseRow, now: datetime) -> str:
    pending = row.case.pending
    if pending is None:
        return _("代整改（待指定单位）")
    text = label(pending.kind)
    if pending.minutes:
        text += _("（{h:g} 工作小时）").format(h=pending.minutes / 60)
    return text


def _waiting_since(row: CaseRow) -> float:
    since = row.case.pending.requested_at if row.case.pending else row.case.updated_at
    return since.timestamp() if since is not None else 0.0


def _waiting(row: CaseRow, now: datetime) -> str:
    since = row.case.pending.requested_at if row.case.pending else row.case.updated_at
    if since is None:
        return ""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    return _("{h} 小时 {m} 分").format(h=minutes // 60, m=minutes % 60)


def _remaining_sort(row: CaseRow, now: datetime) -> float:
    return float(row.countdown.remaining) if row.countdown else float("inf")


#: Column key -> (SQL order, reversed): how a header click sorts.  The countdown columns sort by
#: the deadline instant (what expires first), the waiting time by when the case last changed;
#: a column missing here keeps the queue's order.
SORT_OF: dict[str, tuple[str, bool]] = {
    "case_no": ("case_no", False), "state": ("state", False), "source": ("source", False),
    "category": ("category", False), "place": ("grid", False), "reported": ("reported", False),
    "age": ("reported", True), "suggested": ("suggested", False), "rule": ("rule", False),
    "unit": ("unit", False), "stage": ("stage", False), "waiting": ("updated", False),
    "remaining": ("deadline", False), "light": ("deadline", False),
}

PAGE = 100
"""Rows read per page: a few screenfuls; the view asks for the next as it nears the end."""

#: Reads a page: (query, offset, limit, done) where done gets the cases (and, for offset 0,
#: the queue's count), or None when the read failed.  The window runs it off the GUI thread.
PageFetcher = Callable[[QueueQuery, int, int, Callable[[list[Case] | None, int | None], None]],
                       None]

COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("case_no", N_("编号"), lambda r, n: r.case.case_no),
        Column("state", N_("状态"), lambda r, n: label(r.case.state)),
        Column("source", N_("来源"), lambda r, n: label(r.case.source)),
        Column("category", N_("类别"), lambda r, n: f"{r.case.category} {category_text(r)}"),
        Column("place", N_("街道 / 网格"),
               lambda r, n: f"{localized(r.case.street or '', r.street_en)} {r.case.grid or ''}"),
        Column("reported", N_("上报时间"), instant=lambda r: r.case.reported_at,
               sort=lambda r, n: r.case.reported_at.timestamp()),
        Column("age", N_("已过"), _age, sort=lambda r, n: -r.case.reported_at.timestamp()),
        Column("suggested", N_("建议单位"),
               lambda r, n: localized(r.suggested_name, r.suggested_name_en)),
        Column("rule", N_("依据"), lambda r, n: r.case.routing_rule),
        Column("unit", N_("责任单位"), lambda r, n: localized(r.unit_name, r.unit_name_en)),
        Column("stage", N_("阶段"), lambda r, n: _(r.case.stage) if r.case.stage else ""),
        Column("request", N_("申请"), _request),
        Column("reason", N_("理由"), lambda r, n: r.case.pending.reason if r.case.pending else r.case.routing_rule),
        Column("requested_by", N_("申请人"),
               lambda r, n: r.case.pending.requested_by if r.case.pending else ""),
        Column("waiting", N_("已等待"), _waiting, sort=lambda r, n: _waiting_since(r)),
        Column("remaining", N_("剩余"), _remaining, sort=_remaining_sort, countdown=True),
        Column("light", N_("灯"), lambda r, n: light_label(r.light) if r.light else "",
               sort=_remaining_sort, countdown=True),
        # Filled by the model from desk presence, not from the case (see set_presence).
        Column("presence", N_("正在处理"), lambda r, n: ""),
    )
}


class CaseTableModel(QAbstractTableModel):
    """One queue of cases, one per row, loaded a page at a time.

    Parameters
    ----------
    centre : Centre
        Reference data and the clock used for countdowns.
    columns : sequence of str
        Keys of :data:`COLUMNS`.
    query : QueueQuery
        Which cases belong in this queue and in which order (it changes with header clicks
        and filters: :meth:`set_query`).
    """

    turned_red = Signal(int)
    """Emitted with a case id when a loaded row's running stage passes its deadline."""

    query_changed = Signal()
    """The order or filter changed: the rows shown are being read again."""

    total_changed = Signal()
    """:attr:`total` (the queue's size, loaded or not) changed: the pane's count follows."""

    def __init__(self, centre: Centre, columns: Sequence[str], query: QueueQuery,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.centre = centre
        self.columns = [COLUMNS[k] for k in columns]
        self.query = query
        self.total = 0  # the queue's size in SQL (rows beyond the loaded ones included)
        self._fetcher: PageFetcher | None = None
        self._fetching = False
        self._generation = 0  # pages of an older query are dropped
        self._rows: list[CaseRow] = []
        self._keys: list[Any] = []  # each row's sort key, as SQL orders them
        self._index: dict[int, int] = {}
        self._deadlines: list[tuple[float, int, int]] = []  # (deadline ts, case id, version)
        self._queued: set[tuple[int, int]] = set()  # (case id, version) in the heap
        self._now: datetime | None = None
        self.removing = False  # True while rows leave: views must not treat it as a choice
        self._flash: dict[int, datetime] = {}  # case id -> until when its row is highlighted
        self._presence: dict[int, str] = {}  # case id -> "name@desk" of other desks on it
        self._presence_col = next(
            (i for i, c in enumerate(self.columns) if c.key == "presence"), None)
        self._number_col = next(
            (i for i, c in enumerate(self.columns) if c.key == "case_no"), 0)

    def accept(self, case: Case) -> bool:
        """Whether ``case`` belongs in this queue."""
        return self.query.accepts(case)

    def set_fetcher(self, fetcher: PageFetcher | None) -> None:
        """How to read pages (None: the model holds what :meth:`set_cases` gave it)."""
        self._fetcher = fetcher

    # -- Qt overrides ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return (not parent.isValid() and self._fetcher is not None and not self._fetching
                and len(self._rows) < self.total)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if not self.canFetchMore(parent):
            return
        assert self._fetcher is not None
        self._fetching = True
        generation = self._generation
        offset = len(self._rows)

        def done(cases: list[Case] | None, _total: int | None) -> None:
            if generation == self._generation:
                self._fetching = False  # a failed read is asked again at the next scroll
                if cases is not None:
                    self.append_page(cases, self._now or datetime.now().astimezone())

        self._fetcher(self.query, offset, PAGE, done)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].key not in SORT_OF:
            return
        sort, flip = SORT_OF[self.columns[column].key]
        descending = (order is Qt.SortOrder.DescendingOrder) != flip
        self.set_query(replace(self.query, sort=sort, descending=descending))

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.columns)):
            return _(self.columns[section].header)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        now = self._now or datetime.now().astimezone()
        if column.key == "presence" and role in (Qt.ItemDataRole.DisplayRole, SortRole,
                                                 Qt.ItemDataRole.ToolTipRole):
            return self._presence.get(row.case.id or 0, "")
        if column.key == "case_no" and self._presence_col is not None:
            # The presence column may be scrolled off: an orange swatch marks the case number.
            # Every row gets a swatch (transparent when nobody else is on the case) so the
            # column's width, sized on load, already holds it and the number is never elided.
            held = self._presence.get(row.case.id or 0)
            if role == Qt.ItemDataRole.DecorationRole:
                return PRESENCE_COLOR if held else NO_PRESENCE
            if role == Qt.ItemDataRole.ToolTipRole and held:
                return _("正在处理：{who}").format(who=held)
        if role == Qt.ItemDataRole.DisplayRole:
            if column.instant is not None:
                return timefmt.short(self.centre, column.instant(row))
            return column.text(row, now)
        if role == CaseIdRole:
            return row.case.id
        if role == SortRole:
            return column.sort(row, now) if column.sort else column.text(row, now)
        if role == LightColorRole and column.countdown and row.light is not None:
            return light_color(row.light)
        if role == Qt.ItemDataRole.BackgroundRole and row.case.id in self._flash:
            return FLASH_COLOR
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "rule":
            return row.case.routing_rule
        return None

    # -- our API -------------------------------------------------------------------------------
    def case_id(self, row: int) -> int | None:
        """The case id of a row."""
        return self._rows[row].case.id if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: int) -> int | None:
        """The row of a case, or None."""
        return self._index.get(case_id)

    def row_data(self, row: int) -> CaseRow:
        """The DTO behind a row."""
        return self._rows[row]

    def case_ids(self) -> list[int]:
        """All case ids, in row order."""
        return [r.case.id for r in self._rows if r.case.id is not None]

    def set_presence(self, holders: dict[int, str]) -> None:
        """Show who else has each case open (case id -> ``name@desk``); repaints changes only."""
        before, self._presence = self._presence, dict(holders)
        if self._presence_col is None:
            return
        for case_id in set(before) | set(holders):
            at = self._index.get(case_id)
            if at is not None and before.get(case_id) != holders.get(case_id):
                cell = self.index(at, self._presence_col)
                self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])
                number = self.index(at, self._number_col)
                self.dataChanged.emit(number, number, [Qt.ItemDataRole.DecorationRole,
                                                       Qt.ItemDataRole.ToolTipRole])

    def presence(self, case_id: int) -> str:
        """``name@desk`` of the other desks on a case, or ""."""
        return self._presence.get(case_id, "")

    def set_query(self, query: QueueQuery) -> None:
        """Order or filter the queue anew; with a fetcher, its first page is read again."""
        if query == self.query:
            return
        self.query = query
        self._generation += 1
        self._fetching = False
        if self._fetcher is None:  # everything is here: order it in place
            self.set_cases([r.case for r in self._rows], self._now or datetime.now().astimezone())
            return
        generation = self._generation

        def done(cases: list[Case] | None, total: int | None) -> None:
            # A failed read leaves the rows as they were; the reload after the outage reads
            # the queue in its new order.
            if generation == self._generation and cases is not None:
                self.set_cases(cases, self._now or datetime.now().astimezone(), total)

        self.query_changed.emit()
        self._fetcher(query, 0, PAGE, done)

    def set_cases(self, cases: Iterable[Case], now: datetime, total: int | None = None) -> None:
        """Replace every row: the first page of the queue (``total``: the queue's size).

        Without ``total`` the cases are the whole queue; they are ordered here.
        """
        self._now = now
        q = self.query
        mine = [c for c in cases if q.accepts(c)]
        if total is None:
            mine.sort(key=lambda c: c.id or 0, reverse=q.descending)
            keyed = [(sort_key(c, q.sort), c) for c in mine]
            present = sorted((kc for kc in keyed if kc[0] is not None), key=lambda kc: kc[0],
                             reverse=q.descending)
            mine = [c for _k, c in present] + [c for k, c in keyed if k is None]
        self.beginResetModel()
        self._rows = [make_row(self.centre, c, now) for c in mine]
        self._keys = [sort_key(r.case, q.sort) for r in self._rows]
        self._reindex()
        self.total = len(self._rows) if total is None else max(total, len(self._rows))
        self.endResetModel()
        self._rebuild_deadlines()

    def append_page(self, cases: Iterable[Case], now: datetime) -> None:
        """Add the next page's rows at the end (rows already here are skipped)."""
        new = [c for c in cases if c.id not in self._index and self.query.accepts(c)]
        if not new:
            self.total = len(self._rows)  # the queue ended sooner than counted
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for case in new:
            assert case.id is not None
            row = make_row(self.centre, case, now)
            self._index[case.id] = len(self._rows)
            self._rows.append(row)
            self._keys.append(sort_key(case, self.query.sort))
            self._push_deadline(row)
        self.total = max(self.total, len(self._rows))
        self.endInsertRows()

    def set_total(self, total: int) -> None:
        """The queue's size as SQL counted it just now."""
        self._set_total(total)

    def _set_total(self, total: int) -> None:
        # Never fewer than the rows on screen; and every change is announced, so the pane's
        # "N 件" is never a step behind the rows (it was, when a row left: the label read the
        # count during the removal signal, before the count came down).
        total = max(total, len(self._rows))
        if total != self.total:
            self.total = total
            self.total_changed.emit()

    @property
    def complete(self) -> bool:
        """True when every case of the queue is loaded."""
        return len(self._rows) >= self.total

    def upsert(self, cases: Iterable[Case], now: datetime) -> None:
        """Apply changed cases: update rows in place, insert new ones, drop ones that left.

        A case that now sorts after the last loaded row is not added (its page is not here
        yet); the count follows at the next :meth:`set_total`.
        """
        self._now = now
        for case in cases:
            assert case.id is not None
            at = self._index.get(case.id)
            if at is not None and (not self.accept(case) or self._moved(at, case)):
                complete = self.complete
                self.total -= 1  # before the rows' signals: a view reads it there
                self._remove(at)
                if complete:
                    self._set_total(len(self._rows))
                at = None
                if not self.accept(case):
                    continue
            elif at is None and not self.accept(case):
                continue
            row = make_row(self.centre, case, now)
            if at is not None:
                self._rows[at] = row
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.columns) - 1))
            else:
                key = sort_key(case, self.query.sort)
                ids = [r.case.id or 0 for r in self._rows]
                where = position(self._keys, ids, key, case.id, self.query.descending)
                complete = self.complete
                if where == len(self._rows) and not complete:
                    self._set_total(self.total + 1)
                    continue  # beyond the loaded pages: it comes with its page
                self.total += 1  # before the rows' signals: a view reads it there
                self.beginInsertRows(QModelIndex(), where, where)
                self._rows.insert(where, row)
                self._keys.insert(where, key)
                self._reindex()
                self.endInsertRows()
            self._push_deadline(row)

    def _moved(self, at: int, case: Case) -> bool:
        """Whether a changed case's sort key moved it out of its place."""
        return bool(sort_key(case, self.query.sort) != self._keys[at])

    def _remove(self, at: int) -> None:
        self.removing = True
        try:
            self.beginRemoveRows(QModelIndex(), at, at)
            del self._rows[at]
            del self._keys[at]
            self._reindex()
            self.endRemoveRows()
        finally:
            self.removing = False

    def flash(self, case_id: int, now: datetime, seconds: float = 1.5) -> None:
        """Highlight a case's row once (it just turned red); the next ticks clear it."""
        at = self._index.get(case_id)
        if at is None:
            return
        self._flash[case_id] = now + timedelta(seconds=seconds)
        self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.columns) - 1),
                              [Qt.ItemDataRole.BackgroundRole])

    def check_deadlines(self, now: datetime) -> list[int]:
        """Find the cases whose clock ran out since the last check; returns and emits them.

        Driven by the window's own 1 Hz timer, visible or not: a minimised desk must still
        raise the alert.  Cost: the cases that turned red, not the rows.
        """
        self._now = now
        for case_id, until in list(self._flash.items()):
            if until <= now:
                del self._flash[case_id]
                self._emit_row(case_id, [Qt.ItemDataRole.BackgroundRole])
        ts = now.timestamp()
        red: list[int] = []
        while self._deadlines and self._deadlines[0][0] < ts:
            _deadline, case_id, version = heapq.heappop(self._deadlines)
            self._queued.discard((case_id, version))
            at = self._index.get(case_id)
            if at is None or self._rows[at].case.version != version:
                continue
            was = self._rows[at].light
            self._refresh(at, now)
            row = self._rows[at]
            if was is not Light.RED and row.light is Light.RED and not row.case.suspended_at:
                red.append(case_id)
                self._emit_row(case_id, [Qt.ItemDataRole.DisplayRole, LightColorRole, SortRole])
                self.turned_red.emit(case_id)
        return red

    def refresh_rows(self, now: datetime, rows: Iterable[int]) -> None:
        """Recompute the countdown cells of these source rows (the visible ones) only."""
        self._now = now
        cols = [i for i, c in enumerate(self.columns) if c.countdown]
        wanted = sorted({r for r in rows if 0 <= r < len(self._rows)})
        if not cols or not wanted:
            return
        for at in wanted:
            self._refresh(at, now)
        roles = [Qt.ItemDataRole.DisplayRole, LightColorRole, SortRole]
        runs: list[list[int]] = [[wanted[0], wanted[0]]]
        for at in wanted[1:]:  # one dataChanged per contiguous run of rows
            if at == runs[-1][1] + 1:
                runs[-1][1] = at
            else:
                runs.append([at, at])
        for first, last in runs:
            self.dataChanged.emit(self.index(first, min(cols)), self.index(last, max(cols)), roles)

    def tick(self, now: datetime, rows: Iterable[int] | None = None) -> None:
        """Check deadlines, then redraw the countdowns of ``rows`` (all rows when None)."""
        self.check_deadlines(now)
        self.refresh_rows(now, range(len(self._rows)) if rows is None else rows)

    def _emit_row(self, case_id: int, roles: list[int]) -> None:
        at = self._index.get(case_id)
        if at is not None:
            self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.columns) - 1), roles)

    # -- internals -----------------------------------------------------------------------------
    def _refresh(self, at: int, now: datetime) -> None:
        row = self._rows[at]
        cd = countdown(row.case, now, self.centre.calendar, self.centre.ref.config.yellow_at)
        self._rows[at] = replace(row, countdown=cd)

    def _reindex(self) -> None:
        self._index = {r.case.id: i for i, r in enumerate(self._rows) if r.case.id is not None}

    def _rebuild_deadlines(self) -> None:
        self._deadlines = []
        self._queued = set()
        for row in self._rows:
            self._push_deadline(row)

    def _push_deadline(self, row: CaseRow) -> None:
        c = row.case
        if c.id is None or c.stage_deadline is None or c.suspended_at is not None:
            return
        if row.light is Light.RED or (c.id, c.version) in self._queued:
            return  # already red, or already waiting in the heap: nothing more to announce
        self._queued.add((c.id, c.version))
        heapq.heappush(self._deadlines, (c.stage_deadline.timestamp(), c.id, c.version))


#: 受理: new reports, verifications, filing, and collectors' 自处置 waiting for review.
INTAKE_STATES = frozenset({CaseState.REPORTED, CaseState.VERIFYING, CaseState.ACCEPTED,
                           CaseState.SELF_HANDLED})
DISPATCH_STATES = frozenset({CaseState.FILED})
#: 核查 / 结案: the unit reported back, a collector checks on site, the centre closes.
CHECK_STATES = frozenset({CaseState.HANDLED, CaseState.CHECKING, CaseState.TO_CLOSE})
BOARD_STATES = frozenset({
    CaseState.DISPATCHED, CaseState.HANDLING, CaseState.SUSPENDED, CaseState.HANDLED,
    CaseState.CHECKING, CaseState.TO_CLOSE,
})
