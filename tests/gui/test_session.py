"""Sign out and switch user without restarting (the shift handover)."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction

from console.app import App
from console.ui.main_window import MainWindow
from console.ui.ops import OpRunner
from console.ui.session import DeskSession
from console.ui.settings import Settings
from tests.gui.desk import NOW


def _session(tmp_path: Path, demo_template: Path, answers: list[str | None]
             ) -> tuple[DeskSession, App, list[str]]:
    path = tmp_path / "shift.sqlite3"
    shutil.copy(demo_template, path)
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    asked: list[str] = []

    def ask(prefill: str) -> str | None:
        asked.append(prefill)
        return answers.pop(0)

    session = DeskSession(app, OpRunner(synchronous=True), app.centre, lambda: NOW, settings,
                          "test-desk", ask, demo=True)
    return session, app, asked


def test_sign_out_brings_the_next_user_in_the_same_program(qtbot, tmp_path, demo_template) -> None:
    session, app, asked = _session(tmp_path, demo_template, ["shouli1", "unit_zhzf", None])
    opened: list[MainWindow] = []
    session.window_opened.connect(opened.append)
    assert session.sign_in("shouli1")
    first = session.window
    assert first is not None and first.controller.actor.user == "shouli1"
    first.findChild(QAction, "act_sign_out").trigger()  # Ctrl+Shift+L
    qtbot.waitUntil(lambda: session.window is not None and session.window is not first)
    second = session.window
    assert second is not None and second.user.username == "unit_zhzf"
    assert asked == ["shouli1", "shouli1"]  # the dialog comes back with the last name filled
    # The unit seat's window shows its own panes, not the acceptor's.
    assert not second.docks["intake"].isVisible() and second.docks["board"].isVisible()
    assert session.settings.window_state("shouli1") is not None  # saved like a normal close
    with qtbot.waitSignal(session.ended, timeout=5000):  # the next dialog is cancelled
        second.findChild(QAction, "act_sign_out").trigger()
    assert session.window is None and [w.user.username for w in opened] == ["shouli1",
                                                                            "unit_zhzf"]
    session.ops.shutdown()
    app.close()


def test_closing_the_window_ends_the_session(qtbot, tmp_path, demo_template) -> None:
    session, app, _asked = _session(tmp_path, demo_template, ["paiqian1"])
    assert session.sign_in()
    window = session.window
    assert window is not None
    with qtbot.waitSignal(session.ended, timeout=5000):
        window.close()
    assert session.window is None
    session.ops.shutdown()
    app.close()


def test_a_cancelled_first_sign_in_opens_nothing(qtbot, tmp_path, demo_template) -> None:
    session, app, _asked = _session(tmp_path, demo_template, [None])
    assert not session.sign_in()
    assert session.window is None
    app.close()
