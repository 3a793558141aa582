"""ComponentLayer (one item for many assets: culled to the view, from a zoom threshold, by
kind) and LayerSwitcher (named layers on and off)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from widgets.grid_map import GridMapView, MapCell
from widgets.map_components import ComponentLayer, ComponentPoint
from widgets.map_layers import LayerSwitcher

LON0, LAT0 = 118.40, 29.14


@pytest.fixture
def view(qtbot: QtBot) -> GridMapView:
    widget = GridMapView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    ring = ((LON0, LAT0), (LON0 + 0.1, LAT0), (LON0 + 0.1, LAT0 + 0.1), (LON0, LAT0 + 0.1),
            (LON0, LAT0))
    widget.set_cells([MapCell("c", ring)])
    widget.show()
    return widget


def grid_points(n: int, kinds: tuple[str, ...] = ("a", "b")) -> list[ComponentPoint]:
    """n × n points 0.1/n° apart over the cell, kinds in turn."""
    step = 0.1 / n
    return [ComponentPoint(f"p{i}-{j}", LON0 + (i + 0.5) * step, LAT0 + (j + 0.5) * step,
                           kinds[(i + j) % len(kinds)]) for i in range(n) for j in range(n)]


def _layer(view: GridMapView, points: list[ComponentPoint], min_scale: float) -> ComponentLayer:
    layer = ComponentLayer(view.to_scene, min_scale)
    view.scene().addItem(layer)
    layer.set_points(points)
    return layer


def test_only_the_points_in_view_are_drawn(view: GridMapView) -> None:
    layer = _layer(view, grid_points(100), min_scale=0.0)  # 10 000 points
    view.fit_all()
    view.viewport().grab()
    everything = layer.drawn
    assert everything == 10_000
    view.zoom_by(10.0)  # a tenth of the width and height in view
    view.viewport().grab()
    assert 0 < layer.drawn < everything // 20


def test_nothing_below_the_threshold_or_beyond_the_cap(view: GridMapView) -> None:
    layer = _layer(view, grid_points(30), min_scale=1e9)
    view.fit_all()
    view.viewport().grab()
    assert layer.drawn == 0 and not layer.culled
    layer.min_scale = 0.0
    layer.MAX_DRAWN = 100  # type: ignore[misc]
    view.viewport().grab()
    assert layer.drawn == 0 and layer.culled  # 900 in view: zoom in first


def test_hidden_kinds_and_the_nearest_point(view: GridMapView) -> None:
    layer = _layer(view, grid_points(10), min_scale=0.0)
    view.fit_all()
    view.viewport().grab()
    assert layer.drawn == 100
    layer.set_hidden_kinds({"a"})
    view.viewport().grab()
    assert layer.drawn == 50
    target = layer.point("p3-4")  # kind "b" (3 + 4 odd)
    assert target is not None and target.kind == "b"
    near = view.to_scene(target.lon, target.lat) + QPointF(1e-5, 0)
    assert layer.nearest(near, 1e-4) == target
    hidden = layer.point("p3-3")
    assert hidden is not None
    assert layer.nearest(view.to_scene(hidden.lon, hidden.lat), 1e-5) is None  # kind "a"
    assert layer.kinds() == ["a", "b"]
    assert not layer.icon("a").isNull()


def test_the_switcher_says_which_layer_turned(qtbot: QtBot) -> None:
    switcher = LayerSwitcher("图层")
    qtbot.addWidget(switcher)
    switcher.set_layers([("grid", "单元网格", True), ("cameras", "摄像头", False)])
    assert switcher.layer_keys() == ["grid", "cameras"]
    assert switcher.is_on("grid") and not switcher.is_on("cameras")
    with qtbot.waitSignal(switcher.layer_toggled) as signal:
        switcher.action("cameras").trigger()
    assert signal.args == ["cameras", True]
    assert switcher.is_on("cameras") and not switcher.is_on("nothing")
