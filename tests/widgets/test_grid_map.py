"""GridMapView: cells, markers, filter, selection, clicks, zoom and rendering."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.widgets.imaging import count_near, is_blank
from widgets.grid_map import GridMapView, MapCell, MapMarker

LON0, LAT0, STEP = 118.40, 29.14, 0.002


def square(key: str, i: int, j: int, group: str = "") -> MapCell:
    lon, lat = LON0 + i * STEP, LAT0 + j * STEP
    ring = ((lon, lat), (lon + STEP, lat), (lon + STEP, lat + STEP), (lon, lat + STEP), (lon, lat))
    return MapCell(key, ring, label=key, group=group)


def cell_centre(i: int, j: int) -> tuple[float, float]:
    return LON0 + (i + 0.5) * STEP, LAT0 + (j + 0.5) * STEP


@pytest.fixture
def view(qtbot: QtBot) -> GridMapView:
    widget = GridMapView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.set_cells(
        [
            square(f"c{i}{j}", i, j, group="north" if j else "south")
            for i in range(3)
            for j in range(2)
        ]
    )
    widget.set_markers(
        [
            MapMarker("a", *cell_centre(0, 0), "#e53935", tooltip="A"),
            MapMarker("b", *cell_centre(2, 1), "#43a047"),
            MapMarker("hidden", *cell_centre(1, 0), "#1e88e5", visible=False),
        ]
    )
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_all()
    return widget


def view_pos(view: GridMapView, lon: float, lat: float) -> QPoint:
    return view.mapFromScene(view.to_scene(lon, lat))


def marker_pos(view: GridMapView, key: str) -> QPoint:
    scene_pos = view.marker_scene_pos(key)
    assert scene_pos is not None
    return view.mapFromScene(scene_pos)


def test_projection_scales_longitude_by_cos_of_the_middle_latitude(view: GridMapView) -> None:
    assert view.reference_latitude == pytest.approx(LAT0 + STEP)
    point = view.to_scene(120.0, 30.0)
    assert point.x() == pytest.approx(120.0 * math.cos(math.radians(LAT0 + STEP)))
    assert point.y() == pytest.approx(-30.0)
    assert view.to_lonlat(point) == pytest.approx((120.0, 30.0))


def test_live_markers_alone_set_the_projection(qtbot: QtBot) -> None:
    view = GridMapView()
    qtbot.addWidget(view)
    view.update_markers([MapMarker("m", 118.0, 60.0, "red")])
    assert view.reference_latitude == pytest.approx(60.0)
    assert view.to_scene(118.0, 60.0).x() == pytest.approx(59.0)


def test_cells_are_counted_and_replaced(view: GridMapView) -> None:
    assert view.cell_count == 6
    view.set_cells([square("only", 0, 0)])
    assert view.cell_count == 1
    assert view.cell_at(view.to_scene(*cell_centre(0, 0))) == "only"
    assert view.cell_at(view.to_scene(*cell_centre(2, 1))) is None


def test_markers_set_update_and_remove_by_key(view: GridMapView) -> None:
    assert sorted(view.marker_keys()) == ["a", "b", "hidden"]
    b_before = view.marker_scene_pos("b")
    view.update_markers(
        [MapMarker("a", *cell_centre(1, 1), "#fdd835"), MapMarker("c", LON0, LAT0, "red")]
    )
    assert view.marker_count == 4
    assert view.marker_scene_pos("a") == view.to_scene(*cell_centre(1, 1))
    assert view.marker_scene_pos("b") == b_before
    view.remove_markers(["c", "no-such-key"])
    assert sorted(view.marker_keys()) == ["a", "b", "hidden"]
    view.set_markers([MapMarker("b", LON0, LAT0, "red")])
    assert view.marker_keys() == ["b"]
    assert view.marker_scene_pos("a") is None


def test_visible_keys_filter_without_rebuilding(view: GridMapView) -> None:
    assert view.is_marker_shown("a") and view.is_marker_shown("b")
    assert not view.is_marker_shown("hidden")
    view.set_visible_keys({"b", "hidden"})
    assert not view.is_marker_shown("a")
    assert view.is_marker_shown("b")
    assert not view.is_marker_shown("hidden"), "a marker's own visible=False still wins"
    assert view.marker_count == 3
    view.set_visible_keys(None)
    assert view.is_marker_shown("a")


def test_selection_ring_follows_the_marker(view: GridMapView) -> None:
    assert not view.highlight_visible
    view.set_selected("a")
    assert view.selected_key == "a"
    assert view.highlight_visible
    view.set_visible_keys({"b"})
    assert not view.highlight_visible, "no ring around a filtered-out marker"
    view.set_visible_keys(None)
    view.set_selected("later")
    assert not view.highlight_visible
    view.update_markers([MapMarker("later", LON0, LAT0, "red")])
    assert view.highlight_visible, "a remembered selection is ringed when its marker arrives"
    view.set_selected(None)
    assert not view.highlight_visible


def test_selected_marker_is_drawn_on_top(view: GridMapView) -> None:
    lon, lat = cell_centre(2, 0)
    view.update_markers([MapMarker("under", lon, lat, "red"), MapMarker("over", lon, lat, "blue")])
    pos = view_pos(view, lon, lat)
    view.set_selected("under")
    assert view.marker_at(pos) == "under"
    view.set_selected("over")
    assert view.marker_at(pos) == "over"


def test_clicking_a_marker_emits_its_key(qtbot: QtBot, view: GridMapView) -> None:
    pos = marker_pos(view, "b")
    with qtbot.waitSignal(view.marker_clicked) as blocker, qtbot.assertNotEmitted(view.map_clicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["b"]


def test_clicking_a_hidden_marker_clicks_the_map(qtbot: QtBot, view: GridMapView) -> None:
    pos = marker_pos(view, "hidden")
    with (
        qtbot.waitSignal(view.cell_clicked) as blocker,
        qtbot.assertNotEmitted(view.marker_clicked),
    ):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["c10"]


def test_clicking_a_cell_emits_position_then_cell(qtbot: QtBot, view: GridMapView) -> None:
    lon, lat = LON0 + 1.2 * STEP, LAT0 + 1.7 * STEP
    pos = view_pos(view, lon, lat)
    emitted: list[tuple[object, ...]] = []
    view.map_clicked.connect(lambda *args: emitted.append(("map", *args)))
    view.cell_clicked.connect(lambda *args: emitted.append(("cell", *args)))
    with qtbot.waitSignal(view.cell_clicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    (kind, clicked_lon, clicked_lat), cell = emitted
    pixel = 1 / view.zoom  # the click lands on a whole pixel
    assert kind == "map"
    assert clicked_lon == pytest.approx(lon, abs=2 * pixel)
    assert clicked_lat == pytest.approx(lat, abs=2 * pixel)
    assert cell == ("cell", "c11")


def test_clicking_outside_cells_emits_only_the_position(qtbot: QtBot, view: GridMapView) -> None:
    pos = view_pos(view, LON0 - STEP / 2, LAT0 - STEP / 4)
    with qtbot.waitSignal(view.map_clicked), qtbot.assertNotEmitted(view.cell_clicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def send_mouse(view: GridMapView, kind: QEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
    event = QMouseEvent(
        kind,
        QPointF(pos),
        QPointF(view.viewport().mapToGlobal(pos)),
        Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_dragging_pans_and_clicks_nothing(qtbot: QtBot, view: GridMapView) -> None:
    view.zoom_by(4)
    start = view.viewport().rect().center()
    end = start + QPoint(60, 40)
    before = view.mapToScene(start)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    with qtbot.assertNotEmitted(view.map_clicked), qtbot.assertNotEmitted(view.marker_clicked):
        send_mouse(view, QEvent.Type.MouseButtonPress, start, left)
        for step in range(1, 5):
            send_mouse(view, QEvent.Type.MouseMove, start + (end - start) * (step / 4), left)
        send_mouse(view, QEvent.Type.MouseButtonRelease, end, none)
    after = view.mapToScene(end)
    assert after.x() == pytest.approx(before.x(), abs=2 / view.zoom)
    assert after.y() == pytest.approx(before.y(), abs=2 / view.zoom)


def test_wheel_zooms_around_the_cursor(view: GridMapView) -> None:
    zoom = view.zoom
    cursor = QPointF(100, 80)
    under_cursor = view.mapToScene(cursor.toPoint())
    wheel = QWheelEvent(
        cursor,
        QPointF(view.viewport().mapToGlobal(cursor.toPoint())),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom == pytest.approx(zoom * 1.2)
    assert (view.mapFromScene(under_cursor) - cursor.toPoint()).manhattanLength() <= 2


def test_labels_show_only_when_cells_are_big_enough(view: GridMapView) -> None:
    view.label_min_cell_px = 300  # the view is 400 px wide: a fitted 3x2 grid has ~130 px cells
    view.fit_all()
    assert not view.labels_visible
    view.zoom_by(3)
    assert view.labels_visible
    view.fit_all()
    assert not view.labels_visible


def test_zoom_is_clamped(view: GridMapView) -> None:
    view.zoom_by(1e-6)
    assert view.zoom > 0
    view.zoom_by(1e12)
    assert view.zoom <= 2.0e6


def test_center_on_marker_or_cell(view: GridMapView) -> None:
    view.zoom_by(4)
    centre = view.viewport().rect().center()
    assert view.center_on("b")
    assert (marker_pos(view, "b") - centre).manhattanLength() <= 2
    assert view.center_on("c00")
    assert (view_pos(view, *cell_centre(0, 0)) - centre).manhattanLength() <= 2
    assert not view.center_on("nowhere")


def test_markers_keep_their_size_on_screen(qtbot: QtBot) -> None:
    view = GridMapView(marker_radius=6)
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.set_markers(
        [MapMarker("m", LON0, LAT0, "#ff0000"), MapMarker("n", LON0 + 0.01, LAT0, "#0000ff")]
    )
    view.show()
    qtbot.waitExposed(view)
    view.fit_all()
    red_before = count_near(view.grab(), "#ff0000")
    view.zoom_by(0.3)
    red_after = count_near(view.grab(), "#ff0000")
    assert red_before > 50
    assert red_after == pytest.approx(red_before, rel=0.15)


def test_renders_cells_and_markers(view: GridMapView) -> None:
    view.set_foreground("#ff00ff")
    pixmap = view.grab()
    assert count_near(pixmap, "#ff00ff", tolerance=60) > 100, "cell borders take the foreground"
    assert pixmap.size() == view.size()
    assert not is_blank(pixmap)
    assert count_near(pixmap, "#e53935") > 20
    assert count_near(pixmap, "#43a047") > 20
    assert count_near(pixmap, "#1e88e5", tolerance=10) == 0, "the invisible marker is not drawn"


def test_empty_map_is_harmless(qtbot: QtBot) -> None:
    view = GridMapView()
    qtbot.addWidget(view)
    view.fit_all()
    view.set_visible_keys(set())
    view.set_selected("x")
    view.remove_markers(["x"])
    assert view.marker_count == 0 and view.cell_count == 0
    assert view.reference_latitude is None
    assert view.cell_at(QPointF(0, 0)) is None
