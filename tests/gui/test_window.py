"""The desk window: panes filled, wiring between them, actions by role, the keyboard flow."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from console.domain.cases import CaseState
from console.services.uow import CaseFilter
from console.ui.dialogs.action_fields import ActionFieldsDialog
from console.ui.dialogs.collector_pick import CollectorDialog
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.models.case_table import CaseIdRole
from tests.gui.desk import activate, case_state, visible_dialog
from tests.gui.remote import BOTH


def test_every_pane_is_filled_from_the_database(desk_factory) -> None:
    desk = desk_factory()
    w = desk.window
    with desk.app.uow_factory() as uow:
        open_cases = uow.cases.list(CaseFilter(open_only=True))
    total = w.intake.model.rowCount() + w.dispatch.model.rowCount() + w.board.model.rowCount()
    assert total == len(open_cases) > 20
    assert w.map.map.marker_count == len([c for c in open_cases if c.lon is not None])
    assert w.map.map.cell_count == len(desk.app.centre.ref.grids)
    assert sum(w.charts.lights.values) == len(open_cases)
    assert w.banner.isVisible()  # demo data banner
    assert w.detail.case_id is not None  # the first case of the first queue is open


def test_selecting_a_row_opens_the_case_and_its_marker(desk_factory, qtbot) -> None:
    w = desk_factory().window
    view = w.board.view
    index = w.board.model.index(3, 0)
    view.setCurrentIndex(index)
    case_id = index.data(CaseIdRole)
    assert w.detail.case_id == case_id
    assert w.map.map.selected_key == str(case_id)
    assert w.detail.timeline.entry_count() >= 4


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_unit_seat_sees_only_its_own_cases(desk_factory, qtbot) -> None:
    desk = desk_factory(user="unit_gaj")  # 县公安局's desk
    w = desk.window
    assert not w.docks["intake"].isVisible() and not w.docks["dispatch"].isVisible()
    units = {w.board.model.row_data(r).case.unit for r in range(w.board.model.rowCount())}
    assert units == {"KH-GAJ"}  # its own cases are there, and nobody else's
    assert w.intake.model.rowCount() == 0 and w.dispatch.model.rowCount() == 0
    own = set(w.board.model.case_ids())
    assert {int(k) for k in w.map.map.marker_keys()} <= own
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # no key brings it back
    QTest.keyClick(w, Qt.Key.Key_N)
    assert not w.docks["intake"].isVisible()
    with desk.app.uow_factory() as uow:
        other = next(c for c in uow.cases.list(CaseFilter(open_only=True))
                     if c.unit not in (None, "KH-GAJ"))
    w.select_case(other.id)  # even by id, another unit's case is not shown
    assert w.detail.case_id != other.id


def test_actions_follow_the_role_and_disabled_ones_say_why(desk_factory) -> None:
    desk = desk_factory(user="caiji01")  # a collector may verify and check, nothing else
    w = desk.window
    case_id = w.intake.model.case_ids()[0]
    w.select_case(case_id)
    buttons = [b for b in w.detail.findChildren(QPushButton)
               if b.objectName().startswith("action_")]
    names = {b.objectName() for b in buttons}
    assert "action_accept" not in names and "action_dispatch" not in names


def test_accepted_to_dispatched_in_three_keystrokes(desk_factory, qtbot) -> None:
    from tests.gui.desk import accepted_case

    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    made = accepted_case(desk)
    w.controller.poll()  # what the 1 s timer does
    activate(qtbot, w)
    keys = [(Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier),  # focus intake: newest case first
            (Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier),   # 立案 (suggested category)
            (Qt.Key.Key_D, Qt.KeyboardModifier.NoModifier)]   # 派遣 (suggested unit)
    QTest.keyClick(w, *keys[0])
    assert w.intake.current_id() == made.id
    for key in keys[1:]:
        QTest.keyClick(w, *key)
    assert len(keys) == 3
    assert case_state(desk, made.id) is CaseState.DISPATCHED, w.statusBar().currentMessage()
    assert w.board.model.row_of(made.id) is not None
    assert w.dispatch.model.row_of(made.id) is None


def test_new_report_to_closed_with_keys_only(desk_factory, qtbot) -> None:
    desk = desk_factory(user="admin")
    w = desk.window
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = visible_dialog(w, NewReportDialog)
    activate(qtbot, form)
    QTest.keyClicks(form.category, "bllj")  # pinyin initials of 暴露垃圾
    QTest.keyClick(form.category, Qt.Key.Key_Tab)
    QTest.keyClicks(form.location, "330824001001001")
    form.description.setFocus()
    QTest.keyClicks(form.description, "garbage at the crossing")
    QTest.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=3000)
    activate(qtbot, w)
    case_id = w.detail.case_id
    assert case_state(desk, case_id) is CaseState.REPORTED

    def key(k, mod=Qt.KeyboardModifier.NoModifier):
        QTest.keyClick(w, k, mod)

    def send_to() -> None:  # V / K: Enter sends it to the collector offered first
        dialog = visible_dialog(w, CollectorDialog)
        activate(qtbot, dialog)
        QTest.keyClick(dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
        activate(qtbot, w)

    def answer(text: str | None = None) -> None:
        dialog = visible_dialog(w, ActionFieldsDialog)
        activate(qtbot, dialog)  # what the window manager does for a new dialog
        if text is not None:
            QTest.keyClicks(dialog.focusWidget(), text)
        QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
        activate(qtbot, w)

    key(Qt.Key.Key_A)                                   # 受理
    key(Qt.Key.Key_V)                                   # 发核实 (a hotline report)
    send_to()                                           # to the cell's own collector
    key(Qt.Key.Key_V, Qt.KeyboardModifier.ShiftModifier)  # 核实: 属实
    answer()
    assert case_state(desk, case_id) is CaseState.ACCEPTED, w.statusBar().currentMessage()
    key(Qt.Key.Key_F)                                   # 立案
    key(Qt.Key.Key_D)                                   # 派遣
    key(Qt.Key.Key_S)                                   # 签收处置
    key(Qt.Key.Key_B)                                   # 处置反馈
    answer("cleaned up")
    key(Qt.Key.Key_K)                                   # 发核查
    send_to()                                           # to the cell's own collector
    key(Qt.Key.Key_P)                                   # 核查通过
    answer()
    key(Qt.Key.Key_C)                                   # 结案
    answer()
    assert case_state(desk, case_id) is CaseState.CLOSED
    with desk.app.uow_factory() as uow:
        types = [e.type for e in uow.events.for_case(case_id)]
    assert types == ["report", "accept", "request-verify", "verify", "file", "dispatch", "start",
                     "feedback", "request-check", "check-pass", "close"]


def test_f1_shows_every_shortcut(desk_factory, qtbot) -> None:
    from PySide6.QtWidgets import QTableWidget

    from console.ui.dialogs.shortcut_sheet import ShortcutSheet
    from console.ui.shortcuts import SHORTCUTS, WINDOW_SHORTCUTS

    w = desk_factory().window
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_F1)
    dialog = visible_dialog(w, ShortcutSheet)
    table = dialog.findChild(QTableWidget, "shortcut_table")
    keys = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert set(SHORTCUTS.values()) | {k for k, _t in WINDOW_SHORTCUTS.values()} <= keys


def test_a_refused_action_is_explained_not_crashed(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    case_id = w.board.model.case_ids()[0]
    w.select_case(case_id)
    w.commands.run_command(case_id, "accept", {})  # not allowed in a handling state
    assert w.notice.isVisible() and not w.alert.isVisible()
    assert "不能执行" in w.statusBar().currentMessage()


def test_column_widths_and_layout_are_kept_per_user(desk_factory, qtbot) -> None:
    desk = desk_factory(user="paiqian1")
    w = desk.window
    header = w.dispatch.view.horizontalHeader()
    header.resizeSection(1, 222)
    w.close()
    again = desk_factory(user="paiqian1").window
    assert again.dispatch.view.horizontalHeader().sectionSize(1) == 222
    again.reset_layout()
    assert again.dispatch.view.horizontalHeader().sectionSize(1) != 222


def test_clicking_a_marker_opens_its_case(desk_factory, qtbot) -> None:
    w = desk_factory().window
    qtbot.wait(50)
    key = next(k for k in w.map.map.marker_keys() if w.map.map.is_marker_shown(k)
               and int(k) != w.detail.case_id)
    w.map.map.center_on(key)
    pos = w.map.map.mapFromScene(w.map.map.marker_scene_pos(key))
    QTest.mouseClick(w.map.map.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: w.detail.case_id == int(key), timeout=2000)
    assert w.map.map.selected_key == key


def test_enter_dispatches_every_selected_case(desk_factory, qtbot) -> None:
    from PySide6.QtCore import QItemSelectionModel

    desk = desk_factory(user="paiqian1")
    w = desk.window
    ids = w.dispatch.model.case_ids()[:2]
    assert len(ids) == 2
    selection = w.dispatch.view.selectionModel()
    for case_id in ids:
        index = w.dispatch.model.index(w.dispatch.model.row_of(case_id), 0)
        selection.select(index, QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    activate(qtbot, w)
    w.dispatch.view.setFocus()
    QTest.keyClick(w.dispatch.view, Qt.Key.Key_Return)
    assert all(case_state(desk, i) is CaseState.DISPATCHED for i in ids)
    assert all(w.board.model.row_of(i) is not None for i in ids)


def test_an_address_narrows_the_location_to_its_community(desk_factory, qtbot) -> None:
    from console.ui.dialogs.new_report import place_in_address

    desk = desk_factory()
    w = desk.window
    cell = sorted(desk.app.centre.ref.grids.values(), key=lambda g: g.code)[40]
    assert place_in_address(desk.app.centre, f"芹阳{cell.community}12号") == cell.community
    assert place_in_address(desk.app.centre, "火星路1号") is None
    form = w.reports.open()
    form.address.setText(f"{cell.community}12号")
    form.address.editingFinished.emit()
    assert form.location.text() == cell.community
    assert form.grid_code() is None  # a community is not a cell: the operator picks one
    form.reject()


def test_the_supervisor_decides_requests_from_the_approvals_queue(desk_factory, qtbot) -> None:
    from console.services.cases import act

    desk = desk_factory(user="zhibanzhang1")
    app, w = desk.app, desk.window
    row = next(w.board.model.row_data(r) for r in range(w.board.model.rowCount())
               if w.board.model.row_data(r).case.state is CaseState.HANDLING
               and w.board.model.row_data(r).case.pending is None)
    case = row.case
    unit_user = next(u.username for u in app.centre.ref.users.values() if u.unit == case.unit)
    act(app.uow_factory, app.centre, app.centre.actor(unit_user), desk.clock(), case.id,
        "request-extension", {"minutes": 480, "reason": "需调派机械"})
    w.controller.poll()
    assert w.approvals.model.row_of(case.id) is not None
    before = row.case.stage_deadline
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    w.approvals.select_case(case.id)
    QTest.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # approve
    with app.uow_factory() as uow:
        after = uow.cases.get(case.id)
    assert after.pending is None and after.extension_count == 1
    assert after.stage_deadline > before
    assert w.approvals.model.row_of(case.id) is None


def test_approvals_are_hidden_from_other_seats(desk_factory) -> None:
    w = desk_factory(user="paiqian1").window
    assert not w.docks["approvals"].isVisible()


def _handling_case_of(desk, unit_user: str):
    w = desk.window
    unit = desk.app.centre.user(unit_user).unit
    return next(w.board.model.row_data(r).case for r in range(w.board.model.rowCount())
                if w.board.model.row_data(r).case.unit == unit
                and w.board.model.row_data(r).case.state is CaseState.HANDLING
                and w.board.model.row_data(r).case.pending is None)


def test_a_unit_reports_back_with_a_photo(desk_factory, qtbot, tmp_path) -> None:
    from PIL import Image

    desk = desk_factory(user="unit_zhzf")
    w = desk.window
    case = _handling_case_of(desk, "unit_zhzf")
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (640, 480), (90, 160, 90)).save(photo, "JPEG")
    w.select_case(case.id)
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_B)  # 处置反馈
    dialog = visible_dialog(w, ActionFieldsDialog)
    activate(qtbot, dialog)
    QTest.keyClicks(dialog.focusWidget(), "cleaned")
    dialog.add_photos([str(photo)])
    QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert case_state(desk, case.id) is CaseState.HANDLED
    with desk.app.uow_factory() as uow:
        photos = uow.photos.for_case(case.id)
    assert [(p.kind, p.filename) for p in photos][-1] == ("after", "after.jpg")


def test_a_bad_photo_is_refused_and_nothing_changes(desk_factory, qtbot, tmp_path) -> None:
    desk = desk_factory(user="unit_zhzf")
    w = desk.window
    case = _handling_case_of(desk, "unit_zhzf")
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a picture")
    w.select_case(case.id)
    w.commands.run_command(case.id, "feedback")
    dialog = visible_dialog(w, ActionFieldsDialog)
    dialog.inputs["notes"].setPlainText("cleaned")
    dialog.add_photos([str(fake)])
    dialog._on_ok()
    assert case_state(desk, case.id) is CaseState.HANDLING
    assert "JPEG" in w.statusBar().currentMessage()
    assert w.notice.isVisible()


def test_the_board_lists_yellow_and_red_counts_per_unit(desk_factory) -> None:
    w = desk_factory(user="zhibanzhang1").window
    w.live.update_unit_counts()
    model = w.board.model
    red = {}
    for r in range(model.rowCount()):
        row = model.row_data(r)
        if row.light is not None and row.light.value == "red":
            red[row.case.unit] = red.get(row.case.unit, 0) + 1
    unit, n = max(red.items(), key=lambda kv: kv[1])
    text = w.unit_filter.itemText(w.unit_filter.findData(unit))
    assert f"红 {n}" in text


def test_a_unit_desk_shows_its_own_on_time_rate(desk_factory) -> None:
    desk = desk_factory(user="unit_zhzf")
    tile = desk.window.charts.open
    assert "按期处置率" in tile.caption_text
    assert tile.value_text.endswith("%")
