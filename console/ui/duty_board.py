"""The shift supervisor's list of collectors (监督员在岗): status, tasks in hand, open alarms.

A dock of the desk (工作台 → 监督员在岗), made on first use.  It reads
:meth:`~console.desk_backend.DeskBackend.duty_board` when shown and every
:data:`REFRESH_MS` while visible; double-clicking a row opens the first case the collector
holds.  Collectors with open alarms come first, then those offline, on duty, off shift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.on_duty import DutyStatus
from console.services.centre import Centre
from console.services.on_duty import CollectorRow, DutyBoard
from console.services.timefmt import clock, short
from console.ui.i18n import N_, _, label

#: How often a visible list is read again.
REFRESH_MS = 60_000

#: Status and alarms first: a docked list is narrow, and they are what the supervisor looks for.
COLUMNS = (N_("监督员"), N_("状态"), N_("告警"), N_("在办任务"), N_("最后定位"), N_("负责网格"))
ALARMS, TASKS = 2, 3
#: The status column's colours (the lights' green / red; grey between shifts).
TONES = {DutyStatus.ON_DUTY: "#2e9d4a", DutyStatus.OFFLINE: "#d64541",
         DutyStatus.OFF_SHIFT: "#8a8f98"}
CaseIdRole = Qt.ItemDataRole.UserRole + 1


def row_cells(row: CollectorRow, centre: Centre) -> list[str]:
    """The texts of one line (what the table shows, and what the tests read)."""
    tasks = "、".join(f"{t.case_no}（{label(t.state)}）" for t in row.tasks) or "—"
    alarms = "、".join(_("{kind} 自 {since}").format(kind=_(a.kind.value),
                                                   since=clock(centre, a.started))
                      for a in row.alarms) or "—"
    return [row.name or row.username, _(row.status.value), alarms, tasks,
            short(centre, row.last_fix) if row.last_fix is not None else _("无"),
            str(len(row.cells))]


class DutyBoardPane(QWidget):
    """Every active collector and what they are doing, as the centre knows it now.

    Parameters
    ----------
    desk : DeskBackend
        The seat's backend (``duty_board``).
    ops : OpRunner
        Runs the read on the desk's worker thread.
    centre : callable
        The centre now (names, the zone times are shown in).
    parent : QWidget, optional
    """

    case_requested = Signal(int)
    """A row was double-clicked: open this case (the collector's first task)."""

    def __init__(self, desk: Any, ops: Any, centre: Callable[[], Centre],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duty_board")
        self.desk, self.ops, self._centre = desk, ops, centre
        self.board: DutyBoard | None = None
        self.summary = QLabel(_("正在读取…"))
        self.summary.setObjectName("duty_summary")
        self.refresh_button = QPushButton(_("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("duty_table")
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # A collector's name carries the beat (监督员 汪一（芹阳办事处北门社区北片）): elided,
        # whole in the tooltip, so the status and the alarms stay in view.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 200)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.cellDoubleClicked.connect(self._on_table_double_clicked)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        """Read the list again (on the worker thread)."""
        self.ops.run(self.desk.duty_board, self.show_board, self._on_failed)

    def _on_failed(self, exc: Exception) -> None:
        self.summary.setText(_("读取失败：{why}").format(why=getattr(exc, "message", str(exc))))

    def show_board(self, board: DutyBoard) -> None:
        """Fill the table from one read."""
        self.board = board
        centre = self._centre()
        if board.shift is None:
            shift = _("不在班次时间")
        else:
            shift = _("班次 {start}–{end}").format(start=clock(centre, board.shift[0]),
                                                  end=clock(centre, board.shift[1]))
        self.summary.setText(_("{shift} · 在岗 {n}/{m} · 数据截至 {at}").format(
            shift=shift, n=board.on_duty, m=len(board.rows), at=clock(centre, board.as_of)))
        self.table.setRowCount(len(board.rows))
        for r, row in enumerate(board.rows):
            for c, text in enumerate(row_cells(row, centre)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if row.tasks:
                    item.setData(CaseIdRole, row.tasks[0].case_id)
                if c == 1:
                    item.setForeground(QBrush(QColor(TONES[row.status])))
                if c == ALARMS and row.alarms:
                    item.setForeground(QBrush(QColor(TONES[DutyStatus.OFFLINE])))
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()

    def _on_table_double_clicked(self, row: int, column: int) -> None:
        item = self.table.item(row, column)
        case_id = item.data(CaseIdRole) if item is not None else None
        if case_id:
            self.case_requested.emit(int(case_id))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self.timer.stop()  # a hidden list needs no reads
