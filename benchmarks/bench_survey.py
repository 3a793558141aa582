"""The survey benchmark (issue #16 part 2): checking a big grid, sorting a big inventory,
painting many components.

``python -m benchmarks.bench_survey [--side 100] [--components 100000] [--json OUT]``

Everything is GENERATED (seeded), not a real survey: a ``side`` × ``side`` block of square
cells of 0.003° (a megacity-sized grid at 100: 10 000 cells, ~30 km across) and ``components``
points spread over it, of 20 types.  The benchmark times

1. :func:`~console.domain.grid_checks.grid_problems` on the whole grid (codes, validity,
   overlaps through the STR tree, the union for gaps) — what ``citydesk grid import`` runs
   before it writes;
2. :func:`~console.domain.component_rows.read_components` on every point (the rows of
   ``citydesk components import``: category, units, the cell from the position);
3. the desk map's component layer (``widgets/map_components.py``) with all the points, on a
   1600 × 900 offscreen view: a repaint (``viewport().grab()``) zoomed out (below the
   threshold: nothing drawn) and at a district (~3 km across: the icons in view drawn), each
   against the same view with the layer hidden — median and p95 of 30 grabs each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from console.domain.cell_finder import CellFinder
from console.domain.component_rows import Lookups, read_components
from console.domain.grid_checks import grid_problems
from console.domain.reference import GridCell
from console.reference_files import load_centre_files

STEP = 0.003
WEST, SOUTH = 118.20, 28.90


def make_grid(side: int) -> list[tuple[int, GridCell]]:
    """``side`` × ``side`` square cells, codes by street (row block) and community."""
    cells = []
    for j in range(side):
        for i in range(side):
            k = j * side + i
            code = f"330824{100 + k // 100000:03d}{(k // 1000) % 100:03d}{k % 1000:03d}"
            w, s = WEST + i * STEP, SOUTH + j * STEP
            ring = ((w, s), (w + STEP, s), (w + STEP, s + STEP), (w, s + STEP), (w, s))
            cells.append((k + 1, GridCell(code, code[:9], "街道", code[:12], "社区", ring)))
    return cells


def _timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2)}


def paint_times(cells: list[GridCell], points: list[tuple[float, float, str]]
                ) -> dict[str, Any]:
    """Grab times of the map with the component layer: zoomed out, at a district, hidden."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from widgets.grid_map import GridMapView, MapCell
    from widgets.map_components import ComponentLayer, ComponentPoint

    app = QApplication.instance() or QApplication(sys.argv[:1])
    view = GridMapView()
    view.resize(1600, 900)
    view.set_cells([MapCell(c.code, c.polygon) for c in cells])
    layer = ComponentLayer(view.to_scene, 40_000.0)
    view.scene().addItem(layer)
    layer.set_points([ComponentPoint(str(n), lon, lat, kind)
                      for n, (lon, lat, kind) in enumerate(points)])
    view.show()
    app.processEvents()
    out: dict[str, Any] = {}

    def grabs(label: str) -> None:
        # Shown and hidden alternate grab by grab: the shared machine's load drifts, and two
        # runs one after the other measured the drift more than the layer.
        shown: list[float] = []
        hidden: list[float] = []
        drawn = 0
        for _ in range(30):
            for visible, samples in ((True, shown), (False, hidden)):
                layer.setVisible(visible)
                start = time.perf_counter()
                view.viewport().grab()
                samples.append(time.perf_counter() - start)
                if visible:
                    drawn = layer.drawn
        out[label] = {"shown": _summary(shown), "hidden": _summary(hidden), "icons_drawn": drawn}

    view.fit_all()
    grabs("zoomed_out")
    middle = cells[len(cells) // 2].polygon[0]
    view.zoom_by(60_000.0 / view.zoom)  # 1600 px ≈ 2.6 km of longitude at 29° N
    view.centerOn(view.to_scene(*middle))
    grabs("district")
    view.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print (or write) them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=100)
    parser.add_argument("--components", type=int, default=100_000)
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    rng = random.Random(16)
    grid = make_grid(args.side)
    problems, checked = _timed(lambda: grid_problems(grid, "330824"))
    assert not problems, problems[:3]
    ref = load_centre_files()
    kinds = sorted(c.code for c in ref.categories.values() if c.kind.value == "component")[:20]
    extent = args.side * STEP
    points = [(WEST + rng.random() * extent, SOUTH + rng.random() * extent, rng.choice(kinds))
              for _ in range(args.components)]
    cells = [c for _, c in grid]
    look = Lookups(ref.categories, ref.units, CellFinder(cells), lambda _t: [], "330824")
    headings = ["id", "category", "owner"]
    rows = [(n + 2, {"id": f"3308240100{n:07d}", "category": kind, "owner": "KH-ZJJ"},
             (lon, lat)) for n, (lon, lat, kind) in enumerate(points)]
    reading, sorted_s = _timed(lambda: read_components(rows, headings, look))
    result = {
        "cells": len(grid), "grid_check_s": round(checked, 2),
        "components": len(points), "components_read_s": round(sorted_s, 2),
        "components_landed": len(reading.components),
        "paint": paint_times(cells, points),
    }
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
