"""A grid imported into a running server's database is used by the server without a restart:
the import's admin log row makes the server reload its reference data (issue #16 part 2)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from console.domain.coords import wgs84_to_gcj02
from tests.cli.conftest import run
from tests.cli.test_cli_survey import cells, centre_of, geojson
from tests.server.conftest import Server

pytestmark = pytest.mark.postgres


def _grid(db: Engine, reply: object) -> str:
    case_id = reply.json()["case"]["id"]  # type: ignore[attr-defined]
    with db.connect() as conn:
        return str(conn.execute(text("SELECT grid FROM cases WHERE id = :id"),
                                {"id": case_id}).scalar_one())


def test_the_server_routes_by_the_imported_grid(server: Server, db: Engine,
                                                tmp_path: Path) -> None:
    lon, lat = centre_of("330824001001005")  # in Kaihua's shipped cell 330824001001015
    token = server.as_user("shouli1")
    body = {"category": "06010", "description": "垃圾", "lon": lon, "lat": lat,
            "source": "监督员上报"}
    before = server.post("/api/v1/reports", token, json=body)
    assert before.status_code == 201, before.text
    assert _grid(db, before) == "330824001001015"
    path = geojson(tmp_path / "grid.geojson", cells(), wgs84_to_gcj02)
    done = run(server.db_url, "grid", "import", str(path), "--crs", "gcj02")
    assert done.code == 0, done.err
    grid = None
    for _ in range(40):  # the server looks at the admin log at most every 2 s
        reply = server.post("/api/v1/reports", token, json=body)
        assert reply.status_code == 201, reply.text
        grid = _grid(db, reply)
        if grid == "330824001001005":
            break
        time.sleep(0.5)
    assert grid == "330824001001005"
