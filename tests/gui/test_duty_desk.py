"""在岗 at the desk (issue #15), embedded and through a server: a collector's alarm in the alert
strip and Ctrl+K on it (written on the alarm and in the admin log), the supervisor's list of
collectors (工作台 → 监督员在岗), the wall's 监督员在岗 n/m tile, and their screenshots.

The alarms are put in the database as the worker raises them (tests/integration/
test_on_duty_store.py drives the worker itself); a remote desk's server runs on the machine's
clock, so the statuses it shows are only checked on the embedded desk, whose clock is pinned
inside the afternoon shift.
"""

from __future__ import annotations

import os
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from console.domain.cases import CaseState, Role
from console.domain.on_duty import AlarmKind, DutyStatus
from console.services.cases import act
from console.services.on_duty import TASK_STATES
from console.services.positions import Fix
from console.services.uow import CaseFilter
from console.ui.duty_board import ALARMS, DutyBoardPane, row_cells
from console.ui.theme import apply_theme
from db.alarm_repo import SqlAlarmStore
from db.position_repo import SqlPositionStore
from db.tables import AdminLogRow
from tests.gui.desk import activate
from tests.gui.remote import BOTH
from tests.gui.test_wall import wall_factory  # noqa: F401  (a fixture)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Alarm starts differ per test: the remote server's database lives as long as the session.
_SERIAL = count(1)


def _raise(desk, username: str, kind: AlarmKind, minutes: int = 20):
    store = SqlAlarmStore(desk.app.engine)
    started = desk.clock() - timedelta(minutes=minutes, seconds=next(_SERIAL))
    alarm = store.add_alarm(username, kind, started, {"last_fix": None, "distance_m": 420},
                            desk.clock())
    assert alarm is not None
    return store, alarm


def _collectors(desk) -> list[str]:
    return sorted(u.username for u in desk.app.centre.ref.users.values()
                  if u.active and u.role == Role.COLLECTOR.value)


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_collector_alarm_waits_in_the_strip_until_ctrl_k(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    store, alarm = _raise(desk, "caiji02", AlarmKind.OUTSIDE)
    w.duty_alarms.poll()
    qtbot.waitUntil(lambda: alarm.id in {aid for aid, _t in w.alerts.alarms}, timeout=5000)
    text = dict(w.alerts.alarms)[alarm.id]
    assert "余二" in text and "越界" in text and "420 米" in text
    assert text.count("监督员") == 1
    activate(qtbot, w)
    for _press in range(len(w.alerts.pending) + len(w.alerts.alarms)):  # oldest first
        if alarm.id not in {aid for aid, _t in w.alerts.alarms}:
            break
        QTest.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: (store.get_alarm(alarm.id) or alarm).acknowledged_by
                    == "zhibanzhang1", timeout=5000)
    with desk.app.engine.connect() as conn:
        logged = conn.execute(select(AdminLogRow.actor).where(
            AdminLogRow.action == "ack-alarm", AdminLogRow.target == str(alarm.id))).all()
    assert logged == [("zhibanzhang1",)]
    w.duty_alarms.poll()  # the next poll does not bring it back
    qtbot.wait(200)
    assert alarm.id not in {aid for aid, _t in w.alerts.alarms}


def test_an_alarm_acknowledged_elsewhere_leaves_the_strip(desk_factory, qtbot) -> None:
    desk = desk_factory(user="paiqian1")
    w = desk.window
    store, alarm = _raise(desk, "caiji03", AlarmKind.STILL)
    w.duty_alarms.poll()
    qtbot.waitUntil(lambda: alarm.id in dict(w.alerts.alarms), timeout=5000)
    assert store.acknowledge(alarm.id, "zhibanzhang1", desk.clock()) is not None
    w.duty_alarms.poll()
    qtbot.waitUntil(lambda: alarm.id not in dict(w.alerts.alarms), timeout=5000)


def test_a_unit_seat_neither_polls_nor_gets_the_menu(desk_factory) -> None:
    w = desk_factory(user="unit_zhzf").window
    assert not w.duty_alarms.timer.isActive()
    assert all(a.objectName() != "act_duty_board" for a in w.menus.desk.actions())


