"""A desk whose queues are longer than a page: counts from SQL, pages as the view scrolls,
a header click and the unit filter re-read the queue, red alerts for cases not loaded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from console.ui.i18n import light_label
from console.ui.models.case_table import BOARD_STATES
from tests.gui.remote import BOTH


@pytest.fixture
def small_pages(monkeypatch):
    # The demo's board holds ~50 cases: pages of 10 make it five pages long.
    monkeypatch.setattr("console.ui.models.case_table.PAGE", 10)
    monkeypatch.setattr("console.ui.controller.PAGE", 10)


def _board_ids(desk) -> list[int]:
    from console.services.queue_reads import load_page

    total = desk.window.board.model.total
    cases, _n = load_page(desk.app.uow_factory(), desk.window.board.model.query, 0, total, False)
    return [c.id for c in cases]


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_the_board_loads_a_page_counts_all_and_scrolls_for_more(small_pages, desk_factory,
                                                                  qtbot) -> None:
    desk = desk_factory()
    board = desk.window.board
    assert board.model.rowCount() == 10 and board.model.total > 30
    assert board.count.text().startswith(str(board.model.total))
    while board.model.canFetchMore():
        board.view.scrollToBottom()  # the view asks for the next page at the bottom
        qtbot.wait(1)
        board.model.fetchMore()
    assert board.model.complete and board.model.case_ids() == _board_ids(desk)


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_header_click_reads_the_board_again_in_the_new_order(small_pages, desk_factory) -> None:
    desk = desk_factory()
    board = desk.window.board
    before = board.model.case_ids()
    board.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the case number, newest first
    numbers = [board.model.row_data(r).case.case_no for r in range(board.model.rowCount())]
    assert numbers == sorted(numbers, reverse=True) and board.model.case_ids() != before
    assert board.model.rowCount() == 10  # the first page of the new order


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_the_unit_filter_reads_only_that_units_cases(small_pages, desk_factory) -> None:
    w = desk_factory().window
    code = next(w.board.model.row_data(r).case.unit for r in range(w.board.model.rowCount())
                if w.board.model.row_data(r).case.unit)
    w.unit_filter.setCurrentIndex(w.unit_filter.findData(code))
    units = {w.board.model.row_data(r).case.unit for r in range(w.board.model.rowCount())}
    assert units == {code}
    w.unit_filter.setCurrentIndex(0)
    assert len({w.board.model.row_data(r).case.unit
                for r in range(w.board.model.rowCount())}) > 1


def test_a_case_not_loaded_still_raises_its_red_alert(small_pages, desk_factory) -> None:
    desk = desk_factory()
    w = desk.window
    loaded = {i for p in w.queues for i in p.model.case_ids()}
    from console.services.uow import CaseFilter

    with desk.app.uow_factory() as uow:
        running = [c for c in uow.cases.list(CaseFilter(open_only=True, order="id"))
                   if c.stage_deadline and c.suspended_at is None and c.id not in loaded
                   and c.stage_deadline > desk.clock()]
    target = min(running, key=lambda c: c.stage_deadline)
    desk.now[0] = target.stage_deadline - timedelta(minutes=1)
    w.controller.load_due(timedelta(minutes=3))
    desk.now[0] = target.stage_deadline + timedelta(minutes=1)
    w._on_deadline_timer_timeout()
    assert any(cid == target.id and target.case_no in text for cid, text in w.alerts.pending)


def test_the_map_draws_cells_beyond_the_marker_limit_and_cases_below_it(desk_factory,
                                                                        monkeypatch) -> None:
    from console.domain.deadlines import Light

    desk = desk_factory()
    w = desk.window
    assert not w.map.per_cell and all(k.isdigit() for k in w.map.map.marker_keys())
    monkeypatch.setattr("console.services.queue_reads.MARKER_LIMIT", 10)
    w.controller.load_tallies()  # the count grew past the limit: one marker per cell
    keys = w.map.map.marker_keys()
    assert w.map.per_cell and keys and all(k.startswith("cell:") for k in keys)
    assert all(w.map.map.is_marker_shown(k) for k in keys)  # no case filter left over
    total = w.live.tally.total if w.live.tally is not None else None
    assert total is not None
    for light in Light:
        assert f"{light_label(light)} {total.get(light, 0)}" in w.map.legend.text()
    w.map.state_filter.setCurrentIndex(w.map.state_filter.findData("board"))
    board = sum(sum(c.values()) for (g, s), c in w.live.tally.by_grid.items()
                if g and s in {st.value for st in BOARD_STATES})
    shown = sum(int(part.split()[-1]) for part in w.map.legend.text().split("  "))
    assert shown == board
    monkeypatch.setattr("console.services.queue_reads.MARKER_LIMIT", 3000)
    w.controller.load_tallies()  # and back to one marker per case
    assert not w.map.per_cell and all(k.isdigit() for k in w.map.map.marker_keys())
