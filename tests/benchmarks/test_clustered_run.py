"""The clustered-intake suite runs alone, end to end, at a small size (no thresholds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_clustered_suite_reports_its_pairs(tmp_path: Path) -> None:
    out = tmp_path / "clustered.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--suite", "clustered", "--rounds", "1",
         "--reports", "120", "--db", f"sqlite:///{tmp_path / 'bench.sqlite3'}",
         "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    print(done.stdout)  # the table, for the CI log
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["suite"] == "clustered" and report["data"]["reports"] == 120
    names = [r["name"] for r in report["results"]]
    assert [n.split(":")[0] for n in names[:2]] == ["report_many", "Open311 channel"]
    for r in report["results"][:2]:  # clustered against spread: both measured, a ratio
        assert r["citydesk"]["median"] > 0 and r["floor"]["median"] > 0 and r["ratio"] > 0, r
    page = report["results"][2]
    assert page["citydesk"]["median"] > 0 and page["met"] in (True, False)
    # each run made a fresh copy of the template and dropped it again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.sqlite3", "clustered.json"]
