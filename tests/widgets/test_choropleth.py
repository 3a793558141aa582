"""widgets/choropleth.py and widgets/heat_table.py: classes, fills, marks, legend, shading."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint

from widgets.choropleth import (
    SEQUENTIAL,
    ChoroplethLayer,
    PointMark,
    RampLegend,
    class_of,
    quantile_breaks,
)
from widgets.grid_map import GridMapView, MapCell
from widgets.heat_table import HeatTable, ramp_colour

SQUARE = ((118.0, 29.0), (118.01, 29.0), (118.01, 29.01), (118.0, 29.01))


def shifted(dx: float) -> tuple[tuple[float, float], ...]:
    return tuple((lon + dx, lat) for lon, lat in SQUARE)


def test_quantile_breaks_and_classes() -> None:
    values = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55]
    breaks = quantile_breaks(values, 5)
    assert breaks == [1, 3, 8, 21, 55]
    assert [class_of(v, breaks) for v in (1, 2, 8, 9, 55, 99)] == [0, 1, 2, 3, 4, 4]
    assert quantile_breaks([4, 4, 4], 5) == [4]  # equal quantiles merge
    assert quantile_breaks([], 5) == []


def test_the_layer_fills_polygons_and_finds_marks(qtbot) -> None:
    view = GridMapView()
    qtbot.addWidget(view)
    cells = [MapCell("a", SQUARE), MapCell("b", shifted(0.01))]
    view.set_cells(cells)
    layer = ChoroplethLayer(view.scene(), view.to_scene)
    layer.set_polygons({c.key: c.ring for c in cells})
    layer.set_fills({"a": SEQUENTIAL[4], "zz": "#000000"}, {"a": "tip"})
    assert layer.filled == ["a"] and layer.fill_of("a").name() == SEQUENTIAL[4]
    assert layer.fill_of("b") is None
    layer.set_fills({"b": SEQUENTIAL[0]})
    assert layer.filled == ["b"]  # a is cleared
    layer.set_marks([PointMark("m1", 118.005, 29.005, 4, "four"),
                     PointMark("m2", 118.015, 29.005, 3)])
    assert layer.marks == ["m1", "m2"]
    view.resize(400, 300)
    view.fit_all()
    scale = view.zoom
    assert layer.mark_near(118.005, 29.005, scale) == "m1"
    assert layer.mark_near(118.0051, 29.005, scale) == "m1"
    assert layer.mark_near(118.010, 29.000, scale) is None
    layer.set_visible(False)
    assert not layer.visible
    layer.clear()
    assert layer.filled == [] and layer.marks == []


def test_the_legend_and_the_heat_table(qtbot) -> None:
    legend = RampLegend()
    qtbot.addWidget(legend)
    legend.set_classes([(SEQUENTIAL[0], "1–3"), (SEQUENTIAL[4], "4–9")])
    assert legend.labels == ["1–3", "4–9"] and legend.sizeHint().width() > 40
    heat = HeatTable()
    qtbot.addWidget(heat)
    with pytest.raises(ValueError, match="values must be"):
        heat.set_data(["a"], ["0", "1"], [[1]])
    heat.set_data(["一", "二"], ["0", "1", "2"], [[0, 2, 4], [1, 0, 0]])
    assert heat.peak == 4 and heat.value(0, 2) == 4
    assert heat.colour(0, 0) is None  # zero stays blank
    assert heat.colour(0, 2) == ramp_colour(1.0) and heat.colour(1, 0) == ramp_colour(0.25)
    assert ramp_colour(1.0).lightnessF() < ramp_colour(0.25).lightnessF()
    heat.resize(300, 100)
    heat.show()
    grid_left = heat.width() - (heat.width() - heat._label_width())
    assert heat.cell_at(QPoint(grid_left + 2, 90)) == (1, 0)
    assert heat.cell_at(QPoint(0, 0)) is None
