"""Fixtures that open a real desk window on a demo database (SQLite, offscreen)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
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
from tests.gui.remote import CHECKS, check_app, server_now

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
    #: The composition root the window runs on: ``app`` itself, or a signed-in ServerRoot.
    root: Any = None

    @property
    def remote(self) -> bool:
        """The desk talks to a server."""
        return self.root is not None and self.root is not self.app


@pytest.fixture
def desk_factory(demo_template: Path, tmp_path: Path, qtbot, backend: str,
                 request: pytest.FixtureRequest) -> Iterator[Callable[..., Desk]]:
    """Open a desk as a given user on a fresh copy of the demo database — or, when the test
    runs with ``backend`` = ``remote`` (tests/gui/remote.py), through the session's
    ``citydesk server`` on its copy, signed in with the demo password and fed by its push
    stream.  ``desk.app`` is the database the checks read either way."""
    opened: list[Desk] = []
    centre = request.getfixturevalue("remote_centre") if backend == "remote" else None

    def make(user: str = "admin", demo: bool = True, threaded: bool = False,
             skew: timedelta = timedelta(0)) -> Desk:
        """``skew``: a remote desk's clock runs this far off the server's (a wrong PC clock)."""
        settings = Settings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
        ops = OpRunner(synchronous=not threaded)  # threaded: the real worker thread
        if centre is None:
            path = tmp_path / f"desk{len(opened)}.sqlite3"
            shutil.copy(demo_template, path)
            now = [NOW]
            url = f"sqlite:///{path}"
            clock: Callable[[], datetime] = lambda: now[0]  # noqa: E731
        else:  # the server's clock is the machine's: the desk's runs with it (``now`` unused)
            now, url = [server_now()], centre.db_url
            clock = (lambda: server_now() + skew) if skew else server_now
        app = App.open(url, clock)
        root: Any = app
        if centre is not None:
            root = centre.root(user)
            CHECKS[root] = app
        actor = root.centre.actor(user, "test-desk")  # the server's reference data, remotely
        controller = DeskController(root, ops, actor, clock)
        window = MainWindow(controller, root.centre.user(user), settings, demo=demo)
        qtbot.addWidget(window)
        window.resize(1600, 960)
        window.show()
        window.start()
        if centre is not None:  # live updates from the server's push stream
            controller.follow(root.event_listener(controller.event_notified.emit,
                                                  controller.listener_status.emit))
        desk = Desk(window, app, url, clock, now, root)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.window.controller.stop()
        desk.window.close()
        desk.window.controller.ops.shutdown()
        if desk.root is not desk.app:
            desk.root.sign_out()
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


def fast_timers(window) -> None:
    """Shorten the window's "soon" timers (recount, chart strip) so a test need not wait 2 s."""
    for timer in (window.recount_soon, window.stats_soon):
        timer.setInterval(20)


def seat_uow(window):
    """Units of work on the desk's database through its seat's scope (what the seat may see)."""
    from console.services.access import scoped_factory

    c = window.controller
    return scoped_factory(check_app(c.backend).uow_factory, c.actor)


def sql_counts(window) -> dict[str, int]:
    """Each shown queue's size, counted in SQL through the seat's own scope."""
    from console.services.queue_reads import count_queues

    return count_queues(seat_uow(window)(), {p.name: p.model.query for p in window.queues})


def sql_lights(window) -> dict[str, int]:
    """Open cases by light at the window's clock, counted in SQL through the seat's scope."""
    from collections import Counter

    from console.services.queue_reads import OPEN_STATES, open_lights

    c = window.controller
    with seat_uow(window)() as uow:
        counted = open_lights(c.centre, uow, OPEN_STATES, window.clock())
    total: Counter = Counter()
    for tally in counted.values():
        total.update(tally)
    return {light.value: n for light, n in total.items() if n}


def counts_agree(window) -> list[str]:
    """What the window shows that disagrees with the database now (empty when all agree):
    every queue pane's "N 件", the map's legend and the chart strip's lights."""
    from console.ui.i18n import _, light_label

    wrong = []
    want = sql_counts(window)
    for pane in window.queues:
        shown = pane.count.text()
        if shown != _("{n} 件").format(n=want[pane.name]):
            wrong.append(f"{pane.name}: shows {shown!r}, SQL {want[pane.name]}")
        if pane.model.complete and pane.model.rowCount() != want[pane.name]:
            wrong.append(f"{pane.name}: {pane.model.rowCount()} rows, SQL {want[pane.name]}")
    lights = sql_lights(window)
    from console.domain.deadlines import Light

    legend = "  ".join(f"{light_label(lt)} {lights.get(lt.value, 0)}" for lt in Light)
    if window.map.state_filter.currentData() == "all" and not window.map.legend.text().startswith(legend):
        wrong.append(f"map legend {window.map.legend.text()!r}, SQL {legend!r}")
    strip = window.charts.lights.values
    if [int(v) for v in strip] != [lights.get(lt.value, 0) for lt in Light]:
        wrong.append(f"chart strip lights {list(strip)}, SQL {lights}")
    return wrong


def settle_counts(qtbot, window, timeout: int = 5000) -> None:
    """Wait until every count the window shows agrees with the database (or fail naming
    what disagrees)."""
    try:
        qtbot.waitUntil(lambda: not counts_agree(window), timeout=timeout)
    except qtbot.TimeoutError:
        raise AssertionError("; ".join(counts_agree(window))) from None
