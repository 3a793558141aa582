"""Grid cells: the street and community names they are shown under (polygons stay as loaded)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from console.domain.reference import GridCell
from console.ui.admin.common import AdminContext, AdminData, Row
from console.ui.admin.tab import EditTab
from console.ui.admin.units import source_text
from console.ui.i18n import N_, _

HEADINGS = (N_("网格编码"), N_("街道"), N_("社区"), N_("街道英文名称"), N_("社区英文名称"),
            N_("街道编码"), N_("社区编码"), N_("来源"))


class GridsTab(EditTab):
    """The grid cells and a form renaming the street and community of the selected one."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__("grids", HEADINGS, _("单元网格"), ctx, parent=parent)
        self.grids: dict[str, GridCell] = {}
        self.code = QLabel()
        self.code.setObjectName("admin_grids_code")
        self.street = QLineEdit()
        self.street.setObjectName("admin_grids_street")
        self.community = QLineEdit()
        self.community.setObjectName("admin_grids_community")
        self.street_en = QLineEdit()
        self.street_en.setObjectName("admin_grids_street_en")
        self.community_en = QLineEdit()
        self.community_en.setObjectName("admin_grids_community_en")
        self.form.addRow(_("网格编码"), self.code)
        self.form.addRow(_("街道名称"), self.street)
        self.form.addRow(_("社区名称"), self.community)
        self.form.addRow(_("街道英文名称"), self.street_en)
        self.form.addRow(_("社区英文名称"), self.community_en)
        self.save = self.button(_("保存"), "save")
        self.save.setEnabled(False)
        self.save.clicked.connect(self.submit)
        for field in (self.street, self.community, self.street_en, self.community_en):
            field.returnPressed.connect(self.submit)
        self.hint.setText(_("名称属于街道和社区：保存后同一街道（社区）的所有网格一并改名。"
                            "网格边界随参考文件 grid.geojson 由 citydesk init 载入。"))

    def show_data(self, data: AdminData) -> None:
        super().show_data(data)
        self.grids = dict(data.view.ref.grids)
        edited = data.view.edited.get("grids", frozenset())
        self.panel.set_rows([
            Row(g.code,
                (g.code, g.street, g.community, g.street_en, g.community_en, g.street_code,
                 g.community_code, source_text(g.code in edited)),
                (g.code, g.street, g.community, g.street_en, g.community_en, g.street_code,
                 g.community_code, g.code in edited))
            for g in self.grids.values()
        ])
        key = self.panel.current_key()
        if key is not None:
            self.edit(key)

    def edit(self, key: str) -> None:
        cell = self.grids.get(key)
        if cell is None:
            return
        self.code.setText(cell.code)
        self.street.setText(cell.street)
        self.community.setText(cell.community)
        self.street_en.setText(cell.street_en)
        self.community_en.setText(cell.community_en)
        self.save.setEnabled(True)

    def submit(self) -> None:
        """Rename the selected cell's street and community (Chinese and English)."""
        code = self.panel.current_key()
        if code is None or code not in self.grids:
            return
        ctx = self.ctx
        desk = ctx.desk
        street, community = self.street.text(), self.community.text()
        street_en, community_en = self.street_en.text(), self.community_en.text()
        ctx.save(lambda: desk.update_grid(code, street, community, street_en, community_en),
                 self.banner,
                 lambda change: _("{key}：已保存，{n} 个网格已更新").format(key=code,
                                                                       n=change.rows))
