"""The administration window on a demo database: the menu, each tab, saves and refusals.

The rules (who may, what is valid) are tested in tests/integration/test_admin_services.py;
here: the wiring — forms reach the services, refusals reach the operator, saves reach the
desk's centre.  Set CITYDESK_UPDATE_SCREENSHOTS=1 to write the screenshots to docs/.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from console.domain.reference import LimitClass
from console.services.accounts import sign_in
from console.services.cases import act
from console.ui import i18n
from console.ui.admin import AdminWindow
from console.ui.theme import apply_theme
from tests.gui.desk import accepted_case, activate

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def open_admin(desk) -> AdminWindow:
    action = desk.window.findChild(QAction, "act_admin")
    assert action is not None
    action.trigger()
    found = [w for w in desk.window.findChildren(AdminWindow) if w.isVisible()]
    assert len(found) == 1
    return found[0]


def stored_units(desk):
    with desk.app.uow_factory() as uow:
        return uow.reference.load().units


def usernames(desk) -> set[str]:
    with desk.app.uow_factory() as uow:
        return {a.user.username for a in uow.accounts.list()}


def test_the_admin_menu_is_only_on_an_administrators_desk(desk_factory) -> None:
    admin_desk = desk_factory("admin")
    action = admin_desk.window.findChild(QAction, "act_admin")
    assert action is not None and action.isEnabled() and action.isVisible()
    assert action.shortcut() == QKeySequence("Ctrl+Shift+A")
    titles = [m.title() for m in admin_desk.window.menuBar().findChildren(QMenu)]
    assert "管理" in titles
    for user in ("zhibanzhang1", "paiqian1", "unit_zhzf"):
        window = desk_factory(user).window
        assert window.findChild(QAction, "act_admin") is None
        assert "管理" not in [m.title() for m in window.menuBar().findChildren(QMenu)]


def test_every_tab_loads_rows_and_the_models_hold_up(desk_factory, qtmodeltester) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    for page in window.pages:
        assert page.panel.model.rowCount() > 0, page.objectName()
    ref = desk.app.centre.ref
    assert window.units.panel.model.rowCount() == len(ref.units)
    assert window.categories.panel.model.rowCount() == len(ref.categories)
    assert window.grids.panel.model.rowCount() == len(ref.grids)
    assert window.stages.panel.model.rowCount() == 6
    qtmodeltester.check(window.users.panel.model)
    qtmodeltester.check(window.categories.panel.proxy)
    # The filter box narrows the table; the header sorts it.
    window.units.panel.filter.setText("街道")
    assert 0 < window.units.panel.proxy.rowCount() < len(ref.units)
    # Opening it again raises the same window.
    assert open_admin(desk) is window


def test_a_user_added_in_the_form_can_sign_in(desk_factory, qtbot) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    tab = window.users
    window.tabs.setCurrentWidget(tab)
    tab.new.click()
    tab.username.setText("shouli9")
    tab.name.setText("受理九")
    tab.role.setCurrentIndex(tab.role.findData("受理员"))
    tab.password.setText("a-good-passphrase")
    tab.password2.setText("a-good-passphrase")
    qtbot.keyClick(tab.password2, Qt.Key.Key_Return)
    user = sign_in(desk.app.uow_factory, "shouli9", "a-good-passphrase", desk.clock())
    assert (user.name, user.role) == ("受理九", "受理员")
    assert tab.panel.current_key() == "shouli9"  # the new row is selected after the reload
    assert tab.banner.kind == "info" and "shouli9" in tab.banner.text
    assert desk.app.centre.user("shouli9").name == "受理九"  # the desk's centre reloaded
    # Disable them: sign-in is refused now.
    tab.toggle.click()
    with pytest.raises(Exception, match="停用"):
        sign_in(desk.app.uow_factory, "shouli9", "a-good-passphrase", desk.clock())


@pytest.mark.parametrize(("first", "second", "message"), [
    ("a-good-passphrase", "a-different-one", "两次输入的密码不一致"),
    ("short", "short", "密码至少 8 个字符"),
])
def test_a_bad_user_form_shows_why_and_changes_nothing(desk_factory, first, second,
                                                      message) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    tab = window.users
    before = usernames(desk)
    tab.new.click()
    tab.username.setText("shouli9")
    tab.name.setText("受理九")
    tab.password.setText(first)
    tab.password2.setText(second)
    tab.save.click()
    assert tab.banner.kind == "danger" and message in tab.banner.text
    assert usernames(desk) == before


def test_a_unit_with_open_cases_is_not_disabled(desk_factory) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    tab = window.units
    busy = next(r.key for r in tab.panel.model.rows if int(r.texts[6]) > 0)
    assert tab.panel.select(busy)
    tab.active.setChecked(False)
    tab.save.click()
    assert tab.banner.kind == "danger" and "未结案件" in tab.banner.text
    assert stored_units(desk)[busy].active


def test_a_new_category_limit_times_the_next_case(desk_factory) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    tab = window.categories
    assert tab.panel.select("06010")
    tab.limits[LimitClass.GENERAL].setValue(150)
    tab.save.click()
    assert "已保存" in tab.banner.text
    centre = desk.app.centre  # reloaded by the save
    assert centre.ref.categories["06010"].limits[LimitClass.GENERAL] == 150
    row = tab.panel.model.rows[tab.panel.model.row_of("06010")]
    assert row.texts[-1] == "管理员修改"
    made = accepted_case(desk)
    now = desk.clock()
    act(desk.app.uow_factory, centre, centre.actor("shouli1"), now, made.id, "file")
    case = act(desk.app.uow_factory, centre, centre.actor("paiqian1"), now, made.id, "dispatch")
    assert case.stage_limit == 150
    assert case.stage_deadline == centre.calendar.add(now, 150)


def test_a_calendar_override_shows_up_and_goes_away(desk_factory) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    tab = window.calendar
    window.tabs.setCurrentWidget(tab)
    day = date(2026, 12, 1)  # a Tuesday
    tab.go_to(day)
    assert tab.work.isChecked() and not tab.remove.isEnabled()
    tab.rest.setChecked(True)
    tab.note.setText("台风停工")
    tab.save.click()
    assert not desk.app.centre.calendar.is_workday(day)
    row = tab.panel.model.rows[tab.panel.model.row_of(day.isoformat())]
    assert row.texts[2:] == ("休息", "管理员调整", "台风停工")
    assert tab.calendar.dateTextFormat(tab.day.date()).background().color().isValid()
    assert tab.remove.isEnabled()
    tab.remove.click()
    assert desk.app.centre.calendar.is_workday(day)
    assert tab.panel.model.row_of(day.isoformat()) is None


@pytest.mark.parametrize(("tab", "name"), [("users", "admin_users"),
                                           ("calendar", "admin_calendar")])
def test_screenshots(desk_factory, themed_app, qtbot, tmp_path, tab, name) -> None:
    apply_theme(themed_app, "dark")
    desk = desk_factory("admin")
    window = open_admin(desk)
    window.resize(1600, 1000)
    page = getattr(window, tab)
    window.tabs.setCurrentWidget(page)
    if tab == "users":
        page.panel.select("unit_zhzf")
    else:
        # Two overrides beside National Day for the picture: a day off, and a Saturday on duty.
        for day, workday, note in ((date(2026, 10, 24), True, "防汛值守（示例）"),
                                   (date(2026, 10, 9), False, "县庆放假（示例）")):
            page.go_to(day)
            (page.work if workday else page.rest).setChecked(True)
            page.note.setText(note)
            page.save.click()
        page.go_to(date(2026, 10, 9))
    qtbot.wait(200)
    image: QImage = window.grab().toImage()
    assert (image.width(), image.height()) == (1600, 1000)
    assert not i18n.missing()
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / f"{name}.png"))


def test_the_keyboard_reaches_the_window_and_its_forms(desk_factory, qtbot) -> None:
    desk = desk_factory("admin")
    activate(qtbot, desk.window)
    QTest.keyClick(desk.window, Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    window = next(w for w in desk.window.findChildren(AdminWindow) if w.isVisible())
    activate(qtbot, window)
    window.tabs.setCurrentWidget(window.grids)
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.grids.panel.filter.hasFocus()
    tab = window.grids
    code = "330824001001001"
    assert tab.panel.select(code)
    tab.street.setText("芹阳街道")
    QTest.keyClick(tab.community, Qt.Key.Key_Return)  # Enter in a field saves
    assert desk.app.centre.grid(code).street == "芹阳街道"
    assert "个网格已更新" in tab.banner.text
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
