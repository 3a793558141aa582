"""Running workflow commands from the desk: keys, buttons, dialogs and their answers.

A command on the current case asks for the fields it needs (reason, notes, photos, a unit),
warns when another desk has the case open, then goes to the controller, which runs it on the
worker.  Success and refusal come back here and are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from console.domain.cases import Case, CaseState
from console.domain.commands import Command
from console.domain.reference import UnitKind
from console.services import timefmt
from console.services.collector_places import CollectorOption
from console.ui.dialogs.action_fields import ActionFieldsDialog, FieldsContext, needs_fields
from console.ui.dialogs.collector_pick import CollectorDialog
from console.ui.dialogs.filing import FilingDialog
from console.ui.i18n import _, command_label, error_text, label
from console.ui.names import unit_name

if TYPE_CHECKING:
    from console.ui.desk_view import DeskView


#: Commands that judge the work done: their dialog shows the 结案条件 and the photos (the
#: unit's, or a collector's 自处置 before and after).
#: Site visits: they ask which collector goes (:class:`CollectorDialog`).
VISITS = frozenset({Command.REQUEST_VERIFY, Command.REQUEST_CHECK, Command.REASSIGN})

JUDGING = frozenset({Command.REQUEST_CHECK, Command.CHECK_PASS, Command.CHECK_FAIL,
                     Command.CLOSE, Command.REJECT_SELF_HANDLED})


class CommandFlow(QObject):
    """Turns the operator's keys and buttons into commands, and their results into messages.

    Parameters
    ----------
    window : DeskView
        The desk: panes (for versions and selections), detail pane, presence and controller.
    """

    def __init__(self, window: DeskView) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.collector_dialog: CollectorDialog | None = None  # the last V / K dialog (tests)
        controller = window.controller
        controller.action_failed.connect(self.on_action_failed)
        controller.action_done.connect(self.on_action_done)
        # A bound method: the runner outlives this window (sign-out), and Qt drops a bound
        # method's connection with its object, never a lambda's.
        controller.ops.failed.connect(self.on_op_failed)

    def run_on_current(self, command: str) -> None:
        """A shortcut: run a command on the current case."""
        w = self.window
        current = w.current_case
        if current is None:
            w.statusBar().showMessage(_("请先选择案件"), 3000)
            return
        row = w.approvals.model.row_of(current)
        if command == "approve" and row is not None:
            case = w.approvals.model.row_data(row).case
            if case.pending is None:  # routed to the coordination office: approving = designating
                command = Command.DESIGNATE.value
        shown = self._case(current)
        if command == Command.DENY_REQUEST.value and shown is not None \
                and shown.state is CaseState.SELF_HANDLED and shown.pending is None:
            # The deny key on a 自处置 waiting for review rejects it (Ctrl+Return approves it).
            command = Command.REJECT_SELF_HANDLED.value
        self.run_command(current, command)

    def run_command(self, case_id: int, command: str, fields: dict[str, Any] | None = None) -> None:
        """Ask for the command's fields if it needs any, then run it on the worker."""
        if not self.confirm_contested([case_id], command):
            return
        detail = self.window.detail
        version = detail.version if detail.case_id == case_id else None
        if fields is None and command != "approve":
            cmd = Command(command)
            if cmd in VISITS:
                self.pick_collector(case_id, cmd, version)
                return
            if needs_fields(cmd):
                choices = self._choices(case_id, cmd)
                self.ask_fields(cmd, choices, lambda values: self._run_with_photos(
                    case_id, command, values, version), context=self._context(case_id, cmd))
                return
        self.window.controller.run_command(case_id, command, dict(fields or {}), version)

    def _run_with_photos(self, case_id: int, command: str, values: dict[str, Any],
                         version: int | None) -> None:
        paths = values.pop("photos", [])
        # Decoded on the worker; a bad image comes back as a refusal and nothing changes.
        self.window.controller.run_command(case_id, command, values, version, paths)

    def ask_fields(self, command: Command, choices: list[tuple[str, str]],
                   then: Callable[[dict[str, Any]], None], title: str = "",
                   context: FieldsContext | None = None) -> ActionFieldsDialog:
        """Open the fields dialog of ``command``; ``then`` gets what the operator entered."""
        dialog = ActionFieldsDialog(command, choices, self.window.as_widget(), context)
        dialog.setObjectName("action_fields")
        if title:
            dialog.setWindowTitle(title)
        dialog.submitted.connect(then)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # window-modal, and the event loop keeps running
        return dialog

    def pick_collector(self, case_id: int, command: Command, version: int | None) -> None:
        """V, K, 改派: read who could go (on the worker), then ask which collector."""
        w = self.window
        desk, centre = w.controller.desk, w.controller.centre
        case = self._case(case_id)
        current = case.assignee if case is not None and command is Command.REASSIGN else None
        context = self._context(case_id, command)

        def show(options: list[CollectorOption]) -> None:
            dialog = CollectorDialog(command, options, lambda t: timefmt.short(centre, t),
                                     w.as_widget(), current, context)
            dialog.submitted.connect(lambda values: self._run_with_photos(
                case_id, command.value, values, version))
            dialog.finished.connect(dialog.deleteLater)
            self.collector_dialog = dialog
            dialog.open()

        w.controller.ops.run(lambda: desk.collector_options(case_id), show, self.on_op_failed)

    def _case(self, case_id: int) -> Case | None:
        detail = self.window.current_detail
        if detail is not None and detail.detail.row.case.id == case_id:
            return detail.detail.row.case
        for pane in self.window.queues:
            if (row := pane.model.row_of(case_id)) is not None:
                return pane.model.row_data(row).case
        return None

    def _context(self, case_id: int, command: Command) -> FieldsContext | None:
        """The closing condition and photos, for the commands that judge the work."""
        if command not in JUDGING:
            return None
        case = self._case(case_id)
        category = (self.window.controller.centre.ref.categories.get(case.category)
                    if case is not None else None)
        detail = self.window.current_detail
        photos: list[tuple[str, bytes]] = []
        if detail is not None and detail.detail.row.case.id == case_id:
            photos = [(kind, data) for _pid, kind, data in detail.thumbnails]
        return FieldsContext(category.closing_condition if category else "", photos)

    def _choices(self, case_id: int, command: Command) -> list[tuple[str, str]]:
        units = self.window.controller.centre.ref.units.values()
        if command is Command.SUBDISPATCH:
            board = self.window.board.model
            row = board.row_of(case_id)
            current = board.row_data(row).case.unit if row is not None else None
            return [(u.code, unit_name(u)) for u in units if u.parent == current and u.active]
        if command is Command.DESIGNATE:
            return [(u.code, unit_name(u)) for u in units
                    if u.active and u.kind is not UnitKind.OFFICE]
        return []

    def seen_version(self, case_id: int) -> int | None:
        """The version of the case as a queue shows it (None when no queue holds it)."""
        for pane in self.window.queues:
            if (row := pane.model.row_of(case_id)) is not None:
                return pane.model.row_data(row).case.version
        return None

    def dispatch_selected(self, ids: list[int]) -> None:
        """Enter in the dispatch queue: dispatch every selected case to its suggested unit."""
        if not self.confirm_contested(ids, Command.DISPATCH.value):
            return
        for case_id in ids:
            self.window.controller.run_command(case_id, Command.DISPATCH.value, {},
                                               self.seen_version(case_id))

    def dispatch_to_other(self) -> None:
        """Ctrl+D: choose another unit for the selected cases."""
        w = self.window
        if w.dispatch.view.hasFocus() and w.dispatch.selected_ids():
            ids = w.dispatch.selected_ids()
        else:  # the case the operator is looking at, not a leftover selection
            ids = [w.current_case] if w.current_case is not None else []
        if not ids or not self.confirm_contested(ids, Command.DISPATCH.value):
            return
        units = [(u.code, unit_name(u)) for u in w.controller.centre.ref.units.values()
                 if u.active and u.kind is not UnitKind.OFFICE]

        def send(values: dict[str, Any]) -> None:
            for case_id in ids:
                w.controller.run_command(case_id, Command.DISPATCH.value,
                                         {"unit": values.get("unit"), "reason": values.get("reason")},
                                         self.seen_version(case_id))

        self.ask_fields(Command.DISPATCH, units, send, _("派遣到其他单位"))

    def file_with_choices(self) -> FilingDialog | None:
        """Shift+F: file the current case choosing category, condition and limit class."""
        w = self.window
        current = w.current_case
        case = self._case(current) if current is not None else None
        if case is None or case.state is not CaseState.ACCEPTED:
            w.statusBar().showMessage(_("请先选择待立案的案件"), 4000)
            return None
        if not self.confirm_contested([current or 0], Command.FILE.value):
            return None
        centre = w.controller.centre
        dialog = FilingDialog(centre, case, w.clock(),
                              lambda t: timefmt.short(centre, t), w.as_widget())
        dialog.submitted.connect(lambda values: w.controller.run_command(
            case.id or 0, Command.FILE.value, values, case.version))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def confirm_contested(self, ids: list[int], command: str) -> bool:
        """Warn before acting on a case another desk has open; True to go ahead."""
        presence = self.window.presence
        held = [(cid, who) for cid in ids if (who := presence.holders(cid))]
        if not held:
            return True
        try:
            action = command_label(Command(command))
        except ValueError:
            action = _("审批") if command == "approve" else command
        who = "；".join(sorted({w for _cid, w in held}))
        answer = QMessageBox.question(
            self.window.as_widget(), _("他人正在处理"),
            _("该案件正由 {who} 打开处理。仍要执行「{action}」吗？").format(who=who, action=action),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- answers -------------------------------------------------------------------------------
    def on_op_failed(self, exc: Exception) -> None:
        """Work on the worker raised: say so as a refusal."""
        self.on_action_failed(error_text(exc), False)

    def on_action_done(self, case: Case) -> None:
        """A command of this desk went through."""
        # No reload here: the poll that follows every own action brings this event back and
        # the live updates reload the open case once.
        self.window.statusBar().showMessage(
            _("{no}：现为「{state}」").format(no=case.case_no, state=label(case.state)), 4000)

    def on_action_failed(self, message: str, conflict: bool) -> None:
        """A command was refused: say why, and show the case as it is now."""
        w = self.window
        w.statusBar().showMessage(message, 8000)
        w.notice.show_message(message, "warning" if conflict else "danger")
        w.alert_timer.start()
        if w.current_case is not None:
            w.controller.open_case(w.current_case)
