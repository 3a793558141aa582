"""Desk presence in the window: who else has a case open, in the queue and the detail pane,
and a warning before acting on such a case."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from console.domain.cases import CaseState
from console.services.presence import heartbeat
from console.services.uow import CaseFilter
from tests.gui.desk import case_state


def _filed_case(desk) -> int:
    with desk.app.uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(states=(CaseState.FILED,), limit=1))
    assert cases and cases[0].id is not None
    return cases[0].id


def _other_desk_opens(desk, case_id: int) -> None:
    other = desk.app.centre.actor("paiqian2", "desk-2")
    heartbeat(desk.app.uow_factory, other, "派遣员二", case_id, desk.clock(), desk.clock())


def test_queue_row_and_detail_show_the_other_desk(desk_factory, qtbot) -> None:
    desk = desk_factory("paiqian1")
    window = desk.window
    case_id = _filed_case(desk)
    _other_desk_opens(desk, case_id)
    window.presence.beat()
    model = window.dispatch.model
    qtbot.waitUntil(lambda: model.presence(case_id) != "", timeout=3000)
    row = model.row_of(case_id)
    column = [c.key for c in model.columns].index("presence")
    assert "@desk-2" in model.index(row, column).data()
    # The case number gets an orange swatch and says who, for when the column is scrolled off.
    number = model.index(row, [c.key for c in model.columns].index("case_no"))
    assert number.data(Qt.ItemDataRole.DecorationRole).alpha() == 255
    assert "desk-2" in number.data(Qt.ItemDataRole.ToolTipRole)
    other_row = next(r for r in range(model.rowCount()) if model.case_id(r) != case_id)
    assert model.index(other_row, 0).data(Qt.ItemDataRole.DecorationRole).alpha() == 0
    assert model.index(other_row, 0).data(Qt.ItemDataRole.ToolTipRole) is None
    window.select_case(case_id)
    label = window.detail.presence_label
    qtbot.waitUntil(lambda: label.isVisibleTo(window.detail) and "desk-2" in label.text(),
                    timeout=3000)
    # This desk's own heartbeat names the case it has open, for the others to see.
    with desk.app.uow_factory() as uow:
        mine = [p for p in uow.presence.active(desk.clock().replace(year=2000))
                if p.desk == window.controller.actor.desk]
    assert mine and mine[0].case_id == case_id


def test_acting_on_a_case_open_elsewhere_asks_first(desk_factory, qtbot, monkeypatch) -> None:
    desk = desk_factory("paiqian1")
    window = desk.window
    case_id = _filed_case(desk)
    _other_desk_opens(desk, case_id)
    window.presence.beat()
    qtbot.waitUntil(lambda: window.presence.holders(case_id) != "", timeout=3000)
    asked: list[str] = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    window.commands.dispatch_selected([case_id])
    assert asked and "desk-2" in asked[0]
    assert case_state(desk, case_id) is CaseState.FILED  # declined: nothing ran
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    window.commands.dispatch_selected([case_id])
    qtbot.waitUntil(lambda: case_state(desk, case_id) is CaseState.DISPATCHED, timeout=3000)


def test_no_warning_for_a_case_nobody_else_has(desk_factory, monkeypatch) -> None:
    desk = desk_factory("paiqian1")
    case_id = _filed_case(desk)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a: (_ for _ in ()).throw(AssertionError("asked")))
    desk.window.commands.dispatch_selected([case_id])
    assert case_state(desk, case_id) is CaseState.DISPATCHED


def test_closing_the_window_removes_this_desks_presence(desk_factory) -> None:
    desk = desk_factory("paiqian1")
    desk.window.presence.beat()
    with desk.app.uow_factory() as uow:
        assert uow.presence.active(desk.clock().replace(year=2000))
    desk.window.close()
    with desk.app.uow_factory() as uow:
        assert uow.presence.active(desk.clock().replace(year=2000)) == []
