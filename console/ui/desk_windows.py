"""The windows a desk opens beside itself: evaluation, administration, intake problems, import,
the shortcut sheet and the photo viewer."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from console.ui.admin import AdminWindow
from console.ui.dialogs.import_dialog import ImportDialog
from console.ui.dialogs.shortcut_sheet import ShortcutSheet
from console.ui.duty_board import DutyBoardPane
from console.ui.evaluation_view import EvaluationView
from console.ui.i18n import _, error_text
from console.ui.intake_problems import IntakeProblemsPane
from console.ui.panes.detail import PhotoDialog
from console.ui.video_patrol import PatrolWindow
from console.ui.video_tiles import url_lookup

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QWidget

    from console.domain.cameras import Camera
    from console.ui.desk_view import DeskView


class DeskWindows(QObject):
    """Opens (and keeps one of each where that matters) the desk's secondary windows.

    Parameters
    ----------
    window : DeskView
        The desk: its controller reaches the services; cases chosen in these windows open there.
    """

    video_report_requested = Signal(object, object)
    """F2 on the patrol window: (Camera, GrabbedFrame) for the desk's report form."""

    def __init__(self, window: DeskView) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self._admin: AdminWindow | None = None
        self._patrol: PatrolWindow | None = None

    @property
    def parent_widget(self) -> QWidget:
        """The desk window, parent of every dialog."""
        return self.window.as_widget()

    def evaluation(self) -> EvaluationView:
        """Ctrl+E: league tables of the standard's evaluation for a period."""
        w = self.window
        c = w.controller
        view = EvaluationView(c.desk, c.ops, self.parent_widget)
        today = c.centre.local(w.clock()).date()
        last_month = today.replace(day=1) - timedelta(days=1)
        view.set_quick_periods([
            (_("本月"), f"{today:%Y-%m}"),
            (_("上月"), f"{last_month:%Y-%m}"),
            (_("本季度"), f"{today.year}-Q{(today.month - 1) // 3 + 1}"),
            (_("本年"), f"{today.year}"),
        ])
        view.case_requested.connect(w.select_case)
        view.finished.connect(view.deleteLater)
        view.open()
        view.compute()
        return view

    def admin(self) -> AdminWindow:
        """Ctrl+Shift+A (administrators): users and reference data, one window at a time."""
        if self._admin is None:
            c = self.window.controller
            window = AdminWindow(c.desk, c.ops, self.window.clock, self.parent_widget)
            window.finished.connect(self._on_admin_finished)
            self._admin = window
            window.load()
        self._admin.show()
        self._admin.raise_()
        self._admin.activateWindow()
        return self._admin

    def _on_admin_finished(self, _result: int) -> None:
        if self._admin is not None:
            self._admin.deleteLater()
            self._admin = None

    def intake_problems(self) -> IntakeProblemsPane:
        """Records the intake channels could not take in, in a dock made on first use."""
        docks = self.window.docks
        dock = docks.get("intake_problems")
        if dock is None:
            c = self.window.controller
            pane = IntakeProblemsPane(c.desk, c.ops)
            pane.case_requested.connect(self.window.select_case)
            pane.import_requested.connect(self.import_dialog)
            dock = self.window.add_dock("intake_problems", _("入库问题"), pane,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
            self.window.tabifyDockWidget(docks["approvals"], dock)
        dock.show()
        dock.raise_()
        shown = dock.widget()
        assert isinstance(shown, IntakeProblemsPane)
        shown.refresh()
        return shown

    def duty_board(self) -> DutyBoardPane:
        """工作台 → 监督员在岗: the collectors' list, in a dock made on first use."""
        docks = self.window.docks
        dock = docks.get("duty_board")
        if dock is None:
            c = self.window.controller
            pane = DutyBoardPane(c.desk, c.ops, lambda: c.centre)
            pane.case_requested.connect(self.window.select_case)
            dock = self.window.add_dock("duty_board", _("监督员在岗"), pane,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
            self.window.tabifyDockWidget(docks["approvals"], dock)
        dock.show()
        dock.raise_()
        shown = dock.widget()
        assert isinstance(shown, DutyBoardPane)
        shown.refresh()
        return shown

    def video_patrol(self) -> PatrolWindow:
        """Ctrl+Shift+V: the video-patrol seat, one window; F2 there opens this desk's report
        form filled from the frame."""
        if self._patrol is None:
            c = self.window.controller
            desk, ops = c.desk, c.ops

            def load(done: Callable[[list[Camera]], None],
                     failed: Callable[[str], None]) -> None:
                ops.run(lambda: desk.cameras(None), done, lambda exc: failed(error_text(exc)))

            patrol = PatrolWindow(
                url_lookup(ops, lambda code, sub: desk.camera_play_url(code, sub)), load)
            patrol.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            patrol.file_requested.connect(self.video_report_requested)
            patrol.destroyed.connect(self._on_patrol_destroyed)
            patrol.resize(1600, 960)
            self._patrol = patrol
            patrol.reload()
        self._patrol.show()
        self._patrol.raise_()
        self._patrol.activateWindow()
        return self._patrol

    def _on_patrol_destroyed(self) -> None:
        self._patrol = None

    def import_dialog(self) -> ImportDialog:
        """Import cases from a CSV or XLSX file through a column mapping."""
        c = self.window.controller
        dialog = ImportDialog(c.desk, c.ops, self.parent_widget)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def shortcuts(self) -> ShortcutSheet:
        """F1: the shortcut sheet."""
        sheet = ShortcutSheet(self.parent_widget)
        sheet.setObjectName("shortcut_sheet")
        sheet.finished.connect(sheet.deleteLater)
        sheet.open()
        return sheet

    def photo(self, photo_id: int) -> None:
        """A thumbnail was clicked: load the photo at full size and show it."""
        def show(data: bytes) -> None:
            dialog = PhotoDialog(data, _("照片"), self.parent_widget)
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()

        self.window.controller.photo(photo_id, show)
