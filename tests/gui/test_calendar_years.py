"""The desk, the admin window, the wall and the evaluation when a year has no statutory
holidays (issue #13 part 4): a persistent strip, an import that ends it, a mark, a note.

The demo database knows 2004–2026 (``chinesecalendar`` 1.11).  In mid-December 2026 the
longest limit reaches into 2027, so deadlines set now count 2027 Monday to Friday.  The test's
2027 notice is a marked fiction (tests/unit/notices/README.md).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from console.services.calendar_year import horizon_gaps
from console.services.wall import WallData
from console.ui.admin.calendar_import import CalendarImportDialog
from console.ui.evaluation_view import EvaluationView
from tests.gui.desk import visible_dialog
from tests.gui.test_admin_window import open_admin
from tests.gui.test_wall import wall_factory  # noqa: F401  (a fixture)

SH = ZoneInfo("Asia/Shanghai")
DECEMBER = datetime(2026, 12, 15, 10, 0, tzinfo=SH)
NOTICE = Path(__file__).resolve().parents[1] / "unit" / "notices" / "test_2027_fictional.txt"
STRIP = "2027 年法定节假日未导入，期限按周一至周五计算"


def stored_days(desk) -> dict[date, tuple[bool, str, str]]:
    with desk.app.uow_factory() as uow:
        return {d.day: (d.workday, d.source, d.note) for d in uow.reference.load().calendar_days}


def test_the_desk_has_no_strip_while_every_deadline_is_in_a_known_year(desk_factory) -> None:
    desk = desk_factory("zhibanzhang1")
    notice = desk.window.calendar_notice
    assert notice.years == () and not notice.strip.isVisible()


def test_in_december_the_strip_stays_until_2027_is_imported(desk_factory, qtbot) -> None:
    desk = desk_factory("admin")
    desk.now[0] = DECEMBER
    notice = desk.window.calendar_notice
    notice.refresh()
    assert notice.strip.isVisible() and notice.strip.text == STRIP
    assert notice.strip.kind == "warning"
    notice.refresh()  # persistent: a later check keeps it
    assert notice.strip.isVisible()

    window = open_admin(desk)
    tab = window.calendar
    window.tabs.setCurrentWidget(tab)
    assert "2027 年起未导入" in tab.coverage.text() and "2004–2026" in tab.coverage.text()
    dialog = tab.open_import()
    assert visible_dialog(tab, CalendarImportDialog) is dialog
    assert dialog.year.value() == 2027  # the first year the calendar does not know

    before = stored_days(desk)
    dialog.text.setPlainText("这不是通知")
    dialog.parse.click()
    assert dialog.banner.kind == "danger" and "没有找到放假安排" in dialog.banner.text
    assert not dialog.save.isEnabled() and dialog.preview.model.rowCount() == 0

    text = NOTICE.read_text(encoding="utf-8")
    dialog.text.setPlainText(text)
    dialog.year.setValue(2028)  # the notice is 2027's: refused, nothing to save
    dialog.parse.click()
    assert "年份不符" in dialog.banner.text and not dialog.save.isEnabled()
    assert stored_days(desk) == before

    dialog.year.setValue(2027)
    dialog.parse.click()
    assert dialog.save.isEnabled() and dialog.preview.model.rowCount() == 34
    assert "春节：02-05 至 02-12，8 天；调休上班 01-31（日）、02-20（六）" in dialog.summary.text()
    dialog.text.appendPlainText(" ")  # changed after the preview: parse again before saving
    assert not dialog.save.isEnabled()
    dialog.parse.click()
    assert stored_days(desk) == before  # nothing is written before 保存
    dialog.save.click()
    assert "已导入 2027 年法定节假日：34 个日期" in dialog.banner.text
    days = stored_days(desk)
    assert days[date(2027, 1, 1)] == (False, "admin", "元旦（2027年导入）")
    assert days[date(2027, 1, 31)] == (True, "admin", "春节调休上班（2027年导入）")
    centre = desk.app.centre  # reloaded by the save
    assert centre.ref.imported_years == frozenset({2027})
    assert centre.calendar.add(datetime(2026, 12, 31, 17, tzinfo=SH), 120) == datetime(
        2027, 1, 4, 9, tzinfo=SH)
    assert "管理员导入：2027" in tab.coverage.text()
    tab.go_to(date(2027, 1, 1))
    row = tab.panel.model.rows[tab.panel.model.row_of("2027-01-01")]
    assert row.texts[2:] == ("休息", "管理员导入", "元旦（2027年导入）")

    notice.refresh()  # the minute's check: the desk's centre now knows 2027
    assert notice.years == () and not notice.strip.isVisible()
    assert horizon_gaps(desk.window.controller.centre, DECEMBER) == ()


def test_a_day_list_file_is_read_and_a_bad_one_refused(desk_factory, tmp_path) -> None:
    desk = desk_factory("admin")
    window = open_admin(desk)
    dialog = window.calendar.open_import()
    good = tmp_path / "2027.csv"
    good.write_text("date,workday,note\n2027-01-01,休息,元旦\n2027-02-20,上班,春节调休\n",
                    encoding="utf-8")
    dialog.load_file(good)
    assert dialog.save.isEnabled() and dialog.preview.model.rowCount() == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\ndays:\n  - {date: 2027-02-30, workday: false}\n", encoding="utf-8")
    before = stored_days(desk)
    dialog.load_file(bad)
    assert dialog.banner.kind == "danger" and "日期" in dialog.banner.text
    assert not dialog.save.isEnabled()
    dialog.save.click()
    assert stored_days(desk) == before
    # Typing over a loaded day list makes it a notice again.
    dialog.text.setPlainText(NOTICE.read_text(encoding="utf-8"))
    dialog.parse.click()
    assert dialog.preview.model.rowCount() == 34


def test_the_wall_marks_the_gap(wall_factory) -> None:  # noqa: F811  (the fixture above)
    wall = wall_factory(rotate_seconds=0, start=False)
    wall.now[0] = DECEMBER
    wall.window.refresh()
    data = wall.window.data
    assert data is not None and data.calendar_gaps == (2027,)
    mark = wall.window.calendar_mark
    assert mark.isVisible() and mark.text() == "⚠ 2027 年节假日未导入"
    wall.window._on_data_loaded(WallData(as_of=DECEMBER))  # a year later, say: all known
    assert not mark.isVisible()


def test_the_evaluation_of_a_period_in_2027_says_so(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    desk.now[0] = datetime(2027, 2, 1, 10, tzinfo=SH)
    view = desk.window.windows.evaluation()
    view.period.setText("2027-01")
    view.compute()
    qtbot.waitUntil(lambda: "考核期" in view.status.text(), timeout=5000)
    assert STRIP in view.status.text()
    view.period.setText("2026-11")
    view.compute()
    qtbot.waitUntil(lambda: "2026年11月" in view.status.text() or "2026-11" in view.status.text(),
                    timeout=5000)
    assert STRIP not in view.status.text()
    assert isinstance(view, EvaluationView)
    view.close()
