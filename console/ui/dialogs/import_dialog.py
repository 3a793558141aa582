"""The file import dialog: pick a CSV/XLSX and its column mapping, preview, check, import.

Preview shows the first rows as CityDesk will read them (after the mapping's column choice,
value translation and defaults).  检查 runs the whole import as a dry run — every check,
nothing kept — and lists the rows that would be quarantined with their reasons.  导入 runs it
for real on the ops worker with a progress bar; 取消 stops after the row in hand (the rows
already taken in stay, and importing the file again adds only the rest).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.desk_backend import DeskBackend
from console.intake.file_import import ImportReport, Table, canonical, read_table
from console.intake.file_mapping import FIELDS, ColumnMapping, load_mapping
from console.ui.i18n import N_, _, error_text
from console.ui.ops import OpRunner

Index = QModelIndex | QPersistentModelIndex
PREVIEW_ROWS = 200
REPORT_HEADINGS = (N_("行"), N_("外部编号"), N_("原因"))


class RowsModel(QAbstractTableModel):
    """A read-only table of strings with headings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headings: list[str] = []
        self.rows: list[list[str]] = []

    def set_table(self, headings: list[str], rows: list[list[str]]) -> None:
        """Replace headings and rows."""
        self.beginResetModel()
        self.headings, self.rows = headings, rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.headings)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headings[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                                Qt.ItemDataRole.ToolTipRole):
            return None
        return self.rows[index.row()][index.column()]


