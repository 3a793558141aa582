"""What a desk window shows while its database does not answer, and after.

The controller decides when the desk is offline (:class:`~console.ui.link.LinkMonitor`); this
module shows it.  The data on screen stays — a dispatcher still needs to see what is open — but
the banner says how old it is, and every action is disabled, so nobody acts on a picture the
database may already have overtaken.  An action caught by the outage is reported as unconfirmed
until the database can say for certain whether it committed; it is never retried by the desk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from console.domain.commands import Command
from console.services import timefmt
from console.ui.controller import PendingAction
from console.ui.i18n import _, command_label

if TYPE_CHECKING:
    from console.ui.desk_view import DeskView

#: Menu actions (and their keys) that write to the database: disabled while offline.
WRITING_ACTIONS = ("act_cmd_", "act_dispatch_to", "act_file_with_choices")


class OutagePresenter(QObject):
    """Puts a desk window into and out of offline mode and reports actions in doubt.

    Parameters
    ----------
    window : DeskView
        The desk window; its banner, notice strip, detail pane and menu actions are used.
    """

    def __init__(self, window: DeskView) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self._disabled: list[QAction] = []
        controller = window.controller
        controller.connection_changed.connect(self._on_controller_connection_changed)
        controller.action_unconfirmed.connect(self._on_controller_action_unconfirmed)
        controller.action_resolved.connect(self._on_controller_action_resolved)
        window.notice.action_triggered.connect(window.notice.clear)

    @property
    def offline(self) -> bool:
        """True while the desk's database does not answer."""
        return not self.window.controller.online

    def offline_text(self) -> str:
        """The banner: since when the data on screen is, and that actions are paused."""
        controller = self.window.controller
        as_of = controller.link.data_as_of
        when = timefmt.clock(controller.centre, as_of, seconds=True) if as_of else "—"
        return _("数据库无响应 · 数据截至 {time}；正在重试，操作已暂停").format(time=when)

    def _on_controller_connection_changed(self, online: bool, reason: str) -> None:
        w = self.window
        if online:
            w.show_idle_banner()
            w.banner.setToolTip("")
            w.statusBar().showMessage(_("已重新连接数据库"), 5000)
        else:
            w.banner.show_message(self.offline_text(), "danger")
            w.banner.setToolTip(reason)  # the driver's words, for whoever fixes the network
        self.set_actions_enabled(online)

    def set_actions_enabled(self, enabled: bool) -> None:
        """Enable or disable every way of writing: detail buttons, keys, dispatch, report save."""
        w = self.window
        w.detail.set_offline(None if enabled else _("数据库无响应，暂不能操作"))
        if enabled:
            for action in self._disabled:
                action.setEnabled(True)
            self._disabled = []
        else:
            # Only those enabled now: a seat's own restrictions must survive the reconnection.
            for action in w.actions():
                if action.isEnabled() and action.objectName().startswith(WRITING_ACTIONS):
                    action.setEnabled(False)
                    self._disabled.append(action)
        w.dispatch_to.setEnabled(enabled)
        # Acknowledging takes the alert off the strip: offline it would vanish unlogged.
        w.alert.action_button.setEnabled(enabled)
        if w.report_dialog is not None:
            self.prepare_report_dialog(w.report_dialog)

    def prepare_report_dialog(self, dialog: QDialog) -> None:
        """Disable the report form's Save while offline (typing the call in stays possible)."""
        buttons = dialog.findChild(QDialogButtonBox)
        save = buttons.button(QDialogButtonBox.StandardButton.Save) if buttons else None
        if save is not None:
            save.setEnabled(not self.offline)
            save.setToolTip(_("数据库无响应，恢复连接后再保存") if self.offline else "")

    # -- actions in doubt ----------------------------------------------------------------------
    def describe(self, pending: PendingAction) -> str:
        """``2026112500012 派遣`` — the case number when a queue knows it."""
        if pending.case_id is None:
            return _("新上报")
        number = f"#{pending.case_id}"
        for pane in self.window.queues:
            if (row := pane.model.row_of(pending.case_id)) is not None:
                number = pane.model.row_data(row).case.case_no
                break
        try:
            step = command_label(Command(pending.command))
        except ValueError:
            step = _("审批通过") if pending.command == "approve" else pending.command
        return f"{number} {step}"

    def _on_controller_action_unconfirmed(self, pending: PendingAction) -> None:
        w = self.window
        text = _("{what}：连接中断，尚不能确认是否已提交；恢复连接后将告知结果，请勿重做").format(
            what=self.describe(pending))
        w.alert_timer.stop()  # this one stays until the answer replaces it
        w.notice.show_message(text, "danger")
        w.statusBar().showMessage(text, 10000)

    def _on_controller_action_resolved(self, results: list[tuple[PendingAction, bool]]) -> None:
        w = self.window
        lines = [(_("{what}：已提交") if committed else _("{what}：未提交，请重做")).format(
            what=self.describe(pending)) for pending, committed in results]
        text = " · ".join(lines)
        everything_in = all(committed for _p, committed in results)
        # "Not committed" must be read: it stays until dismissed; "committed" fades.
        w.notice.show_message(text, "info" if everything_in else "warning",
                              None if everything_in else _("知道了"))
        w.statusBar().showMessage(text, 15000)
        if everything_in:
            w.alert_timer.start()
        else:
            w.alert_timer.stop()
