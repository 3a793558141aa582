"""A PostgreSQL desk behind a TCP proxy: live push, a cut line, and the way back.

The desk (its pool and its LISTEN thread) reaches the server only through
:class:`~tests.tcp_proxy.TcpProxy`; a second writer — another desk — connects directly and keeps
working while the proxy is cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox, QPushButton
from sqlalchemy.engine import make_url

# The seat's in-process backend calls these services (console.ui only sees the seam).
import console.desk_local as controller_module
from console.app import App
from console.cli.gui import ensure_ready
from console.domain.cases import CaseState
from console.services.cases import Report, act, report_case
from console.ui.controller import DeskController
from console.ui.main_window import MainWindow
from console.ui.ops import OpRunner
from console.ui.settings import Settings
from console.ui.start import make_listener
from tests.gui.desk import NOW
from tests.pg import fresh_pg_database
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@dataclass
class PgDesk:
    """A desk window on PostgreSQL through a proxy, and a direct App beside it."""

    window: MainWindow
    app: App  # the desk's, through the proxy
    direct: App  # another desk's, straight to the server
    proxy: TcpProxy

    def file_case(self, what: str) -> int:
        """A case reported, accepted and filed by others (directly)."""
        centre = self.direct.centre
        made = report_case(self.direct.uow_factory, centre, centre.actor("caiji01"), NOW,
                           Report("06010", what, grid="330824001001001")).case
        for user, command in (("shouli1", "accept"), ("zhibanzhang2", "file")):
            act(self.direct.uow_factory, centre, centre.actor(user), NOW, made.id, command)
        return made.id

    def events(self, case_id: int, kind: str) -> list:
        with self.direct.uow_factory() as uow:
            return [e for e in uow.events.for_case(case_id) if e.type == kind]


@pytest.fixture
def pg_desk(pg_admin, qtbot, tmp_path: Path) -> Iterator[PgDesk]:
    """A supervisor's desk on a fresh PostgreSQL database, connected through a TCP proxy."""
    with fresh_pg_database(pg_admin) as url:
        target = make_url(url)
        proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
        direct = App.open(url, lambda: NOW)
        ensure_ready(direct)
        app = App.open(proxy.url_for(url), lambda: NOW)
        ops = OpRunner()  # the real worker thread: a poll may fail slowly
        actor = app.centre.actor("zhibanzhang1", "test-desk")
        controller = DeskController(app, ops, actor, lambda: NOW)
        settings = Settings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
        window = MainWindow(controller, app.centre.user("zhibanzhang1"), settings)
        qtbot.addWidget(window)
        window.resize(1600, 960)
        window.show()
        window.start()
        controller.follow(make_listener(app, controller))
        try:
            yield PgDesk(window, app, direct, proxy)
        finally:
            controller.stop()
            window.close()
            proxy.close()  # first: a worker stuck on a paused line gets its error and ends
            ops.shutdown()
            app.close()
            direct.close()


def _action_buttons(window: MainWindow) -> list[QPushButton]:
    return [b for b in window.detail.findChildren(QPushButton)
            if b.objectName().startswith("action_")]


def test_a_commit_elsewhere_is_pushed_to_the_desk(pg_desk: PgDesk, qtbot) -> None:
    w, controller = pg_desk.window, pg_desk.window.controller
    qtbot.waitUntil(lambda: controller.listener is not None and controller.link.data_as_of
                    is not None, timeout=10000)
    assert controller.poll_timer.interval() > 1000  # the poll is only the safety net now
    qtbot.waitUntil(lambda: controller.listener.online, timeout=10000)  # type: ignore[union-attr]
    case_id = pg_desk.file_case("桥头暴露垃圾")
    qtbot.waitUntil(lambda: w.dispatch.model.row_of(case_id) is not None, timeout=10000)
    assert controller.notifications > 0  # woken by NOTIFY, not only by the safety-net poll


