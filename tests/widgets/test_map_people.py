"""The map's people layer: a refresh that only moves people keeps their drawn names and
colours; a changed colour, name or tooltip is drawn; the picture (dot, colour, name, hidden,
moved without a trail, the same size at any zoom) and the tooltip under the cursor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF
from PySide6.QtGui import QColor, QGuiApplication, QHelpEvent, QImage
from PySide6.QtWidgets import QApplication, QGraphicsScene, QToolTip
from pytestqt.qtbot import QtBot

from widgets.grid_map import GridMapView, MapCell, MapMarker
from widgets.map_people import PersonLayer, PersonMarker


def test_moves_and_changes(qtbot: object) -> None:
    del qtbot  # the QApplication
    scene = QGraphicsScene()
    layer = PersonLayer(scene, lambda lon, lat: QPointF(lon * 100, -lat * 100))
    a = PersonMarker("a", 1.0, 2.0, "#1e88e5", "汪一", "汪一 · 在岗 · 09:00")
    layer.set_people([a, PersonMarker("b", 3.0, 4.0, "#e53935", "李二")])
    assert len(layer) == 2
    moved = PersonMarker("a", 1.5, 2.5, a.color, a.label, "汪一 · 在岗 · 09:01")
    layer.set_people([moved])  # b leaves; a moves and its tooltip's time moves on
    assert len(layer) == 1 and layer.scene_pos("a") == QPointF(150, -250)
    assert (layer.label_of("a"), layer.color_of("a")) == ("汪一", "#1e88e5")
    assert layer.tooltip_of("a") == "汪一 · 在岗 · 09:01"
    layer.set_people([PersonMarker("a", 1.5, 2.5, "#9e9e9e", "汪一（离线）", "")])
    assert (layer.label_of("a"), layer.color_of("a"), layer.tooltip_of("a")) == (
        "汪一（离线）", "#9e9e9e", "")


# -- what is drawn ---------------------------------------------------------------------------
# One item draws everyone (widgets.person_dots): these check the picture itself, through a
# grab (a full paint) and through what the offscreen window really shows after the view's own
# partial repaints (a trail would only show there).

LON0, LAT0, STEP = 118.40, 29.14, 0.002
GREEN, RED = "#2e9d4a", "#d64541"
GREY = QColor("#808080")  # the map's background here: white ink and the dark plate stand out


@pytest.fixture
def view(qtbot: QtBot) -> GridMapView:
    widget = GridMapView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.setBackgroundBrush(GREY)
    widget.set_cells([MapCell(f"c{i}", ((LON0 + i * STEP, LAT0), (LON0 + (i + 1) * STEP, LAT0),
                                         (LON0 + (i + 1) * STEP, LAT0 + STEP),
                                         (LON0 + i * STEP, LAT0 + STEP)))
                      for i in range(3)])
    widget.set_cells_visible(False)  # only the people on the grey
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_all()
    return widget


def _layer_on(view: GridMapView) -> PersonLayer:
    return PersonLayer(view.scene(), view.to_scene)


def _at(view: GridMapView, layer: PersonLayer, key: str) -> QPoint:
    where = layer.scene_pos(key)
    assert where is not None
    return view.mapFromScene(where)


def _shown(view: GridMapView, qtbot: QtBot) -> QImage:
    """What the window shows now, after the view's own (partial) repaints."""
    qtbot.wait(30)
    QApplication.processEvents()
    screen = QGuiApplication.primaryScreen()
    image = screen.grabWindow(view.winId()).toImage()
    assert image.size() == view.size()
    return image.convertToFormat(QImage.Format.Format_RGB32)


def _is(image: QImage, at: QPoint, color: str) -> bool:
    got, want = image.pixelColor(at), QColor(color)
    return all(abs(a - b) <= 8 for a, b in ((got.red(), want.red()), (got.green(), want.green()),
                                           (got.blue(), want.blue())))


def _bright_right_of(image: QImage, at: QPoint, span: int = 160) -> list[int]:
    """Columns right of a dot (past its outline) with white ink on them: the name's glyphs."""
    columns = []
    for x in range(at.x() + 12, min(image.width(), at.x() + span)):
        if any(image.pixelColor(x, y).lightness() > 220
               for y in range(max(0, at.y() - 8), min(image.height(), at.y() + 9))):
            columns.append(x)
    return columns


def test_a_dot_is_drawn_in_its_colour_where_it_is_with_its_name(view: GridMapView) -> None:
    layer = _layer_on(view)
    layer.set_people([PersonMarker("a", LON0 + STEP / 2, LAT0 + STEP / 2, GREEN, "汪一"),
                      PersonMarker("b", LON0 + 2.5 * STEP, LAT0 + STEP / 2, RED,
                                   "余二余二余二余二")])
    image = view.grab().toImage()
    a, b = _at(view, layer, "a"), _at(view, layer, "b")
    assert _is(image, a, GREEN) and _is(image, b, RED)
    assert image.pixelColor(a + QPoint(0, 15)) == GREY, "the dot is small"
    # The outline: white just inside the dot's edge, 6 px from its centre.
    assert image.pixelColor(a + QPoint(-6, 0)).lightness() > 200
    # The name: white ink on a dark plate to the right; a longer name reaches further.
    plate = image.pixelColor(a + QPoint(11, 0))
    assert plate.lightness() < GREY.lightness() - 40, plate.name()
    short, long = _bright_right_of(image, a), _bright_right_of(image, b)
    assert short and long and long[-1] - b.x() > short[-1] - a.x() + 30


