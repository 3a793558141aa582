"""BarChart and KpiTile: data in place, colours, transparency and rendering."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.widgets.imaging import color_at, count_near, is_blank
from widgets.charts import BarChart, KpiTile


@pytest.fixture
def chart(qtbot: QtBot) -> BarChart:
    widget = BarChart()
    qtbot.addWidget(widget)
    widget.resize(360, 200)
    return widget


def test_set_data_reuses_the_bar_item(chart: BarChart) -> None:
    bars = chart.bar_item
    chart.set_data(["A", "B", "C"], [3, 5, 2])
    chart.set_data(["A", "B"], [7, 1.5])
    assert chart.bar_item is bars
    assert chart.labels == ["A", "B"]
    assert chart.values == [7.0, 1.5]
    assert list(bars.opts["height"]) == [7.0, 1.5]


def test_bar_colours_follow_the_data(chart: BarChart) -> None:
    chart.set_data(["A", "B"], [1, 2], colors=["#ff0000", QColor("#00ff00")])
    brushes = chart.bar_item.opts["brushes"]
    assert [brush.color().name() for brush in brushes] == ["#ff0000", "#00ff00"]
    chart.set_data(["A", "B"], [1, 2])
    assert chart.bar_item.opts["brushes"] is None


def test_lengths_must_match(chart: BarChart) -> None:
    with pytest.raises(ValueError, match="same length"):
        chart.set_data(["A", "B"], [1])
    with pytest.raises(ValueError, match="same length"):
        chart.set_data(["A"], [1], colors=["red", "blue"])


def test_empty_and_zero_data_are_fine(chart: BarChart) -> None:
    chart.grab()  # nothing set yet
    chart.set_data([], [])
    chart.grab()
    chart.set_data(["A"], [0])
    chart.grab()
    assert chart.values == [0.0]


def test_foreground_colours_axes(chart: BarChart) -> None:
    chart.set_title("Title")
    chart.set_foreground("#123456")
    for name in ("left", "bottom"):
        assert chart.plot_item.getAxis(name).textPen().color().name() == "#123456"


def test_renders_bars_on_a_transparent_background(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    host.setAutoFillBackground(True)
    palette = host.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#ff00ff"))
    host.setPalette(palette)
    chart = BarChart(host)
    QHBoxLayout(host).addWidget(chart)
    host.resize(360, 200)
    chart.set_title("Title")
    chart.set_data(["A", "B", "C"], [3, 5, 2], colors=["#2e7d32", "#f9a825", "#c62828"])
    host.show()
    qtbot.waitExposed(host)
    pixmap = host.grab()
    assert not is_blank(pixmap)
    assert color_at(pixmap, chart.x() + 2, chart.y() + 2).name() == "#ff00ff"
    for color in ("#2e7d32", "#f9a825", "#c62828"):
        assert count_near(pixmap, color, tolerance=8) > 100


@pytest.fixture
def tile(qtbot: QtBot) -> KpiTile:
    widget = KpiTile("Caption")
    qtbot.addWidget(widget)
    return widget


def test_kpi_formats_numbers(tile: KpiTile) -> None:
    tile.set_value(12345)
    assert tile.value_text == tile.locale().toString(12345)
    tile.set_value(0.456)
    assert tile.value_text == tile.locale().toString(0.456, "f", 1)
    tile.set_value("98%")
    assert tile.value_text == "98%"
    assert tile.caption_text == "Caption"


def test_kpi_caption_and_delta(tile: KpiTile) -> None:
    tile.set_value(7, caption="Open", delta="+2", delta_color="#c62828")
    assert tile.caption_text == "Open"
    assert tile.delta_text == "+2"
    tile.set_value(8)
    assert tile.caption_text == "Open", "caption=None keeps the caption"
    assert tile.delta_text == ""


def test_kpi_renders_the_number_in_the_foreground_colour(tile: KpiTile) -> None:
    tile.set_foreground("#0000ff")
    tile.set_value(88, delta="-1", delta_color="#ff0000")
    tile.resize(160, 90)
    pixmap = tile.grab()
    assert not is_blank(pixmap)
    assert count_near(pixmap, "#0000ff", tolerance=30) > 20
    assert count_near(pixmap, "#ff0000", tolerance=30) > 5
