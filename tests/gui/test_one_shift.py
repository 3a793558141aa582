"""One shift at one desk: each role signs in in turn (no restart), finds the case by its number,
takes it a step further with keys, reads the notes left before, and every count agrees with
the database after every step.

受理员 takes a hotline call and sends it to be verified; 监督员 verifies it; 值班长 files it with
Shift+F; 派遣员 dispatches it; the unit starts and reports back; the check fails (返工), the unit
does it again, the check passes, and the 值班长 closes it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit

from console.app import App
from console.client.remote import ServerRoot
from console.desk_local import sign_in
from console.domain.cases import CaseState
from console.services.accounts import DEMO_PASSWORD
from console.ui.dialogs.action_fields import ActionFieldsDialog
from console.ui.dialogs.collector_pick import CollectorDialog
from console.ui.dialogs.filing import FilingDialog
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.main_window import MainWindow
from console.ui.ops import OpRunner
from console.ui.session import DeskSession
from console.ui.settings import Settings
from console.ui.start import make_listener
from tests.gui.desk import NOW, activate, fast_timers, settle_counts, visible_dialog
from tests.gui.remote import BOTH, CHECKS, RemoteCentre, server_now

GRID = "330824001001001"  # caiji01's beat
NOTES = {
    "verify": "现场属实：路口东侧垃圾堆积",
    "feedback1": "已清运",
    "fail": "绿化带内仍有残留",
    "feedback2": "残留已全部清理",
    "pass": "复查合格",
}


class Shift:
    """The desk program of one shift: a session whose sign-in dialog answers from a script."""

    def __init__(self, qtbot, tmp_path: Path, demo_template: Path,
                 centre: RemoteCentre | None = None) -> None:
        self.qtbot = qtbot
        self.next_user: list[str] = []
        settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        ops = OpRunner(synchronous=True)
        self.root: Any = None
        if centre is None:
            path = tmp_path / "shift.sqlite3"
            shutil.copy(demo_template, path)
            self.app = App.open(f"sqlite:///{path}", lambda: NOW)
            self.session = DeskSession(self.app, ops, self.app.centre, lambda: NOW, settings,
                                       "desk-1", lambda _last: self.next_user.pop(0), demo=True)
        else:
            # Through the server: the sign-in dialog's answer is checked there (the demo
            # password), and the live updates come from its push stream.
            self.app = centre.check_app(server_now)
            self.root = root = ServerRoot(centre.url, "desk-1")
            CHECKS[root] = self.app

            def ask(_last: str) -> str:
                user = self.next_user.pop(0)
                sign_in(root, user, DEMO_PASSWORD, server_now)
                return user

            self.session = DeskSession(root, ops, None, server_now, settings, "desk-1", ask,
                                       make_listener=make_listener)
        self.case_no = ""

    @property
    def window(self) -> MainWindow:
        assert self.session.window is not None
        return self.session.window

    def sign_in(self, user: str) -> MainWindow:
        """Sign the current user out (Ctrl+Shift+L) and ``user`` in."""
        self.next_user.append(user)
        if self.session.window is None:
            assert self.session.sign_in()
        else:
            old = self.window
            activate(self.qtbot, old)
            self.key(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                     | Qt.KeyboardModifier.ShiftModifier)
            self.qtbot.waitUntil(lambda: self.session.window not in (None, old))
        w = self.window
        assert w.user.username == user
        fast_timers(w)
        activate(self.qtbot, w)
        return w

    def key(self, key: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(self.window, key, mod)

    def find(self) -> None:
        """Ctrl+F, type the case number, Enter: the case opens in the detail pane."""
        w = self.window
        self.key(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert w.focusWidget() is w.finder.box
        QTest.keyClicks(w.finder.box, self.case_no)
        QTest.keyClick(w.finder.box, Qt.Key.Key_Return)
        self.qtbot.waitUntil(lambda: w.current_detail is not None
                             and w.current_detail.detail.row.case.case_no == self.case_no)

    def answer(self, text: str | None = None) -> None:
        """Fill the action dialog's text (if any) and confirm with Ctrl+Enter."""
        w = self.window
        dialog = visible_dialog(w, ActionFieldsDialog)
        activate(self.qtbot, dialog)
        if text is not None:
            box = next(b for b in dialog.findChildren(QPlainTextEdit) if b.isVisible())
            box.setFocus()
            box.insertPlainText(text)  # Chinese comes in through the input method, not keys
        QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        self.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
        activate(self.qtbot, w)

    def send_to(self) -> None:
        """V / K: the collector dialog offers the cell's collector first; Enter sends it."""
        w = self.window
        dialog = visible_dialog(w, CollectorDialog)
        activate(self.qtbot, dialog)
        QTest.keyClick(dialog, Qt.Key.Key_Return)
        self.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
        activate(self.qtbot, w)

    def state(self) -> CaseState:
        with self.app.uow_factory() as uow:
            return uow.cases.get_by_no(self.case_no).state

    def step(self, action: Callable[[], None], then: CaseState) -> None:
        """Do one step, wait for it to be stored, and check every count on the desk."""
        action()
        self.qtbot.waitUntil(lambda: self.state() is then, timeout=3000)
        self.window.controller.poll()
        settle_counts(self.qtbot, self.window)

    def reads(self, *notes: str) -> None:
        """The detail pane's timeline shows these notes (what the previous roles wrote)."""
        w = self.window
        self.qtbot.waitUntil(lambda: w.detail.timeline.entry_count() > 0)
        shown = "\n".join(w.detail.timeline.entry_text(i)
                          for i in range(w.detail.timeline.entry_count()))
        for note in notes:
            assert note in shown, f"{note!r} not in the timeline of {w.user.username}'s desk"

    def close(self) -> None:
        if self.session.window is not None:
            self.window.close()
        self.session.stop()
        self.session.ops.shutdown()
        if self.root is not None:
            self.root.sign_out()
        self.app.close()


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_one_shift_at_one_desk(qtbot, tmp_path, demo_template, backend, request) -> None:
    centre = request.getfixturevalue("remote_centre") if backend == "remote" else None
    shift = Shift(qtbot, tmp_path, demo_template, centre)
    try:
        _run(shift)
    finally:
        shift.close()


