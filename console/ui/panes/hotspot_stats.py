"""The statistics tab's hotspots (热点分析): 高发时段, 高发区域 and 高发问题 of a period.

高发时段 is a 7 × 24 heat table (weekdays × hours, centre-local) of the period's reports, for
the top categories together or one of them; 高发区域 and 高发问题 are the top cells and
categories with the period before and the change.  Fed by
:class:`~console.services.hotspots.HotspotFigures`; the window reads them on its worker.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.services.centre import Centre
from console.services.hotspots import HotspotFigures
from console.ui.hotspot_view import PERIOD_LABELS, category_label
from console.ui.i18n import N_, _
from console.ui.names import community_name
from widgets.compact import CompactComboBox
from widgets.heat_table import HeatTable

WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    header = table.horizontalHeader()
    # Every heading and name whole (a docked 1366 px desk is narrow: it scrolls rather).
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], changes: list[str]) -> None:
    """Rows of text; ``changes`` is the tooltip of each row's change (column 2)."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if c == 2:
                item.setToolTip(changes[r])
            table.setItem(r, c, item)


class HotspotStatsPane(QWidget):
    """Period chooser, the hour-of-week heat table and the two top lists."""

    period_changed = Signal(str)
    """A period was chosen: its key (``7d``, ``30d``, ``month``, ``last_month``, ``quarter``)."""

    def __init__(self, centre: Centre, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pane_hotspots")
        self.centre = centre
        self.figures: HotspotFigures | None = None
        self.period = CompactComboBox(4)
        self.period.setObjectName("hotspot_stats_period")
        for key, text in PERIOD_LABELS.items():
            self.period.addItem(_(text), key)
        self.period.setCurrentIndex(2)
        self.category = CompactComboBox(4)
        self.category.setObjectName("hotspot_stats_category")
        self.total = QLabel()
        self.heat = HeatTable()
        self.heat.setObjectName("hotspot_week")
        # The period before shows as the change (its count is in the tooltip): room at 1366 px.
        self.cells = _table([_("高发区域"), _("件数"), _("变化"), _("密度")])
        density = self.cells.horizontalHeaderItem(3)
        if density is not None:
            density.setToolTip(_("每平方公里上报件数"))
        self.cells.setObjectName("hotspot_top_cells")
        self.kinds = _table([_("高发问题"), _("件数"), _("变化"), _("占比")])
        self.kinds.setObjectName("hotspot_top_categories")
        head = QHBoxLayout()
        head.addWidget(QLabel(_("高发时段")))
        head.addWidget(self.period)
        head.addWidget(self.category)
        head.addStretch(1)
        head.addWidget(self.total)
        left = QVBoxLayout()
        left.addLayout(head)
        left.addWidget(self.heat, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addLayout(left, 3)
        row.addWidget(self.cells, 2)
        row.addWidget(self.kinds, 2)
        self.setMinimumHeight(150)
        self.period.currentIndexChanged.connect(
            lambda _i: self.period_changed.emit(str(self.period.currentData())))
        self.category.currentIndexChanged.connect(self._draw_week)

    @property
    def period_key(self) -> str:
        """The chosen period's key."""
        return str(self.period.currentData())

    def show_figures(self, figures: HotspotFigures) -> None:
        """Redraw from a read."""
        self.figures = figures
        centre = self.centre
        chosen = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem(_("前 {n} 类合计").format(n=len(figures.week)), "")
        for row in figures.week:
            self.category.addItem(category_label(centre, row.category), row.category)
        found = self.category.findData(chosen)
        self.category.setCurrentIndex(max(found, 0))
        self.category.blockSignals(False)
        change = figures.total - figures.previous_total
        known = figures.previous_complete  # else a change against a period not on record
        self.total.setText(_("本期 {n} 件 · 上期 {p} 件（{change:+d}）").format(
            n=figures.total, p=figures.previous_total, change=change) if known
            else _("本期 {n} 件 · 上期无完整记录").format(n=figures.total))
        grids = centre.ref.grids
        before = _("上期 {n} 件")

        def delta(n: int) -> str:
            return f"{n:+d}" if known else "—"

        _fill(self.cells, [
            [f"{c.grid[-6:]} {community_name(grids[c.grid])}" if c.grid in grids else c.grid,
             str(c.count), delta(c.change), "—" if c.rate is None else f"{c.rate:.1f}"]
            for c in figures.cells], [before.format(n=c.previous) for c in figures.cells])
        _fill(self.kinds, [
            [category_label(centre, k.category), str(k.count), delta(k.count - k.previous),
             f"{k.count * 100 / figures.total:.1f}%" if figures.total else "—"]
            for k in figures.categories], [before.format(n=k.previous) for k in figures.categories])
        self._draw_week()

    def _draw_week(self, *_args: object) -> None:
        figures = self.figures
        if figures is None:
            return
        code = self.category.currentData() or ""
        rows = [r for r in figures.week if not code or r.category == code]
        counts = [sum(r.counts[h] for r in rows) for h in range(168)]
        self.heat.set_data([_(d) for d in WEEKDAYS], [str(h) for h in range(24)],
                           [counts[d * 24:(d + 1) * 24] for d in range(7)])

    def set_foreground(self, color: str) -> None:
        """Label colour for the theme."""
        self.heat.set_foreground(color)
