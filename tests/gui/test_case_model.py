"""The case table model: Qt's model checks, paging, SQL order, live upserts, ticks, red alerts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from console.app import App
from console.domain.cases import Case
from console.services.queue_reads import load_page
from console.services.queue_view import QueueQuery, sort_key
from console.services.uow import CaseFilter
from console.ui.models.case_table import BOARD_STATES, CaseTableModel
from tests.gui.desk import NOW


def _open_cases(path) -> tuple[App, list[Case]]:
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    with app.uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(open_only=True, order="id"))
    return app, cases


def _board(app: App, sort: str = "id") -> CaseTableModel:
    query = QueueQuery(tuple(sorted(BOARD_STATES, key=list(type(next(iter(BOARD_STATES)))).index)),
                       sort)
    return CaseTableModel(app.centre, ("case_no", "state", "unit", "remaining", "light"), query)


def _fetch_from(app: App):
    """A synchronous page fetcher over the app's database (the window's runs on a worker)."""
    def fetch(query, offset, limit, done) -> None:
        done(*load_page(app.uow_factory(), query, offset, limit, offset == 0))
    return fetch


def test_model_passes_qt_model_checks(demo_template, qtmodeltester) -> None:
    app, cases = _open_cases(demo_template)
    model = _board(app)
    model.set_cases(cases, NOW)
    assert model.rowCount() > 10
    qtmodeltester.check(model)
    model.sort(3)  # by the deadline, in place (the model holds the whole queue)
    qtmodeltester.check(model)
    app.close()


def test_pages_come_in_sql_order_as_the_view_scrolls(demo_template, qtmodeltester) -> None:
    app, cases = _open_cases(demo_template)
    board = sorted((c for c in cases if c.state in BOARD_STATES),
                   key=lambda c: (c.stage_deadline is None, c.stage_deadline, c.id))
    model = _board(app, "deadline")
    model.set_fetcher(_fetch_from(app))
    first, total = load_page(app.uow_factory(), model.query, 0, 7, True)
    model.set_cases(first, NOW, total)
    assert model.rowCount() == 7 and model.total == len(board) > 20
    assert model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
    assert model.case_ids() == [c.id for c in board] and model.complete
    qtmodeltester.check(model)
    app.close()


def test_a_header_click_reads_the_queue_again_in_the_new_order(demo_template, qtbot) -> None:
    from PySide6.QtCore import Qt

    app, _cases = _open_cases(demo_template)
    model = _board(app, "deadline")
    model.set_fetcher(_fetch_from(app))
    first, total = load_page(app.uow_factory(), model.query, 0, 200, True)
    model.set_cases(first, NOW, total)
    with qtbot.waitSignal(model.modelReset):
        model.sort(0, Qt.SortOrder.DescendingOrder)  # the case number, newest first
    numbers = [model.row_data(r).case.case_no for r in range(model.rowCount())]
    assert numbers == sorted(numbers, reverse=True) and model.query.sort == "case_no"
    model.sort(1)  # the state column: by the state's stored value
    assert [model.row_data(r).case.state.value for r in range(model.rowCount())] == sorted(
        model.row_data(r).case.state.value for r in range(model.rowCount()))
    app.close()


def test_a_live_case_is_placed_as_sql_would_place_it(demo_template, qtbot) -> None:
    app, cases = _open_cases(demo_template)
    model = _board(app, "deadline")
    first, total = load_page(app.uow_factory(), model.query, 0, 10, True)
    model.set_cases(first, NOW, total)
    inside = dataclasses.replace(first[3], id=10_000_001)  # same deadline as row 3: after it
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert([inside], NOW)
    assert model.row_of(10_000_001) == 4 and model.total == total + 1
    late = max((c for c in cases if c.state in BOARD_STATES and c.stage_deadline),
               key=lambda c: c.stage_deadline)
    beyond = dataclasses.replace(late, id=10_000_002)
    with qtbot.assertNotEmitted(model.rowsInserted):
        model.upsert([beyond], NOW)  # after the loaded page: it comes with its page
    assert model.row_of(10_000_002) is None and model.total == total + 2
    keys = [sort_key(model.row_data(r).case, "deadline") for r in range(model.rowCount())]
    assert keys == sorted(keys)
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


def test_a_page_that_fails_to_load_is_asked_for_again(demo_template) -> None:
    app, _cases = _open_cases(demo_template)
    model = _board(app, "deadline")
    real = _fetch_from(app)
    calls = []

    def flaky(query, offset, limit, done) -> None:
        calls.append(offset)
        if len(calls) == 1:
            done(None, None)  # the database did not answer
        else:
            real(query, offset, limit, done)

    model.set_fetcher(flaky)
    first, total = load_page(app.uow_factory(), model.query, 0, 5, True)
    model.set_cases(first, NOW, total)
    model.fetchMore()
    assert model.rowCount() == 5 and model.canFetchMore()  # nothing lost, not stuck
    model.fetchMore()
    assert model.rowCount() > 5 and calls == [5, 5]
    app.close()
