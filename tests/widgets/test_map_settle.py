"""GridMapView draws fast while it pans or zooms and smoothly once it stands still.

A megacity desk's map over a basemap spent half of a frame antialiasing its cells while it
moved (docs/BENCHMARKS.md, the map's pan and zoom): moving, the view drops antialiasing (and
the tile layer its smooth scaling with it); SETTLE_MS after the last move it draws smoothly
again.
"""

from __future__ import annotations

from PySide6.QtGui import QPainter
from pytestqt.qtbot import QtBot

from widgets.grid_map import GridMapView, MapCell

AA = QPainter.RenderHint.Antialiasing
RING = ((118.40, 29.14), (118.41, 29.14), (118.41, 29.15), (118.40, 29.15), (118.40, 29.14))


def _shown(qtbot: QtBot) -> GridMapView:
    view = GridMapView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_cells([MapCell("a", RING)])
    view.show()
    qtbot.waitExposed(view)
    view.fit_all()
    return view


def test_a_zoom_and_a_pan_draw_fast_then_smoothly_again(qtbot: QtBot) -> None:
    view = _shown(qtbot)
    qtbot.waitUntil(lambda: bool(view.renderHints() & AA))
    view.zoom_by(1.5)
    assert not view.renderHints() & AA
    qtbot.waitUntil(lambda: bool(view.renderHints() & AA), timeout=3000)
    bar = view.horizontalScrollBar()
    bar.setValue(bar.value() + 40)  # what a drag does
    assert not view.renderHints() & AA
    qtbot.waitUntil(lambda: bool(view.renderHints() & AA), timeout=3000)