def test_a_changed_colour_or_name_is_drawn(view: GridMapView) -> None:
    layer = _layer_on(view)
    where = (LON0 + STEP / 2, LAT0 + STEP / 2)
    layer.set_people([PersonMarker("a", *where, GREEN, "汪一")])
    a = _at(view, layer, "a")
    image = view.grab().toImage()
    assert _is(image, a, GREEN)
    name = _bright_right_of(image, a)
    layer.set_people([PersonMarker("a", *where, RED, "汪一（离线）")])
    image = view.grab().toImage()
    assert _is(image, a, RED) and _bright_right_of(image, a)[-1] > name[-1] + 20


def test_a_hidden_layer_draws_nothing(view: GridMapView) -> None:
    bare = view.grab().toImage()
    layer = _layer_on(view)
    layer.set_people([PersonMarker("a", LON0 + STEP / 2, LAT0 + STEP / 2, GREEN, "汪一")])
    assert view.grab().toImage() != bare
    layer.set_visible(False)
    assert not layer.visible and view.grab().toImage() == bare


def _lonlat(view: GridMapView, x: int, y: int) -> tuple[float, float]:
    return view.to_lonlat(view.mapToScene(QPoint(x, y)))


@pytest.mark.parametrize("zoom", [1.0, 0.5, 4.0])
def test_a_move_leaves_no_trail_at_any_zoom(view: GridMapView, qtbot: QtBot,
                                            zoom: float) -> None:
    layer = _layer_on(view)
    layer.set_people([PersonMarker("a", *_lonlat(view, 60, 150), GREEN, "汪一（芹阳北片）")])
    view.zoom_by(zoom, QPoint(60, 150))  # zoomed after the people came: around the dot
    before = _shown(view, qtbot)
    old = _at(view, layer, "a")
    assert _is(before, old, GREEN) and _bright_right_of(before, old)
    layer.set_people([PersonMarker("a", *_lonlat(view, 60, 50), GREEN, "汪一（芹阳北片）")])
    after = _shown(view, qtbot)
    new = _at(view, layer, "a")
    assert (new - old).manhattanLength() >= 90
    assert _is(after, new, GREEN) and _bright_right_of(after, new)
    for dx in range(-8, 120):  # the old dot and its name plate are gone
        for dy in range(-8, 9):
            assert after.pixelColor(old + QPoint(dx, dy)) == GREY, (dx, dy)


def test_a_dot_keeps_its_size_at_any_zoom(view: GridMapView) -> None:
    layer = _layer_on(view)
    layer.set_people([PersonMarker("a", LON0 + 1.5 * STEP, LAT0 + 0.5 * STEP, GREEN, "汪一")])

    def green_pixels() -> int:
        image = view.grab().toImage()
        return sum(_is(image, QPoint(x, y), GREEN)
                   for x in range(image.width()) for y in range(image.height()))

    at_fit = green_pixels()
    view.zoom_by(3.0)
    zoomed_in = green_pixels()
    view.zoom_by(0.1)
    zoomed_out = green_pixels()
    assert 60 <= at_fit <= 144 and zoomed_in == at_fit and zoomed_out == at_fit


def _tooltip_at(view: GridMapView, qtbot: QtBot, pos: QPoint) -> str:
    QToolTip.hideText()  # (a tooltip fades out: wait until it is gone)
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text() if QToolTip.isVisible() else ""


def test_the_tooltip_is_the_person_under_the_cursor(view: GridMapView, qtbot: QtBot) -> None:
    view.set_markers([MapMarker("case", LON0 + 2.5 * STEP, LAT0 + 0.5 * STEP, "#1e88e5",
                                tooltip="案件 1")])
    layer = _layer_on(view)
    layer.set_people([PersonMarker("a", LON0 + 0.5 * STEP, LAT0 + 0.5 * STEP, GREEN, "汪一",
                                   "汪一 · 在岗 · 最后定位 09:00"),
                      PersonMarker("b", LON0 + 1.5 * STEP, LAT0 + 0.5 * STEP, RED, "余二",
                                   "余二 · 离线 · 最后定位 08:10")])
    a, b = _at(view, layer, "a"), _at(view, layer, "b")
    assert _tooltip_at(view, qtbot, a) == "汪一 · 在岗 · 最后定位 09:00"
    assert _tooltip_at(view, qtbot, b + QPoint(3, -3)) == "余二 · 离线 · 最后定位 08:10"
    assert _tooltip_at(view, qtbot, b + QPoint(20, 0)) == "余二 · 离线 · 最后定位 08:10", "its name"
    assert layer.key_at(view, b) == "b" and layer.key_at(view, b + QPoint(0, 30)) is None
    assert _tooltip_at(view, qtbot, b + QPoint(0, 30)) == ""
    # Away from people, a case marker's own tooltip still shows.
    assert _tooltip_at(view, qtbot, view.mapFromScene(view.marker_scene_pos("case"))) == "案件 1"
    layer.set_visible(False)
    assert _tooltip_at(view, qtbot, a) == ""
