"""The queue panes of a desk: which states each shows, its columns and its first order.

Each pane is a :class:`~console.ui.panes.queue.QueuePane` over a
:class:`~console.ui.models.case_table.CaseTableModel` whose query SQL orders, counts and pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from console.domain.cases import CaseState, Role
from console.services.queue_reads import OPEN_STATES
from console.services.queue_view import QueueQuery
from console.ui.i18n import _
from console.ui.models.case_table import (
    BOARD_STATES,
    CHECK_STATES,
    DISPATCH_STATES,
    INTAKE_STATES,
    CaseTableModel,
)
from console.ui.panes.queue import QueuePane

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

    from console.services.centre import Centre

_STATE_ORDER = list(CaseState)
# The countdown sits next to the case number: it is what an operator scans for.
INTAKE_COLS = ("case_no", "remaining", "state", "category", "source", "place", "reported", "age",
               "presence")
DISPATCH_COLS = ("case_no", "remaining", "category", "suggested", "place", "rule", "presence")
BOARD_COLS = ("case_no", "remaining", "state", "category", "unit", "stage", "presence")
CHECK_COLS = ("case_no", "remaining", "state", "category", "unit", "place", "presence")
APPROVAL_COLS = ("case_no", "request", "waiting", "requested_by", "unit", "reason", "remaining")


@dataclass(frozen=True)
class QueuePanes:
    """The desk's queue panes (Alt+1, 2, 3, 5 and 6 reach them; Alt+4 is the map)."""

    intake: QueuePane
    dispatch: QueuePane
    board: QueuePane
    approvals: QueuePane
    check: QueuePane

    @property
    def all(self) -> tuple[QueuePane, ...]:
        """Every queue pane."""
        return (self.intake, self.dispatch, self.board, self.approvals, self.check)


def build_queue_panes(centre: Centre, clock: Callable[[], datetime],
                      owner: QObject) -> QueuePanes:
    """Make the queue panes of a desk (their models are children of ``owner``)."""
    def pane(name: str, title: str, columns: tuple[str, ...], states: frozenset[CaseState],
             sort: str, order: Qt.SortOrder, decisions_for: str | None = None) -> QueuePane:
        query = QueueQuery(tuple(sorted(states, key=_STATE_ORDER.index)),
                           decisions_for=decisions_for)
        made = QueuePane(name, title, CaseTableModel(centre, columns, query, owner), clock)
        made.view.sortByColumn(columns.index(sort), order)
        return made

    up, down = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
    return QueuePanes(
        intake=pane("intake", _("受理 / 核实 / 立案"), INTAKE_COLS, INTAKE_STATES, "reported", down),
        dispatch=pane("dispatch", _("待派遣"), DISPATCH_COLS, DISPATCH_STATES, "remaining", up),
        board=pane("board", _("处置中"), BOARD_COLS, BOARD_STATES, "remaining", up),
        # A request waits for the supervisor, or the matrix found no unit: 代整改.
        approvals=pane("approvals", _("延期 · 回退 · 挂账 · 作废 · 代整改"), APPROVAL_COLS,
                       frozenset(OPEN_STATES), "waiting", up,
                       centre.ref.config.coordination_office),
        # 待核查 / 核查中 / 待结案: what the acceptor sends out, the collector checks and the
        # supervisor closes, most urgent first.
        check=pane("check", _("核查 / 结案"), CHECK_COLS, CHECK_STATES, "remaining", up),
    )


#: Seats that send cases to be checked, check them or close them (the 核查 / 结案 pane).
CHECK_SEATS = frozenset({Role.ACCEPTOR, Role.COLLECTOR, Role.SUPERVISOR, Role.ADMIN})


def hidden_panes(role: Role) -> set[str]:
    """The queue panes a seat does not get (no key or menu brings them back)."""
    hidden: set[str] = set()
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        hidden.add("approvals")
    if role not in CHECK_SEATS:
        hidden.add("check")
    if role in (Role.UNIT, Role.WALL):  # a unit works its board; the wall only watches
        hidden |= {"intake", "dispatch"}
    elif role is Role.COLLECTOR:
        hidden.add("dispatch")
    return hidden
