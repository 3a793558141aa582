"""The API against a real server on loopback and a real PostgreSQL (issue #14's probes).

Every refusal is checked for its status, its body and an unchanged database (cases, events
and photos counted before and after).
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.server.conftest import PASSWORD, Server, counts

pytestmark = pytest.mark.postgres

REPORT = {"category": "06010", "description": "路口垃圾", "grid": "330824001001001",
          "source": "监督员上报"}


def _report(server: Server, **changes: Any) -> dict[str, Any]:
    reply = server.post("/api/v1/reports", server.as_user("shouli1"), json=REPORT | changes)
    assert reply.status_code == 201, reply.text
    return dict(reply.json()["case"])


def _act(server: Server, user: str, case: dict[str, Any], command: str,
         **fields: Any) -> dict[str, Any]:
    reply = server.post(f"/api/v1/cases/{case['id']}/{command}", server.as_user(user),
                        json={"version": case["version"], **fields})
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["case"])


def _dispatched(server: Server) -> dict[str, Any]:
    """A case dispatched to KH-ZHZF (the 综合执法局), through the API."""
    case = _report(server)
    case = _act(server, "shouli1", case, "accept")
    case = _act(server, "shouli1", case, "file")
    return _act(server, "paiqian1", case, "dispatch")


def test_sign_in_whoami_and_logout(server: Server) -> None:
    token = server.token("paiqian2", client="desk-7")
    me = server.get("/api/v1/whoami", token).json()
    assert (me["username"], me["role"], me["session"]["client"]) == ("paiqian2", "派遣员", "desk-7")
    assert server.post("/api/v1/logout", token).status_code == 200
    after = server.get("/api/v1/whoami", token)
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"


def test_tokens_are_stored_only_as_digests(server: Server, db: Engine) -> None:
    token = server.token("shouli2")
    with db.connect() as conn:
        stored = [str(h) for h in conn.execute(text("SELECT token_hash FROM sessions"))
                  .scalars()]
    assert token not in stored
    assert all(len(h) == 64 for h in stored)


def test_one_answer_for_unknown_wrong_locked_and_disabled(server: Server, db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET locked_until = :t WHERE username = 'caiji02'"),
                     {"t": datetime.now(UTC) + timedelta(hours=1)})
        conn.execute(text("UPDATE users SET active = false WHERE username = 'caiji03'"))
    answers = []
    for username, password in (("nobody-here", PASSWORD), ("shouli2", "wrong-password"),
                               ("caiji02", PASSWORD), ("caiji03", PASSWORD)):
        reply = server.post("/api/v1/token", data={"username": username, "password": password})
        answers.append((reply.status_code, reply.content))
    assert answers[0][0] == 401
    assert all(a == answers[0] for a in answers), answers


def test_no_token_or_a_bad_one_is_401_and_changes_nothing(server: Server, db: Engine) -> None:
    case = _report(server)
    before = counts(db)
    for token in (None, "not-a-token", "x" * 300):
        reply = server.post(f"/api/v1/cases/{case['id']}/accept", token,
                            json={"version": case["version"]})
        assert reply.status_code == 401
        assert reply.json()["error"] == "authentication"
    assert server.get("/api/v1/cases").status_code == 401
    assert counts(db) == before


def test_forging_another_users_action_fails_and_leaves_nothing(server: Server,
                                                               db: Engine) -> None:
    """Signed in as 受理员 shouli1, nothing names zhibanzhang1 as the actor: no field, no
    header; his own password is needed for his session."""
    case = _dispatched(server)
    before = counts(db)
    token = server.as_user("shouli1")
    for body in ({"version": case["version"], "actor": "zhibanzhang1", "note": "催办"},
                 {"version": case["version"], "user": "zhibanzhang1", "note": "催办"}):
        reply = server.post(f"/api/v1/cases/{case['id']}/urge", token, json=body)
        assert reply.status_code == 422
    reply = server.post(f"/api/v1/cases/{case['id']}/urge", token,
                        json={"version": case["version"], "note": "催办"},
                        headers={"X-As": "zhibanzhang1"})
    assert reply.status_code == 403  # shouli1's own role may not urge; the header is ignored
    guess = server.post("/api/v1/token", data={"username": "zhibanzhang1", "password": "x" * 9})
    assert guess.status_code == 401
    assert counts(db) == before
    with db.connect() as conn:
        actors = conn.execute(text("SELECT DISTINCT actor FROM case_events WHERE case_id = :c"),
                              {"c": case["id"]}).scalars().all()
    assert "zhibanzhang1" not in actors


def test_refusals_by_status_leave_the_database_unchanged(server: Server, db: Engine) -> None:
    case = _report(server)
    _act(server, "shouli1", case, "accept")  # the version the test holds is now stale
    fresh = server.get(f"/api/v1/cases/{case['id']}", server.as_user("shouli1")).json()
    before = counts(db)
    wall, desk = server.as_user("dapin1"), server.as_user("shouli1")
    path = f"/api/v1/cases/{case['id']}"
    probes = [
        (403, "permission_denied", wall, f"{path}/file", {"version": fresh["version"]}),
        (404, "not_found", desk, "/api/v1/cases/987654321/accept", {"version": 1}),
        (409, "conflict", desk, f"{path}/file", {"version": case["version"]}),
        (409, "illegal_transition", desk, f"{path}/close", {"version": fresh["version"]}),
        (422, "invalid", desk, f"{path}/file", {}),
        (422, "invalid", desk, f"{path}/file", {"version": fresh["version"], "bogus": 1}),
        (422, "invalid", desk, f"{path}/file", {"version": "seven"}),
        (422, "invalid", desk, f"{path}/no-such-command", {"version": fresh["version"]}),
        (422, "invalid", desk, f"{path}/refuse-file", {"version": fresh["version"]}),
    ]
    for status, error, token, url, body in probes:
        reply = server.post(url, token, json=body)
        assert (reply.status_code, reply.json()["error"]) == (status, error), (url, body,
                                                                               reply.text)
    named = server.post(f"{path}/file", desk, json={"version": fresh["version"], "bogus": 1})
    assert named.json()["field"] == "bogus"
    missing = server.post(f"{path}/file", desk, json={})
    assert missing.json()["field"] == "version"
    assert counts(db) == before
    again = server.get(path, desk).json()
    assert (again["state"], again["version"]) == (fresh["state"], fresh["version"])


def test_a_unit_seat_sees_another_units_case_as_no_case(server: Server) -> None:
    case = _dispatched(server)  # KH-ZHZF's
    own = server.get(f"/api/v1/cases/{case['id']}", server.as_user("unit_zhzf"))
    assert own.status_code == 200
    other = server.get(f"/api/v1/cases/{case['id']}", server.as_user("unit_hbz"))
    by_no = server.get(f"/api/v1/cases/{case['case_no']}", server.as_user("unit_hbz"))
    missing = server.get("/api/v1/cases/987654321", server.as_user("unit_hbz"))
    assert other.status_code == by_no.status_code == missing.status_code == 404
    assert other.content == by_no.content == missing.content
    assert case["case_no"] not in other.text
    command = server.post(f"/api/v1/cases/{case['id']}/start", server.as_user("unit_hbz"),
                          json={"version": case["version"]})
    assert (command.status_code, command.content) == (404, missing.content)
    listed = server.get("/api/v1/cases", server.as_user("unit_hbz"),
                        params={"limit": 500}).json()
    assert case["id"] not in [c["id"] for c in listed["cases"]]
    mine = server.get("/api/v1/cases", server.as_user("unit_zhzf"), params={"limit": 500}).json()
    assert case["id"] in [c["id"] for c in mine["cases"]]


def test_concurrent_wrong_guesses_lock_the_account(server: Server, db: Engine) -> None:
    def guess(_i: int) -> int:
        return server.post("/api/v1/token", data={"username": "shouli2",
                                                  "password": "wrong-guess"}).status_code

    with ThreadPoolExecutor(24) as pool:
        assert set(pool.map(guess, range(24))) == {401}
    with db.connect() as conn:
        locked = conn.execute(text("SELECT locked_until FROM users WHERE username = 'shouli2'")
                              ).scalar_one()
    assert locked is not None and locked > datetime.now(UTC)
    right = server.post("/api/v1/token", data={"username": "shouli2", "password": PASSWORD})
    assert right.status_code == 401  # locked: the right password does not open it


def _stream_lines(server: Server, token: str, lines: list[str], done: threading.Event) -> None:
    import requests

    try:
        with requests.get(f"{server.url}/api/v1/events",
                          headers={"Authorization": f"Bearer {token}"}, stream=True,
                          timeout=(5, 20)) as reply:
            lines.append(f"status {reply.status_code}")
            for line in reply.iter_lines(decode_unicode=True):
                lines.append(line)
    except Exception as exc:  # a read timeout means the stream did not end
        lines.append(f"error {type(exc).__name__}")
    finally:
        done.set()


def test_a_disabled_users_token_and_stream_end(server: Server, db: Engine) -> None:
    token = server.token("paiqian2")
    lines: list[str] = []
    done = threading.Event()
    threading.Thread(target=_stream_lines, args=(server, token, lines, done),
                     daemon=True).start()
    _report(server)  # an event the dispatcher's stream is told of
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while not any(line.startswith("event: events") for line in lines):
        assert datetime.now(UTC) < deadline, lines
        done.wait(0.1)
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE username = 'paiqian2'"))
    try:
        assert server.get("/api/v1/whoami", token).status_code == 401
        assert done.wait(8), lines  # the stream ends within seconds
        assert "event: signed-out" in lines
    finally:
        with db.begin() as conn:
            conn.execute(text("UPDATE users SET active = true WHERE username = 'paiqian2'"))
    assert server.get("/api/v1/whoami", token).status_code == 401  # revoked for good


def test_role_or_password_change_ends_the_session(server: Server, db: Engine) -> None:
    token = server.token("caiji01")
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET role = '受理员' WHERE username = 'caiji01'"))
    try:
        assert server.get("/api/v1/whoami", token).status_code == 401
    finally:
        with db.begin() as conn:
            conn.execute(text("UPDATE users SET role = '监督员' WHERE username = 'caiji01'"))
    token = server.token("caiji01")
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET password_changed_at = :t WHERE username = 'caiji01'"),
                     {"t": datetime.now(UTC) + timedelta(seconds=1)})
    assert server.get("/api/v1/whoami", token).status_code == 401


def test_a_skewed_desk_clock_changes_no_recorded_time(server: Server, db: Engine) -> None:
    """The client's idea of the time is refused (422) and the Date header ignored: every event
    is at the server's clock."""
    start = datetime.now(UTC) - timedelta(seconds=1)
    case = _report(server)
    before = counts(db)
    skewed = {"Date": "Mon, 01 Jan 2024 00:00:00 GMT"}
    for name in ("now", "at", "occurred_at"):
        reply = server.post(f"/api/v1/cases/{case['id']}/accept", server.as_user("shouli1"),
                            json={"version": case["version"], name: "2024-01-01T00:00:00Z"},
                            headers=skewed)
        assert (reply.status_code, reply.json()["field"]) == (422, name)
    late = server.post("/api/v1/reports", server.as_user("shouli1"),
                       json=REPORT | {"reported_at": "2024-01-01T00:00:00Z"})
    assert (late.status_code, late.json()["field"]) == (422, "reported_at")
    assert counts(db) == before
    reply = server.post(f"/api/v1/cases/{case['id']}/accept", server.as_user("shouli1"),
                        json={"version": case["version"]}, headers=skewed)
    assert reply.status_code == 200
    end = datetime.now(UTC) + timedelta(seconds=1)
    with db.connect() as conn:
        times = conn.execute(text("SELECT occurred_at FROM case_events WHERE case_id = :c "
                                  "ORDER BY id"), {"c": case["id"]}).scalars().all()
    assert len(times) == 2
    assert all(start <= t <= end for t in times), times


