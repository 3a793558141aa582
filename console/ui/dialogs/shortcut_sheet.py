"""F1: every shortcut of the console on one sheet."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.ui.i18n import _, command_label
from console.ui.shortcuts import SHORTCUTS, WINDOW_SHORTCUTS


def shortcut_rows() -> list[tuple[str, str]]:
    """(key, what it does) for the window actions, then the case commands."""
    rows = [(key, _(text)) for key, text in WINDOW_SHORTCUTS.values()]
    rows.append(("Enter", _("待派遣队列中：派遣到建议单位（可多选批量派遣）")))
    rows.append(("F2", _("视频巡查窗口中：以当前画面上报案件")))
    seen: dict[str, list[str]] = {}
    for command, key in SHORTCUTS.items():
        seen.setdefault(key, []).append(command_label(command))
    rows += [(key, " / ".join(names)) for key, names in seen.items()]
    return rows


class ShortcutSheet(QDialog):
    """A table of keys and what they do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("快捷键一览"))
        rows = shortcut_rows()
        table = QTableWidget(len(rows), 2)
        table.setObjectName("shortcut_table")
        table.setHorizontalHeaderLabels([_("按键"), _("功能")])
        table.verticalHeader().hide()
        for i, (key, text) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(key))
            table.setItem(i, 1, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.setMinimumSize(520, 560)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
