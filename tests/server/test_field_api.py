"""The field API (issue #15) against a real server on loopback and a real PostgreSQL.

Tasks, results, reports with ``client_id``, photos and positions, each refusal checked for
its status and body and an unchanged database (row counts and the case's version).
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, text

from console.domain.cases import Actor, Role
from console.domain.coords import wgs84_to_bd09, wgs84_to_gcj02
from console.domain.geo import haversine_m
from console.services.accounts import set_password
from db.engine import make_engine
from db.uow import make_uow_factory
from tests.server.conftest import PASSWORD, Server, counts, running_server

pytestmark = pytest.mark.postgres

#: The middle of cell 330824001001001 (caiji01's), WGS-84, and the cell next to it.
CELL = "330824001001001"
MIDDLE = (118.401522, 29.1474435)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def server(pg_db: str) -> Iterator[Server]:
    """The module's server; caiji02 and caiji03 get a password too (collectors B and C)."""
    engine = make_engine(pg_db)
    try:
        for name in ("caiji02", "caiji03"):
            set_password(make_uow_factory(engine), Actor("admin", Role.ADMIN), name, PASSWORD,
                         datetime.now(UTC))
    finally:
        engine.dispose()
    with running_server(pg_db) as srv:
        yield srv


def _post(server: Server, user: str, path: str, **kw: Any) -> dict[str, Any]:
    reply = server.post(path, server.as_user(user), **kw)
    assert reply.status_code in (200, 201), reply.text
    return dict(reply.json())


def _act(server: Server, user: str, case: dict[str, Any], command: str,
         **fields: Any) -> dict[str, Any]:
    return dict(_post(server, user, f"/api/v1/cases/{case['id']}/{command}",
                      json={"version": case["version"], **fields})["case"])


def _reported(server: Server, **changes: Any) -> dict[str, Any]:
    body = {"category": "06010", "description": "路口垃圾", "grid": CELL, "source": "公众举报"}
    case = _post(server, "shouli1", "/api/v1/reports", json=body | changes)["case"]
    return _act(server, "shouli1", case, "accept")


def _verifying(server: Server, collector: str = "caiji01") -> dict[str, Any]:
    return _act(server, "shouli1", _reported(server), "request-verify", collector=collector)


def _checking(server: Server, collector: str = "caiji01") -> dict[str, Any]:
    case = _act(server, "shouli1", _reported(server, source="监督员上报"), "file")
    case = _act(server, "paiqian1", case, "dispatch")
    case = _act(server, "unit_zhzf", case, "start")
    case = _act(server, "unit_zhzf", case, "feedback", notes="已清运")
    return _act(server, "shouli1", case, "request-check", collector=collector)


def _version(db: Engine, case_id: int) -> int:
    with db.connect() as conn:
        return int(conn.execute(text("SELECT version FROM cases WHERE id = :i"),
                                {"i": case_id}).scalar_one())