def test_a_lost_reply_is_asked_about_by_request_id(server: Server) -> None:
    case = _report(server)
    rid = uuid.uuid4().hex
    desk = server.as_user("shouli1")
    reply = server.post(f"/api/v1/cases/{case['id']}/accept", desk,
                        json={"version": case["version"], "request_id": rid})
    assert reply.status_code == 200
    assert server.get(f"/api/v1/requests/{rid}", desk).json()["committed"] is True
    assert server.get(f"/api/v1/requests/{uuid.uuid4().hex}", desk).json()["committed"] is False
    # another user cannot learn of shouli1's action by its id
    other = server.get(f"/api/v1/requests/{rid}", server.as_user("paiqian1")).json()
    assert other["committed"] is False


def test_queue_pages_and_openapi(server: Server) -> None:
    for _ in range(3):
        _report(server)
    token = server.as_user("shouli1")
    first = server.get("/api/v1/cases", token, params={"state": "待受理", "limit": 2}).json()
    second = server.get("/api/v1/cases", token,
                        params={"state": "待受理", "limit": 2, "offset": 2}).json()
    assert len(first["cases"]) == 2 and first["total"] >= 3
    assert not {c["id"] for c in first["cases"]} & {c["id"] for c in second["cases"]}
    bad = server.get("/api/v1/cases", token, params={"state": "no-such"})
    assert (bad.status_code, bad.json()["field"]) == (422, "state")
    green = server.get("/api/v1/cases", token, params={"light": "green"}).json()["cases"]
    assert green and {c["light"] for c in green} == {"green"}
    purple = server.get("/api/v1/cases", token, params={"light": "purple"})
    assert (purple.status_code, purple.json()["field"]) == (422, "light")
    spec = server.get("/openapi.json").json()
    assert "/api/v1/cases/{ref}/{command}" in spec["paths"]


