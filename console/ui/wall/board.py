"""Page 2 of the wall: units ranked by this month's on-time rate, and the most overdue cases.

The red list holds the most overdue cases the wall was sent (up to
:data:`~console.services.wall.RED_LIST_LIMIT`); its title gives the count of every red case.
The ranking follows the evaluation's rule: a unit with nothing due this month (no 处置 stage
reported back on or late) has no rank and is listed after the ranked units.

Both lists page by themselves while the page is on screen (:class:`~console.ui.wall.tables.
PagedTable`): nobody scrolls a wall.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from console.domain.deadlines import Light
from console.services.centre import Centre
from console.services.wall import WallData
from console.ui.i18n import N_, _, label
from console.ui.names import localized, street_names, street_of, unit_name_of
from console.ui.wall.parts import NO_VALUE, hours_minutes, pad, panel, percent, wall_label
from console.ui.wall.style import MUTED, TEXT_COLORS, font, set_tone
from console.ui.wall.tables import PagedTable, WallRow, WallTableModel

_RANK_HEADERS = (N_("名次"), N_("责任单位"), N_("未办结"), N_("超时"), N_("按时率"),
                 N_("按时/应处置"))
_RED_HEADERS = (N_("案件号"), N_("类别"), N_("处置单位"), N_("街道"), N_("超时"))


class BoardPage(QWidget):
    """Page 2: units ranked by this month's on-time rate, and the most overdue cases, paging
    by itself."""

    def __init__(self, parent: QWidget | None = None, centre: Centre | None = None) -> None:
        super().__init__(parent)
        # Units and streets in the wall's language come from the centre's reference data.
        self._units = centre.ref.units if centre is not None else {}
        self._streets = street_names(centre.ref.grids.values()) if centre is not None else {}
        self.rank_model = WallTableModel([_(h) for h in _RANK_HEADERS], (0, 2, 3, 4, 5))
        self.red_model = WallTableModel([_(h) for h in _RED_HEADERS], (4,))
        self.ranking = PagedTable(self.rank_model, stretch=(1,))
        self.red_list = PagedTable(self.red_model, stretch=(1,))
        self.rank_panel, rank_layout = panel()
        self.red_panel, red_layout = panel()
        self.rank_title = wall_label("section", _("责任单位排名（本月按时处置率）"))
        self.red_title = wall_label("section", _("超时案件"))
        self.rank_pager = wall_label("pager")
        self.red_pager = wall_label("pager")
        self.rank_empty = wall_label("empty", _("本月暂无处置数据"))
        self.red_empty = wall_label("empty", _("当前没有超时案件"))
        set_tone(self.red_empty, "green")
        for layout, title, pager, table, empty in (
            (rank_layout, self.rank_title, self.rank_pager, self.ranking, self.rank_empty),
            (red_layout, self.red_title, self.red_pager, self.red_list, self.red_empty),
        ):
            head = QHBoxLayout()
            head.addWidget(title, 1)
            head.addWidget(pager)
            layout.addLayout(head)
            layout.addWidget(table, 1)
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(empty, 1)
            empty.setVisible(False)
        self.ranking.page_changed.connect(
            lambda page, pages: self._on_table_page_changed(self.rank_pager, page, pages))
        self.red_list.page_changed.connect(
            lambda page, pages: self._on_table_page_changed(self.red_pager, page, pages))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.rank_panel, 9)
        row.addWidget(self.red_panel, 11)

    @staticmethod
    def _on_table_page_changed(pager: QLabel, page: int, pages: int) -> None:
        pager.setText(f"{page + 1} / {pages}" if pages > 1 else "")

    def set_scale(self, scale: float) -> None:
        """Row heights and spacing for the scale."""
        pad(self, 0, round(16 * scale))
        for frame in (self.rank_panel, self.red_panel):
            pad(frame, round(14 * scale), round(8 * scale))
        for table in (self.ranking, self.red_list):
            table.set_metrics(round(54 * scale), font("table", scale), font("table-header", scale),
                              round(6 * scale))

    def start_paging(self) -> None:
        """Page through long lists from their first page (the page came into view)."""
        for table in (self.ranking, self.red_list):
            table.timer.start()
            table.restart()

    def stop_paging(self) -> None:
        """Stop turning pages (the page left the screen)."""
        for table in (self.ranking, self.red_list):
            table.timer.stop()

    def set_data(self, data: WallData) -> None:
        """Fill both tables."""
        red, yellow, green = (TEXT_COLORS[lt] for lt in (Light.RED, Light.YELLOW, Light.GREEN))
        ranks = []
        for unit in data.units:
            rate = unit.on_time_rate
            rate_color = None if rate is None else (green if rate >= 0.9 else yellow)
            # A unit with nothing due this month has no rank: "—", and why in the last column.
            ranks.append(WallRow(
                unit.unit,
                (NO_VALUE if unit.rank is None else str(unit.rank),
                 unit_name_of(self._units, unit.unit, unit.name),
                 str(unit.open_cases), str(unit.red), percent(rate),
                 f"{unit.on_time}/{unit.due}" if unit.due else _("本月无应处置")),
                (MUTED if unit.rank is None else None, None, None, red if unit.red else None,
                 rate_color, MUTED),
            ))
        self.rank_model.set_rows(ranks)
        self.red_model.set_rows([
            WallRow(
                r.case_no,
                (r.case_no, localized(r.category_name, r.category_name_en),
                 unit_name_of(self._units, r.unit, r.unit_name) or label(r.state),
                 street_of(self._streets, r.street),
                 hours_minutes(r.overdue_minutes)),
                (None, None, None if r.unit_name else MUTED, None, red),
            )
            for r in data.red_list
        ])
        total = max(data.overdue_now, len(data.red_list))
        if len(data.red_list) < total:  # a long backlog: the most overdue of them are listed
            self.red_title.setText(_("超时案件 {n} 件（列出超时最久的 {k} 件）").format(
                n=total, k=len(data.red_list)))
        else:
            self.red_title.setText(_("超时案件 {n} 件").format(n=total))
        self.rank_empty.setVisible(not ranks)
        self.ranking.setVisible(bool(ranks))
        self.red_empty.setVisible(not data.red_list)
        self.red_list.setVisible(bool(data.red_list))
