"""The desk's 热点图 and 热点分析 (issue #16 part 4): the choropleth's cells are the service's,
the repeat point is marked and listed with its cases (a click opens one), the statistics tab's
heat table and top lists; screenshots at 1920×1080 and 1366×768."""

from __future__ import annotations

import math
import os
from datetime import timedelta
from pathlib import Path

import pytest

from console.services.cases import Report, report_case
from console.services.hotspots import (
    hotspot_figures,
    hotspot_map,
    period_bounds,
    repeat_points,
)
from console.ui.theme import apply_theme
from tests.gui.desk import NOW
from tests.gui.remote import BOTH

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
M_LAT = 1 / 111_195
SPOT = "330824001001001"


def repeat_reports(app, now=NOW) -> list[int]:
    """Four 暴露垃圾 reports within 30 m in the last days: a repeat point the month shows."""
    centre = app.centre
    lon, lat = centre.ref.grids[SPOT].centroid
    ids = []
    for n in range(4):
        made = report_case(app.uow_factory, centre, centre.actor("caiji01"),
                           now - timedelta(hours=n + 1),
                           Report("06010", "路口暴露垃圾", lon=lon, lat=lat + n * 10 * M_LAT))
        assert made.case.id is not None
        ids.append(made.case.id)
    return ids


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_the_hotspot_mode_draws_the_services_cells_and_lists_repeats(desk_factory,
                                                                     qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    ids = repeat_reports(desk.app, desk.clock())
    w = desk.window
    mode = w.hotspots
    assert mode is not None and not mode.bar.isVisibleTo(w)
    view = w.map.map
    shown = [k for k in view.marker_keys() if view.is_marker_shown(k)]
    assert shown  # the demo's open cases
    mode.toggle.click()
    qtbot.waitUntil(lambda: mode.data is not None)
    assert mode.data is not None and mode.points is not None
    # the seat's answer is the service's over the same period (through a server, its clock's)
    start, end = mode.data.start, mode.data.end
    assert start == period_bounds("month", desk.app.centre, end)[0]
    want = hotspot_map(desk.app.uow_factory(), desk.app.centre, start, end)
    points = repeat_points(desk.app.uow_factory(), desk.app.centre, mode.points.end)
    assert mode.data == want and mode.points == points
    assert mode.layer.filled == sorted(c.grid for c in want.cells if c.count)
    assert not any(view.is_marker_shown(k) for k in shown)  # case markers hidden meanwhile
    assert mode.legend.labels and mode.total.text().startswith(f"本期 {want.total} 件")
    # the repeat point: a mark on the map, a line in the list with its four cases
    spot = next(i for i, r in enumerate(points.repeats) if set(ids) <= set(r.case_ids))
    assert f"repeat:{spot}" in mode.layer.marks
    top = mode.repeats.topLevelItem(spot)
    assert top is not None and top.childCount() == points.repeats[spot].count
    child = next(top.child(i) for i in range(top.childCount())
                 if top.child(i).text(0) == points.repeats[spot].case_nos[0])
    mode.repeats.itemClicked.emit(child, 0)
    qtbot.waitUntil(lambda: w.current_case == points.repeats[spot].case_ids[0])
    # a higher count reads the repeat points again, not the choropleth
    mode.repeat_min.setValue(20)
    assert mode.points is not None and mode.points.repeat_min == 20
    # by density: the busiest cell per km² is in the darkest class
    mode.measure.setCurrentIndex(mode.measure.findData("rate"))
    densest = max((c for c in want.cells if c.count and c.rate), key=lambda c: c.rate or 0)
    assert mode.layer.fill_of(densest.grid).name() == "#bd0026"
    mode.toggle.click()
    assert not mode.layer.visible and all(view.is_marker_shown(k) for k in shown)


def test_the_statistics_tab_shows_peak_hours_and_top_lists(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    dock = w.docks["hotspots"]
    pane = dock.widget()
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: pane.figures is not None)
    start, end = period_bounds("month", desk.app.centre, NOW)
    want = hotspot_figures(desk.app.uow_factory(), desk.app.centre, start, end)
    assert pane.figures == want
    week = [sum(r.counts[h] for r in want.week) for h in range(168)]
    assert sum(pane.heat.value(d, h) for d in range(7) for h in range(24)) == sum(week) > 0
    assert pane.heat.value(NOW.weekday(), 9) == week[NOW.weekday() * 24 + 9]
    assert pane.cells.rowCount() == len(want.cells) and pane.kinds.rowCount() == len(
        want.categories)
    assert pane.kinds.item(0, 1).text() == str(want.categories[0].count)
    top = want.categories[0]
    # The demo's 30 days begin inside October: the month before November is not on record,
    # so no change is told for it (a "+95" would compare with days nobody recorded).
    assert not want.previous_complete
    assert pane.kinds.item(0, 2).text() == "—"
    assert pane.total.text() == f"本期 {want.total} 件 · 上期无完整记录"
    assert pane.kinds.item(0, 2).toolTip() == f"上期 {top.previous} 件"
    pane.period.setCurrentIndex(pane.period.findData("7d"))
    qtbot.waitUntil(lambda: pane.figures is not None and pane.figures.start != start)
    assert math.isclose((pane.figures.end - pane.figures.start).days, 7)


def test_a_unit_seat_has_no_hotspots(desk_factory) -> None:
    w = desk_factory(user="unit_zhzf").window
    assert w.hotspots is None and "hotspots" not in w.docks


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_screenshots(desk_factory, themed_app, qtbot, tmp_path, size) -> None:
    apply_theme(themed_app, "dark")
    desk = desk_factory(user="zhibanzhang1")
    repeat_reports(desk.app)
    w = desk.window
    w.apply_theme_colors("dark")
    w.resize(*size)
    w.reset_layout()
    qtbot.wait(100)
    w.hotspots.toggle.click()
    qtbot.waitUntil(lambda: w.hotspots.data is not None)
    dock = w.docks["hotspots"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: dock.widget().figures is not None)
    qtbot.wait(200)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == size
    assert image.save(str(folder / f"desk_choropleth_{size[1]}.png"))


def test_the_change_is_coloured_symmetrically_around_no_change(desk_factory) -> None:
    from datetime import datetime

    from console.services.hotspots import CellHeat, HotspotMap
    from console.ui.hotspot_view import fills
    from widgets.choropleth import DIVERGING

    centre = desk_factory(user="zhibanzhang1").app.centre
    grids = sorted(centre.ref.grids)[:4]
    cells = tuple(CellHeat(g, now, before, 1.0, float(now)) for g, now, before in
                  zip(grids, (0, 10, 5, 5), (10, 0, 5, 4), strict=True))
    t = datetime(2026, 11, 1, tzinfo=NOW.tzinfo)
    drawn = fills(centre, HotspotMap(t, NOW, t - (NOW - t), (), cells, 20, 19, 0), "change")
    assert [drawn.colours[g] for g in grids] == [DIVERGING[0], DIVERGING[4], DIVERGING[2],
                                                 DIVERGING[2]]
    assert [text for _c, text in drawn.legend] == ["≤ -6", "-6…-2", "±2", "+2…+6", "> +6"]
