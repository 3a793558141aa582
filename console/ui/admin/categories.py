"""Categories: names and the 处置 limit of each limit class, working or natural time."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QSpinBox, QWidget

from console.domain.reference import Category, LimitClass
from console.services import admin
from console.ui.admin.common import AdminContext, AdminData, Row, change_text, duration_text
from console.ui.admin.tab import EditTab
from console.ui.admin.units import source_text
from console.ui.i18n import N_, _, label

HEADINGS = (N_("代码"), N_("名称"), N_("英文名称"), N_("别名"), N_("类型"), N_("一般性"),
            N_("工程性"), N_("特殊性"), N_("计时"), N_("来源"))


class CategoriesTab(EditTab):
    """The categories and a form for the selected one's names and limits."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__("categories", HEADINGS, _("案件类别与处置时限"), ctx, form_width=480, parent=parent)
        self.categories: dict[str, Category] = {}
        self.day_minutes = 480
        self.code = QLabel()
        self.code.setObjectName("admin_categories_code")
        self.name_zh = QLineEdit()
        self.name_zh.setObjectName("admin_categories_name_zh")
        self.name_en = QLineEdit()
        self.name_en.setObjectName("admin_categories_name_en")
        # Aliases are kept in the centre's categories.yaml (citydesk init brings changes even
        # to a category edited here), so the form shows them without editing them.
        self.aliases = QLabel()
        self.aliases.setObjectName("admin_categories_aliases")
        self.aliases.setWordWrap(True)
        self.aliases.setToolTip(_("别名在参考数据 categories.yaml 中维护，citydesk init 载入"))
        self.limits: dict[LimitClass, QSpinBox] = {}
        self.form.addRow(_("代码"), self.code)
        self.form.addRow(_("名称"), self.name_zh)
        self.form.addRow(_("英文名称"), self.name_en)
        self.form.addRow(_("别名"), self.aliases)
        for cls in LimitClass:
            spin = QSpinBox()
            spin.setObjectName(f"admin_categories_limit_{list(LimitClass).index(cls)}")
            # 0 leaves the class out: it then falls back to 一般性 (only that one is required).
            spin.setRange(1 if cls is LimitClass.GENERAL else 0, admin.MAX_LIMIT)
            spin.setSingleStep(30)
            spin.setSuffix(_(" 分钟"))
            if cls is not LimitClass.GENERAL:
                spin.setSpecialValueText(_("同一般性"))
            spin.valueChanged.connect(self._show_durations)
            self.limits[cls] = spin
            self.form.addRow(_("{cls}处置时限").format(cls=label(cls)), spin)
        self.natural = QCheckBox(_("自然时（全天候计时，不扣除休息日）"))
        self.natural.setObjectName("admin_categories_natural")
        self.natural.toggled.connect(self._show_durations)
        self.form.addRow("", self.natural)
        self.durations = QLabel()
        self.durations.setObjectName("admin_categories_durations")
        self.form.addRow(_("折合"), self.durations)
        self.save = self.button(_("保存"), "save")
        self.save.setEnabled(False)
        self.save.clicked.connect(self.submit)
        for field in (self.name_zh, self.name_en):
            field.returnPressed.connect(self.submit)
        self.hint.setText(_("新时限用于此后立案、派遣的案件；已在计时的案件保持原期限。"
                            "工作时按工作日 08:00–12:00、14:00–18:00 计。"))

    def show_data(self, data: AdminData) -> None:
        super().show_data(data)
        self.categories = dict(data.view.ref.categories)
        self.day_minutes = data.centre.calendar.day_minutes
        edited = data.view.edited.get("categories", frozenset())
        rows = []
        for cat in self.categories.values():
            limits = [cat.limits.get(cls) for cls in LimitClass]
            texts = tuple("—" if m is None else duration_text(m, cat.natural_time,
                                                             self.day_minutes)
                          for m in limits)
            clock = _("自然时") if cat.natural_time else _("工作时")
            rows.append(Row(
                cat.code,
                (cat.code, cat.name_zh, cat.name_en, "、".join(cat.aliases), label(cat.kind),
                 *texts, clock, source_text(cat.code in edited)),
                (cat.code, cat.name_zh, cat.name_en, "、".join(cat.aliases), cat.kind.value,
                 *(m if m is not None else cat.limit_for(LimitClass.GENERAL) for m in limits),
                 cat.natural_time, cat.code in edited),
            ))
        self.panel.set_rows(rows)
        key = self.panel.current_key()
        if key is not None:
            self.edit(key)

    def edit(self, key: str) -> None:
        cat = self.categories.get(key)
        if cat is None:
            return
        self.code.setText(cat.code)
        self.name_zh.setText(cat.name_zh)
        self.name_en.setText(cat.name_en)
        self.aliases.setText("、".join(cat.aliases) or "—")
        for cls, spin in self.limits.items():
            spin.setValue(cat.limits.get(cls, 0))
        self.natural.setChecked(cat.natural_time)
        self.save.setEnabled(True)
        self._show_durations()

    def _show_durations(self) -> None:
        natural = self.natural.isChecked()
        parts = [f"{label(cls)} {duration_text(spin.value(), natural, self.day_minutes)}"
                 for cls, spin in self.limits.items() if spin.value()]
        self.durations.setText(" · ".join(parts))

    def submit(self) -> None:
        """Save the selected category's names, limits and clock."""
        code = self.panel.current_key()
        if code is None or code not in self.categories:
            return
        ctx = self.ctx
        desk = ctx.desk
        limits = {cls: spin.value() for cls, spin in self.limits.items() if spin.value()}
        name_zh, name_en = self.name_zh.text(), self.name_en.text()
        natural = self.natural.isChecked()
        ctx.save(lambda: desk.update_category(code, name_zh, name_en, limits, natural),
                 self.banner, lambda change: change_text(change, code))