def _positions(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM collector_positions")).scalar_one())


def test_the_collector_answers_a_verify_and_a_check(server: Server, db: Engine) -> None:
    a = server.as_user("caiji01")
    verify = _verifying(server)
    tasks = server.get("/api/v1/tasks", a).json()
    [task] = [t for t in tasks if t["case_id"] == verify["id"]]
    assert set(task) == {"case_id", "case_no", "kind", "category", "description", "address",
                         "grid", "lon", "lat", "deadline", "photos", "notes"}
    assert (task["kind"], task["category"], task["grid"]) == (
        "verify", {"code": "06010", "name": "暴露垃圾", "name_en": "Exposed garbage"}, CELL)
    deadline = datetime.fromisoformat(task["deadline"])
    assert deadline.utcoffset() == timedelta(hours=8)  # the centre's zone (Asia/Shanghai)
    gcj = wgs84_to_gcj02(*MIDDLE)
    answer = server.post(f"/api/v1/tasks/{verify['id']}/result", a,
                         data={"body": json.dumps({"outcome": "found", "notes": "属实",
                                                   "lon": gcj[0], "lat": gcj[1],
                                                   "crs": "gcj02"})},
                         files=[("photo", ("scene.jpg", jpeg(), "image/jpeg"))])
    assert answer.status_code == 200, answer.text
    assert answer.json()["case"]["state"] == "待立案"
    detail = server.get(f"/api/v1/cases/{verify['id']}", server.as_user("shouli1")).json()
    step = detail["timeline"][-1]
    assert (step["type"], step["actor"], step["role"]) == ("verify", "caiji01", "监督员")
    assert haversine_m(step["payload"]["lon"], step["payload"]["lat"], *MIDDLE) < 1.0
    assert step["payload"]["crs"] == "gcj02"
    assert any(line.startswith("现场位置：118.4015") for line in step["details"]), step
    assert [p["kind"] for p in detail["photos"]] == ["before"]
    assert verify["id"] not in [t["case_id"] for t in server.get("/api/v1/tasks", a).json()]

    check = _checking(server)
    [task] = [t for t in server.get("/api/v1/tasks", a).json() if t["case_id"] == check["id"]]
    assert (task["kind"], task["notes"]) == ("check", "已清运")
    bd = wgs84_to_bd09(*MIDDLE)
    answer = server.post(f"/api/v1/tasks/{check['id']}/result", a,
                         json={"outcome": "pass", "lon": bd[0], "lat": bd[1], "crs": "bd09",
                               "version": check["version"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["case"]["state"] == "待结案"
    closed = _act(server, "zhibanzhang1", answer.json()["case"], "close", close_type="正常")
    assert closed["state"] == "已结案"


def test_another_collectors_task_is_403_and_an_answered_one_409(server: Server,
                                                                db: Engine) -> None:
    case = _verifying(server)
    before, version = counts(db), _version(db, case["id"])
    b = server.as_user("caiji02")
    refused = server.post(f"/api/v1/tasks/{case['id']}/result", b, json={"outcome": "found"})
    assert (refused.status_code, refused.json()["error"]) == (403, "permission_denied")
    assert case["id"] not in [t["case_id"] for t in server.get("/api/v1/tasks", b).json()]
    assert (counts(db), _version(db, case["id"])) == (before, version)
    a = server.as_user("caiji01")
    rid = f"phone-{uuid.uuid4().hex}"
    first = server.post(f"/api/v1/tasks/{case['id']}/result", a,
                        json={"outcome": "not_found", "request_id": rid})
    assert first.status_code == 200, first.text
    after = counts(db)
    again = server.post(f"/api/v1/tasks/{case['id']}/result", a,
                        json={"outcome": "not_found", "request_id": rid})
    assert (again.status_code, again.json()) == (200, first.json())  # the same answer
    late = server.post(f"/api/v1/tasks/{case['id']}/result", a, json={"outcome": "found"})
    assert (late.status_code, late.json()["error"]) == (409, "illegal_transition")
    assert counts(db) == after


def test_result_refusals_name_the_field_and_change_nothing(server: Server,
                                                           db: Engine) -> None:
    case = _checking(server)
    a = server.as_user("caiji01")
    before, version = counts(db), _version(db, case["id"])
    url = f"/api/v1/tasks/{case['id']}/result"
    probes = [
        ({"outcome": "found"}, 422, "outcome"),  # a verify's outcome for a check
        ({}, 422, "outcome"),
        ({"outcome": "fail"}, 422, "notes"),
        ({"outcome": "pass", "lon": 118.4}, 422, "lat"),
        ({"outcome": "pass", "lon": 118.4, "lat": 95.0}, 422, "lat"),
        ({"outcome": "pass", "lon": 118.4, "lat": 29.1, "crs": "utm"}, 422, "crs"),
        ({"outcome": "pass", "bogus": 1}, 422, "bogus"),
        ({"outcome": "pass", "now": "2020-01-01T00:00:00+00:00"}, 422, "now"),
        ({"outcome": "pass", "version": case["version"] - 1}, 409, None),
    ]
    for body, status, field in probes:
        reply = server.post(url, a, json=body)
        assert reply.status_code == status, (body, reply.text)
        assert reply.json().get("field") == field, (body, reply.text)
    bad = server.post(url, a, data={"body": json.dumps({"outcome": "pass"})},
                      files=[("photo", ("x.jpg", b"not an image", "image/jpeg"))])
    assert (bad.status_code, bad.json()["field"]) == (422, "photo")
    missing = server.post("/api/v1/tasks/987654321/result", a, json={"outcome": "pass"})
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    desk = server.post(url, server.as_user("shouli1"), json={"outcome": "pass"})
    assert desk.status_code == 403
    assert (counts(db), _version(db, case["id"])) == (before, version)


def test_tasks_long_poll_wakes_on_a_new_task(server: Server) -> None:
    c = server.as_user("caiji03")
    assert server.get("/api/v1/tasks?wait=0", c).json() == []
    started = time.monotonic()
    got: list[Any] = []
    poll = threading.Thread(target=lambda: got.append(
        server.get("/api/v1/tasks?wait=30", c).json()))
    poll.start()
    time.sleep(1.0)
    assert poll.is_alive()  # no task yet: it waits
    case = _verifying(server, "caiji03")
    poll.join(30)
    assert [t["case_id"] for t in got[0]] == [case["id"]]
    assert time.monotonic() - started < 15  # woken by the event, not by the 30 s
    empty = server.get("/api/v1/tasks?wait=61", c)
    assert (empty.status_code, empty.json()["field"]) == (422, "wait")
    assert server.get("/api/v1/tasks", server.as_user("shouli1")).status_code == 403


def test_photos_of_a_task_are_readable_by_its_collector_only(server: Server) -> None:
    reply = server.post("/api/v1/reports", server.as_user("shouli1"),
                        data={"body": json.dumps({"category": "06010", "description": "有照片",
                                                  "grid": CELL, "source": "公众举报"})},
                        files=[("photo", ("p.jpg", jpeg(), "image/jpeg"))])
    case = _act(server, "shouli1", reply.json()["case"], "accept")
    case = _act(server, "shouli1", case, "request-verify", collector="caiji03")
    [task] = [t for t in server.get("/api/v1/tasks", server.as_user("caiji03")).json()
              if t["case_id"] == case["id"]]
    [url] = task["photos"]
    got = server.get(url, server.as_user("caiji03"))
    assert (got.status_code, got.headers["content-type"], got.content) == (200, "image/jpeg",
                                                                           jpeg())
    assert server.get(url + "?thumbnail=true", server.as_user("caiji03")).status_code == 200
    other = server.get(url, server.as_user("unit_hbz"))  # another unit's seat
    assert (other.status_code, other.json()["error"]) == (404, "not_found")
    assert server.get("/api/v1/photos/987654321", server.as_user("caiji03")).status_code == 404


def test_a_report_with_one_client_id_makes_one_case(server: Server, db: Engine) -> None:
    a = server.as_user("caiji01")
    gcj = wgs84_to_gcj02(*MIDDLE)
    body = {"category": "06010", "description": "现场发现", "lon": gcj[0], "lat": gcj[1],
            "crs": "gcj02", "client_id": f"phone-{uuid.uuid4().hex}"}
    first = server.post("/api/v1/reports", a, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["route"]["unit"]
    before = counts(db)
    second = server.post("/api/v1/reports", a, json=body)
    assert second.status_code == 200, second.text
    assert second.json()["case"] == first.json()["case"]
    assert second.json()["route"] == first.json()["route"]
    assert counts(db) == before
    with db.connect() as conn:
        grid, lon, lat = conn.execute(text("SELECT grid, lon, lat FROM cases WHERE id = :i"),
                                      {"i": first.json()["case"]["id"]}).one()
    assert grid == CELL  # GCJ-02 taken as WGS-84 would lie ~500 m off, in another cell
    assert haversine_m(lon, lat, *MIDDLE) < 1.0
    racing = body | {"client_id": f"phone-{uuid.uuid4().hex}"}
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _i: server.post("/api/v1/reports", a, json=racing),
                                range(4)))
    assert sorted(r.status_code for r in replies) == [200, 200, 200, 201]
    assert len({r.json()["case"]["id"] for r in replies}) == 1
    for bad, field in (({"client_id": ""}, "client_id"), ({"client_id": "x" * 65}, "client_id"),
                       ({"crs": "mars"}, "crs"), ({"lon": 200.0}, "lon")):
        reply = server.post("/api/v1/reports", a, json=body | bad)
        assert (reply.status_code, reply.json()["field"]) == (422, field), reply.text


def test_positions_batch_is_stored_whole_or_not_at_all(server: Server, db: Engine) -> None:
    a = server.as_user("caiji01")
    now = datetime.now(UTC)
    gcj = wgs84_to_gcj02(*MIDDLE)
    batch = [{"t": (now - timedelta(seconds=30 - i)).isoformat(), "lon": gcj[0],
              "lat": gcj[1], "crs": "gcj02", "speed": 1.2, "accuracy": 8, "battery": 77}
             for i in range(3)]
    before = _positions(db)
    reply = server.post("/api/v1/positions", a, json={"positions": batch})
    assert reply.json() == {"stored": 3, "duplicates": 0}
    again = server.post("/api/v1/positions", a, json={"positions": batch})
    assert again.json() == {"stored": 0, "duplicates": 3}  # a resent batch: nothing twice
    assert _positions(db) == before + 3
    with db.connect() as conn:
        lon, lat, battery = conn.execute(text(
            "SELECT lon, lat, battery FROM collector_positions WHERE username = 'caiji01' "
            "ORDER BY t DESC LIMIT 1")).one()
    assert haversine_m(lon, lat, *MIDDLE) < 1.0 and battery == 77
    future = (now + timedelta(minutes=6)).isoformat()
    for bad, field in (([*batch[:2], {"t": future, "lon": 118.4, "lat": 29.1}],
                        "positions[2].t"),
                       ([{"t": "2026-01-01T08:00:00", "lon": 118.4, "lat": 29.1}],
                        "positions[0].t"),
                       ([{"t": now.isoformat(), "lon": 118.4}], "positions[0].lat"),
                       ([{"t": now.isoformat(), "lon": 118.4, "lat": 29.1, "alt": 1}],
                        "positions[0].alt"),
                       ([{"t": now.isoformat(), "lon": 118.4, "lat": 29.1, "battery": 101}],
                        "positions[0].battery"),
                       ([batch[0]] * 501, "positions")):
        reply = server.post("/api/v1/positions", a, json={"positions": bad})
        assert (reply.status_code, reply.json()["field"]) == (422, field), reply.text
    assert _positions(db) == before + 3
    assert server.post("/api/v1/positions", server.as_user("shouli1"),
                       json={"positions": batch}).status_code == 403


def test_positions_refusals_come_in_one_order_whatever_the_body(server: Server,
                                                                 db: Engine) -> None:
    """A small JSON batch is checked on one worker thread, anything else on the general
    path: both answer 401 before 403 before 422, and store nothing when they refuse."""
    a, desk = server.as_user("caiji01"), server.as_user("shouli1")
    before = _positions(db)
    bad_json = {"data": b"{not json", "headers": {"Content-Type": "application/json"}}
    huge = {"data": b" " * (300 * 1024) + b"{}",
            "headers": {"Content-Type": "application/json"}}
    form = {"files": {"body": (None, '{"positions": []}')}}
    for kw in (bad_json, huge, form):
        assert server.post("/api/v1/positions", None, **kw).status_code == 401
        assert server.post("/api/v1/positions", "nonsense-token", **kw).status_code == 401
        assert server.post("/api/v1/positions", desk, **kw).status_code == 403
    assert server.post("/api/v1/positions", a, **bad_json).json()["field"] == "body"
    assert server.post("/api/v1/positions", a, **huge).json()["field"] == "body"
    assert server.post("/api/v1/positions", a, **form).json()["field"] == "positions"
    assert _positions(db) == before
    t = datetime.now(UTC).isoformat()
    fix = f'{{"positions": [{{"t": "{t}", "lon": {MIDDLE[0]}, "lat": {MIDDLE[1]}}}]}}'
    reply = server.post("/api/v1/positions", a, files={"body": (None, fix)})
    assert reply.json() == {"stored": 1, "duplicates": 0}  # a form's batch: the general path
    assert _positions(db) == before + 1


def test_osmand_protocol_with_a_device_key(server: Server, db: Engine) -> None:
    import subprocess
    import sys

    from tests.server.conftest import ROOT, server_env

    made = subprocess.run([sys.executable, "-m", "console", "user", "device-key", "caiji02",
                           "--db", server.db_url, "--json"], cwd=ROOT, env=server_env(),
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    device = json.loads(made.stdout)["device_id"]
    assert device.startswith("caiji02:")
    with db.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM device_keys WHERE username = 'caiji02'")
                              ).scalar_one()
    assert device.split(":", 1)[1] not in stored
    before = _positions(db)
    stamp = int(time.time()) - 5
    params = {"id": device, "lat": MIDDLE[1], "lon": MIDDLE[0], "timestamp": stamp,
              "speed": 10, "bearing": 90, "altitude": 120, "accuracy": 5, "batt": 64}
    got = server.get("/osmand", params=params)
    assert (got.status_code, got.content) == (200, b"")
    posted = server.post("/osmand", params=params | {"timestamp": stamp + 1})  # Traccar Client
    assert posted.status_code == 200
    with db.connect() as conn:
        speed, battery = conn.execute(text(
            "SELECT speed, battery FROM collector_positions WHERE username = 'caiji02' "
            "ORDER BY t DESC LIMIT 1")).one()
    assert speed == pytest.approx(10 * 1852 / 3600) and battery == 64
    assert _positions(db) == before + 2
    for bad, status, field in (({"id": "caiji02:wrong"}, 401, None),
                               ({"id": "nobody:" + device.split(":")[1]}, 401, None),
                               ({"id": ""}, 422, "id"), ({"lat": "north"}, 422, "lat"),
                               ({"lat": 91}, 422, "lat"), ({"batt": 300}, 422, "batt"),
                               ({"timestamp": "yesterday"}, 422, "timestamp")):
        reply = server.get("/osmand", params=params | bad)
        assert reply.status_code == status, (bad, reply.text)
        assert reply.json().get("field") == field
    assert _positions(db) == before + 2


def test_postgresql_has_a_brin_index_on_position_time(db: Engine) -> None:
    with db.connect() as conn:
        definition = conn.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_collector_positions_t'")
        ).scalar_one()
    assert "USING brin" in definition