def test_two_server_processes_share_sessions(server: Server, pg_db: str) -> None:
    """Sessions live only in the database: a token from one process works on another, and a
    logout at one is a 401 at the other."""
    from tests.server.conftest import running_server

    token = server.token("paiqian1")
    with running_server(pg_db) as second:
        assert second.get("/api/v1/whoami", token).json()["username"] == "paiqian1"
        case = _report(server)
        seen = second.get(f"/api/v1/cases/{case['id']}", token)
        assert seen.status_code == 200 and seen.json()["version"] == case["version"]
        assert second.post("/api/v1/logout", token).status_code == 200
        assert server.get("/api/v1/whoami", token).status_code == 401


def test_a_unit_seats_stream_names_only_its_cases(server: Server) -> None:
    lines: list[str] = []
    done = threading.Event()
    threading.Thread(target=_stream_lines, args=(server, server.token("unit_hbz"), lines, done),
                     daemon=True).start()
    hidden = _report(server)  # nobody's unit yet: not the 环保站's
    case = _report(server)
    case = _act(server, "shouli1", case, "accept")
    case = _act(server, "shouli1", case, "file")
    case = _act(server, "paiqian1", case, "dispatch", unit="KH-HBZ", reason="测试改派")
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    while not any(f'"cases": [{case["id"]}]' in line for line in lines):
        assert datetime.now(UTC) < deadline, lines
        done.wait(0.1)
    data = [line for line in lines if line.startswith("data:") and '"events"' in line]
    assert all(f"{hidden['id']}," not in line and f"[{hidden['id']}]" not in line
               for line in data), data


