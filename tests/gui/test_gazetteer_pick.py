"""The report form's location field searches the gazetteer as the operator types and a picked
place fills the point and its cell — embedded and through a server (issue #16 part 3)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.domain.coords import Crs
from console.services.gazetteer import import_places
from tests.gui.remote import BOTH

CELL = "330824001001001"
ROWS = [(2, ["新华超市", "芹阳办事处解放街12号", 118.4015, 29.1474]),
        (3, ["新华书店", "芹阳办事处人民路3号", 118.403, 29.1474])]


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_typing_lists_places_and_picking_one_fills_point_and_cell(desk_factory, qtbot) -> None:
    desk = desk_factory("shouli1")
    app = desk.app
    import_places(app.uow_factory, app.centre, ["名称", "地址", "经度", "纬度"], ROWS,
                  Crs.WGS84, keep=True, source="t.csv", actor=app.centre.actor("admin"),
                  now=desk.clock())
    dialog = desk.window.reports.open()
    dialog.location.setFocus()
    QTest.keyClicks(dialog.location, "xhcs")  # the initials of 新华超市
    qtbot.waitUntil(lambda: dialog.places.isVisible() and dialog.places.count() == 1,
                    timeout=5000)
    assert dialog.places.item(0).text().startswith("新华超市")
    dialog.location.setText("")
    dialog.location.insert("新华")  # Chinese arrives from an input method, as a commit
    qtbot.waitUntil(lambda: dialog.places.count() == 2, timeout=5000)
    # Both names begin with 新华 and are as long: the older place first.
    assert [dialog.places.item(i).text()[:4] for i in range(2)] == ["新华超市", "新华书店"]
    dialog.places.setCurrentItem(dialog.places.item(0))
    QTest.keyClick(dialog.places, Qt.Key.Key_Return)
    assert (dialog.lon, dialog.lat) == (118.4015, 29.1474)
    assert dialog.grid_code() == CELL
    assert dialog.address.text() == "芹阳办事处解放街12号 新华超市"
    assert not dialog.places.isVisible()
    assert "新华超市" in dialog.status.text()
