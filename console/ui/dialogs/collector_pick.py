"""Which collector goes: the dialog of 发核实 (V), 发核查 (K) and 改派监督员.

One row per active collector, the default first and selected (the case's cell's collector
when on duty, then the others on duty nearest first, then the rest; see
:func:`console.services.collector_places.rank_options`): name, 在岗 or not, distance from
their last fix to the case, visits in hand, whose cell, the last fix's time.  Enter sends to
the selected row; a double click too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.commands import Command
from console.domain.on_duty import DutyStatus
from console.services.collector_places import CollectorOption
from console.services.collectors import Nearness
from console.ui.dialogs.action_fields import FieldsContext, add_context
from console.ui.i18n import N_, _, command_label

COLUMNS = (N_("监督员"), N_("状态"), N_("距离"), N_("在手任务"), N_("网格"), N_("最后定位"))
NEARNESS = {Nearness.OWN_CELL: N_("本网格"), Nearness.NEIGHBOUR: N_("相邻网格"),
            Nearness.ELSEWHERE: N_("其他网格")}
#: The status column's colours (as the supervisor's list: green, red, grey).
TONES = {DutyStatus.ON_DUTY: "#2e9d4a", DutyStatus.OFFLINE: "#d64541",
         DutyStatus.OFF_SHIFT: "#8a8f98"}
UsernameRole = Qt.ItemDataRole.UserRole + 1


def distance_text(metres: float | None) -> str:
    """``120 米`` under a kilometre, ``2.3 公里`` above; ``—`` when unknown."""
    if metres is None:
        return "—"
    if metres < 1000:
        return _("{m:.0f} 米").format(m=metres)
    return _("{km:.1f} 公里").format(km=metres / 1000)


def option_cells(option: CollectorOption, when: Callable[[datetime], str]) -> list[str]:
    """The texts of one row (what the table shows, and what the tests read)."""
    return [option.name or option.username, _(option.status.value),
            distance_text(option.distance_m), str(option.tasks),
            _(NEARNESS[option.nearness]),
            when(option.last_fix) if option.last_fix is not None else _("无")]


class CollectorDialog(QDialog):
    """Pick the collector of a site visit; ``submitted`` carries ``{"collector": username}``.

    Parameters
    ----------
    command : Command
        发核实, 发核查 or 改派监督员 (the title).
    options : sequence of CollectorOption
        The collectors, the default first.
    when : callable
        Formats the last fix's instant in the centre's zone.
    current : str, optional
        The collector holding the visit now (改派): listed but not selectable.
    context : FieldsContext, optional
        For 发核查: the closing condition and the photos the check is held to.
    """

    submitted = Signal(dict)
    """The operator confirmed: ``{"collector": username}`` (``{}`` when nobody is listed)."""

    def __init__(self, command: Command, options: Sequence[CollectorOption],
                 when: Callable[[datetime], str], parent: QWidget | None = None,
                 current: str | None = None, context: FieldsContext | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("collector_dialog")
        self.setWindowTitle(command_label(command))
        self.options = list(options)
        self.table = QTableWidget(len(self.options), len(COLUMNS))
        self.table.setObjectName("collector_table")
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        first = None
        for row, option in enumerate(self.options):
            for column, text in enumerate(option_cells(option, when)):
                item = QTableWidgetItem(text)
                item.setData(UsernameRole, option.username)
                if column == 1:
                    item.setForeground(QBrush(QColor(TONES[option.status])))
                if column in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if option.username == current:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                    item.setToolTip(_("任务现由此人持有"))
                self.table.setItem(row, column, item)
            if first is None and option.username != current:
                first = row
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if first is not None:
            self.table.selectRow(first)
        self.table.doubleClicked.connect(lambda _i: self.accept())
        hint = QLabel(_("默认：本网格在岗监督员；其后按在岗与距离排序。Enter 发送。"))
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if context is not None:
            form = QFormLayout()
            add_context(form, context)
            layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(self._width(), min(120 + 32 * max(len(self.options), 4), 560))
        self.table.setFocus()

    def _width(self) -> int:
        """Wide enough for every column whole (the names are long)."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        return min(sum(header.sectionSize(c) for c in range(len(COLUMNS))) + 60, 1100)

    def chosen(self) -> str | None:
        """The selected collector's user name (None: nobody selectable)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        value = item.data(UsernameRole) if item is not None else None
        return str(value) if value else None

    def accept(self) -> None:
        """Send to the selected collector (and close)."""
        who = self.chosen()
        self.submitted.emit({"collector": who} if who else {})
        super().accept()