def _png(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


def test_photos_come_as_multipart_and_bad_ones_change_nothing(server: Server,
                                                              db: Engine) -> None:
    import json

    desk = server.as_user("shouli1")
    reply = server.post("/api/v1/reports", desk,
                        data={"body": json.dumps(REPORT)},
                        files=[("photo", ("before.png", _png((200, 0, 0)), "image/png"))])
    assert reply.status_code == 201, reply.text
    case = reply.json()["case"]
    detail = server.get(f"/api/v1/cases/{case['id']}", desk).json()
    assert [(p["kind"], p["filename"], p["mime"]) for p in detail["photos"]] == [
        ("before", "before.png", "image/png")]
    before = counts(db)
    bad = server.post("/api/v1/reports", desk, data={"body": json.dumps(REPORT)},
                      files=[("photo", ("fake.png", b"not an image", "image/png"))])
    assert (bad.status_code, bad.json()["field"]) == (422, "photo")
    accept = server.post(f"/api/v1/cases/{case['id']}/accept", desk,
                         data={"body": json.dumps({"version": case["version"]})},
                         files=[("photo", ("x.png", _png((0, 0, 200)), "image/png"))])
    assert (accept.status_code, accept.json()["field"]) == (422, "photo")  # accept takes none
    assert counts(db) == before


def test_a_reference_edit_at_one_process_reaches_the_other(server: Server, pg_db: str) -> None:
    """Reference data is loaded per process: an administrator's unit rename served by one
    process shows at the other within seconds (it watches the admin log's head)."""
    import time

    from tests.server.conftest import running_server

    case = _dispatched(server)
    admin = server.as_user("admin")
    reference = server.post("/api/v1/desk/reference", admin, json={}).json()["result"]
    unit = reference["units"]["KH-ZHZF"]
    with running_server(pg_db) as second:
        token = second.token("paiqian1")
        before = second.get(f"/api/v1/cases/{case['id']}", token).json()
        assert before["unit"]["name"] == unit["name"]
        renamed = server.post("/api/v1/desk/update_unit", admin, json={
            "code": "KH-ZHZF", "name": "县综合行政执法局", "parent": unit["parent"],
            "active": unit["active"], "name_en": unit["name_en"]})
        assert renamed.status_code == 200, renamed.text
        try:
            deadline = time.monotonic() + 10
            name = before["unit"]["name"]
            while time.monotonic() < deadline and name != "县综合行政执法局":
                time.sleep(0.5)
                name = second.get(f"/api/v1/cases/{case['id']}", token).json()["unit"]["name"]
            assert name == "县综合行政执法局"
        finally:
            server.post("/api/v1/desk/update_unit", admin, json={
                "code": "KH-ZHZF", "name": unit["name"], "parent": unit["parent"],
                "active": unit["active"], "name_en": unit["name_en"]})


def test_a_user_disabled_here_is_signed_out_at_once_and_elsewhere_within_seconds(
        server: Server, db: Engine) -> None:
    """The server uses a session it read for two seconds (docs/security.md): a user disabled
    through this server answers 401 on the very next call (it forgets its sessions); one
    disabled behind its back (another server process, SQL) within the two seconds."""
    admin, token = server.token("admin"), server.token("paiqian2")
    assert server.get("/api/v1/whoami", token).status_code == 200  # now remembered
    reply = server.post("/api/v1/desk/set_active", admin,
                        json={"username": "paiqian2", "active": False})
    try:
        assert reply.status_code == 200, reply.text
        assert server.get("/api/v1/whoami", token).status_code == 401
    finally:
        server.post("/api/v1/desk/set_active", admin,
                    json={"username": "paiqian2", "active": True})
    token = server.token("paiqian2")
    assert server.get("/api/v1/whoami", token).status_code == 200
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE username = 'paiqian2'"))
    try:
        deadline = time.monotonic() + 6  # 2 s and a loaded CI machine's slack
        while server.get("/api/v1/whoami", token).status_code == 200:
            assert time.monotonic() < deadline, "still signed in 6 s after being disabled"
            time.sleep(0.2)
    finally:
        with db.begin() as conn:
            conn.execute(text("UPDATE users SET active = true WHERE username = 'paiqian2'"))
