"""Units: rename, move under another parent, disable or enable (the kind stays)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QWidget

from console.domain.reference import Unit
from console.ui.admin.common import AdminContext, AdminData, Row, change_text
from console.ui.admin.tab import EditTab
from console.ui.i18n import N_, _, label
from console.ui.names import unit_name

HEADINGS = (N_("代码"), N_("名称"), N_("英文名称"), N_("类型"), N_("上级单位"), N_("状态"),
            N_("未结案件"), N_("来源"))


def source_text(edited: bool) -> str:
    """Where a row's values come from: the reference files, or an administrator's edit."""
    return _("管理员修改") if edited else _("参考文件")


class UnitsTab(EditTab):
    """The responsible units and a form for the selected one."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__("units", HEADINGS, _("单位"), ctx, parent=parent)
        self.units: dict[str, Unit] = {}
        self.code = QLabel()
        self.code.setObjectName("admin_units_code")
        self.kind = QLabel()
        self.name = QLineEdit()
        self.name.setObjectName("admin_units_name")
        self.name_en = QLineEdit()
        self.name_en.setObjectName("admin_units_name_en")
        self.parent_unit = QComboBox()
        self.parent_unit.setObjectName("admin_units_parent")
        self.active = QCheckBox(_("启用（可派遣）"))
        self.active.setObjectName("admin_units_active")
        self.form.addRow(_("代码"), self.code)
        self.form.addRow(_("类型"), self.kind)
        self.form.addRow(_("名称"), self.name)
        self.form.addRow(_("英文名称"), self.name_en)
        self.form.addRow(_("上级单位"), self.parent_unit)
        self.form.addRow("", self.active)
        self.save = self.button(_("保存"), "save")
        self.save.setEnabled(False)
        self.save.clicked.connect(self.submit)
        self.name.returnPressed.connect(self.submit)
        self.name_en.returnPressed.connect(self.submit)
        self.hint.setText(_("仍有未结案件的单位不能停用：请先把案件改派给其他单位。"
                            "停用后路由跳过该单位，新案件转协调单位。"))

    def show_data(self, data: AdminData) -> None:
        super().show_data(data)
        view = data.view
        self.units = dict(view.ref.units)
        edited = view.edited.get("units", frozenset())
        rows = []
        for unit in self.units.values():
            parent = self.units.get(unit.parent or "")
            open_cases = view.open_by_unit.get(unit.code, 0)
            state = _("启用") if unit.active else _("已停用")
            rows.append(Row(
                unit.code,
                (unit.code, unit.name, unit.name_en, label(unit.kind),
                 unit_name(parent) if parent else "", state, str(open_cases),
                 source_text(unit.code in edited)),
                (unit.code, unit.name, unit.name_en, unit.kind.value,
                 parent.name if parent else "", state, open_cases, unit.code in edited),
                muted=not unit.active,
            ))
        self.panel.set_rows(rows)
        key = self.panel.current_key()
        if key is not None:
            self.edit(key)

    def edit(self, key: str) -> None:
        unit = self.units.get(key)
        if unit is None:
            return
        self.code.setText(unit.code)
        self.kind.setText(label(unit.kind))
        self.name.setText(unit.name)
        self.name_en.setText(unit.name_en)
        self.parent_unit.clear()
        self.parent_unit.addItem(_("（无）"), "")
        for other in sorted(self.units.values(), key=lambda u: u.code):
            if other.code != unit.code:
                self.parent_unit.addItem(f"{unit_name(other)} ({other.code})", other.code)
        self.parent_unit.setCurrentIndex(max(self.parent_unit.findData(unit.parent or ""), 0))
        self.active.setChecked(unit.active)
        self.save.setEnabled(True)

    def submit(self) -> None:
        """Save the form's names, parent and active flag for the selected unit."""
        code = self.panel.current_key()
        if code is None or code not in self.units:
            return
        ctx = self.ctx
        desk = ctx.desk
        name, name_en = self.name.text(), self.name_en.text()
        parent = str(self.parent_unit.currentData() or "") or None
        active = self.active.isChecked()
        ctx.save(lambda: desk.update_unit(code, name, parent, active, name_en),
                 self.banner, lambda change: change_text(change, code))
