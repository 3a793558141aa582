"""One language at a time (issue #12 part 8): the desk in Chinese shows no English words, the
desk in English no Chinese in its chrome.

The desk is opened in each language (labels are built when the window is), a case is opened in
the detail pane (a public report whose 立案 button is disabled, with the domain's reason as its
tooltip; a dispatched case with its unit and street), and the dialogs of the daily work are
opened over it: Ctrl+N, an action's fields (dispatch to another unit), Shift+F (filing), Ctrl+E
(evaluation), F1 (keys) and the search list.  Every widget's text, tooltip, window title,
placeholder, combo items, tab texts, header labels and menu and action texts are read
(``tests/gui/language_scan.py``).

* Chinese: no ASCII letter run of 3+ letters but a short allow-list (key names, CityDesk,
  file formats, the language menu's "Language" and "English", which are named in themselves)
  and data (unit codes, user names, the desk's name, the database path).
* English: no CJK in the chrome.  Data people typed or that names people is stripped first
  (case descriptions, addresses, contacts, request reasons, timeline notes, people's names and
  user names) and so is reference text kept in Chinese only: the routing rule a case was
  routed by (quoted from the seed), a category's filing and closing conditions.  Unit,
  street, community and category names and every state or enum label are *not* data: they
  must be English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from console.services.cases import Report, act, report_case
from console.ui import i18n
from console.ui.dialogs.action_fields import ActionFieldsDialog
from console.ui.dialogs.filing import FilingDialog
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.main_window import MainWindow
from tests.gui.desk import Desk, accepted_case, visible_dialog
from tests.gui.language_scan import Seen, chinese, english_words, texts
from tests.gui.test_wall import wall_factory  # noqa: F401  (the fixture)
from widgets.charts import BarChart

LANGUAGE_MENU = ("Language", "English")
"""The language menu ("语言 / Language", "English") is named in both languages on purpose:
whoever cannot read the current language must still find the way out."""



@pytest.fixture(params=["zh", "en"])
def lang(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    """The desk's language, Qt's own strings included, as ``citydesk --lang`` sets it."""
    language = str(request.param)
    i18n.set_language(language)
    i18n.install_qt_translator(qapp, language)
    yield language
    i18n.install_qt_translator(qapp, "en")


def _open(desk: Desk, qtbot, case_id: int) -> None:
    w = desk.window
    w.select_case(case_id)
    qtbot.waitUntil(lambda: w.detail.case_id == case_id and w.current_detail is not None
                    and w.current_detail.detail.row.case.id == case_id)


def _public_report(desk: Desk) -> int:
    """A 公众举报 accepted and waiting to be filed: 立案 is disabled until it is verified."""
    app = desk.app
    made = report_case(app.uow_factory, app.centre, app.centre.actor("shouli1"), desk.clock(),
                       Report("06010", "公园门口垃圾成堆", grid="330824001002003",
                              source="公众举报")).case
    act(app.uow_factory, app.centre, app.centre.actor("shouli1"), desk.clock(), made.id, "accept")
    return int(made.id)


def _filed_case(desk: Desk) -> int:
    case = accepted_case(desk)
    app = desk.app
    act(app.uow_factory, app.centre, app.centre.actor("zhibanzhang1"), desk.clock(), case.id,
        "file")
    return int(case.id)


def _scan_desk(desk: Desk, qtbot) -> tuple[list[Seen], set[str]]:
    """Everything on screen over the daily work, and the data strings it showed."""
    w: MainWindow = desk.window
    seen: list[Seen] = []
    ref = desk.app.centre.ref
    data: set[str] = {u.name for u in ref.users.values()}  # people's names
    for cat in ref.categories.values():  # reference text the files give in Chinese only
        data.add(cat.closing_condition)
        data.update(c.text for c in cat.filing_conditions)

    def look(widget: QWidget, where: str) -> None:
        seen.extend(Seen(f"{where}: {s.where}", s.text) for s in texts(widget))

    def note_case(case_id: int) -> None:
        detail = w.current_detail.detail
        c = detail.row.case
        data.update(t for t in (c.description, c.address, c.routing_rule, c.contact) if t)
        if c.pending is not None:
            data.add(c.pending.reason)
        for entry in detail.timeline:  # notes, reasons and results typed by people
            data.update(str(v) for v in entry.event.payload.values() if isinstance(v, str))
        del case_id

    qtbot.waitUntil(lambda: w.board.model.rowCount() > 0, timeout=10000)
    public = _public_report(desk)
    _open(desk, qtbot, public)
    note_case(public)
    file_button = w.detail.findChild(QWidget, "action_file")
    assert file_button is not None and not file_button.isEnabled()
    assert file_button.toolTip(), "the disabled 立案 button says why"
    look(w, "window (public report open)")

    board_case = w.board.model.row_data(0).case.id
    _open(desk, qtbot, board_case)
    note_case(board_case)
    look(w, "window (dispatched case open)")

    report = w.reports.open()
    look(report, "Ctrl+N")
    report.reject()

    filed = _filed_case(desk)
    _open(desk, qtbot, filed)
    note_case(filed)
    w.commands.dispatch_to_other()
    fields = visible_dialog(w, ActionFieldsDialog)
    look(fields, "Ctrl+D fields")
    fields.reject()

    accepted = accepted_case(desk)
    _open(desk, qtbot, int(accepted.id))
    note_case(int(accepted.id))
    w.commands.file_with_choices()
    filing = visible_dialog(w, FilingDialog)
    assert filing.preview is not None
    data.add(filing.preview.rule)  # the routing rule, as a case stores it
    look(filing, "Shift+F")
    filing.reject()

    view = w.windows.evaluation()
    qtbot.waitUntil(lambda: all(t.model() is not None and t.model().rowCount() > 0
                                for t in view.tables.values()), timeout=20000)
    look(view, "Ctrl+E")
    # the league tables' name column: units and areas are names of the UI language
    for table in view.tables.values():
        model = table.model()
        name_col = model.keys.index("name")
        seen.extend(Seen(f"Ctrl+E {model.report.object} name[{r}]",
                         str(model.index(r, name_col).data()))
                    for r in range(model.rowCount()) if model.report.object in ("unit", "area"))
    view.close()

    sheet = w.windows.shortcuts()
    look(sheet, "F1")
    sheet.close()

    w.finder.box.setText("垃圾")  # i18n: ignore
    w.finder.search("垃圾")  # i18n: ignore
    dialog = w.finder.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=10000)
    look(dialog, "Ctrl+F list")
    data.add("垃圾")  # what was typed  # i18n: ignore
    dialog.close()

    model = w.board.model  # queue cells that are names: unit, suggested unit, street
    keys = [c.key for c in model.columns]
    for key in ("unit", "suggested", "place", "category", "state", "light"):
        if key in keys:
            col = keys.index(key)
            seen.extend(Seen(f"board {key}[{r}]", str(model.index(r, col).data() or ""))
                        for r in range(min(model.rowCount(), 30)))
    combo = w.unit_filter
    seen.extend(Seen(f"board unit filter[{i}]", combo.itemText(i)) for i in range(combo.count()))
    area = w.map.area
    seen.extend(Seen(f"map area[{i}]", area.itemText(i)) for i in range(area.count()))
    # the statistics charts (drawn by pyqtgraph, not widgets): titles and bar labels
    for chart in w.findChildren(BarChart):
        seen.append(Seen(f"chart {chart.objectName()} title", chart.title_text))
        seen.extend(Seen(f"chart {chart.objectName()} label", t) for t in chart.labels)
    # the map's tooltips: a cell's marker (beyond 3,000 open cases) and a case's marker
    tally = w.live.tally
    assert tally is not None and tally.by_grid  # the counts the window read
    kept = w.map._cells
    w.map._cells = {key: dict(counts) for key, counts in tally.by_grid.items()}
    cell_markers, _totals = w.map._cell_markers(None, "")
    w.map._cells = kept
    assert cell_markers
    seen.extend(Seen(f"map cell marker {m.key}", m.tooltip) for m in cell_markers)
    for r in range(min(w.board.model.rowCount(), 10)):
        marker = w.map._marker(w.board.model.row_data(r))
        if marker is not None:
            seen.append(Seen(f"map case marker {marker.key}", marker.tooltip))
    return seen, data


def _strip(text: str, data: set[str]) -> str:
    for value in sorted(data, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return text


def test_the_desk_speaks_one_language(lang: str, desk_factory: Callable[..., Desk],
                                      qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    seen, data = _scan_desk(desk, qtbot)
    assert len(seen) > 500  # the walk reached the panes, menus and dialogs
    wrong: list[str] = []
    initials = {desk.app.centre.category_index.initials(c)  # the picker's pinyin keys
                for c in desk.app.centre.ref.categories.values()}
    usernames = set(desk.app.centre.ref.users)
    for s in seen:
        if lang == "zh":
            words = english_words(_strip(s.text, usernames), {*LANGUAGE_MENU, *initials})
            if words:
                wrong.append(f"{s}  -> {words}")
        else:
            text = _strip(s.text, data)
            if "语言 / Language" in text:  # the language menu, named in both on purpose
                text = text.replace("语言 / Language", " ")
            if text == "中文" and "act_lang_zh" in s.where:  # Chinese, named in itself
                continue
            if chinese(text):
                wrong.append(f"{s}  -> {''.join(chinese(text))}")
    unique = sorted(set(wrong))
    assert not unique, (f"{len(unique)} text(s) in the wrong language ({lang}):\n"
                        + "\n".join(unique[:200]))


def test_the_english_window_title_names_the_centre_in_english(desk_factory) -> None:
    i18n.set_language("en")
    desk = desk_factory("zhibanzhang1")
    assert not chinese(desk.window.windowTitle()), desk.window.windowTitle()


def test_the_chinese_demo_banner_has_no_english(desk_factory) -> None:
    desk = desk_factory("zhibanzhang1")
    assert not english_words(desk.window.banner.text), desk.window.banner.text


def test_the_reports_form_lists_places_in_the_ui_language(desk_factory, qtbot) -> None:
    i18n.set_language("en")
    desk = desk_factory("zhibanzhang1")
    report = desk.window.reports.open()
    assert isinstance(report, NewReportDialog)
    assert "330824001001001 Qinyang Subdistrict Beimen Community" in report._grids
    entries = list(report._categories)  # English entries, no initials
    assert any(e.startswith("06010 Exposed garbage") for e in entries)
    assert not [e for e in entries if chinese(e)], [e for e in entries if chinese(e)][:5]
    report.category.setText("井盖")  # Chinese still resolves; the candidates read English
    problem = report.category_problem()
    assert chinese(problem.replace("井盖", "")) == [], problem
    report.reject()


def test_the_wall_speaks_one_language(lang: str, wall_factory) -> None:  # noqa: F811
    wall = wall_factory()
    w = wall.window
    seen: list[Seen] = []
    for page in range(len(w.pages)):
        w.show_page(page)
        seen.extend(texts(w, include_item_data=True))
    for chart in w.findChildren(BarChart):
        seen.append(Seen("wall chart title", chart.title_text))
        seen.extend(Seen("wall chart label", t) for t in chart.labels)
    names = [s.text for s in seen if "cell[" in s.where]
    assert len(names) > 20  # the ranking and the red list were read
    wrong = []
    for s in seen:
        if lang == "zh":
            if english_words(s.text, LANGUAGE_MENU):
                wrong.append(f"{s} -> {english_words(s.text)}")
        elif chinese(s.text):
            wrong.append(f"{s} -> {''.join(chinese(s.text))}")
    assert not wrong, f"the wall in the wrong language ({lang}):\n" + "\n".join(sorted(set(wrong)))
    if lang == "en":
        assert "County Comprehensive Law Enforcement Bureau" in names
        assert w.overview.maps[0].title.text() in ("Qinyang Subdistrict", "Huabu Town")
