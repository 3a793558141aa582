"""The wall suite (issue #16 parts 5 and 6) runs end to end at quick scale (no thresholds).

The wall's refresh on a quick SQLite history and the desk map panned and zoomed while tiles
come from the slow local server — enough to keep the benchmark working, not to measure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.suite_run import run_suite


@pytest.mark.slow
def test_wall_suite_reports_the_refresh_and_the_frames(tmp_path: Path) -> None:
    report = run_suite(tmp_path, "wall", "--scale", "quick", "--wall-repeats", "3",
                       "--tile-delay", "0.02", timeout=300)
    assert report["suite"] == "wall" and report["data"]["cases"] > 0
    names = [r["name"] for r in report["results"]]
    for expected in ("wall refresh (", "wall refresh: memory", "for comparison",
                     "map pan/zoom", "map pan/zoom"):
        assert any(n.startswith(expected) for n in names), (expected, names)
    for r in report["results"]:
        assert r["citydesk"]["n"] >= 1 and r["citydesk"]["median"] > 0, r
    wall = report["wall"]
    assert wall["wall_open_cases"] > 0 and wall["wall_cells"] > 0
    # The first run fetched tiles from the server; the second found most of them cached
    # (a tile passed over too fast to be fetched the first time may be fetched now).
    loading, cached = wall["map_tiles_loading"], wall["map_tiles_cached"]
    assert loading["tiles_served"] > 0 and loading["frames"] > 50, loading
    assert cached["tiles_served"] < loading["tiles_served"], cached
