"""The case table model: Qt's model checks, live upserts, visible-only ticks, red alerts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from console.app import App
from console.domain.cases import Case
from console.services.uow import CaseFilter
from console.ui.models.case_table import BOARD_STATES, CaseTableModel
from console.ui.panes.queue import CaseFilterProxy
from tests.gui.desk import NOW


def _open_cases(path) -> tuple[App, list[Case]]:
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    with app.uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(open_only=True, order="id"))
    return app, cases


def _board(app: App) -> CaseTableModel:
    return CaseTableModel(app.centre, ("case_no", "state", "unit", "remaining", "light"),
                          lambda c: c.state in BOARD_STATES)


def test_model_passes_qt_model_checks(demo_template, qtmodeltester) -> None:
    app, cases = _open_cases(demo_template)
    model = _board(app)
    model.set_cases(cases, NOW)
    assert model.rowCount() > 10
    qtmodeltester.check(model)
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(3)
    qtmodeltester.check(proxy)
    app.close()


def test_upsert_updates_inserts_and_drops_only_what_changed(demo_template, qtbot) -> None:
    app, cases = _open_cases(demo_template)
    model = _board(app)
    model.set_cases(cases, NOW)
    first = next(c for c in cases if c.state in BOARD_STATES)
    before = model.rowCount()
    with qtbot.assertNotEmitted(model.modelReset):
        with qtbot.waitSignal(model.dataChanged):
            model.upsert([dataclasses.replace(first, urge_count=9)], NOW)
        with qtbot.waitSignal(model.rowsRemoved):
            model.upsert([dataclasses.replace(first, state=cases[0].state.CLOSED)], NOW)
    assert model.rowCount() == before - 1 and model.row_of(first.id) is None
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert([first], NOW)
    assert model.rowCount() == before
    app.close()


def test_tick_redraws_only_the_visible_countdown_cells(demo_template, qtbot) -> None:
    app, cases = _open_cases(demo_template)
    model = _board(app)
    model.set_cases(cases, NOW)
    seen = []
    model.dataChanged.connect(lambda a, b, roles: seen.append((a.row(), b.row(), a.column(), b.column())))
    model.tick(NOW + timedelta(seconds=1), range(2, 5))
    assert seen == [(2, 4, 3, 4)]  # rows 2-4, the remaining and light columns only
    app.close()


def test_a_case_turning_red_is_announced_once(demo_template, qtbot) -> None:
    app, cases = _open_cases(demo_template)
    model = _board(app)
    model.set_cases(cases, NOW)
    green = [model.row_data(r).case for r in range(model.rowCount())
             if model.row_data(r).light is not None and model.row_data(r).light.value != "red"
             and model.row_data(r).case.suspended_at is None]
    target = min(green, key=lambda c: c.stage_deadline)
    reds = []
    model.turned_red.connect(reds.append)
    model.tick(target.stage_deadline + timedelta(minutes=1), range(0))
    assert target.id in reds
    count = len(reds)
    model.tick(target.stage_deadline + timedelta(minutes=2), range(0))
    assert len(reds) == count
    app.close()


def test_a_row_flashes_once_when_it_turns_red(demo_template, qtbot) -> None:
    from PySide6.QtCore import Qt

    from console.ui.models.case_table import FLASH_COLOR

    app, cases = _open_cases(demo_template)
    model = _board(app)
    model.set_cases(cases, NOW)
    case_id = model.case_ids()[0]
    index = model.index(model.row_of(case_id), 0)
    model.flash(case_id, NOW)
    assert index.data(Qt.ItemDataRole.BackgroundRole) == FLASH_COLOR
    model.tick(NOW + timedelta(seconds=2), range(0))
    assert index.data(Qt.ItemDataRole.BackgroundRole) is None
    app.close()
