"""The wall's tables: a small read-only model of text rows and a view that pages by itself.

Nobody scrolls a wall screen, so :class:`PagedTable` shows as many whole rows as fit and turns
to the next page on its own timer; a list that fits shows still.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex

KeyRole = Qt.ItemDataRole.UserRole + 1
"""The row's key (a case number, a unit code), for tests and tooltips."""


@dataclass(frozen=True, slots=True)
class WallRow:
    """One row: its key, the cell texts and, per cell, a text colour or None."""

    key: str
    cells: tuple[str, ...]
    colors: tuple[str | None, ...] = ()


class WallTableModel(QAbstractTableModel):
    """Rows of text with optional colours, replaced wholesale on each refresh.

    A wall refreshes every few seconds and shows a few dozen rows at most, so a reset is
    simpler than diffing and costs nothing visible (no selection or scroll to keep).

    Parameters
    ----------
    headers : sequence of str
        Column titles, already translated.
    right_aligned : sequence of int
        Columns of figures, aligned right so digits line up.
    parent : QObject, optional
    """

    def __init__(self, headers: Sequence[str], right_aligned: Sequence[int] = (),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._right = frozenset(right_aligned)
        self._rows: list[WallRow] = []

    def set_rows(self, rows: Sequence[WallRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def keys(self) -> list[str]:
        """The rows' keys, top to bottom."""
        return [row.key for row in self._rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column] if column < len(row.cells) else ""
        if role == Qt.ItemDataRole.ForegroundRole:
            color = row.colors[column] if column < len(row.colors) else None
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (Qt.AlignmentFlag.AlignRight if column in self._right
                          else Qt.AlignmentFlag.AlignLeft)
            return horizontal | Qt.AlignmentFlag.AlignVCenter
        if role == KeyRole:
            return row.key
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self._headers)):
            return self._headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Enabled but not selectable: a wall has no current row to highlight.
        return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags


class ColorTextDelegate(QStyledItemDelegate):
    """Paints each cell's text in its ``ForegroundRole`` colour.

    Under a style sheet that sets ``color`` (qt-material's ``*`` rule, the wall's own), the
    style repaints item text in the sheet's colour and ignores ``ForegroundRole``; the wall's
    red figures must stay red, so the text is drawn here.

    Attributes
    ----------
    padding : int
        Pixels kept clear left and right of the text.
    """

    padding = 8

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        view = option.widget
        if isinstance(view, QAbstractItemView) and option.rect.bottom() > view.viewport().height():
            return  # a row cut by the bottom edge: the next page shows it whole
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(self.padding, 0, -self.padding, 0)
        color = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(color if isinstance(color, QColor)
                       else opt.palette.color(QPalette.ColorRole.Text))
        elided = QFontMetrics(opt.font).elidedText(text, Qt.TextElideMode.ElideRight,
                                                   rect.width())
        painter.drawText(rect, opt.displayAlignment, elided)
        painter.restore()


class PagedTable(QTableView):
    """A table without scroll bars that shows whole rows a page at a time.

    Parameters
    ----------
    model : WallTableModel
        What to show.
    stretch : sequence of int
        Columns that share the spare width (names); the others fit their contents.
    parent : QWidget, optional
    """

    page_changed = Signal(int, int)
    """(page, pages): the page now shown, counted from 0, and how many there are."""

    def __init__(self, model: WallTableModel, stretch: Sequence[int] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("wall", "table")
        self.setModel(model)
        self._model = model
        self._delegate = ColorTextDelegate(self)
        self.setItemDelegate(self._delegate)
        self._page = 0
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(False)
        self._stretch = frozenset(stretch)
        for column in range(model.columnCount()):
            mode = (QHeaderView.ResizeMode.Stretch if column in self._stretch
                    else QHeaderView.ResizeMode.Fixed)
            header.setSectionResizeMode(column, mode)
        self._fonts = (QFont(), QFont())
        self._padding = 16
        self.timer = QTimer(self)
        self.timer.setInterval(6000)
        self.timer.timeout.connect(self.next_page)
        model.modelReset.connect(self._on_model_reset)

    def set_metrics(self, row_height: int, cell_font: QFont, header_font: QFont,
                    padding: int) -> None:
        """Row height, the fonts the sheet gives cells and headers, and the cell padding.

        Column widths are measured here rather than by ``ResizeToContents``: the header's size
        hint does not see a style sheet's font size, and clipped headers read badly.
        """
        self.verticalHeader().setDefaultSectionSize(row_height)
        self.verticalHeader().setMinimumSectionSize(row_height)
        self._fonts = (cell_font, header_font)
        self._padding = padding
        self._delegate.padding = padding
        self.fit_columns()
        self._show(self._page)

    def fit_columns(self) -> None:
        """Give every column that does not stretch the width of its widest text."""
        cells, heads = QFontMetrics(self._fonts[0]), QFontMetrics(self._fonts[1])
        # The style insets item text on each side by a focus margin and a pixel (QCommonStyle's
        # textMargin), on top of the delegate's padding; advances are fractional, and elision
        # measures them exactly, so a few pixels more keep a text that fits from being cut.
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 4
        model = self._model
        for column in range(model.columnCount()):
            if column in self._stretch:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            widest = heads.horizontalAdvance(title)
            for row in range(model.rowCount()):
                text = str(model.index(row, column).data() or "")
                widest = max(widest, cells.horizontalAdvance(text))
            self.horizontalHeader().resizeSection(column, widest + 2 * (self._padding + margin))

    @property
    def rows_per_page(self) -> int:
        """Whole rows that fit in the view (at least one)."""
        height = self.verticalHeader().defaultSectionSize()
        return max(self.viewport().height() // max(height, 1), 1)

    @property
    def pages(self) -> int:
        """How many pages the rows fill (1 when they fit, or when there are none)."""
        rows = self._model.rowCount()
        return max(-(-rows // self.rows_per_page), 1)

    @property
    def page(self) -> int:
        """The page on show, from 0."""
        return self._page

    def first_visible_row(self) -> int:
        """Index of the top row on show (-1 when there are no rows)."""
        return self.rowAt(0)

    def visible_rows(self) -> list[int]:
        """Indexes of the rows on this page."""
        return [r for r in range(self._model.rowCount()) if not self.isRowHidden(r)]

    def next_page(self) -> None:
        """Turn to the next page, from the last back to the first."""
        self._show((self._page + 1) % self.pages)

    def restart(self) -> None:
        """Back to the first page; the timer starts over."""
        self._show(0)
        if self.timer.isActive():
            self.timer.start()

    def _show(self, page: int) -> None:
        self._page = min(page, self.pages - 1)
        # Rows off the page are hidden rather than scrolled past: a scroll bar stops at the last
        # full screen, so the last page would repeat most of the one before it.
        per_page = self.rows_per_page
        first = self._page * per_page
        for row in range(self._model.rowCount()):
            self.setRowHidden(row, not first <= row < first + per_page)
        self.scrollToTop()
        self.page_changed.emit(self._page, self.pages)

    def _on_model_reset(self) -> None:
        self.fit_columns()
        self._show(self._page)  # same page after a refresh, unless the list got shorter

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._show(self._page)