def _run(shift: Shift) -> None:
    k, mods = Qt.Key, Qt.KeyboardModifier
    # 受理员: a hotline call, typed in; accepted; sent to the cell's collector.
    w = shift.sign_in("shouli1")
    settle_counts(shift.qtbot, w)
    shift.key(k.Key_N, mods.ControlModifier)
    form = visible_dialog(w, NewReportDialog)
    activate(shift.qtbot, form)
    QTest.keyClicks(form.category, "bllj")
    QTest.keyClick(form.category, k.Key_Tab)
    QTest.keyClicks(form.location, GRID)
    form.description.setFocus()
    form.description.insertPlainText("市民来电：路口垃圾堆积")  # typed through the input method
    form.contact.setText("13800001234")
    QTest.keyClick(form, k.Key_Return, mods.ControlModifier)
    shift.qtbot.waitUntil(lambda: not form.isVisible(), timeout=3000)
    activate(shift.qtbot, w)
    shift.qtbot.waitUntil(lambda: w.current_detail is not None)
    shift.case_no = w.current_detail.detail.row.case.case_no
    assert shift.state() is CaseState.REPORTED
    w.controller.poll()
    settle_counts(shift.qtbot, w)
    shift.step(lambda: shift.key(k.Key_A), CaseState.ACCEPTED)
    shift.step(lambda: (shift.key(k.Key_V), shift.send_to()), CaseState.VERIFYING)

    # 监督员: finds it, records what the site showed.
    shift.sign_in("caiji01")
    shift.find()
    shift.step(lambda: (shift.key(k.Key_V, mods.ShiftModifier), shift.answer(NOTES["verify"])),
               CaseState.ACCEPTED)

    # 值班长: reads the verification, files with judgement (Shift+F, Enter).
    w = shift.sign_in("zhibanzhang1")
    shift.find()
    shift.reads(NOTES["verify"])

    def file_with_dialog() -> None:
        shift.key(k.Key_F, mods.ShiftModifier)
        dialog = visible_dialog(w, FilingDialog)
        assert dialog.preview is not None and dialog.preview.unit_name in dialog.outcome.text()
        activate(shift.qtbot, dialog)
        QTest.keyClick(dialog.conditions, k.Key_Return)

    shift.step(file_with_dialog, CaseState.FILED)

    # 派遣员: one key to the suggested unit.
    shift.sign_in("paiqian1")
    shift.find()
    shift.step(lambda: shift.key(k.Key_D), CaseState.DISPATCHED)
    with shift.app.uow_factory() as uow:
        unit = uow.cases.get_by_no(shift.case_no).unit
    unit_user = next(u.username for u in shift.app.centre.ref.users.values() if u.unit == unit)

    # The unit: signs for it and reports back.
    shift.sign_in(unit_user)
    shift.find()
    shift.step(lambda: shift.key(k.Key_S), CaseState.HANDLING)
    shift.step(lambda: (shift.key(k.Key_B), shift.answer(NOTES["feedback1"])), CaseState.HANDLED)

    # 受理员 sends it to be checked; the collector finds it not done: 返工.
    shift.sign_in("shouli1")
    shift.find()
    shift.reads(NOTES["feedback1"])
    shift.step(lambda: (shift.key(k.Key_K), shift.send_to()), CaseState.CHECKING)
    shift.sign_in("caiji01")
    shift.find()
    shift.reads(NOTES["feedback1"])
    shift.step(lambda: (shift.key(k.Key_P, mods.ShiftModifier), shift.answer(NOTES["fail"])),
               CaseState.DISPATCHED)

    # The unit reads why and does it again.
    shift.sign_in(unit_user)
    shift.find()
    shift.reads(NOTES["fail"])
    shift.step(lambda: shift.key(k.Key_S), CaseState.HANDLING)
    shift.step(lambda: (shift.key(k.Key_B), shift.answer(NOTES["feedback2"])), CaseState.HANDLED)
    shift.sign_in("shouli1")
    shift.find()
    shift.step(lambda: (shift.key(k.Key_K), shift.send_to()), CaseState.CHECKING)
    shift.sign_in("caiji01")
    shift.find()
    shift.step(lambda: (shift.key(k.Key_P), shift.answer(NOTES["pass"])), CaseState.TO_CLOSE)

    # 值班长 reads the whole story and closes it.
    shift.sign_in("zhibanzhang1")
    shift.find()
    shift.reads(*NOTES.values())
    shift.step(lambda: (shift.key(k.Key_C), shift.answer()), CaseState.CLOSED)
