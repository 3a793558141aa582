"""A 受理员 reviews collectors' 自处置 at the desk (issue #15), embedded and through a server.

The intake queue lists 自处置待审核 beside the new reports; the detail pane shows the step's
photos before and after the fix; Ctrl+Return approves (closed, 自处置), Ctrl+Backspace rejects
with a reason (an ordinary report, 待受理) — the approval keys of the desk.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QToolButton

from console.domain.cases import CaseState, CloseType
from console.services.cases import Report, self_handle_case
from console.ui.dialogs.action_fields import ActionFieldsDialog
from tests.gui.desk import activate, case_state, visible_dialog
from tests.gui.loop_case import jpeg
from tests.gui.remote import BOTH


def _self_handled(desk) -> int:
    app = desk.app
    made = self_handle_case(
        app.uow_factory, app.centre, app.centre.actor("caiji01"), desk.clock(),
        Report("06010", "路边少量垃圾，已当场清理", grid="330824001001001",
               photos=(jpeg("red", "清理前.jpg", "before"), jpeg("green", "清理后.jpg", "after"))))
    assert made.case.id is not None
    return made.case.id


def _open(desk, qtbot, case_id: int) -> None:
    w = desk.window
    w.controller.poll()
    qtbot.waitUntil(lambda: w.intake.model.row_of(case_id) is not None, timeout=5000)
    w.select_case(case_id)
    qtbot.waitUntil(lambda: w.detail.case_id == case_id, timeout=3000)
    qtbot.waitUntil(lambda: w.detail.timeline.entry_count() == 1, timeout=3000)


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_an_acceptor_approves_and_rejects_self_handled_reports(desk_factory, qtbot) -> None:
    desk = desk_factory(user="shouli1")
    w = desk.window
    approved, rejected = _self_handled(desk), _self_handled(desk)
    _open(desk, qtbot, approved)
    row = w.intake.model.row_data(w.intake.model.row_of(approved))
    assert row.case.state is CaseState.SELF_HANDLED
    timeline = w.detail.timeline
    text = timeline.entry_text(0)
    assert "自处置上报" in text and "清理前.jpg（处置前）" in text and "清理后.jpg（处置后）" in text
    qtbot.waitUntil(lambda: len(timeline.entry_widget(0).findChildren(
        QToolButton, "timeline_photo")) == 2, timeout=3000)
    buttons = {b.objectName(): b for b in w.detail.findChildren(QPushButton)
               if b.objectName().startswith("action_")}
    assert buttons["action_approve-self-handled"].isEnabled()
    assert buttons["action_reject-self-handled"].isEnabled()
    assert "action_accept" not in buttons

    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: case_state(desk, approved) is CaseState.CLOSED, timeout=5000)
    with desk.app.uow_factory() as uow:
        assert uow.cases.get(approved).close_type == CloseType.SELF_HANDLED.value
    qtbot.waitUntil(lambda: w.intake.model.row_of(approved) is None, timeout=5000)

    _open(desk, qtbot, rejected)
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    dialog = visible_dialog(w, ActionFieldsDialog)
    # The photos to judge by are in the dialog too.
    assert {p.objectName() for p in dialog.findChildren(QLabel)
            if p.objectName().startswith("context_photo_")} == {
        "context_photo_before", "context_photo_after"}
    activate(qtbot, dialog)
    QTest.keyClicks(dialog.focusWidget(), "photo unclear")
    QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: case_state(desk, rejected) is CaseState.REPORTED, timeout=5000)
    with desk.app.uow_factory() as uow:
        last = uow.events.for_case(rejected)[-1]
    assert (last.type, last.payload["reason"], last.actor) == (
        "reject-self-handled", "photo unclear", "shouli1")
    # Still in the intake queue: now as an ordinary report waiting to be accepted.
    qtbot.waitUntil(lambda: w.intake.model.row_of(rejected) is not None and w.intake.model.row_data(
        w.intake.model.row_of(rejected)).case.state is CaseState.REPORTED, timeout=5000)