def _open_board(desk, qtbot) -> DutyBoardPane:
    w = desk.window
    action = next(a for a in w.menus.desk.actions() if a.objectName() == "act_duty_board")
    action.trigger()
    pane = w.docks["duty_board"].widget()
    assert isinstance(pane, DutyBoardPane)
    qtbot.waitUntil(lambda: pane.board is not None, timeout=5000)
    return pane


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_the_supervisor_lists_every_collector(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    _store, alarm = _raise(desk, "caiji04", AlarmKind.OFFLINE)
    pane = _open_board(desk, qtbot)
    board = pane.board
    assert board is not None
    assert sorted(r.username for r in board.rows) == _collectors(desk)
    assert pane.table.rowCount() == len(board.rows)
    row = next(r for r in board.rows if r.username == "caiji04")
    assert alarm.id in {a.id for a in row.alarms}
    line = [pane.table.item(board.rows.index(row), c).text() for c in range(6)]
    assert line == row_cells(row, desk.app.centre) and "离线" in line[2]
    assert board.rows[0].alarms  # those with alarms on top
    if not desk.remote:
        return
    # through the server the wall's figures carry the count too
    data = desk.window.controller.desk.wall_data()
    assert data.collectors == len(_collectors(desk))


def test_statuses_tasks_and_the_wall_tile_on_the_embedded_desk(desk_factory, wall_factory,  # noqa: F811
                                                               qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    lon, lat = desk.app.centre.ref.grids["330824001001001"].centroid
    SqlPositionStore(desk.app.engine).add_many(
        [Fix("caiji01", desk.clock() - timedelta(minutes=m), lon, lat, speed=1.0)
         for m in (1, 6, 11)], desk.clock())
    app = desk.app
    with app.uow_factory() as uow:
        accepted = uow.cases.list(CaseFilter(states=(CaseState.ACCEPTED,), limit=1))
    act(app.uow_factory, app.centre, app.centre.actor("shouli1"), desk.clock(),
        accepted[0].id, "request-verify", {"collector": "caiji05"})
    with app.uow_factory() as uow:
        tasks = [c for c in uow.cases.list(CaseFilter(states=TASK_STATES)) if c.assignee]
    pane = _open_board(desk, qtbot)
    rows = {r.username: r for r in pane.board.rows}
    assert rows["caiji01"].status is DutyStatus.ON_DUTY  # NOW is 15:30 on a Wednesday
    assert all(r.status is DutyStatus.OFFLINE for n, r in rows.items() if n != "caiji01")
    assert "在岗 1/" in pane.summary.text() and "14:00–18:00" in pane.summary.text()
    for case in tasks:
        assert case.case_no in {t.case_no for t in rows[case.assignee].tasks}
    assert accepted[0].id in {c.id for c in tasks}
    tile = wall_factory().window.overview.tiles["on_duty"]
    # the wall's copy of the database has no fixes: nobody is on duty there
    assert tile.value.text() == f"0/{len(_collectors(desk))}"


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_duty_board_and_wall_tile_screenshots(desk_factory, wall_factory, themed_app, qtbot,  # noqa: F811
                                              tmp_path, size) -> None:
    apply_theme(themed_app, "dark")
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors("dark")
    w.resize(*size)
    w.reset_layout()
    lon, lat = desk.app.centre.ref.grids["330824001001001"].centroid
    SqlPositionStore(desk.app.engine).add_many(
        [Fix(name, desk.clock() - timedelta(minutes=2), lon, lat, speed=1.0)
         for name in ("caiji01", "caiji02", "caiji05")], desk.clock())
    _raise(desk, "caiji03", AlarmKind.OFFLINE, 25)
    _raise(desk, "caiji04", AlarmKind.OUTSIDE, 12)
    pane = _open_board(desk, qtbot)
    qtbot.wait(300)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == size
    assert image.save(str(folder / f"duty_board_{size[1]}.png"))
    # every label whole: the headers fit their sections, the summary its room, and the
    # status and alarm columns are in view without scrolling
    header = pane.table.horizontalHeader()
    for column in range(pane.table.columnCount()):
        text = pane.table.horizontalHeaderItem(column).text()
        assert header.fontMetrics().horizontalAdvance(text) <= header.sectionSize(column), text
    summary = pane.summary
    assert summary.fontMetrics().horizontalAdvance(summary.text()) <= summary.width()
    shown = pane.table.viewport().width()
    assert header.sectionPosition(ALARMS) + header.sectionSize(ALARMS) // 2 <= shown
    wall = wall_factory(size=size)
    qtbot.wait(300)
    assert wall.window.grab().toImage().save(str(folder / f"wall_on_duty_{size[1]}.png"))
