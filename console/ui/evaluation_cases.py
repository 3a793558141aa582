"""The cases behind an evaluation count: case number, category, state and the counting step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.services.evaluation_drill import CaseLine
from console.ui.i18n import N_, _, label, language

#: Column headings, translated at display time.
COLUMNS = (N_("案件编号"), N_("类别"), N_("状态"), N_("计数环节"))
CaseIdRole = Qt.ItemDataRole.UserRole + 1


class CaseListDialog(QDialog):
    """The cases behind a number; a double-click (or Enter) opens one in the desk.

    Parameters
    ----------
    lines : sequence of CaseLine
        The cases, in the order to show them.
    open_case : callable
        Called with a case's id to open it in the desk.
    title : str
        What the number is, e.g. ``县住建局 · 应处置数``.
    parent : QWidget, optional
    """

    def __init__(self, lines: Sequence[CaseLine], open_case: Callable[[int], None],
                 title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_list")
        count = _("{n} 件案件").format(n=len(lines))
        self.setWindowTitle(f"{title}：{count}" if title else count)
        self._open_case = open_case
        english = language() == "en"
        self.table = QTableWidget(len(lines), len(COLUMNS))
        self.table.setObjectName("case_list_table")
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for r, line in enumerate(lines):
            category = (line.category_name_en if english and line.category_name_en
                        else line.category_name)
            cells = (line.case_no, category, label(line.state), _(line.step))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(CaseIdRole, line.case_id)
                if c == 1:
                    item.setToolTip(line.category)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemActivated.connect(self._on_table_item_activated)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(title))
        layout.addWidget(self.table)
        self.resize(640, 420)

    def case_numbers(self) -> list[str]:
        """The case numbers as listed, top to bottom."""
        items = (self.table.item(r, 0) for r in range(self.table.rowCount()))
        return [item.text() for item in items if item is not None]

    def _on_table_item_activated(self, item: QTableWidgetItem) -> None:
        self._open_case(int(item.data(CaseIdRole)))
