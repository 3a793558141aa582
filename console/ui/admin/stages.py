"""Stage limits: working minutes for 受理, 核实, 立案, 派遣, 核查 and 结案 (处置 is per category)."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox, QWidget

from console.domain.cases import Stage
from console.services import admin
from console.ui.admin.common import AdminContext, AdminData, Row, change_text, duration_text
from console.ui.admin.tab import EditTab
from console.ui.i18n import N_, _, label

HEADINGS = (N_("环节"), N_("时限（工作分钟）"), N_("折合"))


class StagesTab(EditTab):
    """The centre's stage limits, all in one form."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__("stages", HEADINGS, _("各环节时限"), ctx, parent=parent)
        self.spins: dict[str, QSpinBox] = {}
        for number, stage in enumerate(admin.STAGES):
            spin = QSpinBox()
            spin.setObjectName(f"admin_stages_limit_{number}")
            spin.setRange(1, admin.MAX_STAGE_LIMIT)
            spin.setSingleStep(10)
            spin.setSuffix(_(" 分钟"))
            self.spins[stage] = spin
            self.form.addRow(label(Stage(stage)), spin)
        self.save = self.button(_("保存"), "save")
        self.save.clicked.connect(self.submit)
        self.hint.setText(_("处置时限按案件类别设定（见“案件类别”页）。新时限用于此后进入该环节的案件；"
                            "在此修改过的环节，之后运行 citydesk init 也会保留。"))

    def show_data(self, data: AdminData) -> None:
        super().show_data(data)
        limits = data.view.ref.config.stage_limits
        day = data.centre.calendar.day_minutes
        rows = []
        for number, stage in enumerate(admin.STAGES):
            minutes = limits.get(stage, 0)
            rows.append(Row(stage, (label(Stage(stage)), str(minutes),
                                    duration_text(minutes, False, day)),
                            (number, minutes, minutes)))
            self.spins[stage].setValue(minutes)
        self.panel.set_rows(rows)

    def edit(self, key: str) -> None:
        spin = self.spins.get(key)
        if spin is not None:
            spin.setFocus()
            spin.selectAll()

    def submit(self) -> None:
        """Save every stage's limit as the form shows it."""
        ctx = self.ctx
        desk = ctx.desk
        limits = {stage: spin.value() for stage, spin in self.spins.items()}
        ctx.save(lambda: desk.update_stage_limits(limits), self.banner,
                 lambda change: change_text(change, _("各环节时限")))
