"""Parts every administration tab shares: a row model, a filterable table, the save helper.

The tables are small (hundreds of rows at most), so a model is reset whole on each load and
filtered client-side with a ``QSortFilterProxyModel`` (Picard's log view does the same).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.desk_backend import AccountView, DeskBackend
from console.services.admin import AdminView
from console.services.centre import Centre
from console.ui.i18n import _, error_text
from console.ui.ops import OpRunner
from widgets.banner import Banner

KeyRole = Qt.ItemDataRole.UserRole + 1
"""The row's key (a code, a user name, an ISO date)."""
SortRole = Qt.ItemDataRole.UserRole + 2
"""What the column sorts by (numbers as numbers)."""
Index = QModelIndex | QPersistentModelIndex
# Disabled users and units in italics: qt-material's QTableView::item colour beats the
# ForegroundRole, a font still shows.
_MUTED = QFont()
_MUTED.setItalic(True)


@dataclass(frozen=True, slots=True)
class AdminData:
    """One load of everything the tabs show."""

    view: AdminView
    accounts: list[AccountView]
    centre: Centre


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: its key, the texts shown, the values sorted by, greyed out or not."""

    key: str
    texts: tuple[str, ...]
    sort: tuple[Any, ...]
    muted: bool = False


class RowsModel(QAbstractTableModel):
    """A read-only table of :class:`Row` under translated headings.

    Parameters
    ----------
    headings : sequence of str
        Chinese source headings (marked with ``N_``), translated when shown.
    parent : QObject, optional
    """

    def __init__(self, headings: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headings = tuple(headings)
        self.rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace every row (a reset: the tables are small and reloaded whole)."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, key: str) -> int | None:
        """The row number holding ``key``, or None."""
        return next((i for i, r in enumerate(self.rows) if r.key == key), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headings)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.headings)):
            return _(self.headings[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row.texts[col]
        if role == SortRole:
            return row.sort[col]
        if role == KeyRole:
            return row.key
        if role == Qt.ItemDataRole.FontRole and row.muted:
            return _MUTED
        return None


class TablePanel(QWidget):
    """A filter box over a sortable table of one :class:`RowsModel`.

    Parameters
    ----------
    name : str
        Object-name stem (``admin_<name>_table``, ``admin_<name>_filter``) for tests and QSS.
    headings : sequence of str
        Column headings (Chinese sources).
    parent : QWidget, optional
    """

    row_selected = Signal(str)
    """The key of the row that became current."""

    def __init__(self, name: str, headings: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RowsModel(headings, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterKeyColumn(-1)  # the filter matches any column
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit()
        self.filter.setObjectName(f"admin_{name}_filter")
        self.filter.setPlaceholderText(_("筛选（任意列）…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QTableView()
        self.view.setObjectName(f"admin_{name}_table")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_row_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows``, keeping the current row (by key) when it is still there."""
        keep = self.current_key()
        first = not self.model.rows
        self.model.set_rows(rows)
        if first:  # size to the first data; later loads keep what the user dragged
            self.view.resizeColumnsToContents()
            header = self.view.horizontalHeader()
            for col in range(self.model.columnCount()):  # long unit names: elide, see tooltip
                header.resizeSection(col, min(header.sectionSize(col), 220))
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        if keep is not None:
            self.select(keep)

    def select(self, key: str) -> bool:
        """Make the row with ``key`` current (clearing the filter if it hides it)."""
        row = self.model.row_of(key)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.filter.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    def current_key(self) -> str | None:
        """The key of the current row, or None."""
        index = self.view.currentIndex()
        return None if not index.isValid() else str(index.data(KeyRole))

    def _on_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.row_selected.emit(str(current.data(KeyRole)))


class AdminContext(QObject):
    """How a tab saves: the work runs on the worker, the outcome shows in the tab's banner.

    Parameters
    ----------
    desk : DeskBackend
        The administrator's seat (the services refuse anyone else, whatever the window shows).
    ops : OpRunner
        The desk's worker.
    clock : callable
        The desk's clock (what "today" is in the calendar form, whether a lock still runs).
    """

    saved = Signal()
    """A save went through: the window reloads its data and the desk's centre."""

    def __init__(self, desk: DeskBackend, ops: OpRunner,
                 clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk, self.ops, self.clock = desk, ops, clock

    def save(self, work: Callable[[], Any], banner: Banner,
             describe: Callable[[Any], str]) -> None:
        """Run ``work`` on the worker; show ``describe(result)`` or the refusal in ``banner``."""
        banner.show_message(_("正在保存…"), "info")

        def done(result: Any) -> None:
            banner.show_message(describe(result), "info")
            self.saved.emit()

        def failed(exc: Exception) -> None:
            banner.show_message(error_text(exc), "danger")

        self.ops.run(work, done, failed)


def message_banner(name: str) -> Banner:
    """The inline banner a tab shows its outcome in (hidden until there is one)."""
    banner = Banner()  # keeps the object name "banner": its colours are styled by it
    banner.setAccessibleName(f"admin_{name}_message")
    return banner


def change_text(result: Any, key: str) -> str:
    """The banner text after a save: what changed, and any notes the service added."""
    if not getattr(result, "changed", True):
        return _("{key}：没有变化").format(key=key)
    text = _("{key}：已保存").format(key=key)
    notes = getattr(result, "notes", ())
    return text + ("\n" + "\n".join(notes) if notes else "")


def duration_text(minutes: int, natural: bool, day_minutes: int = 480) -> str:
    """Minutes as people say them: ``2 工作日``, ``3 工作时``, ``1 天``, ``90 分钟``."""
    if natural:
        if minutes and minutes % 1440 == 0:
            return _("{n} 天").format(n=minutes // 1440)
        if minutes and minutes % 60 == 0:
            return _("{n} 小时").format(n=minutes // 60)
        return _("{n} 分钟").format(n=minutes)
    if minutes and minutes % day_minutes == 0:
        return _("{n} 工作日").format(n=minutes // day_minutes)
    if minutes and minutes % 60 == 0:
        return _("{n} 工作时").format(n=minutes // 60)
    return _("{n} 分钟").format(n=minutes)
