"""Fixtures that open a real desk window on a demo database (SQLite, offscreen)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings

from console.app import App
from console.cli.gui import ensure_ready
from console.services.demo import DemoSettings, run_demo
from console.ui.controller import DeskController
from console.ui.main_window import MainWindow
from console.ui.ops import OpRunner
from console.ui.settings import Settings

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday afternoon


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database built once per session; tests get copies."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    try:
        ensure_ready(app)
        run_demo(app.uow_factory, app.centre, NOW, DemoSettings(days=10, seed=7))
    finally:
        app.close()
    return path


@dataclass
class Desk:
    """An open window and what it runs on."""

    window: MainWindow
    app: App
    url: str
    clock: Callable[[], datetime]
    now: list[datetime]


@pytest.fixture
def desk_factory(demo_template: Path, tmp_path: Path, qtbot) -> Iterator[Callable[..., Desk]]:
    """Open a desk as a given user on a fresh copy of the demo database."""
    opened: list[Desk] = []

    def make(user: str = "admin", demo: bool = True, threaded: bool = False) -> Desk:
        path = tmp_path / f"desk{len(opened)}.sqlite3"
        shutil.copy(demo_template, path)
        now = [NOW]
        clock: Callable[[], datetime] = lambda: now[0]  # noqa: E731
        app = App.open(f"sqlite:///{path}", clock)
        settings = Settings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
        ops = OpRunner(synchronous=not threaded)  # threaded: the real worker thread
        actor = app.centre.actor(user, "test-desk")
        controller = DeskController(app, ops, actor, clock)
        window = MainWindow(controller, app.centre.user(user), settings, demo=demo)
        qtbot.addWidget(window)
        window.resize(1600, 960)
        window.show()
        window.start()
        desk = Desk(window, app, f"sqlite:///{path}", clock, now)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.window.controller.poll_timer.stop()
        desk.window.close()
        desk.window.controller.ops.shutdown()
        desk.app.close()


def activate(qtbot, window) -> None:
    """Make ``window`` active (what a window manager does; offscreen Qt does not)."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def case_state(desk: Desk, case_id: int):
    """A case's state as stored."""
    with desk.app.uow_factory() as uow:
        return uow.cases.get(case_id).state


def visible_dialog(window, cls):
    """The newest visible dialog of ``cls`` the window opened."""
    found = [d for d in window.findChildren(cls) if d.isVisible()]
    assert found, f"no {cls.__name__} open"
    return found[-1]


def accepted_case(desk: Desk):
    """A collector's report, accepted by an acceptor at the desk's clock."""
    from console.services.cases import Report, act, report_case

    app = desk.app
    made = report_case(app.uow_factory, app.centre, app.centre.actor("caiji01"), desk.clock(),
                       Report("06010", "路口暴露垃圾", grid="330824001001001")).case
    act(app.uow_factory, app.centre, app.centre.actor("shouli1"), desk.clock(), made.id, "accept")
    return made
