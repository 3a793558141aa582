"""The desk side of 核实 / 核查 through a real server on PostgreSQL (issue #15): the V / K list
over the seam, a task sent by the desk reaching the collector's long poll within a second, a
改派 reaching the new holder's, and the map's spots and a day's track for the seats that watch
collectors only."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.client.remote import RemoteDeskBackend, ServerRoot
from console.domain.cases import Actor, Role
from console.domain.errors import PermissionDeniedError
from console.domain.on_duty import DutyStatus
from console.services.accounts import set_password
from console.services.positions import Fix
from db.position_repo import SqlPositionStore
from db.uow import make_uow_factory
from tests.server.conftest import PASSWORD, Server

pytestmark = pytest.mark.postgres

CELL = "330824001001001"  # caiji01's
MIDDLE = (118.401522, 29.1474435)


def seat(server: Server, user: str) -> RemoteDeskBackend:
    root = ServerRoot(server.url, "collectors-test")
    root.sign_in(user, PASSWORD)
    return root.seat()


def _accepted(desk: RemoteDeskBackend) -> Any:
    case = desk.report("06010", "路口暴露垃圾", "公众举报", CELL, MIDDLE[0], MIDDLE[1], None, "",
                       "", None, [], uuid.uuid4().hex)
    return desk.act(case.id, "accept", {}, case.version, uuid.uuid4().hex, [])


def _poll(server: Server, token: str, got: list[tuple[float, Any]]) -> threading.Thread:
    def run() -> None:
        reply = server.get("/api/v1/tasks?wait=20", token)
        got.append((time.monotonic(), reply.json()))

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.8)  # the poll is waiting on the server
    assert thread.is_alive()
    return thread


def test_a_task_the_desk_sends_reaches_the_phone_within_a_second(server: Server, db) -> None:
    now = datetime.now(UTC)
    SqlPositionStore(db).add_many([Fix("caiji01", now - timedelta(minutes=1), MIDDLE[0],
                                       MIDDLE[1] + 0.001)], now)
    set_password(make_uow_factory(db), Actor("admin", Role.ADMIN), "caiji02", PASSWORD, now)
    desk = seat(server, "shouli1")
    case = _accepted(desk)
    options = desk.collector_options(case.id)
    first = options[0]
    assert first.username == "caiji01"  # the cell's own (in a shift or not, it is nearest)
    assert first.distance_m is not None and 100 < first.distance_m < 125
    assert first.last_fix is not None and first.tasks == 0
    got: list[tuple[float, Any]] = []
    poll = _poll(server, server.as_user("caiji01"), got)
    sent = desk.act(case.id, "request-verify", {"collector": first.username}, case.version,
                    uuid.uuid4().hex, [])
    committed = time.monotonic()
    poll.join(20)
    arrived, tasks = got[0]
    assert [t["case_id"] for t in tasks] == [case.id]
    assert arrived - committed < 1.0, arrived - committed
    detail = desk.case_detail(case.id)
    assert detail.holder_fix is not None and detail.holder_fix.username == "caiji01"
    assert detail.detail.holder is not None and detail.detail.holder.collector == "caiji01"
    # 改派 to caiji02: its waiting phone gets the task at once, caiji01's list loses it
    got = []
    poll = _poll(server, server.as_user("caiji02"), got)
    desk.act(case.id, "reassign", {"collector": "caiji02"}, sent.version, uuid.uuid4().hex, [])
    committed = time.monotonic()
    poll.join(20)
    arrived, tasks = got[0]
    assert [t["case_id"] for t in tasks] == [case.id] and arrived - committed < 1.0
    mine = server.get("/api/v1/tasks", server.as_user("caiji01")).json()
    assert case.id not in [t["case_id"] for t in mine]
    assert desk.case_detail(case.id).detail.holder.collector == "caiji02"  # type: ignore[union-attr]


def test_spots_and_tracks_cross_the_seam_for_watching_seats_only(server: Server, db) -> None:
    now = datetime.now(UTC)
    SqlPositionStore(db).add_many([Fix("caiji01", now - timedelta(seconds=s), MIDDLE[0],
                                       MIDDLE[1]) for s in (5, 65)], now)
    desk = seat(server, "zhibanzhang1")
    spots = {s.username: s for s in desk.collector_spots()}
    assert spots["caiji01"].fix is not None
    assert spots["caiji01"].status in (DutyStatus.ON_DUTY, DutyStatus.OFF_SHIFT)
    today = now.astimezone(desk.centre.tz).date()
    track = desk.collector_track("caiji01", today)
    assert len(track) >= 2 and track == sorted(track, key=lambda p: p.t)
    unit = seat(server, "unit_zhzf")
    with pytest.raises(PermissionDeniedError):
        unit.collector_spots()
    with pytest.raises(PermissionDeniedError):
        unit.collector_track("caiji01", today)
