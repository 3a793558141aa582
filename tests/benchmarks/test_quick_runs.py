"""The benchmark suite runs end to end at quick scale (results printed, no thresholds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ("intake", "month evaluation", "open the desk", "one-click dispatch", "timer tick",
            "memory", "cold start")


@pytest.mark.slow
def test_quick_scale_reports_every_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "quick",
         "--db", f"sqlite:///{tmp_path / 'bench.sqlite3'}", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    print(done.stdout)  # the table, for the CI log
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["scale"] == "quick" and report["data"]["cases"] > 0
    names = [r["name"] for r in report["results"]]
    for expected in EXPECTED:
        assert any(expected in n for n in names), (expected, names)
    for r in report["results"]:
        assert r["citydesk"]["n"] >= 1 and r["citydesk"]["median"] > 0, r
        assert r["floor"] is not None and r["floor"]["median"] > 0, r
        assert r["ratio"] is not None and r["met"] in (True, False), r
