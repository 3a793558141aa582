"""The hotspot benchmark runs end to end at quick scale (figures printed, no thresholds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_hotspot_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "hotspots.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_hotspots", "--scale", "quick", "--days", "3",
         "--repeats", "2", "--db", f"sqlite:///{tmp_path / 'bench.sqlite3'}", "--json",
         str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["backend"] == "sqlite" and report["month"]["reports"] > 0
    for key in ("choropleth_ms", "choropleth_one_category_ms", "cell_counts_ms",
                "repeat_points_ms", "placed_read_ms", "clustering_ms", "figures_ms"):
        assert report[key]["n"] == 2 and report[key]["median"] > 0, key
    assert report["draw"]["filled"] == report["month"]["cells_with_reports"]
    assert report["met"] in (True, False)
