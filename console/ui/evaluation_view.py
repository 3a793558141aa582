"""The evaluation view: league tables per object type, counts that open their cases.

Every number comes from ``services.evaluation`` (derived from the event log) on the worker
thread; a double-click on a count lists the cases behind it by case number, category, state
and the step that made them count (read on the worker too: a unit's lists are fetched from
the database only when asked for), and a double-click on a case opens it in the desk.

An object with nothing due in the period has no rank and no grade ("—", with the reason in
说明) and stays below the ranked ones whichever column the table is sorted by.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.desk_backend import DeskBackend
from console.domain.errors import CityDeskError
from console.domain.evaluation import NOTHING_DUE, OBJECT_LABELS, Period, parse_period
from console.domain.reference import ReferenceSet
from console.report_builder import HEADERS
from console.services import timefmt
from console.services.evaluation import COUNTS, OBJECTS, EvaluationReport
from console.services.evaluation_drill import CaseLine
from console.services.evaluation_rows import EvaluationRow
from console.ui.evaluation_cases import CaseListDialog
from console.ui.i18n import N_, _, error_text, language
from console.ui.names import area_name, unit_name_of
from console.ui.ops import OpRunner
from widgets.pill_delegate import PillDelegate

__all__ = ["CaseListDialog", "EvaluationView", "GradeColorRole", "LeagueModel", "dialog_size"]

GradeColorRole = Qt.ItemDataRole.UserRole + 10
Index = QModelIndex | QPersistentModelIndex

#: Headings of the columns the view shows, translated at display time.
HEADINGS: dict[str, str] = {
    "rank": N_("名次"), "name": N_("名称"), "score": N_("综合指标值"), "grade": N_("等级"),
    "previous": N_("上期"), "note": N_("说明"),
}
#: Reasons a row shows, translated at display time (the service gives the Chinese).
REASONS: dict[str, str] = {NOTHING_DUE: N_("本期无应处置案件")}
NO_VALUE = "—"


def _name(row: dict[str, Any], ref: ReferenceSet | None = None) -> str:
    shown = str(row.get("unit_name") or row.get("name") or row.get("area_name") or "")
    if ref is None:
        return shown
    # Units and areas in the console's language; people's names are names.
    if row.get("unit"):
        return unit_name_of(ref.units, str(row["unit"]), shown)
    if row.get("area"):
        return area_name(ref.grids.values(), str(row["area"]), shown)
    return shown


def dialog_size(available: QSize) -> QSize:
    """The window's size on a screen with ``available`` room: 1400×800 at most, always inside."""
    return QSize(min(1400, round(available.width() * 0.92)),
                 min(800, round(available.height() * 0.9)))


