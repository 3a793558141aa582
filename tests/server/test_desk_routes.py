"""The desk seam through a real server: POST /api/v1/desk/{method} and the remote client.

The server (module-scoped, PostgreSQL) is tests/server/conftest.py's; the desk side is
console.client.remote, exactly as a desk with ``server = …`` in desk.toml uses it.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from console.client.remote import RemoteDeskBackend, ServerRoot
from console.domain.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from tests.server.conftest import PASSWORD, Server, counts

pytestmark = pytest.mark.postgres


def seat(server: Server, user: str) -> RemoteDeskBackend:
    root = ServerRoot(server.url, "seam-test")
    root.sign_in(user, PASSWORD)
    return root.seat()


def report(desk: RemoteDeskBackend, rid: str) -> Any:
    return desk.report("06010", "路口暴露垃圾", "监督员上报", "330824001001001", None, None,
                       None, "", "", None, [], rid)


def test_only_the_protocols_methods_exist_and_only_with_a_session(server: Server) -> None:
    token = server.as_user("paiqian1")
    assert server.post("/api/v1/desk/__init__", token, json={}).status_code == 404
    assert server.post("/api/v1/desk/uow_factory", token, json={}).status_code == 404
    reply = server.post("/api/v1/desk/seat", json={})
    assert reply.status_code == 401
    lost: list[str] = []
    desk = RemoteDeskBackend(server.url, "not-a-token", lost.append)
    with pytest.raises(AuthenticationError):
        desk.desk_stats()
    assert lost  # the desk is told to sign out


def test_bad_arguments_are_422_naming_the_field_and_change_nothing(server: Server, db) -> None:
    token = server.as_user("paiqian1")
    before = counts(db)
    for body, field in (({"queries": {}, "limit": "20"}, "limit"),
                        ({"queries": {"q": {"states": ["飞走了"]}}, "limit": 20},
                         "queries.q.states[0]"),
                        ({"queries": {}, "limit": 20, "actor": "admin"}, "actor")):
        reply = server.post("/api/v1/desk/first_load", token, json=body)
        assert reply.status_code == 422, reply.text
        assert f"字段 {field} 无效" in reply.json()["message"]
    reply = server.post("/api/v1/desk/act", token, json={
        "case_id": 1, "command": "dispatch", "fields": {"unit": "KH-CGJ"}, "seen_version": 0,
        "request_id": "r", "photos": [], "now": "2020-01-01T00:00:00+08:00"})
    assert reply.status_code == 422 and "now" in reply.json()["message"]
    assert counts(db) == before


def test_the_session_is_the_actor_and_the_server_the_clock(server: Server) -> None:
    collector = seat(server, "caiji01")
    assert collector.actor.user == "caiji01"
    made = report(collector, "seam-report-1")
    assert made.reporter == "caiji01"
    accept = seat(server, "shouli1")
    case = accept.act(made.id, "accept", {}, made.version, "seam-accept-1", [])
    with pytest.raises(ConflictError):  # the version the form saw is stale now
        seat(server, "shouli2").act(made.id, "accept", {}, made.version, "seam-accept-2", [])
    assert case.version > made.version


def test_a_case_outside_the_seats_view_answers_as_an_unknown_one(server: Server) -> None:
    made = report(seat(server, "caiji01"), "seam-report-2")
    unit = seat(server, "unit_hbz")
    with pytest.raises(NotFoundError) as outside:
        unit.case_detail(made.id)
    with pytest.raises(NotFoundError) as unknown:
        unit.case_detail(10**9)
    assert outside.value.message == unknown.value.message
    assert str(made.case_no) not in outside.value.message


class LoseTheReply(requests.Session):
    """Sends each request, then loses the answer to the first ``act`` (a cut cable)."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = 0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        reply = super().request(method, url, *args, **kwargs)
        if url.endswith("/api/v1/desk/act") and not self.lost:
            self.lost += 1
            raise requests.ReadTimeout("the reply was lost")
        return reply


def test_a_lost_reply_is_asked_about_never_called_unchanged(server: Server) -> None:
    made = report(seat(server, "caiji01"), "seam-report-3")
    root = ServerRoot(server.url, "seam-test", LoseTheReply())
    root.sign_in("shouli1", PASSWORD)
    desk = root.seat()
    case = desk.act(made.id, "accept", {}, made.version, "seam-lost-1", [])
    assert root.http.lost == 1  # the answer never came …
    assert case.id == made.id and case.version > made.version  # … and the change is known
    assert desk.action_committed("seam-lost-1")
    assert not desk.action_committed("seam-never-sent")


def test_a_refused_sign_in_is_one_line(server: Server) -> None:
    root = ServerRoot(server.url, "seam-test")
    with pytest.raises(AuthenticationError) as caught:
        root.sign_in("paiqian1", "wrong")
    assert "\n" not in caught.value.message
    with pytest.raises(ValidationError):
        seat(server, "paiqian1").search("x")  # the service's own refusal, through the wire


def test_the_feed_poll_through_the_server_for_whole_and_scoped_seats(server: Server) -> None:
    """The whole-centre seats' polls go through the shared read; a unit seat's stays its own."""
    from concurrent.futures import ThreadPoolExecutor

    made = report(seat(server, "caiji01"), "seam-report-feed")
    since = 0
    desks = [seat(server, user) for user in ("paiqian1", "zhibanzhang1", "shouli1") * 4]
    with ThreadPoolExecutor(len(desks)) as pool:  # at once, as after a push
        batches = list(pool.map(lambda d: d.events_since(since, [], 5000), desks))
    assert all(b == batches[0] for b in batches)
    assert made.id in {c.id for c in batches[0].cases}
    assert any(e.case_id == made.id and e.type == "report" for e in batches[0].events)
    unit = seat(server, "unit_zhzf").events_since(since, [], 5000)
    assert made.id not in {c.id for c in unit.cases}  # not dispatched to ZHZF: not its case
