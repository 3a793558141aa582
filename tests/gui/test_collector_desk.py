"""The desk side of 核实 / 核查 (issue #15), embedded and through a server: V asks which collector
goes (the cell's on-duty collector first, distance, tasks in hand), the detail pane shows the
holder, since when and their last fix, 改派 moves the visit, the map's collector layer and a
day's track replay; screenshots of each at 1920×1080 and 1366×768.

A remote desk's server runs on the machine's clock, so the 在岗 statuses are checked on the
embedded desk only (its clock is pinned inside the afternoon shift); the order and texts that
do not depend on the hour are checked on both.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QScrollArea

from console.domain.cases import CaseState
from console.domain.commands import Command
from console.services.cases import Report, act, report_case
from console.services.positions import Fix
from console.ui.theme import apply_theme
from db.position_repo import SqlPositionStore
from tests.gui.desk import case_state
from tests.gui.remote import BOTH
from tests.gui.test_detail_timeline import field

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CELL = "330824001001008"  # caiji01's


def _scene(desk, note: str = "热线：路口垃圾"):
    """Fixes for caiji01 (~110 m from the case) and caiji02 (~330 m), an accepted case."""
    app, now = desk.app, desk.clock()
    lon, lat = app.centre.ref.grids[CELL].centroid
    SqlPositionStore(app.engine).add_many([
        Fix("caiji01", now - timedelta(minutes=30), lon - 0.002, lat),
        Fix("caiji01", now - timedelta(minutes=2), lon, lat + 0.001),
        Fix("caiji02", now - timedelta(minutes=3), lon, lat + 0.003),
    ], now)
    acceptor = app.centre.actor("shouli1")
    made = report_case(app.uow_factory, app.centre, acceptor, now,
                       Report("06010", note, source="12345热线", grid=CELL, lon=lon,
                              lat=lat)).case
    act(app.uow_factory, app.centre, acceptor, now, made.id, "accept")
    return made


def _open(desk, qtbot, case_id: int) -> None:
    w = desk.window
    w.select_case(case_id)
    qtbot.waitUntil(lambda: w.current_detail is not None
                    and w.current_detail.detail.row.case.id == case_id)


def _dialog(w, qtbot):
    qtbot.waitUntil(lambda: w.commands.collector_dialog is not None
                    and w.commands.collector_dialog.isVisible())
    return w.commands.collector_dialog


def _field_widget(w, name: str):
    form = w.detail.fields
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole)
        if label is not None and label.widget().text() == name:
            return form.itemAt(row, form.ItemRole.FieldRole).widget()
    raise AssertionError(f"no field {name!r}")


def _events(desk, case_id: int):
    with desk.app.uow_factory() as uow:
        return uow.events.for_case(case_id)


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_v_sends_to_the_nearest_on_duty_collector_and_reassigning_is_logged(desk_factory,
                                                                           qtbot) -> None:
    desk = desk_factory("shouli1")
    w = desk.window
    made = _scene(desk)
    _open(desk, qtbot, made.id)
    w.commands.run_command(made.id, Command.REQUEST_VERIFY.value)
    dialog = _dialog(w, qtbot)
    assert dialog.chosen() == "caiji01"
    row = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert "汪一" in row[0] and row[2] == "111 米" and row[4] == "本网格"
    second = [dialog.table.item(1, c).text() for c in range(dialog.table.columnCount())]
    assert "余二" in second[0] and second[2] == "334 米"
    if not desk.remote:  # 15:30 on a Wednesday: both on duty
        assert (row[1], second[1]) == ("在岗", "在岗")
    dialog.accept()
    qtbot.waitUntil(lambda: case_state(desk, made.id) is CaseState.VERIFYING)
    assert _events(desk, made.id)[-1].payload["collector"] == "caiji01"
    qtbot.waitUntil(lambda: w.detail.version is not None and w.current_detail is not None
                    and w.current_detail.detail.holder is not None, timeout=5000)
    assert "汪一" in field(w, "任务持有人")
    assert "距案件 111 米" in field(w, "最后定位")
    # 改派: the holder is listed but cannot be chosen; the next one is the default
    w.commands.run_command(made.id, Command.REASSIGN.value)
    dialog = _dialog(w, qtbot)
    assert dialog.chosen() == "caiji02"
    dialog.accept()
    qtbot.waitUntil(lambda: _events(desk, made.id)[-1].type == "reassign", timeout=5000)
    last = _events(desk, made.id)[-1]
    assert last.payload == {"collector": "caiji02", "previous": "caiji01"}
    assert case_state(desk, made.id) is CaseState.VERIFYING
    qtbot.waitUntil(lambda: "余二" in field(w, "任务持有人"), timeout=5000)
    assert "距案件 334 米" in field(w, "最后定位")


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_the_map_shows_collectors_and_replays_a_day(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    _scene(desk, "地图上的监督员")
    pane = w.map
    assert w.collector_watch is not None and pane.replay.isVisibleTo(pane)
    w.collector_watch.refresh()
    qtbot.waitUntil(lambda: pane.collectors.label_of("caiji01") == "汪一", timeout=5000)
    assert pane.collectors.label_of("caiji02") == "余二"
    if not desk.remote:
        assert pane.collectors.color_of("caiji01") == "#2e9d4a"  # 在岗
    pane.show_people.setChecked(False)
    assert not pane.collectors.visible
    pane.show_people.setChecked(True)
    pane.replay.click()
    qtbot.waitUntil(lambda: w.replay_dialog is not None and w.replay_dialog.isVisible())
    dialog = w.replay_dialog
    dialog.who.setCurrentIndex(dialog.who.findData("caiji01"))
    qtbot.waitUntil(lambda: len(dialog.points) >= 2, timeout=5000)
    assert "个定位" in dialog.summary.text()
    dialog.slider.setValue(dialog.slider.maximum())
    last = dialog.points[-1]
    assert dialog.track.cursor.pos() == dialog.map.to_scene(last.lon, last.lat)
    dialog.slider.setValue(0)
    first = dialog.points[0]
    assert dialog.track.cursor.pos() == dialog.map.to_scene(first.lon, first.lat)
    dialog.reject()


def test_a_unit_seat_has_no_collector_layer(desk_factory) -> None:
    w = desk_factory("unit_zhzf").window
    assert w.collector_watch is None and not w.map.replay.isVisibleTo(w.map)


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_screenshots(desk_factory, themed_app, qtbot, tmp_path, size) -> None:
    apply_theme(themed_app, "dark")
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    w.apply_theme_colors("dark")
    w.resize(*size)
    w.reset_layout()
    made = _scene(desk)
    lon, lat = desk.app.centre.ref.grids[CELL].centroid
    now = desk.clock()
    # an afternoon's walk for the replay: east along a street, then north
    SqlPositionStore(desk.app.engine).add_many([
        Fix("caiji01", now - timedelta(minutes=88 - 3 * i, seconds=7),
            lon - 0.003 + 0.0002 * min(i, 15), lat - 0.003 + 0.0003 * max(i - 15, 0),
            speed=1.2) for i in range(28)], now)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    tag = size[1]
    _open(desk, qtbot, made.id)
    w.commands.run_command(made.id, Command.REQUEST_VERIFY.value)
    dialog = _dialog(w, qtbot)
    qtbot.wait(200)
    header = dialog.table.horizontalHeader()
    for column in range(dialog.table.columnCount()):  # every header and cell whole
        text = dialog.table.horizontalHeaderItem(column).text()
        assert header.fontMetrics().horizontalAdvance(text) <= header.sectionSize(column), text
    assert dialog.grab().save(str(folder / f"collector_dialog_{tag}.png"))
    dialog.accept()
    qtbot.waitUntil(lambda: case_state(desk, made.id) is CaseState.VERIFYING)
    qtbot.waitUntil(lambda: w.current_detail is not None
                    and w.current_detail.detail.holder is not None, timeout=5000)
    w.collector_watch.refresh()
    qtbot.waitUntil(lambda: w.map.collectors.label_of("caiji01") is not None, timeout=5000)
    qtbot.wait(400)  # the layout and the map's first fit settle
    w.map.map.zoom_by(2.0)
    w.map.map.center_on(CELL)
    holder = _field_widget(w, "最后定位")
    w.detail.findChild(QScrollArea).ensureWidgetVisible(holder, 0, 0)
    qtbot.wait(300)
    assert w.grab().save(str(folder / f"desk_collectors_{tag}.png"))
    assert holder.visibleRegion().boundingRect().height() == holder.height()  # in sight
    assert w.detail.grab().save(str(folder / f"detail_holder_{tag}.png"))
    w.map.replay.click()
    qtbot.waitUntil(lambda: w.replay_dialog is not None and w.replay_dialog.isVisible())
    replay = w.replay_dialog
    replay.who.setCurrentIndex(replay.who.findData("caiji01"))
    qtbot.waitUntil(lambda: len(replay.points) >= 2, timeout=5000)
    replay.resize(min(980, size[0] - 100), min(720, size[1] - 100))
    replay.slider.setValue(replay.slider.maximum() * 2 // 3)
    qtbot.wait(300)
    assert replay.grab().save(str(folder / f"track_replay_{tag}.png"))
    replay.reject()