class LeagueModel(QAbstractTableModel):
    """One league table: rank, name, the counts, the rates, score, grade, last period, note."""

    def __init__(self, report: EvaluationReport, parent: QWidget | None = None,
                 ref: ReferenceSet | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.ref = ref  # the centre's reference data: unit and area names in the UI language
        data = report.as_dict(case_ids=False)["rows"]  # the lists: on double-click
        # (display dict, service row) pairs, kept together when the view sorts
        self._rows: list[tuple[dict[str, Any], EvaluationRow]] = list(
            zip(data, report.rows, strict=True))
        first = report.rows[0] if report.rows else None
        self.counts = list(COUNTS[report.object])
        self.rates = list(first.rates) if first is not None else []
        self.keys = ["rank", "name", *self.counts, *self.rates, "score", "grade"]
        if report.previous is not None:
            self.keys.append("previous")
        self.keys.append("note")

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as shown, top to bottom (the service's ``as_dict`` form)."""
        return [data for data, _row in self._rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

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
        row, service_row = self._rows[index.row()]
        key = self.keys[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return self._sort_key(row, key)
        if role == GradeColorRole and key == "grade":
            return QColor(row["grade_hex"]) if row["grade_hex"] else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in self.counts:
                return _("双击查看这些案件")
            if key in ("rank", "grade", "note") and not service_row.due:
                return self._reason(row["unranked_reason"])
            if key in self.rates and self._empty(row, key):
                return _("分母为 0：本期没有应计入的事项")
            if key == "previous" and row.get("previous") and row["previous"]["rank"] is None:
                return self._reason(row["previous"]["unranked_reason"])
        return None

    @staticmethod
    def _reason(reason: str | None) -> str:
        return _(REASONS.get(reason or "", reason or ""))

    @staticmethod
    def _empty(row: dict[str, Any], key: str) -> bool:
        idx = row["indices"].get(key)
        return idx is not None and idx["denominator"] == 0

    def _text(self, row: dict[str, Any], key: str) -> str:
        if key == "name":
            return _name(row, self.ref)
        if key in ("rank", "grade"):
            return NO_VALUE if row[key] is None else str(row[key])
        if key in self.rates:
            # 0 of 0 scores as "nothing failed"; shown as "—" so it reads as nothing due.
            return NO_VALUE if self._empty(row, key) else f"{row[key] * 100:.1f}%"
        if key == "score":
            return f"{row['score']:.1f}"
        if key == "previous":
            before = row.get("previous")
            if not before or before["rank"] is None:  # not there, or nothing due (tooltip)
                return NO_VALUE
            return f"{before['score']:.1f}（{before['grade']}）"
        if key == "note":
            return self._reason(row["unranked_reason"]) if row["unranked_reason"] else ""
        return str(row.get(key, ""))

    def _sort_key(self, row: dict[str, Any], key: str) -> Any:
        if key == "name":
            return _name(row, self.ref)
        if key == "previous":
            before = row.get("previous")
            return before["score"] if before and before["rank"] is not None else -1.0
        if key in self.rates and self._empty(row, key):
            return -1.0
        if key == "note":
            return row["unranked_reason"] or ""
        value = row.get(key)
        return "" if value is None and key == "grade" else (0 if value is None else value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column; the rows with nothing due stay below the ranked ones."""
        if not 0 <= column < len(self.keys):
            return
        key = self.keys[column]
        descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        ranked = [p for p in self._rows if p[1].due]
        idle = [p for p in self._rows if not p[1].due]
        for part in (ranked, idle):
            part.sort(key=lambda p: self._sort_key(p[0], key), reverse=descending)
        self._rows = ranked + idle
        self.layoutChanged.emit()

    def service_row(self, row: int) -> EvaluationRow:
        """The service's row shown at ``row``."""
        return self._rows[row][1]

    def case_ids(self, index: Index) -> list[int]:
        """The cases behind a count cell (empty for other cells).

        May query the database: call it on the worker (see ``EvaluationView``).
        """
        return self.case_ids_at(index.row(), self.keys[index.column()])

    def case_ids_at(self, row: int, key: str) -> list[int]:
        """The cases behind the count ``key`` of row ``row`` (empty for a column not a count)."""
        if key not in self.counts:
            return []
        return list(self._rows[row][1].ids(key))


class EvaluationView(QDialog):
    """考核评价: one tab per object type, a period picker and the previous period beside it."""

    case_requested = Signal(int)
    """Open this case (its id) in the desk."""

    def __init__(self, backend: DeskBackend, ops: OpRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluation_view")
        self.setWindowTitle(_("考核评价"))
        screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
        # 1400×800 does not fit a 1366×768 screen: stay inside the screen the desk is on.
        self.resize(dialog_size(screen.availableGeometry().size()) if screen is not None
                    else QSize(1400, 800))
        self.backend, self.ops = backend, ops
        self.period = QLineEdit()
        self.period.setObjectName("evaluation_period")
        self.period.setPlaceholderText(_("如 2026-10、2026-Q3、2026、2026-W43、2026-10-01..2026-10-31"))
        self.quick = QComboBox()
        self.quick.setObjectName("evaluation_quick")
        # As wide as its longest period name: a style's fixed minimum would cut 本季度 / This quarter.
        self.quick.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.go = QPushButton(_("计算"))
        self.export = QPushButton(_("导出报表…"))
        self.export.setObjectName("evaluation_export")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tables: dict[str, QTableView] = {}
        for obj in OBJECTS:
            view = QTableView()
            view.setObjectName(f"league_{obj}")
            view.setSortingEnabled(True)
            view.verticalHeader().setVisible(False)  # the rank column numbers the rows
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
            self.status.setText(error_text(exc))
            return
        if path.suffix.lower() not in (".xlsx", ".pdf", ".csv"):
            self.status.setText(_("请选择 .xlsx、.pdf 或 .csv 文件"))
            return
        self.job, _dialog = run_export(self, self.backend, self.ops, period, path)
        self.job.finished.connect(
            lambda ok, message: self.status.setText(
                _("已导出：{path}").format(path=message) if ok else message))

    def _on_quick_activated(self, _index: int) -> None:
        self.period.setText(str(self.quick.currentData()))
        self.compute()

    def compute(self) -> None:
        """Evaluate every object type for the period (on the worker), with the last period.

        A period still running (this month) is counted up to now (the backend's clock).
        """
        try:
            period: Period = parse_period(self.period.text())
        except CityDeskError as exc:
            self.status.setText(error_text(exc))
            return
        self.status.setText(_("正在计算 {label}…").format(
            label=period.label if language() == "en" else period.label_zh))
        desk = self.backend

        def work() -> dict[str, EvaluationReport]:
            return {obj: desk.evaluate(period, obj, True) for obj in OBJECTS}

        self.ops.run(work, self.show_reports, lambda exc: self.status.setText(error_text(exc)))

    def show_reports(self, reports: dict[str, EvaluationReport]) -> None:
        """Fill every tab in the service's order: ranked best first, nothing due last."""
        for obj, report in reports.items():
            model = LeagueModel(report, self, self.backend.centre.ref)
            view = self.tables[obj]
            view.setModel(model)
            view.sortByColumn(model.keys.index("rank"), Qt.SortOrder.AscendingOrder)
            view.resizeColumnsToContents()
        first = next(iter(reports.values()), None)
        if first is not None:
            def name(period: Period) -> str:
                return period.label if language() == "en" else period.label_zh

            text = _("考核期：{label}").format(label=name(first.period))
            if first.as_of is not None and self.backend is not None:
                local = timefmt.date_time(self.backend.centre, first.as_of)
                text += _("（截至 {time}）").format(time=local)
            if first.previous is not None:
                text += _("；对比上期：{label}").format(label=name(first.previous.period))
            if first.calendar_gaps:  # the period's deadlines counted Monday to Friday there
                text += "\n⚠ " + _("{years} 年法定节假日未导入，期限按周一至周五计算").format(
                    years="、".join(str(y) for y in first.calendar_gaps))
            # What the counts left out (imported history), once each, in the desk's language.
            notes = dict.fromkeys(error_text(n) for r in reports.values() for n in r.notes)
            for note in notes:
                text += "\nⓘ " + note
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
        obj = model.report.object
        who = _name(model.rows[row], model.ref)
        title = _("{who} · {count}").format(who=who, count=_(HEADERS.get(key, key)))
        desk = self.backend

        def work() -> list[CaseLine]:
            # A unit's lists come from the database: read them on the worker, never here.
            ids = model.case_ids_at(row, key)
            return desk.case_lines(obj, key, list(ids))

        def show(lines: list[CaseLine]) -> None:
            if not lines:
                self.status.setText(_("{title}：没有案件").format(title=title))
                return
            CaseListDialog(lines, self.case_requested.emit, title, self).open()

        self.ops.run(work, show, lambda exc: self.status.setText(error_text(exc)))
