"""A desk whose database stops answering (SQLite): banner, disabled actions, honest outcomes.

The database is made to fail by an engine hook (every statement of the desk's engine raises
``OperationalError`` while the outage lasts); a second App on the same file — another desk —
keeps working meanwhile.
"""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtWidgets import QPushButton
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

# The seat's in-process backend calls these services (console.ui only sees the seam).
import console.desk_local as controller_module
from console.app import App
from console.domain.cases import CaseState
from console.services.cases import Report, act, report_case
from tests.gui.desk import Desk, case_state


class EngineOutage:
    """Every statement on ``engine`` fails like a vanished database while :attr:`down`."""

    def __init__(self, engine: Engine) -> None:
        self.down = False
        event.listen(engine, "before_cursor_execute", self._check)

    def _check(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.down:
            raise OperationalError(statement, parameters, sqlite3.OperationalError("disk I/O error"))


def filed_case(desk: Desk, what: str = "路口暴露垃圾") -> int:
    """A case reported, accepted and filed by others: it waits in the dispatch queue."""
    app, centre = desk.app, desk.app.centre
    made = report_case(app.uow_factory, centre, centre.actor("caiji01"), desk.clock(),
                       Report("06010", what, grid="330824001001001")).case
    for user, command in (("shouli1", "accept"), ("zhibanzhang2", "file")):
        act(app.uow_factory, centre, centre.actor(user), desk.clock(), made.id, command)
    return made.id


def action_buttons(window) -> list[QPushButton]:
    return [b for b in window.detail.findChildren(QPushButton)
            if b.objectName().startswith("action_")]


def events_of(desk: Desk, case_id: int, kind: str) -> list:
    with desk.app.uow_factory() as uow:
        return [e for e in uow.events.for_case(case_id) if e.type == kind]


@pytest.fixture
def outage_desk(desk_factory, qtbot):
    """A supervisor's desk on SQLite, its engine hooked for outages, one case to dispatch."""
    desk = desk_factory(user="zhibanzhang1")
    outage = EngineOutage(desk.app.engine)
    case_id = filed_case(desk)
    w = desk.window
    qtbot.waitUntil(lambda: w.dispatch.model.row_of(case_id) is not None, timeout=3000)
    w.select_case(case_id)
    qtbot.waitUntil(lambda: any(b.isEnabled() for b in action_buttons(w)), timeout=3000)
    return desk, outage, case_id


def test_a_failing_database_shows_the_banner_disables_actions_and_recovers(outage_desk, qtbot):
    desk, outage, case_id = outage_desk
    w = desk.window
    rows = w.dispatch.model.rowCount()
    outage.down = True
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    # The data stays, with its age; every way of writing is off.
    assert w.banner.text.startswith("数据库无响应 · 数据截至 15:30:00")
    assert w.dispatch.model.rowCount() == rows
    assert action_buttons(w) and not any(b.isEnabled() for b in action_buttons(w))
    assert not w.dispatch_to.isEnabled()
    keys = [a for a in w.actions() if a.objectName().startswith("act_cmd_")]
    assert keys and not any(a.isEnabled() for a in keys)
    dialog = w.reports.open()  # the call can still be typed in, but not saved
    from PySide6.QtWidgets import QDialogButtonBox

    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    # A command that slips through (Enter in the dispatch queue) is refused, not queued.
    w.commands.dispatch_selected([case_id])
    assert "操作未执行" in w.notice.text
    # Meanwhile another desk dispatches it.
    other = App.open(desk.url, desk.clock)
    try:
        act(other.uow_factory, other.centre, other.centre.actor("paiqian2", "desk-2"),
            desk.clock(), case_id, "dispatch")
    finally:
        other.close()
    outage.down = False
    qtbot.waitUntil(lambda: w.banner.kind == "demo", timeout=10000)  # the demo notice is back
    qtbot.waitUntil(lambda: w.board.model.row_of(case_id) is not None, timeout=5000)
    assert w.dispatch.model.row_of(case_id) is None  # the missed event was applied
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    assert all(a.isEnabled() for a in keys) and w.dispatch_to.isEnabled()
    assert len(events_of(desk, case_id, "dispatch")) == 1  # only the other desk's
    dialog.reject()


def test_a_desk_that_starts_without_its_database_comes_up_when_it_returns(desk_factory, qtbot,
                                                                       monkeypatch):
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    controller = w.controller
    case_id = filed_case(desk)
    # As if the first load had failed: the desk knows nothing yet and the database is away.
    controller._loaded = False
    outage = EngineOutage(desk.app.engine)
    outage.down = True
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    assert "数据截至" in w.banner.text
    outage.down = False
    qtbot.waitUntil(lambda: w.banner.kind == "demo", timeout=10000)
    qtbot.waitUntil(lambda: w.dispatch.model.row_of(case_id) is not None, timeout=5000)


def test_an_action_that_committed_before_the_line_died_is_reported_committed(outage_desk, qtbot,
                                                                            monkeypatch):
    desk, outage, case_id = outage_desk
    w = desk.window
    real_act = controller_module.act

    def act_then_lose_the_line(*args, **kwargs):
        real_act(*args, **kwargs)  # the COMMIT went through ...
        outage.down = True  # ... and then the database vanished before the answer came back
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(controller_module, "act", act_then_lose_the_line)
    w.commands.run_command(case_id, "dispatch")
    assert "尚不能确认是否已提交" in w.notice.text  # not "done", not "failed": unknown
    assert [p.case_id for p in w.controller.unconfirmed] == [case_id]
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    monkeypatch.setattr(controller_module, "act", real_act)
    outage.down = False
    qtbot.waitUntil(lambda: w.controller.unconfirmed == (), timeout=10000)
    assert w.notice.text.endswith(" 派遣：已提交") and w.notice.kind == "info"
    assert case_state(desk, case_id) is CaseState.DISPATCHED
    assert len(events_of(desk, case_id, "dispatch")) == 1  # never retried, never doubled


def test_an_action_lost_with_the_connection_is_reported_not_committed(outage_desk, qtbot,
                                                                     monkeypatch):
    desk, outage, case_id = outage_desk
    w = desk.window

    def line_dead(*args, **kwargs):
        outage.down = True
        raise OperationalError("UPDATE", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(controller_module, "act", line_dead)
    w.commands.run_command(case_id, "dispatch")
    assert "尚不能确认是否已提交" in w.notice.text
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    outage.down = False
    qtbot.waitUntil(lambda: "未提交，请重做" in w.notice.text, timeout=10000)
    assert w.notice.action_button.isVisible()  # it stays until the operator has read it
    assert case_state(desk, case_id) is CaseState.FILED
    assert events_of(desk, case_id, "dispatch") == []
    w.notice.action_button.click()
    assert not w.notice.isVisible()


def test_a_report_whose_connection_died_is_not_saved_twice(outage_desk, qtbot, monkeypatch):
    desk, _outage, _case_id = outage_desk
    w = desk.window
    real_report = controller_module.report_case
    request_ids: list[str] = []

    def report_then_lose_the_line(*args, **kwargs):
        request_ids.append(kwargs["request_id"])
        real_report(*args, **kwargs)
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(controller_module, "report_case", report_then_lose_the_line)
    errors: list[str] = []
    w.controller.report(Report("06010", "桥下暴露垃圾", grid="330824001001001"), None,
                        lambda case: None, errors.append)
    assert errors and "请勿重复提交" in errors[0]
    qtbot.waitUntil(lambda: "新上报：已提交" in w.notice.text, timeout=10000)
    with desk.app.uow_factory() as uow:
        assert len(uow.events.by_request(request_ids[0])) == 1


def test_offline_screenshot(outage_desk, themed_app, qtbot, tmp_path):
    """The desk during an outage, for docs/screenshots (CITYDESK_UPDATE_SCREENSHOTS=1)."""
    import os
    from pathlib import Path

    from console.ui.theme import apply_theme

    desk, outage, _case_id = outage_desk
    w = desk.window
    apply_theme(themed_app, "dark")
    w.apply_theme_colors("dark")
    w.resize(1920, 1080)
    w.reload()  # columns sized again in the theme's font, as a desk started themed has them
    qtbot.wait(300)
    outage.down = True
    qtbot.waitUntil(lambda: w.banner.kind == "danger", timeout=5000)
    qtbot.wait(200)
    docs = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder = docs if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    assert w.grab().toImage().save(str(folder / "desk_offline.png"))
    outage.down = False
    qtbot.waitUntil(lambda: w.banner.kind == "demo", timeout=10000)
