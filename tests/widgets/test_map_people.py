"""The map's people layer: a refresh that only moves people keeps their drawn names and
colours; a changed colour, name or tooltip is drawn."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsScene

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