def test_a_cut_line_shows_the_banner_then_catches_up_without_doubling(pg_desk: PgDesk,
                                                                       qtbot, monkeypatch):
    w, controller, proxy = pg_desk.window, pg_desk.window.controller, pg_desk.proxy
    theirs = pg_desk.file_case("路口暴露垃圾")  # another desk will dispatch it during the cut
    mine = pg_desk.file_case("河边暴露垃圾")  # this desk tries to dispatch it during the cut
    qtbot.waitUntil(lambda: w.dispatch.model.row_of(theirs) is not None
                    and w.dispatch.model.row_of(mine) is not None, timeout=10000)
    qtbot.waitUntil(lambda: controller.listener is not None
                    and controller.listener.online, timeout=10000)  # type: ignore[union-attr]
    w.select_case(mine)
    qtbot.waitUntil(lambda: any(b.isEnabled() for b in _action_buttons(w)), timeout=10000)

    # The line is cut while this desk's dispatch is on its way to the server.
    real_act = controller_module.act

    def cut_then_act(*args, **kwargs):
        proxy.cut()
        return real_act(*args, **kwargs)

    monkeypatch.setattr(controller_module, "act", cut_then_act)
    w.commands.run_command(mine, "dispatch")
    qtbot.waitUntil(lambda: "尚不能确认是否已提交" in w.notice.text, timeout=10000)
    monkeypatch.setattr(controller_module, "act", real_act)
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    assert w.banner.text.startswith("数据库无响应 · 数据截至 ")
    assert not any(b.isEnabled() for b in _action_buttons(w))
    assert not w.dispatch_to.isEnabled()
    dialog = w.reports.open()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    dialog.reject()
    w.commands.dispatch_selected([mine])  # a key that still reaches the controller: refused at once
    assert "操作未执行" in w.notice.text

    # Meanwhile another desk, straight to the server, dispatches a case.
    centre = pg_desk.direct.centre
    act(pg_desk.direct.uow_factory, centre, centre.actor("paiqian2", "desk-2"), NOW, theirs,
        "dispatch")
    assert w.dispatch.model.row_of(theirs) is not None  # this desk cannot know yet

    proxy.restore()
    qtbot.waitUntil(lambda: not w.banner.isVisible(), timeout=20000)
    qtbot.waitUntil(lambda: w.board.model.row_of(theirs) is not None, timeout=10000)
    assert w.dispatch.model.row_of(theirs) is None  # the missed event was applied
    board = w.board.model.row_data(w.board.model.row_of(theirs)).case
    assert board.state is CaseState.DISPATCHED
    # This desk's own dispatch never reached the server, and the operator is told so.
    qtbot.waitUntil(lambda: "未提交，请重做" in w.notice.text, timeout=10000)
    assert controller.unconfirmed == ()
    assert pg_desk.events(mine, "dispatch") == []
    assert len(pg_desk.events(theirs, "dispatch")) == 1  # nothing doubled
    qtbot.waitUntil(lambda: any(b.isEnabled() for b in _action_buttons(w)), timeout=10000)
    qtbot.waitUntil(lambda: controller.listener.connects >= 2,  # type: ignore[union-attr]
                    timeout=20000)


def test_a_server_that_hangs_shows_the_banner_and_recovers(pg_desk: PgDesk, qtbot) -> None:
    w, controller, proxy = pg_desk.window, pg_desk.window.controller, pg_desk.proxy
    case_id = pg_desk.file_case("路边暴露垃圾")
    qtbot.waitUntil(lambda: w.dispatch.model.row_of(case_id) is not None, timeout=10000)
    proxy.pause()  # nothing fails: the next poll simply never gets its answer
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    assert not controller.online
    assert w.dispatch.model.row_of(case_id) is not None  # the last picture stays
    centre = pg_desk.direct.centre
    act(pg_desk.direct.uow_factory, centre, centre.actor("paiqian2", "desk-2"), NOW, case_id,
        "dispatch")
    proxy.restore()  # the stuck poll gets its answer; the desk catches up
    qtbot.waitUntil(lambda: not w.banner.isVisible(), timeout=15000)
    qtbot.waitUntil(lambda: w.board.model.row_of(case_id) is not None, timeout=10000)
