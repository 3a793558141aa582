"""The 统计图表 tab: readable docked and as a window of its own; labels say what is counted.

Set CITYDESK_SHOTS_DIR to keep the screenshots (the desk at 1920×1080 and 1366×768 with the tab
raised, and the pane as a larger window); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from console.services.live_stats import WEEKS, LiveStats
from console.ui.panes.live_charts import CHART_HEIGHT, LiveChartsPane
from widgets.charts import BarChart

CATEGORIES = {  # long names, as the top-10 of a busy day has them
    "06010": "暴露垃圾", "06011": "积存垃圾渣土", "07001": "非法小广告", "06021": "道路不洁",
    "05003": "无照经营游商", "05002": "店外经营", "04002": "乱堆物堆料", "06018": "绿地脏乱",
    "01003": "雨水井盖", "02015": "路灯（含景观灯）损坏",
}
UNITS = {f"KH-U{i}": name for i, name in enumerate(
    ("县综合行政执法局", "县住房和城乡建设局", "县公安局交通警察大队", "芹阳办事处", "华埠镇人民政府",
     "县自来水有限公司", "国网开化县供电公司", "县交通运输局", "县市场监督管理局", "县园林绿化中心",
     "县生态环境分局"))}


def _stats() -> LiveStats:
    today = date(2026, 11, 25)
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    week_on_time = {w: [0, 0] for w in weeks}
    for i, w in enumerate(weeks[3:]):  # the history starts in the fourth week
        week_on_time[w] = [40 + i, 50 + i]
    stats = LiveStats(
        day=today, weeks=weeks, week_on_time=week_on_time,
        today_by_hour=[0] * 7 + [12, 35, 61, 58, 40, 22, 30, 55, 63, 48, 30, 12, 6, 3, 1, 0, 0],
        week_avg_by_hour=[0.0] * 7 + [10.0] * 12 + [2.0] * 5,
        by_source=Counter({"监督员上报": 260, "12345热线": 80, "公众上报": 35, "领导交办": 5,
                           "视频上报": 22}),
        by_category=Counter({code: 90 - 7 * i for i, code in enumerate(CATEGORIES)}),
        unit_month={code: [30 + i, 40 + 2 * i] for i, code in enumerate(UNITS)},
    )
    stats.unit_month["KH-IDLE"] = [0, 0]  # nothing handled: not ranked
    return stats


def _fill(pane: LiveChartsPane) -> None:
    pane.show_stats(_stats(), CATEGORIES, {**UNITS, "KH-IDLE": "县闲置单位"},
                    {"green": 310, "yellow": 42, "red": 17})


def _labels_fit(chart: BarChart) -> None:
    """No two drawn labels overlap and none is wider (or taller) than the room it was given;
    the title fits the chart's width."""
    label = chart.plot_item.titleLabel.item
    title = label.mapRectToScene(label.boundingRect())
    assert title.left() >= 0 and title.right() <= chart.width(), chart.title_text
    shown = chart.shown_labels
    if not shown:
        return
    metrics = QFontMetricsF(chart.label_font())
    room = chart.label_room
    step = shown[1][0] - shown[0][0] if len(shown) > 1 else 1
    horizontal = chart.plot_item.getViewBox().yInverted()
    for _i, text in shown:
        need = metrics.height() if horizontal else metrics.horizontalAdvance(text)
        assert need <= step * room + 0.5, (chart.plot_item.titleLabel.text, text, step, room)


def test_titles_say_what_is_counted(qtbot) -> None:
    pane = LiveChartsPane()
    qtbot.addWidget(pane)
    title = {name: getattr(pane, name).plot_item.titleLabel.text
             for name in ("intake", "sources", "categories", "units", "weekly")}
    assert "上报量" in title["intake"] and "受理" not in title["intake"]  # report events
    assert "上报" in title["sources"] and "上报" in title["categories"]
    assert "已反馈" in title["units"] and "已反馈" in title["weekly"]  # timed feedback


