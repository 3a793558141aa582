"""The administration window: users, units, categories, stage limits, grids and the calendar.

Opened from the desk's 管理 menu (Ctrl+Shift+A) on an administrator's seat.  One load reads
everything on the worker; every save runs on the worker as well, and a save that went
through reloads the window and the desk's centre (``App.reload``), so this desk times and
routes with the new data at once.  Other desks read reference data when they start.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.desk_backend import DeskBackend
from console.ui.admin.calendar import CalendarTab
from console.ui.admin.categories import CategoriesTab
from console.ui.admin.common import AdminContext, AdminData
from console.ui.admin.grids import GridsTab
from console.ui.admin.stages import StagesTab
from console.ui.admin.tab import EditTab
from console.ui.admin.units import UnitsTab
from console.ui.admin.users import UsersTab
from console.ui.i18n import _, error_text
from console.ui.ops import OpRunner


class AdminWindow(QDialog):
    """Reference data and users, one tab each, for an administrator.

    Parameters
    ----------
    desk : DeskBackend
        The administrator's seat; the services refuse anyone else whatever this window shows.
    ops : OpRunner
        The desk's worker: all database work runs there.
    clock : callable
        The desk's clock.
    parent : QWidget, optional
    """

    loaded = Signal(object)
    """An :class:`~console.ui.admin.common.AdminData` each time the tabs were filled."""

    def __init__(self, desk: DeskBackend, ops: OpRunner,
                 clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("admin_window")
        self.setWindowTitle(_("系统管理") + f" — {desk.centre.ref.config.name}")
        self.resize(1400, 860)
        self.desk, self.ops = desk, ops
        self.ctx = AdminContext(desk, ops, clock, self)
        self.users = UsersTab(self.ctx)
        self.units = UnitsTab(self.ctx)
        self.categories = CategoriesTab(self.ctx)
        self.stages = StagesTab(self.ctx)
        self.grids = GridsTab(self.ctx)
        self.calendar = CalendarTab(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("admin_tabs")
        for tab, title in ((self.users, _("用户")), (self.units, _("单位")),
                           (self.categories, _("案件类别")), (self.stages, _("环节时限")),
                           (self.grids, _("单元网格")), (self.calendar, _("工作日历"))):
            self.tabs.addTab(tab, title)
        self.status = QLabel()
        self.status.setObjectName("admin_status")
        self.footer = QLabel(_(
            "修改立即写入数据库，本工作台随即重新载入；其他工作台在下次启动时读取新的参考数据。"
            "citydesk init 保留用户、管理员修改过的单位、类别、网格和日历调整。"))
        self.footer.setObjectName("admin_footer")
        self.footer.setWordWrap(True)
        close = QPushButton(_("关闭"))
        close.setObjectName("admin_close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.footer, 1)
        bottom.addWidget(close, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        # Keyboard: Ctrl+Tab between tabs (QTabWidget), Ctrl+F the filter, Ctrl+S the form's
        # Save, Enter in a form field saves too, Esc closes.
        QShortcut(QKeySequence("F5"), self, self.load)
        QShortcut(QKeySequence("Ctrl+F"), self, self._on_find_shortcut)
        QShortcut(QKeySequence("Ctrl+S"), self, self._on_save_shortcut)
        self.ctx.saved.connect(self._on_ctx_saved)

    @property
    def pages(self) -> tuple[EditTab, ...]:
        """Every tab, in order."""
        return (self.users, self.units, self.categories, self.stages, self.grids, self.calendar)

    def load(self, reload_centre: bool = False) -> None:
        """Read everything on the worker (re-reading the desk's centre first if asked)."""
        desk = self.desk
        self.status.setText(_("正在载入…"))

        def work() -> AdminData:
            centre = desk.reload_centre() if reload_centre else desk.centre
            snapshot = desk.admin_snapshot()
            return AdminData(snapshot.view, list(snapshot.accounts), centre)

        self.ops.run(work, self._on_loaded, self._on_load_failed)

    def _on_find_shortcut(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, EditTab):
            page.panel.filter.setFocus()
            page.panel.filter.selectAll()

    def _on_save_shortcut(self) -> None:
        page = self.tabs.currentWidget()
        save = getattr(page, "save", None)
        if isinstance(save, QPushButton) and save.isEnabled():
            save.click()

    def _on_ctx_saved(self) -> None:
        self.load(reload_centre=True)

    def _on_loaded(self, data: AdminData) -> None:
        for page in self.pages:
            page.show_data(data)
        ref = data.view.ref
        self.status.setText(_("{users} 个用户 · {units} 个单位 · {cats} 个类别 · {grids} 个网格").format(
            users=len(data.accounts), units=len(ref.units), cats=len(ref.categories),
            grids=len(ref.grids)))
        self.loaded.emit(data)

    def _on_load_failed(self, exc: Exception) -> None:
        self.status.setText(error_text(exc))
