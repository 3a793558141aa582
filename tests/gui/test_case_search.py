"""Ctrl+F: open any case by its number, phone digits or words, from anywhere in the desk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from console.domain.cases import CaseState
from console.services.uow import CaseFilter


def _closed_case(desk):
    with desk.app.uow_factory() as uow:
        return uow.cases.list(CaseFilter(states=(CaseState.CLOSED,), limit=1))[0]


def test_a_whole_number_opens_the_case_at_once(desk_factory, qtbot) -> None:
    desk = desk_factory("shouli1")
    w = desk.window
    closed = _closed_case(desk)  # in no queue: only a search reaches it
    assert all(p.model.row_of(closed.id) is None for p in w.queues)
    w.findChild(QAction, "act_find_case").trigger()
    assert w.focusWidget() is w.finder.box
    qtbot.keyClicks(w.finder.box, closed.case_no)
    qtbot.keyClick(w.finder.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.detail.case_id == closed.id)
    assert closed.case_no in w.detail.header.text()
    assert w.finder.dialog is None  # no list for an exact hit


def test_words_list_the_matches_and_enter_opens_one(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    closed = _closed_case(desk)
    w.finder.box.setText(closed.description[:4])
    w.finder.search(w.finder.box.text())
    dialog = w.finder.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0)
    numbers = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert closed.case_no in numbers
    dialog.table.selectRow(numbers.index(closed.case_no))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.detail.case_id == closed.id)


def test_a_useless_search_says_why_in_one_line(desk_factory, qtbot) -> None:
    w = desk_factory("shouli1").window
    w.finder.search("x")
    dialog = w.finder.dialog
    assert dialog is not None
    assert "2 个字符" in dialog.status.text() and "\n" not in dialog.status.text()
    assert dialog.table.rowCount() == 0
