"""A queue pane: a sortable table of cases with live countdowns.

The intake, dispatch and in-progress panes are this class with other columns, queries and keys.
The view shows the model directly: ordering and filtering are the model's query, done in SQL.
Panes never import each other; ``main_window.py`` wires their signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Case
from console.ui.i18n import _
from console.ui.models.case_table import CaseIdRole, CaseTableModel, LightColorRole
from widgets.pill_delegate import PillDelegate

RESIZE_ROWS = 60
"""Rows a column's width is measured on when the pane sizes its columns to their contents."""


class QueuePane(QWidget):
    """A table of cases with a title line, a count and a 1 Hz countdown tick.

    Parameters
    ----------
    name : str
        Settings key of the pane ("intake", "dispatch", "board").
    title : str
        Shown above the table (already translated).
    model : CaseTableModel
    clock : callable
        The current instant (injected so tests can pin it).
    """

    case_selected = Signal(int)
    """The current row changed to this case id."""

    activated = Signal(list)
    """Enter on the selected case ids (the pane's main action)."""

    def __init__(self, name: str, title: str, model: CaseTableModel,
                 clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"pane_{name}")
        self.name = name
        self.model = model
        self.clock = clock

        self.title = QLabel(title)
        self.title.setObjectName("pane_title")
        # A long title (the approvals queue's, in English) wraps instead of widening the pane.
        self.title.setWordWrap(True)
        self.count = QLabel()
        self.tools = QHBoxLayout()
        head = QHBoxLayout()
        # The title takes the room the tools leave, so it wraps only when there truly is none
        # (with a stretch beside it, it was squeezed to its minimum and broke mid-word).
        head.addWidget(self.title, 1)
        head.addLayout(self.tools)
        head.addWidget(self.count)

        self.view = QTableView()
        self.view.setObjectName(f"table_{name}")
        self.view.setModel(model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Size columns from the first rows only: measuring every row of a 100 k queue calls
        # data() and the delegate's sizeHint a million times (Qt's default looks at 1,000).
        self.view.horizontalHeader().setResizeContentsPrecision(RESIZE_ROWS)
        self.view.setWordWrap(False)
        pill = PillDelegate(LightColorRole, self.view)
        for i, column in enumerate(model.columns):
            if column.countdown:
                self.view.setItemDelegateForColumn(i, pill)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)
        self.view.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.view)

        self._sized = False  # columns sized to the first rows loaded
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._on_timer_timeout)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset,
                       model.layoutChanged, model.total_changed):
            signal.connect(self.update_count)
        self.update_count()

    # -- selection -------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """Case ids of the selected rows, in view order."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.index(r, 0).data(CaseIdRole) for r in rows]

    def current_id(self) -> int | None:
        """The case id of the current row."""
        index = self.view.currentIndex()
        return index.data(CaseIdRole) if index.isValid() else None

    def select_case(self, case_id: int) -> bool:
        """Make a case current (scrolling to it); False when it is not in this pane."""
        row = self.model.row_of(case_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index)
        return True

    def select_first(self) -> bool:
        """Make the first row current (the next case to work on)."""
        if self.model.rowCount() == 0:
            return False
        case_id = self.model.index(0, 0).data(CaseIdRole)
        return self.select_case(case_id)

    # -- timers ----------------------------------------------------------------------------
    def visible_source_rows(self) -> list[int]:
        """Rows the view shows now: exactly those get their countdown redrawn."""
        top = self.view.rowAt(0)
        if top < 0:
            return []
        bottom = self.view.rowAt(self.view.viewport().height() - 1)
        bottom = self.model.rowCount() - 1 if bottom < 0 else bottom
        return list(range(top, bottom + 1))

    def _on_timer_timeout(self) -> None:
        # Repaint only; red transitions are the window's deadline timer's job (runs hidden too).
        self.model.refresh_rows(self.clock(), self.visible_source_rows())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        # A hidden pane needs no redraws; red transitions are still found on the next tick.
        self.timer.stop()
        super().hideEvent(event)

    # -- keys ------------------------------------------------------------------------------
    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802
        if (watched is self.view and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            ids = self.selected_ids()
            if ids:
                self.activated.emit(ids)
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        # Double-click opens the case; only Enter runs the pane's action (dispatch sends cases
        # to a unit, which must never happen by the usual "open it" gesture).
        if index.isValid():
            self.case_selected.emit(index.data(CaseIdRole))

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        # A row leaving (the case moved on) makes Qt select its neighbour: that is not the
        # operator choosing a case, and must not change the case they are working on.
        if current.isValid() and not self.model.removing:
            self.case_selected.emit(current.data(CaseIdRole))

    def update_count(self, *_args: object) -> None:
        self.count.setText(_("{n} 件").format(n=self.model.total))

    def set_cases(self, cases: Sequence[Case], size_columns: bool = True,
                  total: int | None = None) -> None:
        """Replace the rows (first load, F5, a reconnect): the first page and the count.

        Columns are sized to their contents on the first load only (and never when the
        operator's own widths were restored): a reload keeps the widths they have.
        """
        first = not self._sized
        self.model.set_cases(cases, self.clock(), total)
        if size_columns and first and self.model.rowCount():
            self.view.resizeColumnsToContents()
            self._sized = True
