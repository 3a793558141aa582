"""The evaluation view: league tables filled from the event log, counts open their cases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionComboBox

from console.services.evaluation import OBJECTS
from console.ui.evaluation_view import CaseListDialog, GradeColorRole, LeagueModel, dialog_size

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _open(desk, qtbot):
    from console.ui.evaluation_view import EvaluationView

    w = desk.window
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    QTest.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    return next(v for v in w.findChildren(EvaluationView) if v.isVisible())


def _column(model: LeagueModel, key: str) -> list[str]:
    col = model.keys.index(key)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_league_tables_for_every_object_and_counts_open_cases(desk_factory, qtbot,
                                                               qtmodeltester, tmp_path) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    view = _open(desk, qtbot)
    assert view.period.text() == "2026-11"
    for obj in OBJECTS:
        model = view.tables[obj].model()
        assert isinstance(model, LeagueModel), obj
        assert model.rowCount() > 0, obj
        qtmodeltester.check(model)
    units = view.tables["unit"]
    model = units.model()
    ranks = _column(model, "rank")
    ranked = [r for r in ranks if r != "—"]
    assert ranked and ranks[:len(ranked)] == ranked and ranked[0] == "1"  # idle ones last
    scores = [float(s) for s in _column(model, "score")[:len(ranked)]]
    assert scores == sorted(scores, reverse=True)  # the service ranks best first
    grade = model.index(0, model.keys.index("grade")).data(GradeColorRole)
    assert isinstance(grade, QColor) and grade.isValid()
    filed = model.keys.index("dispatched")
    row = next(r for r in range(model.rowCount()) if model.case_ids(model.index(r, filed)))
    ids = model.case_ids(model.index(row, filed))
    view._on_view_double_clicked_for(units, model.index(row, filed))
    dialog = next(d for d in view.findChildren(CaseListDialog) if d.isVisible())
    # Case numbers, category, state and the counting step; never the database ids.
    with desk.app.uow_factory() as uow:
        numbers = sorted(c.case_no for c in uow.cases.get_many(ids))
    assert dialog.case_numbers() == numbers
    table = dialog.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["案件编号", "类别", "状态", "计数环节"]
    assert {table.item(r, 3).text() for r in range(table.rowCount())} == {"派遣"}
    assert all(table.item(r, 1).text() and table.item(r, 2).text() for r in range(table.rowCount()))
    folder = Path(os.environ.get("CITYDESK_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(folder / "evaluation_cases.png"))
    cells = {table.item(r, c).text() for r in range(table.rowCount()) for c in range(4)}
    assert not cells & {str(i) for i in ids} and not any("id" in t for t in cells)
    with desk.app.uow_factory() as uow:
        first = uow.cases.get_by_no(numbers[0]).id
    at = table.visualItemRect(table.item(0, 0)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=at)  # then the double
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: w.detail.case_id == first or w._current == first, timeout=3000)
    dialog.close()
    view.close()


def test_units_with_nothing_due_show_no_rank_or_grade_and_stay_last(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    view = _open(desk, qtbot)
    model = view.tables["unit"].model()
    ranks, grades, notes = (_column(model, k) for k in ("rank", "grade", "note"))
    idle = [i for i, r in enumerate(ranks) if r == "—"]
    assert idle, "the demo has units with nothing due this month"
    for i in idle:
        assert grades[i] == "—" and notes[i] == "本期无应处置案件"
        assert model.index(i, model.keys.index("grade")).data(GradeColorRole) is None
    assert all(notes[i] == "" for i in range(len(ranks)) if i not in idle)
    # Sorting by score (or any column) keeps them below the ranked units.
    for key in ("score", "name", "due_to_handle"):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            view.tables["unit"].sortByColumn(model.keys.index(key), order)
            after = _column(model, "rank")
            assert all(r == "—" for r in after[len(after) - len(idle):]), (key, order)
    # The previous period: October, before the demo's history, so nothing was due then.
    col = model.keys.index("previous")
    assert _column(model, "previous") == ["—"] * len(ranks)
    assert model.index(0, col).data(Qt.ItemDataRole.ToolTipRole) == "本期无应处置案件"
    view.close()


def test_export_writes_the_report_and_a_cancel_writes_nothing(desk_factory, qtbot, tmp_path) -> None:
    from console.domain.evaluation import parse_period
    from console.ui.export import ExportJob

    desk = desk_factory(user="zhibanzhang1", threaded=True)
    view = desk.window.windows.evaluation()
    done: list[tuple[bool, str]] = []
    out = tmp_path / "month.xlsx"
    view.export_to(out)
    view.job.finished.connect(lambda ok, message: done.append((ok, message)))
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert done[0][0] and out.exists()

    job = ExportJob(desk.window.controller.desk, desk.window.controller.ops)
    steps: list[int] = []
    finished: list[tuple[bool, str]] = []

    def cancel_midway(done_rows: int, total: int) -> None:
        steps.append(done_rows)
        job.cancelled = True  # the operator pressed Cancel

    job.progressed.connect(cancel_midway)
    job.finished.connect(lambda ok, message: finished.append((ok, message)))
    target = tmp_path / "cancelled.pdf"
    job.start(parse_period("2026-11"), target)
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    assert finished[0][0] is False and "取消" in finished[0][1]
    assert not target.exists() and steps
    view.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_the_window_fits_the_screen_and_the_period_choice_is_not_cut(
        desk_factory, themed_app, qtbot, tmp_path, lang: str, width: int, height: int) -> None:
    from console.ui import i18n
    from console.ui.theme import apply_theme

    i18n.set_language(lang)
    apply_theme(themed_app, "dark")
    desk = desk_factory(user="zhibanzhang1")
    desk.window.apply_theme_colors("dark")
    view = _open(desk, qtbot)
    view.resize(dialog_size(QSize(width, height - 40)))  # the screen less a task bar
    qtbot.wait(200)
    assert view.width() <= width and view.height() <= height - 40
    combo = view.quick
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts and (lang == "zh" or "This quarter" in texts)
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    widest = max(combo.fontMetrics().horizontalAdvance(t) for t in texts)
    assert field.width() >= widest, (field.width(), widest)
    # Every tab and heading of the unit table reads in full.
    header = view.tables["unit"].horizontalHeader()
    model = view.tables["unit"].model()
    for section in range(model.columnCount()):
        text = str(model.headerData(section, Qt.Orientation.Horizontal))
        assert header.sectionSize(section) >= header.fontMetrics().horizontalAdvance(text)
    folder = Path(os.environ.get("CITYDESK_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(folder / f"evaluation_{lang}_{width}.png"))
    bar = view.tables["unit"].horizontalScrollBar()
    bar.setValue(bar.maximum())  # the score, grade, last period and 说明 columns
    assert view.grab().save(str(folder / f"evaluation_{lang}_{width}_right.png"))
    if lang == "en":  # this window's strings (other windows have tests of their own)
        import console.ui.evaluation_cases as cases_module
        import console.ui.evaluation_view as view_module

        shown = {f.text for module in (view_module, cases_module)
                 for f in i18n.scan_sources(Path(module.__file__)).marked}
        assert not i18n.missing() & shown, sorted(i18n.missing() & shown)
    view.close()


def test_the_notes_on_what_was_left_out_show_in_the_desks_language(desk_factory, qtbot) -> None:
    from dataclasses import replace

    from console.ui import i18n

    desk = desk_factory(user="zhibanzhang1")
    view = _open(desk, qtbot)
    reports = {obj: view.tables[obj].model().report for obj in view.tables}
    note = "3 件导入的历史案件坐标在本县外 / 3 imported cases placed in the default cell"
    reports["area"] = replace(reports["area"], notes=(note,))
    reports["unit"] = replace(reports["unit"], notes=(note,))  # the same note shows once
    view.show_reports(reports)
    assert view.status.text().count("3 件导入的历史案件坐标在本县外") == 1
    assert "imported" not in view.status.text()
    i18n.set_language("en")
    view.show_reports(reports)
    assert "3 imported cases placed in the default cell" in view.status.text()
    view.close()
