"""AI alarms over real HTTP: ``POST /api/v1/video/alarms`` on a ``citydesk server`` (PostgreSQL).

The alarm key is checked before anything else (one 401 for every refusal), a bad alarm is 422
naming its field and changes nothing, and a repeat of a (camera, type) within the fold window
is added to the open case instead of filing another.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import requests
from PIL import Image
from sqlalchemy import Engine, text

from console.domain.cases import Actor, Role
from console.domain.coords import Crs
from console.services.cameras import import_cameras
from console.services.centre import load_centre
from console.services.video_alarms import AlarmUnitOfWork, issue_key, set_type
from db.uow import make_uow_factory
from tests.server.conftest import TIMEOUT, Server, counts

ADMIN = Actor("admin", Role.ADMIN)
CAMERA = "33082400001320000001"
URL = "/api/v1/video/alarms"


@pytest.fixture(scope="module")
def key(server: Server) -> str:
    """Cameras, the type mapping and an alarm key for shouli2, in the server's database."""
    from db.engine import make_engine

    engine = make_engine(server.db_url)
    try:
        factory = cast(Callable[[], AlarmUnitOfWork], make_uow_factory(engine))
        centre = load_centre(factory())
        now = datetime.now(UTC)
        head = ["编码", "名称", "经度", "纬度", "主码流"]
        rows = [(2, [CAMERA, "解放街口", 118.4017, 29.14745, "rtsp://10.0.0.1/1"]),
                (3, ["33082400001320000002", "城东", 118.4090, 29.1475, "rtsp://10.0.0.4/1"])]
        assert import_cameras(factory, centre, head, rows, Crs.WGS84, dry_run=False,
                              actor=ADMIN, now=now).kept
        set_type(factory, centre, ADMIN, now, "occupy", "06010", "占道经营")
        return "shouli2:" + issue_key(factory, centre, ADMIN, "shouli2", now)
    finally:
        engine.dispose()


def _post(server: Server, key: str | None, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.post(server.url + URL, headers=headers, timeout=TIMEOUT, **kw)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), "orange").save(out, "JPEG")
    return out.getvalue()


def _frame() -> bytes:
    """A 1280×720 JPEG of noise: ~1 MB, as big as a camera's busy frame gets (over the
    256 kB the API's other JSON bodies may have, once in base64)."""
    out = io.BytesIO()
    Image.frombytes("RGB", (1280, 720), os.urandom(1280 * 720 * 3)).save(out, "JPEG",
                                                                        quality=90)
    assert len(out.getvalue()) > 300_000
    return out.getvalue()


def _alarm(at: datetime, camera: str = CAMERA, **extra: Any) -> dict[str, Any]:
    return {"camera": camera, "type": "occupy", "time": at.isoformat(), **extra}


def test_the_key_is_checked_first(server: Server, key: str, db: Engine) -> None:
    before = counts(db)
    now = datetime.now(UTC)
    session = server.as_user("shouli2")  # a desk session is not an alarm key
    for credential in (None, "shouli2:wrong", "shouli1:" + key.split(":", 1)[1], session,
                       "nobody:" + key.split(":", 1)[1]):
        reply = _post(server, credential, json=_alarm(now))
        assert reply.status_code == 401, reply.text
        assert reply.json() == {"error": "authentication",
                                "message": "告警密钥无效 / invalid alarm key"}
    assert counts(db) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"camera": CAMERA, "type": "occupy"}, "time"),
    ({"camera": "nope", "type": "occupy", "time": "2026-12-01T10:00:00+08:00"}, "camera"),
    ({"camera": CAMERA, "type": "unmapped", "time": "2026-12-01T10:00:00+08:00"}, "type"),
    ({"camera": CAMERA, "type": "occupy", "time": "2026-12-07 10:00"}, "time"),
    ({"camera": CAMERA, "type": "occupy", "time": "2026-12-01T10:00:00+08:00",
      "snapshot": "not base64!"}, "snapshot"),
    ({"camera": CAMERA, "type": "occupy", "time": "2026-12-01T10:00:00+08:00",
      "snapshot": base64.b64encode(b"GIF89a").decode()}, "snapshot"),
    ({"camera": CAMERA, "type": "occupy", "time": "2026-12-01T10:00:00+08:00", "x": 1}, "x"),
    ({"camera": 7, "type": "occupy", "time": "2026-12-01T10:00:00+08:00"}, "camera"),
])
def test_a_bad_alarm_is_422_naming_its_field(server: Server, key: str, db: Engine,
                                             body: dict[str, Any], field: str) -> None:
    before = counts(db)
    reply = _post(server, key, json=body)
    assert reply.status_code == 422, reply.text
    answer = reply.json()
    assert answer["field"] == field and "\n" not in answer["message"]
    assert counts(db) == before


def test_repeats_fold_into_the_open_case(server: Server, key: str, db: Engine) -> None:
    start = datetime.now(UTC) - timedelta(minutes=20)
    snap = base64.b64encode(_frame()).decode()
    first = _post(server, key, json=_alarm(start, snapshot=snap))
    assert first.status_code == 201, first.text
    assert first.json()["folded"] is False
    body = json.dumps(_alarm(start + timedelta(minutes=10)))
    repeat = _post(server, key, data={"body": body},
                   files={"snapshot": ("s.jpg", _jpeg(), "image/jpeg")})
    assert repeat.status_code == 201, repeat.text
    assert repeat.json()["folded"] is True
    assert repeat.json()["case_id"] == first.json()["case_id"]
    other = _post(server, key, json=_alarm(start, camera="33082400001320000002"))
    assert other.json()["folded"] is False and other.json()["case_id"] != first.json()["case_id"]
    with db.connect() as conn:
        case = conn.execute(text("SELECT source, grid FROM cases WHERE id = :id"),
                            {"id": first.json()["case_id"]}).one()
        photos = conn.execute(text("SELECT kind, camera_code FROM photos WHERE case_id = :id"),
                              {"id": first.json()["case_id"]}).all()
        alarms = conn.execute(text("SELECT folded FROM video_alarms WHERE case_id = :id "
                                   "ORDER BY id"), {"id": first.json()["case_id"]}).all()
    assert tuple(case) == ("视频智能发现", "330824001001001")
    assert [tuple(p) for p in photos] == [("video", CAMERA)] * 2
    assert [a[0] for a in alarms] == [False, True]
