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
    assert view.grab().save(str(folder / "evaluation_zh.png"))
    view.close()
