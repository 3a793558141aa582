"""Filing, dispatching and checking with judgement: Shift+F, Ctrl+D's reason, V/K's collector,
and the closing condition and photos beside the check and close decisions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel

from console.domain.cases import CaseState
from console.domain.commands import Command
from console.services.cases import act
from console.ui.dialogs.action_fields import ActionFieldsDialog
from console.ui.dialogs.filing import FilingDialog
from tests.gui.desk import accepted_case, activate, case_state, visible_dialog


def _events(desk, case_id):
    with desk.app.uow_factory() as uow:
        return uow.events.for_case(case_id)


def _open(desk, qtbot, case_id) -> None:
    w = desk.window
    w.select_case(case_id)
    qtbot.waitUntil(lambda: w.detail.case_id == case_id and w.current_detail is not None
                    and w.current_detail.detail.row.case.id == case_id)


def test_shift_f_files_with_another_category_condition_and_limit(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    case = accepted_case(desk)  # 06010 暴露垃圾
    _open(desk, qtbot, case.id)
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    dialog = visible_dialog(w, FilingDialog)
    # The preview names the unit and the deadlines before anything is filed.
    assert "派遣截止" in dialog.outcome.text() and dialog.preview is not None
    assert dialog.preview.unit_name in dialog.outcome.text()
    dialog.category.setText("01001")  # 供水井盖异常: two conditions, natural time
    assert dialog.conditions.count() == 2
    activate(qtbot, dialog)
    dialog.conditions.setFocus()
    QTest.keyClick(dialog.conditions, Qt.Key.Key_2)  # the second condition: 工程性
    assert dialog.preview.condition.id == "2" and dialog.preview.limit_class == "工程性"
    assert dialog.preview.natural_time and "自然时间" in dialog.outcome.text()
    assert case_state(desk, case.id) is CaseState.ACCEPTED  # nothing filed while choosing
    QTest.keyClick(dialog.conditions, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: case_state(desk, case.id) is CaseState.FILED)
    with desk.app.uow_factory() as uow:
        filed = uow.cases.get(case.id)
    assert (filed.category, filed.condition, filed.limit_class) == ("01001", "2", "工程性")
    assert filed.suggested_unit == dialog.preview.unit


def test_shift_f_on_a_case_not_waiting_to_be_filed_says_so(desk_factory, qtbot) -> None:
    w = desk_factory("zhibanzhang1").window
    w.select_case(w.board.model.row_data(0).case.id)
    assert w.commands.file_with_choices() is None
    assert "待立案" in w.statusBar().currentMessage()


def test_dispatch_to_another_unit_asks_why_and_logs_it(desk_factory, qtbot) -> None:
    desk = desk_factory("paiqian1")
    w = desk.window
    case = accepted_case(desk)
    app = desk.app
    act(app.uow_factory, app.centre, app.centre.actor("zhibanzhang1"), desk.clock(), case.id,
        "file")
    _open(desk, qtbot, case.id)
    w.commands.dispatch_to_other()
    dialog = visible_dialog(w, ActionFieldsDialog)
    unit = dialog.inputs["unit"]
    assert isinstance(unit, QComboBox)
    unit.setCurrentIndex(unit.findData("KH-ZJJ"))
    dialog._on_ok()  # no reason yet: refused inside the dialog
    assert dialog.isVisible() and "原因" in dialog.error_label.text()
    dialog.inputs["reason"].setPlainText("涉及道路设施，住建局处理")
    dialog._on_ok()
    qtbot.waitUntil(lambda: case_state(desk, case.id) is CaseState.DISPATCHED)
    last = _events(desk, case.id)[-1]
    assert last.payload["unit"] == "KH-ZJJ" and last.payload["reason"] == "涉及道路设施，住建局处理"
    assert last.payload["overrode_suggestion"]


def test_v_asks_which_collector_the_cells_own_first(desk_factory, qtbot) -> None:
    desk = desk_factory("shouli1")
    w = desk.window
    app = desk.app
    from console.services.cases import Report, report_case

    made = report_case(app.uow_factory, app.centre, app.centre.actor("shouli1"), desk.clock(),
                       Report("06010", "热线：路口垃圾", source="12345热线",
                              grid="330824001001008")).case
    act(app.uow_factory, app.centre, app.centre.actor("shouli1"), desk.clock(), made.id, "accept")
    _open(desk, qtbot, made.id)
    w.commands.run_command(made.id, Command.REQUEST_VERIFY.value)
    qtbot.waitUntil(lambda: w.commands.collector_dialog is not None
                    and w.commands.collector_dialog.isVisible())
    dialog = w.commands.collector_dialog
    assert dialog.chosen() == "caiji01"  # 330824001001008 is caiji01's beat; nobody has a fix
    texts = [dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())]
    assert texts[0] == "本网格" and "其他网格" in texts
    dialog.table.selectRow(1)
    chosen = dialog.chosen()
    assert chosen and chosen != "caiji01"
    dialog.accept()
    qtbot.waitUntil(lambda: case_state(desk, made.id) is CaseState.VERIFYING)
    assert _events(desk, made.id)[-1].payload["collector"] == chosen


def _jpeg(colour: str) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def test_check_and_close_show_the_closing_condition_and_the_photos(desk_factory, qtbot) -> None:
    from console.photos import photo_from_bytes
    from console.services.cases import Report, report_case

    desk = desk_factory("caiji01")
    w = desk.window
    app, now = desk.app, desk.clock()

    def step(user: str, command: str, **fields) -> None:
        photos = fields.pop("photos", [])
        act(app.uow_factory, app.centre, app.centre.actor(user), now, made.id, command, fields,
            photos=photos)

    made = report_case(app.uow_factory, app.centre, app.centre.actor("caiji01"), now, Report(
        "06010", "路口暴露垃圾", grid="330824001001001",
        photos=[photo_from_bytes(_jpeg("red"), "before.jpg", "before")])).case
    step("shouli1", "accept")
    step("zhibanzhang1", "file")
    step("paiqian1", "dispatch")
    with app.uow_factory() as uow:
        dispatched_to = uow.cases.get(made.id).unit
    unit = next(u.username for u in app.centre.ref.users.values() if u.unit == dispatched_to)
    step(unit, "start")
    step(unit, "feedback", notes="已清运", photos=[photo_from_bytes(_jpeg("green"), "after.jpg",
                                                                  "after")])
    step("shouli1", "request-check")
    _open(desk, qtbot, made.id)
    w.commands.run_command(made.id, Command.CHECK_FAIL.value)
    dialog = visible_dialog(w, ActionFieldsDialog)
    condition = dialog.findChild(QLabel, "context_closing_condition")
    closing = app.centre.ref.categories["06010"].closing_condition
    assert closing and condition is not None and condition.text() == closing
    shots = {kind for _pid, kind, _data in w.current_detail.thumbnails}
    assert shots == {"before", "after"}
    for kind in shots:
        assert dialog.findChild(QLabel, f"context_photo_{kind}") is not None
    dialog.reject()
