"""A collector signed in to the desk sees its own cells' tasks, its reports and the visits sent
to it: every queue, the map and a case opened by id."""

from __future__ import annotations

import pytest

from console.services.uow import CaseFilter
from tests.gui.remote import BOTH


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_collectors_desk_shows_only_what_it_may_see(desk_factory, qtbot) -> None:
    desk = desk_factory("caiji01")
    w = desk.window
    beat = set(desk.app.centre.user("caiji01").grids)
    shown = [p.model.row_data(r).case for p in w.queues for r in range(p.model.rowCount())]
    assert shown, "the demo has open cases in caiji01's cells"
    for case in shown:
        assert case.grid in beat or case.reporter == "caiji01" or case.assignee == "caiji01"
    assert not w.docks["dispatch"].isVisible() and not w.docks["approvals"].isVisible()
    assert w.docks["check"].isVisible()  # its checks to do
    with desk.app.uow_factory() as uow:
        elsewhere = next(c for c in uow.cases.list(CaseFilter(open_only=True))
                         if c.grid not in beat and c.reporter != "caiji01")
    assert str(elsewhere.id) not in set(w.map.map.marker_keys())
    w.select_case(elsewhere.id)  # even by id, another cell's case is not shown
    assert w.detail.case_id != elsewhere.id
    w.finder.search(elsewhere.case_no)  # nor found by its number
    qtbot.waitUntil(lambda: w.finder.dialog is not None)
    # As if no case had that number: nothing about it leaks (test_scope_leaks.py).
    assert f"未找到与「{elsewhere.case_no}」相符的案件" in w.finder.dialog.status.text()