class ImportDialog(QDialog):
    """Import historical or batch cases from a file.

    Parameters
    ----------
    desk : DeskBackend
        The importing seat (an administrator for histories past 待受理).
    ops : OpRunner
    """

    progressed = Signal(int, int)
    """(rows done, rows in all), emitted from the worker thread during an import."""

    imported = Signal(object)
    """The :class:`ImportReport` of a finished (or cancelled) real import."""

    def __init__(self, desk: DeskBackend, ops: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_dialog")
        self.setWindowTitle(_("导入案件文件"))
        self.desk, self.ops = desk, ops
        self.mapping: ColumnMapping | None = None
        self.table: Table | None = None
        self._cancel = threading.Event()
        self.file_edit, self.mapping_edit = QLineEdit(), QLineEdit()
        self.file_edit.setPlaceholderText(_("CSV 或 XLSX 文件"))
        self.mapping_edit.setPlaceholderText(_("列映射 YAML 文件"))
        form = QGridLayout()
        for row, (label, edit, pick) in enumerate((
            (N_("文件"), self.file_edit, self._pick_file),
            (N_("列映射"), self.mapping_edit, self._pick_mapping),
        )):
            browse = QPushButton(_("浏览…"))
            browse.clicked.connect(pick)
            form.addWidget(QLabel(_(label)), row, 0)
            form.addWidget(edit, row, 1)
            form.addWidget(browse, row, 2)
        self.preview_model, self.report_model = RowsModel(self), RowsModel(self)
        self.tabs = QTabWidget()
        for model, title in ((self.preview_model, N_("预览")), (self.report_model, N_("检查结果"))):
            view = QTableView()
            view.setModel(model)
            view.verticalHeader().hide()
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            self.tabs.addTab(view, _(title))
        self.summary = QLabel(_("选择文件和列映射，然后预览"))
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setFormat(_("%v / %m 行"))
        self.progress.hide()
        self.buttons: dict[str, QPushButton] = {}
        row_of_buttons = QHBoxLayout()
        row_of_buttons.addStretch(1)
        for key, text, slot in (("preview", N_("预览"), self.load_preview),
                                ("check", N_("检查（试运行）"), self.check),
                                ("import", N_("导入"), self.start_import),
                                ("cancel", N_("取消导入"), self._cancel.set),
                                ("close", N_("关闭"), self.reject)):
            button = QPushButton(_(text))
            button.clicked.connect(slot)
            row_of_buttons.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addLayout(row_of_buttons)
        self.progressed.connect(self._on_progressed)
        self._set_busy(False)
        self.resize(1100, 700)

    # -- helpers ------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        ready = self.table is not None and not busy
        self.buttons["check"].setEnabled(ready)
        self.buttons["import"].setEnabled(ready)
        self.buttons["preview"].setEnabled(not busy)
        self.buttons["cancel"].setVisible(busy)
        self.buttons["close"].setEnabled(not busy)

    def _fail(self, exc: Exception) -> None:
        self._set_busy(False)
        self.progress.hide()
        self.summary.setText(_("无法完成：{reason}").format(reason=error_text(exc)))

    def _pick_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("选择案件文件"), "",
                                                    _("表格 (*.csv *.xlsx)"))
        if path:
            self.file_edit.setText(path)

    def _pick_mapping(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("选择列映射"), "",
                                                    _("YAML (*.yaml *.yml)"))
        if path:
            self.mapping_edit.setText(path)

    # -- steps --------------------------------------------------------------------------

    def load_preview(self) -> None:
        """Read the mapping and the file (on the worker) and show the first rows."""
        file, mapping = Path(self.file_edit.text().strip()), Path(self.mapping_edit.text().strip())
        if not self.file_edit.text().strip() or not self.mapping_edit.text().strip():
            self.summary.setText(_("请先选择文件和列映射"))
            return

        def work() -> tuple[ColumnMapping, Table]:
            loaded = load_mapping(mapping)
            return loaded, read_table(file, loaded)

        self._set_busy(True)
        self.ops.run(work, self._on_preview, self._fail)

    def _on_preview(self, result: tuple[ColumnMapping, Table]) -> None:
        self.mapping, self.table = result
        fields = [f for f in FIELDS if f in self.mapping.columns or f in self.mapping.defaults]
        rows = [[str(canonical(self.mapping, self.table.headers, cells).get(f, "")) for f in fields]
                for _n, cells in self.table.rows[:PREVIEW_ROWS]]
        self.preview_model.set_table([_(FIELDS[f]) for f in fields], rows)
        self.tabs.setCurrentIndex(0)
        self.summary.setText(_("共 {rows} 行，渠道 {channel}；先「检查」再「导入」").format(
            rows=len(self.table.rows), channel=self.mapping.channel))
        self._set_busy(False)

    def check(self) -> None:
        """Run the import as a dry run and list what would be quarantined."""
        self._run(keep=False)

    def start_import(self) -> None:
        """Run the import for real, with the progress bar."""
        self._run(keep=True)

    def _run(self, keep: bool) -> None:
        if self.table is None or self.mapping is None:
            return
        table, mapping, desk = self.table, self.mapping, self.desk
        self._cancel.clear()
        self.progress.setRange(0, max(len(table.rows), 1))
        self.progress.setValue(0)
        self.progress.show()
        self._set_busy(True)

        def progress(done: int, total: int) -> bool:
            self.progressed.emit(done, total)  # queued to the GUI thread
            return not self._cancel.is_set()

        self.ops.run(lambda: desk.import_table(table, mapping, keep, progress),
                     lambda report: self._on_done(report, keep), self._fail)

    def _on_progressed(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_done(self, report: ImportReport, keep: bool) -> None:
        self._set_busy(False)
        c = report.counts
        text = _("取回 {fetched}，新建 {created}，更新 {updated}，重复 {duplicates}，隔离 {quarantined}"
                 ).format(**c.as_dict())
        if not keep:
            text = _("试运行（未写入）：") + text
        if report.cancelled:
            text += _("（已取消：已导入的行保留，再次导入只补其余行）")
        # How each date-time column was read: a US export's 10/31/2016 11:07 PM, day order.
        for d in report.dates:
            text += "\n" + _("日期「{column}」：{forms}").format(
                column=d.column, forms=" | ".join(f for f, _count in d.forms) or "—")
        self.summary.setText(text)
        self.report_model.set_table([_(h) for h in REPORT_HEADINGS],
                                    [[str(r), e, why] for r, e, why in report.rows])
        if report.rows:
            self.tabs.setCurrentIndex(1)
        if keep:
            self.imported.emit(report)
