"""The evaluation view: league tables per object type, counts that open their cases.

Every number comes from ``services.evaluation`` (derived from the event log) on the worker
thread; a double-click on a count lists the cases behind it (read on the worker too: a unit's
lists are fetched from the database only when asked for), and a case opens in the desk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.domain.errors import CityDeskError
from console.domain.evaluation import OBJECT_LABELS, Period, parse_period
from console.report_builder import HEADERS
from console.services.evaluation import COUNTS, OBJECTS, EvaluationReport, evaluate
from console.ui.i18n import N_, _
from console.ui.ops import OpRunner
from widgets.pill_delegate import PillDelegate

GradeColorRole = Qt.ItemDataRole.UserRole + 10
Index = QModelIndex | QPersistentModelIndex

#: Headings of the columns the view shows, translated at display time.
HEADINGS: dict[str, str] = {
    "rank": N_("名次"), "name": N_("名称"), "score": N_("综合指标值"), "grade": N_("等级"),
    "previous": N_("上期"),
}


def _name(row: dict[str, Any]) -> str:
    return str(row.get("unit_name") or row.get("name") or row.get("area_name") or "")


class LeagueModel(QAbstractTableModel):
    """One league table: rank, name, the counts, the rates, score, grade, last period."""

    def __init__(self, report: EvaluationReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.rows = report.as_dict(case_ids=False)["rows"]  # the lists: on double-click
        first = report.rows[0] if report.rows else None
        self.counts = list(COUNTS[report.object])
        self.rates = list(first.rates) if first is not None else []
        self.keys = ["rank", "name", *self.counts, *self.rates, "score", "grade"]
        if report.previous is not None:
            self.keys.append("previous")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.keys)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        key = self.keys[section]
        if key in HEADINGS:
            return _(HEADINGS[key])
        return _(HEADERS.get(key, key))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.keys[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "name":
                return _name(row)
            if key in self.rates:
                return f"{row[key] * 100:.1f}%"
            if key == "score":
                return f"{row['score']:.1f}"
            if key == "previous":
                before = row.get("previous")
                return "—" if not before else f"{before['score']:.1f}（{before['grade']}）"
            return str(row.get(key, ""))
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return row.get(key) if key != "name" else _name(row)
        if role == GradeColorRole and key == "grade":
            return QColor(row["grade_hex"])
        if role == Qt.ItemDataRole.ToolTipRole and key in self.counts:
            return _("双击查看这些案件")
        return None

    def case_ids(self, index: Index) -> list[int]:
        """The cases behind a count cell (empty for other cells).

        May query the database: call it on the worker (see ``EvaluationView``).
        """
        return self.case_ids_at(index.row(), self.keys[index.column()])

    def case_ids_at(self, row: int, key: str) -> list[int]:
        """The cases behind the count ``key`` of row ``row`` (empty for a column not a count)."""
        if key not in self.counts:
            return []
        return list(self.report.rows[row].ids(key))


class EvaluationView(QDialog):
    """考核评价: one tab per object type, a period picker and the previous period beside it."""

    case_requested = Signal(int)
    """Open this case in the desk."""

    def __init__(self, backend: Any, ops: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluation_view")
        self.setWindowTitle(_("考核评价"))
        self.resize(1400, 800)
        self.backend, self.ops = backend, ops
        self.period = QLineEdit()
        self.period.setObjectName("evaluation_period")
        self.period.setPlaceholderText(_("如 2026-10、2026-Q3、2026、2026-W43、2026-10-01..2026-10-31"))
        self.quick = QComboBox()
        self.go = QPushButton(_("计算"))
        self.export = QPushButton(_("导出报表…"))
        self.export.setObjectName("evaluation_export")
        self.status = QLabel()
        self.tabs = QTabWidget()
        self.tables: dict[str, QTableView] = {}
        for obj in OBJECTS:
            view = QTableView()
            view.setObjectName(f"league_{obj}")
            view.setSortingEnabled(True)
            view.setItemDelegate(PillDelegate(GradeColorRole, view))
            view.doubleClicked.connect(self._on_view_double_clicked)
            self.tables[obj] = view
            self.tabs.addTab(view, _(OBJECT_LABELS[obj]))
        head = QHBoxLayout()
        head.addWidget(QLabel(_("考核期")))
        head.addWidget(self.quick)
        head.addWidget(self.period, 1)
        head.addWidget(self.go)
        head.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        self.go.clicked.connect(self.compute)
        self.export.clicked.connect(self._on_export_clicked)
        self.clock: Callable[[], Any] | None = None
        self.job: Any = None
        self.period.returnPressed.connect(self.compute)
        self.quick.activated.connect(self._on_quick_activated)

    def set_quick_periods(self, choices: list[tuple[str, str]]) -> None:
        """Offer periods by name, e.g. (本月, 2026-11)."""
        self.quick.clear()
        for text, value in choices:
            self.quick.addItem(text, value)
        if choices:
            self.period.setText(choices[0][1])

    def _on_export_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("导出报表"), f"{self.period.text() or 'report'}.xlsx",
            _("Excel (*.xlsx);;PDF (*.pdf);;CSV (*.csv)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the period's report (evaluation + case list + charts) to ``path``."""
        from console.ui.export import run_export

        try:
            period = parse_period(self.period.text())
        except CityDeskError as exc:
            self.status.setText(exc.message)
            return
        if path.suffix.lower() not in (".xlsx", ".pdf", ".csv"):
            self.status.setText(_("请选择 .xlsx、.pdf 或 .csv 文件"))
            return
        now = self.clock() if self.clock is not None else None
        self.job, _dialog = run_export(self, self.backend, self.ops, period, path, now)
        self.job.finished.connect(
            lambda ok, message: self.status.setText(
                _("已导出：{path}").format(path=message) if ok else message))

    def _on_quick_activated(self, _index: int) -> None:
        self.period.setText(str(self.quick.currentData()))
        self.compute()

    def compute(self) -> None:
        """Evaluate every object type for the period (on the worker), with the last period."""
        try:
            period: Period = parse_period(self.period.text())
        except CityDeskError as exc:
            self.status.setText(exc.message)
            return
        self.status.setText(_("正在计算 {label}…").format(label=period.label_zh))
        backend = self.backend

        def work() -> dict[str, EvaluationReport]:
            return {
                obj: evaluate(backend.uow_factory(), backend.centre, period, obj,
                              area_level="street" if obj == "area" else None, compare=True)
                for obj in OBJECTS
            }

        self.ops.run(work, self.show_reports, lambda exc: self.status.setText(str(exc)))

    def show_reports(self, reports: dict[str, EvaluationReport]) -> None:
        """Fill every tab, sorted by score."""
        for obj, report in reports.items():
            model = LeagueModel(report, self)
            view = self.tables[obj]
            view.setModel(model)
            view.sortByColumn(model.keys.index("score"), Qt.SortOrder.DescendingOrder)
            view.resizeColumnsToContents()
        first = next(iter(reports.values()), None)
        if first is not None:
            text = _("考核期：{label}").format(label=first.period.label_zh)
            if first.previous is not None:
                text += _("；对比上期：{label}").format(label=first.previous.period.label_zh)
            self.status.setText(text)

    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        view = self.sender()
        if isinstance(view, QTableView):
            self._on_view_double_clicked_for(view, index)

    def _on_view_double_clicked_for(self, view: QTableView, index: QModelIndex) -> None:
        model = view.model()
        if not isinstance(model, LeagueModel):
            return
        row, key = index.row(), model.keys[index.column()]
        if key not in model.counts:
            return

        def show(ids: list[int]) -> None:
            if ids:
                CaseListDialog(ids, self.case_requested.emit, self).open()

        # A unit's lists come from the database: read them on the worker, never here.
        self.ops.run(lambda: model.case_ids_at(row, key), show,
                     lambda exc: self.status.setText(str(exc)))


class CaseListDialog(QDialog):
    """The cases behind a number; a double-click opens one in the desk."""

    def __init__(self, case_ids: list[int], open_case: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_list")
        self.setWindowTitle(_("{n} 件案件").format(n=len(case_ids)))
        self.list = QListWidget()
        for case_id in case_ids:
            item = QListWidgetItem(_("案件 id {id}").format(id=case_id))
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            self.list.addItem(item)
        self.list.itemDoubleClicked.connect(
            lambda item: open_case(int(item.data(Qt.ItemDataRole.UserRole))))
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
