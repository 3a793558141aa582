"""Ctrl+F: find any case by number, phone digits, or words of what and where.

The window's search box (or this dialog's own line) asks the window to search; results come
back as rows, newest first.  Enter or a double-click opens the highlighted case in the desk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.services.case_search import CaseSearch
from console.services.queries import CaseRow
from console.ui.i18n import N_, _, label
from console.ui.models.case_table import category_text
from console.ui.names import localized
from console.ui.panes.detail import mask_contact

#: Placeholder of every search box: what a caller can give.
SEARCH_HINT = N_("案件编号 / 电话尾号 / 地址或描述")

_COLUMNS = (N_("编号"), N_("状态"), N_("类别"), N_("地址"), N_("上报时间"), N_("联系人"))


class CaseSearchDialog(QDialog):
    """A search line and the cases it found.

    Parameters
    ----------
    when : callable
        Formats an instant as the desk shows times (the centre's zone).
    """

    search_requested = Signal(str)
    """The operator asked to search for this text."""

    case_chosen = Signal(int)
    """Open this case id in the desk."""

    def __init__(self, when: Callable[[object], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_search")
        self.setWindowTitle(_("查找案件"))
        self._when = when
        self.line = QLineEdit()
        self.line.setObjectName("case_search_line")
        self.line.setPlaceholderText(_(SEARCH_HINT))
        self.line.setClearButtonEnabled(True)
        self.line.returnPressed.connect(self._on_line_return_pressed)
        self.status = QLabel(_("输入后按 Enter 查找；在结果中按 Enter 打开案件"))
        self.status.setObjectName("case_search_status")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setObjectName("case_search_results")
        self.table.setHorizontalHeaderLabels([_(c) for c in _COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        self.table.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.line)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.resize(900, 420)
        self._ids: list[int] = []

    def search(self, text: str) -> None:
        """Search for ``text`` (shown in the line)."""
        self.line.setText(text)
        self._on_line_return_pressed()

    def _on_line_return_pressed(self) -> None:
        self.status.setText(_("正在查找…"))
        self.search_requested.emit(self.line.text())

    def show_found(self, found: CaseSearch) -> None:
        """Show what a search found; the first row is highlighted, ready for Enter."""
        self._fill(found.rows)
        if not found.rows:
            self.status.setText(_("未找到与「{text}」相符的案件").format(text=found.text))
            return
        text = _("找到 {n} 件（最新的在前）").format(n=len(found.rows))
        if found.more:
            text += _("；还有更多，请输入更多字以缩小范围")
        self.status.setText(text)
        self.table.setFocus()
        self.table.selectRow(0)

    def show_error(self, message: str) -> None:
        """The search was refused (too short, not this seat's case …)."""
        self._fill(())
        self.status.setText(message)

    def _fill(self, rows: Sequence[CaseRow]) -> None:
        self._ids = [r.case.id for r in rows if r.case.id is not None]
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            c = row.case
            cells = (c.case_no, label(c.state), f"{c.category} {category_text(row)}",
                     " ".join(p for p in (localized(c.street or "", row.street_en), c.address)
                              if p),
                     self._when(c.reported_at), mask_contact(c.contact))
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def open_current(self) -> None:
        """Open the highlighted case and close the dialog."""
        row = self.table.currentRow()
        if 0 <= row < len(self._ids):
            self.case_chosen.emit(self._ids[row])
            self.accept()

    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802
        if (watched is self.table and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.open_current()
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]
