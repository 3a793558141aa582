"""The field API on an embedded SQLite file: the long poll on the polled hub, positions, their
retention (and ``citydesk worker``'s job), and a hypothesis fuzz of every payload the field
API takes — each bad one is 422 naming a field, and nothing changes.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from console.app import App
from console.domain.cases import Actor, Role
from console.domain.errors import AuthenticationError, ValidationError
from console.services.accounts import set_password
from console.services.positions import (
    Fix,
    device_owner,
    issue_device_key,
    prune_positions,
    retention_days,
)
from db.engine import make_engine
from tests.server.conftest import (
    PASSWORD,
    ROOT,
    Server,
    counts,
    prepare_database,
    running_server,
    server_env,
)

CELL = "330824001001001"
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('field-sqlite') / 'centre.sqlite3'}"
    prepare_database(url)
    return url


@pytest.fixture(scope="module")
def app(url: str) -> Iterator[App]:
    """The database as a second process sees it (device keys, checks)."""
    opened = App(url)
    for name in ("caiji02", "caiji03"):
        set_password(opened.uow_factory, Actor("admin", Role.ADMIN), name, PASSWORD,
                     datetime.now(UTC))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def server(url: str, app: App) -> Iterator[Server]:
    with running_server(url) as srv:
        yield srv


@pytest.fixture(scope="module")
def db(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _act(server: Server, user: str, case: dict[str, Any], command: str,
         **fields: Any) -> dict[str, Any]:
    reply = server.post(f"/api/v1/cases/{case['id']}/{command}", server.as_user(user),
                        json={"version": case["version"], **fields})
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["case"])


def _verifying(server: Server, collector: str) -> dict[str, Any]:
    reply = server.post("/api/v1/reports", server.as_user("shouli1"),
                        json={"category": "06010", "description": "路口垃圾", "grid": CELL,
                              "source": "公众举报"})
    case = _act(server, "shouli1", reply.json()["case"], "accept")
    return _act(server, "shouli1", case, "request-verify", collector=collector)


def _state(db: Engine) -> tuple[Any, ...]:
    with db.connect() as conn:
        positions = conn.execute(text("SELECT count(*) FROM collector_positions")).scalar_one()
        versions = conn.execute(text("SELECT sum(version) FROM cases")).scalar_one()
    return (*counts(db), positions, versions)


def test_long_poll_on_sqlite_wakes_within_the_hubs_poll(server: Server) -> None:
    b = server.as_user("caiji02")
    got: list[Any] = []
    poll = threading.Thread(target=lambda: got.append(
        server.get("/api/v1/tasks?wait=30", b).json()))
    started = time.monotonic()
    poll.start()
    time.sleep(1.0)
    assert poll.is_alive()
    case = _verifying(server, "caiji02")
    poll.join(30)
    assert [t["case_id"] for t in got[0]] == [case["id"]]
    assert time.monotonic() - started < 15
    # With a task open, a poll answers at once.
    started = time.monotonic()
    assert len(server.get("/api/v1/tasks?wait=30", b).json()) == 1
    assert time.monotonic() - started < 5


def test_positions_and_retention_on_sqlite(server: Server, app: App, db: Engine) -> None:
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=91), now - timedelta(days=89)
    store = app.position_store()
    stored = store.add_many([Fix("caiji01", old, 118.4, 29.1), Fix("caiji01", recent, 118.4,
                                                                   29.1)], now)
    assert stored == 2
    reply = server.post("/api/v1/positions", server.as_user("caiji01"), json={"positions": [
        {"t": now.isoformat(), "lon": 118.4015, "lat": 29.1474, "accuracy": 6}]})
    assert reply.json() == {"stored": 1, "duplicates": 0}
    last = store.last_fix("caiji01")
    assert last is not None and last.t == now and last.accuracy == 6
    assert retention_days(app.centre) == 90  # centre.yaml's position_retention_days
    before = store.count("caiji01")
    assert prune_positions(store, now, 90) == 1
    assert store.count("caiji01") == before - 1
    with pytest.raises(ValidationError, match="至少为 1"):
        prune_positions(store, now, 0)


def test_the_worker_prunes_old_positions(url: str, app: App, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    store = app.position_store()
    store.add_many([Fix("caiji03", now - timedelta(days=120), 118.4, 29.1),
                    Fix("caiji03", now - timedelta(days=1), 118.4, 29.1)], now)
    env = {**server_env(), "CITYDESK_ANCHOR_DIR": str(tmp_path / "anchors")}
    done = subprocess.run([sys.executable, "-m", "console", "worker", "--once", "--json",
                           "--db", url], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    # The worker logs to stdout too: the JSON is the object after the log lines.
    result, _end = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("\n{") + 1:])
    assert result["position-retention"] == {"deleted": 1, "days": 90}
    assert store.count("caiji03") == 1


def test_device_keys(app: App) -> None:
    admin = Actor("admin", Role.ADMIN)
    store = app.position_store()
    key = issue_device_key(app.uow_factory, app.centre, admin, "caiji03", datetime.now(UTC),
                           store)
    assert device_owner(store, app.centre, f"caiji03:{key}") == "caiji03"
    newer = issue_device_key(app.uow_factory, app.centre, admin, "caiji03", datetime.now(UTC),
                             store)
    assert device_owner(store, app.centre, f"caiji03:{newer}") == "caiji03"
    for wrong in (f"caiji03:{key}", "caiji03", f"caiji04:{newer}", f"shouli1:{newer}", ":x"):
        with pytest.raises(AuthenticationError):
            device_owner(store, app.centre, wrong)

    def log_down() -> Any:
        raise RuntimeError("the admin log is unavailable")

    with pytest.raises(RuntimeError):  # the log refused: the older key stays the key
        issue_device_key(log_down, app.centre, admin, "caiji03", datetime.now(UTC), store)
    assert device_owner(store, app.centre, f"caiji03:{newer}") == "caiji03"
    with pytest.raises(ValidationError, match="不是监督员"):
        issue_device_key(app.uow_factory, app.centre, admin, "shouli1", datetime.now(UTC),
                         store)


# --------------------------------------------------------------------------- fuzz

#: Values that are no number (or no finite one in a coordinate's range).
NOT_A_NUMBER = st.one_of(st.text(max_size=8), st.booleans(), st.lists(st.integers(), max_size=2),
                         st.floats(min_value=181, max_value=1e12),
                         st.floats(max_value=-181, min_value=-1e12))
NOT_TEXT = st.one_of(st.integers(), st.booleans(), st.lists(st.text(max_size=3), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
RESULT_KEYS = {"outcome", "notes", "lon", "lat", "crs", "version", "request_id"}


def _corrupt_result() -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    base = {"outcome": "found", "lon": 118.4015, "lat": 29.1474}
    return st.one_of(
        st.text(max_size=12).filter(lambda t: t not in ("found", "not_found")).map(
            lambda v: (base | {"outcome": v}, "outcome")),
        NOT_TEXT.map(lambda v: (base | {"outcome": v}, "outcome")),
        NOT_TEXT.map(lambda v: (base | {"notes": v}, "notes")),
        NOT_A_NUMBER.map(lambda v: (base | {"lat": v}, "lat")),
        st.text(max_size=8).filter(lambda t: t.lower() not in ("wgs84", "gcj02", "bd09")).map(
            lambda v: (base | {"crs": v}, "crs")),
        st.one_of(st.integers(max_value=-1), st.text(max_size=4), st.booleans()).map(
            lambda v: (base | {"version": v}, "version")),
        st.one_of(st.just(""), st.text(min_size=65, max_size=70), st.integers()).map(
            lambda v: (base | {"request_id": v}, "request_id")),
        st.text(min_size=1, max_size=10).filter(lambda k: k not in RESULT_KEYS).map(
            lambda k: (base | {k: 1}, k[:64])),
    )


@FUZZ
@given(_corrupt_result())
def test_fuzz_task_results(server: Server, db: Engine,
                           probe: tuple[dict[str, Any], str]) -> None:
    body, field = probe
    case = _fuzz_case(server)
    before = _state(db)
    reply = _send(server, f"/api/v1/tasks/{case}/result", body)
    assert (reply.status_code, reply.json().get("field")) == (422, field), (body, reply.text)
    assert _state(db) == before


def _send(server: Server, path: str, body: dict[str, Any]) -> Any:
    """POST ``body`` as caiji03; infinities travel as JSON's common extension (``Infinity``),
    which a client may well send and the server must refuse by name."""
    return server.post(path, server.as_user("caiji03"), data=json.dumps(body),
                       headers={"Content-Type": "application/json"})


_FUZZ_CASE: list[int] = []


def _fuzz_case(server: Server) -> int:
    """One verify task of caiji03 that no fuzz example may answer."""
    if not _FUZZ_CASE:
        _FUZZ_CASE.append(int(_verifying(server, "caiji03")["id"]))
    return _FUZZ_CASE[0]


FIX_KEYS = {"t", "lon", "lat", "crs", "speed", "accuracy", "battery"}


def _corrupt_fix() -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    base = {"t": datetime.now(UTC).isoformat(), "lon": 118.4015, "lat": 29.1474}
    return st.one_of(
        NOT_A_NUMBER.map(lambda v: (base | {"lon": v}, "lon")),
        st.one_of(st.text(max_size=12), st.booleans(), st.floats(max_value=-1),
                  st.just("2026-01-01T08:00:00"),
                  st.just((datetime.now(UTC) + timedelta(hours=1)).isoformat())).map(
            lambda v: (base | {"t": v}, "t")),
        st.one_of(st.floats(min_value=100.5, max_value=1e9), st.floats(max_value=-0.5,
                                                                       min_value=-1e9),
                  st.text(max_size=3)).map(lambda v: (base | {"battery": v}, "battery")),
        st.one_of(st.floats(max_value=-0.01, min_value=-1e9), st.text(max_size=3)).map(
            lambda v: (base | {"speed": v}, "speed")),
        st.text(min_size=1, max_size=10).filter(lambda k: k not in FIX_KEYS).map(
            lambda k: (base | {k: 0}, k[:32])),
    )


@FUZZ
@given(_corrupt_fix(), st.integers(min_value=0, max_value=3))
def test_fuzz_position_batches(server: Server, db: Engine, probe: tuple[dict[str, Any], str],
                               at: int) -> None:
    bad, field = probe
    good = {"t": datetime.now(UTC).isoformat(), "lon": 118.40, "lat": 29.14}
    batch: list[Any] = [good] * 3
    batch.insert(at, bad)
    before = _state(db)
    reply = _send(server, "/api/v1/positions", {"positions": batch})
    expected = f"positions[{at}].{field}"
    assert (reply.status_code, reply.json().get("field")) == (422, expected), (bad,
                                                                               reply.text)
    assert _state(db) == before


@FUZZ
@given(st.one_of(
    st.one_of(st.just(""), st.text(min_size=65, max_size=70), NOT_TEXT).map(
        lambda v: ({"client_id": v}, "client_id")),
    st.text(max_size=8).filter(lambda t: t.lower() not in ("wgs84", "gcj02", "bd09")).map(
        lambda v: ({"crs": v}, "crs")),
    NOT_A_NUMBER.map(lambda v: ({"lon": v}, "lon")),
))
def test_fuzz_field_reports(server: Server, db: Engine,
                            probe: tuple[dict[str, Any], str]) -> None:
    change, field = probe
    body = {"category": "06010", "description": "现场发现", "lon": 118.4015, "lat": 29.1474,
            "crs": "wgs84", "client_id": f"fuzz-{uuid.uuid4().hex}"} | change
    before = _state(db)
    reply = _send(server, "/api/v1/reports", body)
    assert (reply.status_code, reply.json().get("field")) == (422, field), (body, reply.text)
    assert _state(db) == before


def _not_float(text_value: str) -> bool:
    try:
        return not math.isfinite(float(text_value))
    except ValueError:
        return True


_DEVICE: list[str] = []


@FUZZ
@given(st.sampled_from(["lat", "lon", "timestamp", "speed", "batt", "accuracy", "bearing"]),
       st.one_of(st.text(min_size=1, max_size=10).filter(_not_float),
                 st.sampled_from(["nan", "inf", "-1e400", "1e400"]),
                 st.floats(min_value=1e6, max_value=9e8).map(str)))  # before 2000 as a time
def test_fuzz_osmand(server: Server, app: App, db: Engine, name: str, value: str) -> None:
    if not _DEVICE:
        key = issue_device_key(app.uow_factory, app.centre, Actor("admin", Role.ADMIN),
                               "caiji04", datetime.now(UTC), app.position_store())
        _DEVICE.append(f"caiji04:{key}")
    params = {"id": _DEVICE[0], "lat": "29.1474", "lon": "118.4015",
              "timestamp": str(int(time.time())), "speed": "3", "batt": "50",
              "accuracy": "5", "bearing": "10"} | {name: value}
    before = _state(db)
    reply = server.get("/osmand", params=params)
    assert (reply.status_code, reply.json().get("field")) == (422, name), (params, reply.text)
    assert _state(db) == before
