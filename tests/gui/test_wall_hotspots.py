"""The wall's hotspot page (issue #16 part 4): this month's choropleth and top lists as the
services count them, read by the page itself when it comes on screen; the screenshot."""

from __future__ import annotations

import os
from pathlib import Path

from console.services.hotspots import (
    hotspot_figures,
    hotspot_map,
    period_bounds,
    repeat_points,
)
from console.ui.theme import apply_theme
from console.ui.wall import start as wall_start
from console.ui.wall.style import scale_for
from tests.gui.desk import NOW
from tests.gui.test_wall import wall_factory  # noqa: F401  (the wall on a demo database)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_hotspot_page_reads_the_month_when_shown(wall_factory, qtbot) -> None:  # noqa: F811
    wall = wall_factory()
    w = wall.window
    page = w.hotspots
    assert page in w.pages and page.data is None  # nothing read before it is on screen
    w.show_page(w.pages.index(page))
    assert w.page_title.text() == "本月热点"
    qtbot.waitUntil(lambda: page.data is not None)
    centre = wall.app.centre
    start, end = period_bounds("month", centre, NOW)
    want = hotspot_map(wall.app.uow_factory(), centre, start, end)
    figures = hotspot_figures(wall.app.uow_factory(), centre, start, end)
    points = repeat_points(wall.app.uow_factory(), centre, end)
    assert page.data == want and page.figures == figures and page.points == points
    assert page.layer.marks == [f"repeat:{i}" for i in range(len(points.repeats))]
    assert page.layer.filled == sorted(c.grid for c in want.cells if c.count)
    assert [n for _name, n, _d in page.kinds.rows] == [k.count for k in figures.categories][:7]
    assert [n for _name, n, _d in page.cells.rows] == [c.count for c in figures.cells][:7]
    # Shown again within five minutes: no second read.
    read_at = page._read_at
    w.show_page(0)
    w.show_page(w.pages.index(page))
    assert page._read_at == read_at


def test_wall_hotspot_screenshot(wall_factory, themed_app, qtbot, tmp_path) -> None:  # noqa: F811
    apply_theme(themed_app, "dark", wall_start.wall_density(1080))
    w = wall_factory(size=(1920, 1080)).window
    qtbot.waitUntil(lambda: w.scale == scale_for(1080))
    w.show_page(w.pages.index(w.hotspots))
    qtbot.waitUntil(lambda: w.hotspots.data is not None)
    qtbot.wait(200)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert image.save(str(folder / "wall_hotspots_1080.png"))
