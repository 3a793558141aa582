"""The intake problems pane: records a channel could not take in, and what to do about them.

Lists the open quarantine (channel, record id, 待分类/无法入库/源系统已关闭, reason, attempts),
shows the raw payload of the selected record, and lets the intake operator map its category
code (then retry), retry, retry in a named grid cell, or dismiss it.  A request the source had
closed when it was first fetched (源系统已关闭) waits here too: dismissing it agrees with the
source, retrying files it as a case after all, and a double click opens the case of the request
it duplicates.  All database work runs on the ops worker; every refusal is shown in the pane's
message line.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.desk_backend import DeskBackend
from console.services import timefmt
from console.services.centre import Centre
from console.services.intake import Outcome
from console.services.intake_ports import IntakeProblem, ProblemKind
from console.services.timefmt import Zoned
from console.ui.i18n import N_, _, error_text
from console.ui.names import localized
from console.ui.ops import OpRunner

Index = QModelIndex | QPersistentModelIndex
HEADINGS = (N_("编号"), N_("渠道"), N_("外部编号"), N_("问题"), N_("原因"), N_("次数"), N_("最近"))
OUTCOMES = {Outcome.CREATED: N_("已入库"), Outcome.UPDATED: N_("已更新"),
            Outcome.DUPLICATE: N_("重复"), Outcome.QUARANTINED: N_("仍未入库")}


class ProblemModel(QAbstractTableModel):
    """Open problems, newest first."""

    def __init__(self, zone: Zoned, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[IntakeProblem] = []
        self._zone = zone  # the centre: times in its zone, not the workstation's

    def set_rows(self, rows: list[IntakeProblem]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADINGS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(HEADINGS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4:
            return error_text(p.reason)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (p.id, p.channel, p.external_id, _(p.kind.value), error_text(p.reason), p.attempts,
                timefmt.short(self._zone, p.last_seen))[index.column()]


class IntakeProblemsPane(QWidget):
    """The intake problems list with its actions.

    Parameters
    ----------
    desk : DeskBackend
        The signed-in intake operator's seat.
    ops : OpRunner
    """

    case_requested = Signal(int)
    """A case to open in the desk: a retried record's, or the one a closed request duplicates."""

    import_requested = Signal()
    """The operator asked for the file import dialog."""

    def __init__(self, desk: DeskBackend, ops: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intake_problems")
        self.desk, self.ops = desk, ops
        centre: Centre = desk.centre
        self.model = ProblemModel(centre, self)
        self.title = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setPlaceholderText(_("选中一条记录，查看它的原始内容"))
        self.buttons: dict[str, QPushButton] = {}
        tools = QHBoxLayout()
        tools.addWidget(self.title, 1)
        for key, text, slot in (
            ("refresh", N_("刷新"), self.refresh),
            ("map", N_("映射类别并重试…"), self.map_and_retry),
            ("retry", N_("重试"), self.retry),
            ("grid", N_("指定网格重试…"), self.retry_in_grid),
            ("dismiss", N_("忽略"), self.dismiss),
            ("import", N_("导入文件…"), self.import_requested.emit),
        ):
            button = QPushButton(_(text))
            button.clicked.connect(slot)
            tools.addWidget(button)
            self.buttons[key] = button
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.raw)
        split.setSizes([400, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._open_linked)
        self._update_buttons()

    # -- plumbing -----------------------------------------------------------------------

    def _fail(self, exc: Exception) -> None:
        self.message.setText(_("操作未完成：{reason}").format(reason=error_text(exc)))

    def selected(self) -> list[IntakeProblem]:
        """The selected problems, in list order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows if r < len(self.model.rows)]

    def _update_buttons(self) -> None:
        picked = self.selected()
        closed = any(p.kind is ProblemKind.CLOSED_AT_SOURCE for p in picked)
        for key in ("retry", "grid", "dismiss"):
            self.buttons[key].setEnabled(bool(picked))
        self.buttons["map"].setEnabled(len(picked) == 1 and bool(picked[0].external_code)
                                       and not closed)
        self.buttons["retry"].setToolTip(
            _("源系统已关闭的请求：重试会把它立为新案件，忽略则同意源系统的处理") if closed else "")

    def _open_linked(self, index: QModelIndex) -> None:
        """A double click on a closed-at-source record opens the case it duplicates."""
        if 0 <= index.row() < len(self.model.rows):
            problem = self.model.rows[index.row()]
            if problem.kind is ProblemKind.CLOSED_AT_SOURCE and problem.case_id:
                self.case_requested.emit(problem.case_id)

    def _on_table_selection_changed(self, *_args: object) -> None:
        picked = self.selected()
        self._update_buttons()
        if len(picked) == 1:
            p = picked[0]
            body = json.dumps(dict(p.raw), ensure_ascii=False, indent=2)
            self.raw.setPlainText(f"{error_text(p.reason)}\n\n{body}")
        else:
            self.raw.clear()

    # -- actions ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the open problems."""
        self.ops.run(self.desk.intake_problems, self._on_loaded, self._fail)

    def _on_loaded(self, rows: list[IntakeProblem]) -> None:
        self.model.set_rows(rows)
        self.title.setText(_("待处理的入库问题：{count} 条").format(count=len(rows)))
        self._on_table_selection_changed()

    def retry(self, grid: str | None = None) -> None:
        """Retry the selected records with today's mapping and reference data."""
        ids = [p.id for p in self.selected() if p.id is not None]
        if ids:
            desk = self.desk
            self.ops.run(lambda: desk.retry_problems(ids, grid or None),
                         self._on_retried, self._fail)

    def retry_in_grid(self) -> None:
        """Ask for a grid cell, then retry the selected records there."""
        grid, ok = QInputDialog.getText(self, _("指定网格重试"), _("单元网格编码（15 位）："))
        if ok and grid.strip():
            self.retry(grid.strip())

    def _on_retried(self, results: list[Any]) -> None:
        lines = [f"#{r.problem_id} {r.external_id}：{_(OUTCOMES[r.taken.outcome])}"
                 + (f"（{error_text(r.taken.reason)}）" if r.taken.reason else "") for r in results]
        self.message.setText("\n".join(lines))
        created = [r.taken.case_id for r in results if r.taken.case_id]
        if len(created) == 1:
            self.case_requested.emit(created[0])
        self.refresh()

    def map_and_retry(self) -> None:
        """Map the selected record's code to a category, then retry it."""
        picked = self.selected()
        if len(picked) != 1 or not picked[0].external_code:
            return
        problem = picked[0]
        centre: Centre = self.desk.centre
        choices = [f"{c.code} {localized(c.name_zh, c.name_en)}"
                   for c in sorted(centre.ref.categories.values(), key=lambda c: c.code)]
        choice, ok = QInputDialog.getItem(
            self, _("映射类别"), _("把 {channel} 的代码 {code} 映射到：").format(
                channel=problem.channel, code=problem.external_code), choices, 0, False)
        if not ok or not choice:
            return
        code = choice.split(" ", 1)[0]

        desk = self.desk

        def work() -> Any:
            desk.map_code(problem.channel, str(problem.external_code), code)
            assert problem.id is not None
            return desk.retry_problems([problem.id], None)

        self.ops.run(work, self._on_retried, self._fail)

    def dismiss(self) -> None:
        """Mark the selected records as not cases."""
        ids = [p.id for p in self.selected() if p.id is not None]

        desk = self.desk
        self.ops.run(lambda: desk.dismiss_problems(ids), lambda _r: self.refresh(), self._fail)
