"""The numbers a desk shows agree with the database after every step of the loop.

Every queue pane's "N 件", the map's legend and the chart strip's lights are compared with SQL
counts (through the seat's own scope) after each action; the old desk let a pane say 98 after a
case had left it, and "6 件" over 5 rows.
"""

from __future__ import annotations

from console.domain.cases import CaseState
from console.services.cases import Report, act, report_case
from console.ui.models.case_table import CaseTableModel
from tests.gui.desk import fast_timers, settle_counts


def test_every_count_agrees_with_sql_after_every_step(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    fast_timers(w)
    settle_counts(qtbot, w)
    app, now = desk.app, desk.clock()
    made = report_case(app.uow_factory, app.centre, app.centre.actor("caiji01"), now,
                       Report("06010", "路口暴露垃圾", grid="330824001001001")).case
    steps = [("shouli1", "accept", {}), ("zhibanzhang1", "file", {}), ("paiqian1", "dispatch", {}),
             ("@unit", "start", {}), ("@unit", "feedback", {"notes": "已清运"}),
             ("shouli1", "request-check", {}), ("caiji01", "check-fail", {"notes": "仍有残留"}),
             ("@unit", "start", {}), ("@unit", "feedback", {"notes": "已彻底清理"}),
             ("shouli1", "request-check", {}), ("caiji01", "check-pass", {}),
             ("zhibanzhang1", "close", {})]
    w.controller.poll()
    settle_counts(qtbot, w)
    for user, command, fields in steps:
        if user == "@unit":
            with app.uow_factory() as uow:
                unit = uow.cases.get(made.id).unit
            user = next(u.username for u in app.centre.ref.users.values() if u.unit == unit)
        act(app.uow_factory, app.centre, app.centre.actor(user), now, made.id, command, fields)
        w.controller.poll()  # what the 1 s poll does
        settle_counts(qtbot, w)
    with app.uow_factory() as uow:
        assert uow.cases.get(made.id).state is CaseState.CLOSED


def test_a_row_leaving_a_long_queue_takes_its_count_down_at_once(desk_factory, qtbot,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr("console.ui.controller.PAGE", 5)  # a queue longer than its first page
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    intake = w.intake.model
    assert isinstance(intake, CaseTableModel) and not intake.complete
    before = intake.total
    first = next(intake.row_data(r).case for r in range(intake.rowCount())
                 if intake.row_data(r).case.state is CaseState.REPORTED)
    seen: list[str] = []
    intake.rowsRemoved.connect(lambda *_a: seen.append(w.intake.count.text()))
    act(desk.app.uow_factory, desk.app.centre, desk.app.centre.actor("shouli1"), desk.clock(),
        first.id, "refuse", {"reason": "重复上报"})
    w.controller.poll()
    assert intake.row_of(first.id) is None
    assert intake.total == before - 1
    assert seen == [f"{before - 1} 件"]  # the label said so when the row went, not later
    fast_timers(w)
    settle_counts(qtbot, w)


def test_the_map_counts_cases_it_cannot_place_and_draws_cell_only_ones(desk_factory) -> None:
    from dataclasses import replace

    from console.services.queries import make_row

    desk = desk_factory("zhibanzhang1")
    w = desk.window
    rows = [w.board.model.row_data(r) for r in range(3)]
    cell_only = replace(rows[0].case, lon=None, lat=None)
    nowhere = replace(rows[1].case, lon=None, lat=None, grid=None)
    w.map.set_rows([make_row(desk.app.centre, c, desk.clock())
                    for c in (cell_only, nowhere, rows[2].case)])
    keys = set(w.map.map.marker_keys())
    assert str(cell_only.id) in keys and str(nowhere.id) not in keys
    legend = w.map.legend.text()
    assert sum(int(part.split()[-1]) for part in legend.split("  ")[:3]) == 3
    assert "1 件无位置" in legend


def test_the_statistics_charts_open_in_a_window_of_their_own(desk_factory) -> None:
    from PySide6.QtGui import QAction

    w = desk_factory("zhibanzhang1").window
    w.findChild(QAction, "act_charts_window").trigger()
    dock = w.docks["live_charts"]
    assert dock.isFloating() and dock.isVisible()
    area = w.screen().availableGeometry()  # as large as the screen allows, up to 1280 x 860
    assert dock.width() >= min(1280, area.width() * 9 // 10) - 1
    assert dock.height() >= min(860, area.height() * 9 // 10) - 1
    w.reset_layout()
    assert not dock.isFloating()
