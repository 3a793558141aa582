"""The hotspot benchmark (issue #16 parts 4 and 6): a month's choropleth at a scale's size.

``python -m benchmarks.bench_hotspots [--scale quick|county|megacity] [--days N] [--db URL]
[--reuse] [--repeats 5] [--json OUT]``

On the scale's generated history (``benchmarks.database.prepare``; with ``--reuse`` a database
already holding it is kept — the megacity's 30 days on PostgreSQL take an hour to generate),
it times what a supervisor's 热点图 asks for the 30 days up to the history's end, through the
services the desk calls:

* ``hotspot_map`` — the choropleth: both periods' counts per cell in one ``GROUP BY`` — for
  every category and for 暴露垃圾 alone (a category set of one), and its SQL alone
  (``cell_counts``);
* ``repeat_points`` — the repeat points of the 30 days, a read of its own (every placed
  report's position read, clustered in Python), and its two parts: the read and
  ``find_repeats``;
* ``hotspot_figures`` (the statistics tab: top cells, top categories, hour-of-week);
* drawing it: ``fills`` and ``ChoroplethLayer.set_fills`` on a map of the centre's cells and a
  paint of that map offscreen (1600 × 900).

The target (issue #16 §6): the month's choropleth in at most 1 s on both backends.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.database import prepare
from benchmarks.measure import peak_rss_mb, summary, timed
from benchmarks.scales import NOW, SCALES
from console.app import App
from console.domain.hotspots import find_repeats
from console.services.hotspots import hotspot_figures, hotspot_map, repeat_points

TARGET_MS = 1000.0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(samples: list[float]) -> dict[str, float]:
    return {k: round(v, 1) if k != "n" else v for k, v in summary(samples).items()}


def run(url: str, scale_name: str, days: int | None, reuse: bool,
        repeats: int) -> dict[str, Any]:
    """Prepare (or reuse) the history, then time every figure; the figures as a dict."""
    scale = SCALES[scale_name]
    if days is not None:
        scale = replace(scale, days=days)
    mark = prepare(url, scale, reuse, _say)
    app = App(url, clock=lambda: NOW)
    try:
        centre = app.centre
        factory: Any = app.uow_factory
        start, end = NOW - timedelta(days=30), NOW
        out: dict[str, Any] = {"backend": app.engine.dialect.name, "scale": scale.name,
                               "days": scale.days, "cases": mark.get("cases"),
                               "cells": len(centre.ref.grids), "target_ms": TARGET_MS}
        first = timed(lambda: hotspot_map(factory(), centre, start, end), 1)
        data = hotspot_map(factory(), centre, start, end)
        found = repeat_points(factory(), centre, end)
        out["month"] = {"reports": data.total, "previous": data.previous_total,
                        "cells_with_reports": sum(1 for c in data.cells if c.count),
                        "repeat_points": found.total, "repeat_points_listed": len(found.repeats)}
        out["choropleth_first_ms"] = round(first[0], 1)
        out["choropleth_ms"] = _ms(timed(lambda: hotspot_map(factory(), centre, start, end),
                                         repeats))
        out["choropleth_one_category_ms"] = _ms(timed(
            lambda: hotspot_map(factory(), centre, start, end, ("06010",)), repeats))

        def counts() -> None:
            with factory() as uow:
                uow.hotspots.cell_counts(start - (end - start), start, end, ())

        points: list[Any] = []

        def read_points() -> None:
            with factory() as uow:
                points[:] = uow.hotspots.placed_reports(start, end, ())

        out["cell_counts_ms"] = _ms(timed(counts, repeats))
        out["repeat_points_ms"] = _ms(timed(lambda: repeat_points(factory(), centre, end),
                                            repeats))
        out["placed_read_ms"] = _ms(timed(read_points, repeats))
        out["placed_reports"] = len(points)
        out["clustering_ms"] = _ms(timed(lambda: find_repeats(points), repeats))
        out["figures_ms"] = _ms(timed(lambda: hotspot_figures(factory(), centre, start, end),
                                      repeats))
        out["draw"] = _draw(centre, data, repeats)
        out["peak_rss_mb"] = round(peak_rss_mb(), 1)
        out["met"] = out["choropleth_ms"]["p95"] <= TARGET_MS
        return out
    finally:
        app.close()


def _draw(centre: Any, data: Any, repeats: int) -> dict[str, Any]:
    """Fill the centre's cells on a map offscreen and paint it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from console.ui.hotspot_view import fills
    from widgets.choropleth import ChoroplethLayer
    from widgets.grid_map import GridMapView, MapCell

    app = QApplication.instance() or QApplication([])
    view = GridMapView()
    view.resize(1600, 900)
    view.set_cells([MapCell(c.code, c.polygon) for c in centre.ref.grids.values()])
    view.show()
    view.fit_all()
    layer = ChoroplethLayer(view.scene(), view.to_scene)
    layer.set_polygons({c.code: c.polygon for c in centre.ref.grids.values()})

    def fill() -> None:
        drawn = fills(centre, data, "count")
        layer.set_fills(drawn.colours, drawn.tooltips)

    first = timed(fill, 1)
    again = timed(fill, repeats)
    paint = timed(lambda: view.viewport().grab(), repeats)
    view.close()
    app.processEvents()
    return {"fill_first_ms": round(first[0], 1), "fill_ms": _ms(again), "paint_ms": _ms(paint),
            "filled": len(layer.filled)}


def main(argv: list[str] | None = None) -> int:
    """Run once and print the figures (JSON to ``--json`` too)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_hotspots")
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--days", type=int, help="override the scale's history length")
    parser.add_argument("--db", metavar="URL", help="the database (default: a temp SQLite file)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database that already holds the scale's history")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citydesk-hotspots-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'hotspots.sqlite3'}"
        figures = run(url, args.scale, args.days, args.reuse, args.repeats)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
