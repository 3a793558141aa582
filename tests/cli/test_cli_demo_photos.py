"""The demo database, photos end to end, and the installed entry point."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.cli.conftest import fingerprint, run

NOW = "2026-11-25T15:30:00+08:00"  # a Wednesday afternoon


def test_demo_gives_open_cases_in_all_three_lights(cli_db: str) -> None:
    made = run(cli_db, "demo", "--days", "30", "--json", now=NOW)
    assert made.code == 0, made.err
    summary = json.loads(made.out)
    assert summary["cases"] > 1000 and summary["events"] > 8 * summary["cases"] // 2
    states = summary["by_state"]
    for state in ("已结案", "处置中", "挂账", "已作废", "不予受理", "不予立案"):
        assert states.get(state), (state, states)
    assert any(states.get(s) for s in ("待受理", "核实中", "待立案", "待派遣")), states
    rows = json.loads(run(cli_db, "case", "list", "--open", "--limit", "1000", "--json", now=NOW).out)
    assert {r["light"] for r in rows} == {"green", "yellow", "red"}
    # the log carries reworks, returns, extensions and late handling
    closed = json.loads(run(cli_db, "case", "list", "--state", "已结案", "--limit", "2000",
                            "--json", now=NOW).out)
    assert any(r["rework_count"] for r in closed)
    again = run(cli_db, "demo", "--days", "1", now=NOW)
    assert again.code == 2 and "--append" in again.err
    before = fingerprint(cli_db)
    skipped = run(cli_db, "demo", "--days", "1", "--if-empty", now=NOW)
    assert skipped.code == 0 and fingerprint(cli_db) == before


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "垃圾.png"
    Image.new("RGB", (800, 600), (200, 120, 40)).save(path, "PNG")
    return path


def test_photos_are_stored_with_a_thumbnail(cli_db: str, tmp_path: Path) -> None:
    photo = _png(tmp_path)
    made = run(cli_db, "case", "new", "--category", "06010", "--desc", "垃圾成堆",
               "--grid", "330824001001001", "--photo", str(photo), "--json", user="caiji01")
    assert made.code == 0, made.err
    cid = json.loads(made.out)["id"]
    shown = json.loads(run(cli_db, "case", "show", str(cid), "--json").out)
    assert [(p["kind"], p["filename"]) for p in shown["photos"]] == [("before", "垃圾.png")]
    assert shown["photos"][0]["size"] == photo.stat().st_size

    from console.app import App

    app = App.open(cli_db)
    try:
        with app.uow_factory() as uow:
            info = uow.photos.for_case(cid)[0]
            assert uow.photos.data(info.id) == photo.read_bytes()
            thumb = Image.open(io.BytesIO(uow.photos.data(info.id, thumbnail=True)))
            assert thumb.format == "JPEG" and max(thumb.size) <= 320
    finally:
        app.close()


def test_python_dash_m_console_is_citydesk(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "console", "--help"], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0 and "citydesk" in out.stdout