def test_weeks_before_the_history_have_no_bar_and_idle_units_no_rank(qtbot) -> None:
    pane = LiveChartsPane()
    qtbot.addWidget(pane)
    pane.resize(1200, 700)
    pane.show()
    _fill(pane)
    weekly = pane.weekly
    assert [math.isnan(v) for v in weekly.values] == [True] * 3 + [False] * 5
    heights = list(weekly.bar_item.opts["height"])
    assert heights[:3] == [0.0] * 3 and all(h > 0 for h in heights[3:])  # no bar, not a 0 bar
    assert weekly.toolTip().splitlines()[1].endswith("—")  # after the title: the first week
    # Units: the ten best that handled something, best first; the idle unit is not ranked.
    assert "县闲置单位" not in pane.units.labels and len(pane.units.labels) == 10
    rates = pane.units.values
    assert rates == sorted(rates, reverse=True)


@pytest.mark.parametrize(("width", "height"), [(1900, 150), (1340, 150), (1200, 760), (420, 600)])
def test_charts_have_room_and_labels_never_overlap(qtbot, width: int, height: int) -> None:
    pane = LiveChartsPane()
    qtbot.addWidget(pane)
    pane.resize(width, height)
    pane.show()
    _fill(pane)
    qtbot.wait(50)
    assert pane.columns == LiveChartsPane.columns_for(width)
    for chart in pane.charts:
        assert chart.height() >= CHART_HEIGHT
        _labels_fit(chart)
    assert len(pane.categories.shown_labels) == 10  # every category named, one row each
    # A short dock scrolls to the charts below; a window of 1200×760 shows all six at once.
    scrolls = pane.area.verticalScrollBar().maximum() > 0
    assert scrolls == (pane.body.minimumSizeHint().height() > pane.area.viewport().height())
    assert scrolls == ((width, height) != (1200, 760))


def test_intake_labels_thin_out_when_narrow(qtbot) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(240, 160)
    chart.show()
    chart.set_data([str(h) for h in range(24)], [float(h) for h in range(24)])
    qtbot.wait(20)
    shown = chart.shown_labels
    assert 1 < len(shown) < 24 and shown[0] == (0, "0")
    assert not chart.values_shown  # 24 values side by side would touch
    chart.resize(1200, 300)
    qtbot.waitUntil(lambda: len(chart.shown_labels) == 24)
    assert chart.values_shown


def _shots() -> Path | None:
    folder = os.environ.get("CITYDESK_SHOTS_DIR")
    return Path(folder) if folder else None


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_statistics_tab_screenshot(desk_factory, themed_app, qtbot, tmp_path, width: int,
                                   height: int) -> None:
    from console.ui.theme import apply_theme

    apply_theme(themed_app, "dark")
    w = desk_factory(user="zhibanzhang1").window
    w.apply_theme_colors("dark")
    w.resize(width, height)
    w.docks["live_charts"].raise_()
    qtbot.wait(300)
    pane = w.live_charts
    assert pane.isVisible() and pane.height() > 60
    for chart in pane.charts:
        assert chart.height() >= CHART_HEIGHT
        _labels_fit(chart)
    folder = _shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert w.grab().save(str(folder / f"statistics_docked_{width}.png"))
    assert pane.grab().save(str(folder / f"statistics_pane_{width}.png"))
    # The same pane as a window of its own (what "open as window" will give it).
    dock = w.docks["live_charts"]
    dock.setFloating(True)
    dock.resize(min(1280, width - 100), min(820, height - 80))
    qtbot.wait(300)
    for chart in pane.charts:
        assert chart.height() >= CHART_HEIGHT
        _labels_fit(chart)
    assert pane.area.verticalScrollBar().maximum() == 0 or height < 800
    assert pane.grab().save(str(folder / f"statistics_window_{width}.png"))
    dock.setFloating(False)
    assert Qt.DockWidgetArea.BottomDockWidgetArea == w.dockWidgetArea(dock)
