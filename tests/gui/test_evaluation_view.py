"""The evaluation view: league tables filled from the event log, counts open their cases."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from console.services.evaluation import OBJECTS
from console.ui.evaluation_view import CaseListDialog, GradeColorRole, LeagueModel

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_league_tables_for_every_object_and_counts_open_cases(desk_factory, qtbot, qtmodeltester,
                                                               tmp_path) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    QTest.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    from console.ui.evaluation_view import EvaluationView

    view = next(v for v in w.findChildren(EvaluationView) if v.isVisible())
    assert view.period.text() == "2026-11"
    for obj in OBJECTS:
        model = view.tables[obj].model()
        assert isinstance(model, LeagueModel), obj
        assert model.rowCount() > 0, obj
        qtmodeltester.check(model)
    units = view.tables["unit"]
    model = units.model()
    scores = [float(model.index(r, model.keys.index("score")).data())
              for r in range(model.rowCount())]
    assert scores == sorted(scores, reverse=True)  # the service ranks best first
    grade = model.index(0, model.keys.index("grade")).data(GradeColorRole)
    assert isinstance(grade, QColor) and grade.isValid()
    filed = model.keys.index("dispatched")
    row = next(r for r in range(model.rowCount()) if model.case_ids(model.index(r, filed)))
    ids = model.case_ids(model.index(row, filed))
    view._on_view_double_clicked_for(units, model.index(row, filed))
    dialog = next(d for d in view.findChildren(CaseListDialog) if d.isVisible())
    assert dialog.list.count() == len(ids)
    item = dialog.list.item(0)
    dialog.list.itemDoubleClicked.emit(item)
    assert w.detail.case_id == ids[0] or w._current == ids[0]
    dialog.close()
    view.resize(1920, 1080)
    qtbot.wait(100)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(folder / "evaluation_1080.png"))
    view.close()


def test_export_writes_the_report_and_a_cancel_writes_nothing(desk_factory, qtbot, tmp_path) -> None:
    from console.domain.evaluation import parse_period
    from console.ui.export import ExportJob

    desk = desk_factory(user="zhibanzhang1", threaded=True)
    view = desk.window.show_evaluation()
    done: list[tuple[bool, str]] = []
    out = tmp_path / "month.xlsx"
    view.export_to(out)
    view.job.finished.connect(lambda ok, message: done.append((ok, message)))
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert done[0][0] and out.exists()

    job = ExportJob(desk.app, desk.window.controller.ops)
    steps: list[int] = []
    finished: list[tuple[bool, str]] = []

    def cancel_midway(done_rows: int, total: int) -> None:
        steps.append(done_rows)
        job.cancelled = True  # the operator pressed Cancel

    job.progressed.connect(cancel_midway)
    job.finished.connect(lambda ok, message: finished.append((ok, message)))
    target = tmp_path / "cancelled.pdf"
    job.start(parse_period("2026-11"), target, desk.clock())
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    assert finished[0][0] is False and "取消" in finished[0][1]
    assert not target.exists() and steps
    view.close()
