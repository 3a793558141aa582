"""The map's collector layer refreshed for the simulated collectors (issue #15).

A refresh of the layer (``console.ui.collector_layer``) reads every collector's status and
last fix on the desk's worker (``collector_spots``), then on the UI thread builds the layer's
items (``collector_markers``), puts them on the map (``PersonLayer.set_people``) and the map
is painted.  Timed here on the benchmark's database after the collectors' positions went in:

* the read (off the UI thread; no target of its own);
* the items built and placed, without painting;
* the same followed by a paint of the whole map (offscreen, 1600×900), against a paint of the
  map without the layer (the "floor": the ratio is the layer's cost).

Every refresh after the first moves every collector a little, so every one is drawn at a new
place (the first refresh, and the first paint that renders each name once, are not timed as
refreshes).  The tooltips' times are formatted as the desk formats them (``timefmt.short``).
When the layer's modules
are not there (another engineer builds them), :func:`bench_map_layer` says so and measures
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from benchmarks.bench_server import server_clock
from benchmarks.measure import Result, timed

#: The map's size when painted (a desk's map pane at 1920×1080 is about this).
MAP_SIZE = (1600, 900)


def _missing() -> str | None:
    """Why the layer cannot be timed (None when its modules are there)."""
    try:
        from console.services.collector_places import collector_spots  # noqa: F401
        from console.ui.collector_layer import collector_markers  # noqa: F401
        from widgets.map_people import PersonLayer  # noqa: F401
    except ImportError as exc:
        return f"the collector layer's modules are not there: {exc}"
    return None


def bench_map_layer(app: Any, repeats: int,
                    say: Callable[[str], None]) -> tuple[list[Result], dict[str, Any]]:
    """The layer's refresh for every collector in ``app``'s database; rows and extras."""
    missing = _missing()
    if missing:
        say(f"map layer: {missing}")
        return [], {"map_layer_missing": missing}
    from PySide6.QtWidgets import QApplication

    from console.services import timefmt
    from console.services.collector_places import collector_spots
    from console.ui.collector_layer import collector_markers
    from widgets.grid_map import GridMapView, MapCell
    from widgets.map_people import PersonLayer

    qt = QApplication.instance() or QApplication([])
    centre = app.centre
    actor = centre.actor("zhibanzhang1", "bench-map")  # a seat that watches collectors
    store = app.alarm_store()
    now = server_clock()
    say(f"map layer: {repeats} refreshes …")
    read_ms = timed(lambda: collector_spots(store, centre, actor, now), repeats)
    spots = collector_spots(store, centre, actor, now)
    fixed = sum(s.fix is not None for s in spots)

    def when(t: Any) -> str:  # the desk's own format of a fix's time (attach_collectors)
        return timefmt.short(centre, t)

    def moved(k: int) -> list[Any]:  # every collector a few metres on, as between refreshes
        return [s if s.fix is None else replace(s, fix=replace(
            s.fix, lon=s.fix.lon + 0.00003 * (k % 7), lat=s.fix.lat + 0.00002 * (k % 5)))
            for s in spots]

    view = GridMapView()
    view.resize(*MAP_SIZE)
    view.set_cells([MapCell(c.code, c.polygon, c.code[-3:], c.community_code)
                    for c in sorted(centre.ref.grids.values(), key=lambda g: g.code)])
    view.show()
    view.fit_all()
    qt.processEvents()
    layer = PersonLayer(view.scene(), view.to_scene)
    start = time.perf_counter()
    layer.set_people(collector_markers(spots, when))
    first_ms = (time.perf_counter() - start) * 1000
    drawn = len(layer)
    # The moved positions are made before timing: on the desk they come from the worker's
    # read (timed above), not from the UI thread (making them here costs ≈ 2.7 ms a round).
    rounds = iter([moved(k) for k in range(1, 2 * repeats + 1)])

    def refresh() -> None:
        layer.set_people(collector_markers(next(rounds), when))

    def refresh_painted() -> None:
        refresh()
        view.grab()

    build_ms = timed(refresh, repeats)
    view.grab()  # the first paint renders each person's dot and name once: not a refresh's
    painted_ms = timed(refresh_painted, repeats)
    layer.set_visible(False)
    bare_ms = timed(view.grab, repeats)
    view.close()
    qt.processEvents()
    note = (f"{len(spots)} collectors, {fixed} with a fix, {drawn} drawn; every refresh moves "
            f"every one; the first (creating the items) {first_ms:.1f} ms")
    results = [
        Result(f"map's collector layer: read the statuses and last fixes ({len(spots)} "
               "collectors, on the worker)", "ms", read_ms, None,
               "– (off the UI thread)", None,
               note="collector_spots: the active collectors, their last fixes (SQL) and 在岗 "
                    "status"),
        Result(f"map's collector layer refresh, {drawn} collectors: items built and placed, "
               "not painted", "ms", build_ms, None, "≤ 20 ms",
               lambda cd, _r: cd["p95"] <= 20,
               note=f"collector_markers + PersonLayer.set_people; {note}"),
        Result(f"map's collector layer refresh, {drawn} collectors, painted offscreen "
               f"({MAP_SIZE[0]}×{MAP_SIZE[1]})", "ms", painted_ms, bare_ms, "≤ 20 ms",
               lambda cd, _r: cd["p95"] <= 20,
               note="the same, then the whole map painted (QWidget.grab); floor: the map "
                    f"painted without the layer ({len(centre.ref.grids)} cells)"),
    ]
    return results, {"map_layer_first_ms": round(first_ms, 2), "map_layer_collectors": len(spots),
                     "map_layer_drawn": drawn}
