"""The server on an embedded SQLite file: sign-in, a report, a command, the polled push."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import Server, prepare_database, running_server
from tests.server.test_api import REPORT, _act, _stream_lines


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server-sqlite') / 'centre.sqlite3'}"
    prepare_database(url)
    with running_server(url) as srv:
        yield srv


def test_report_act_and_push_on_sqlite(sqlite_server: Server) -> None:
    server = sqlite_server
    lines: list[str] = []
    done = threading.Event()
    dispatcher = server.token("paiqian1")
    threading.Thread(target=_stream_lines, args=(server, dispatcher, lines, done),
                     daemon=True).start()
    reply = server.post("/api/v1/reports", server.as_user("shouli1"), json=REPORT)
    assert reply.status_code == 201, reply.text
    case = reply.json()["case"]
    case = _act(server, "shouli1", case, "accept")
    assert case["state"] == "待立案"
    detail = server.get(f"/api/v1/cases/{case['id']}", dispatcher).json()
    assert [e["type"] for e in detail["timeline"]] == ["report", "accept"]
    assert {e["actor"] for e in detail["timeline"]} == {"shouli1"}
    for _ in range(100):  # the log is polled once a second on SQLite
        if any(line.startswith("data:") and f"{case['id']}" in line and "events" in line
               for line in lines):
            break
        done.wait(0.1)
    assert any(line == "event: events" for line in lines), lines
    assert server.post("/api/v1/logout", dispatcher).status_code == 200
    assert done.wait(8), lines
    assert "event: signed-out" in lines


def test_health_needs_no_session(sqlite_server: Server, tmp_path: Path) -> None:
    assert sqlite_server.get("/api/v1/health").json() == {"status": "ok"}
