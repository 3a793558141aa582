"""AI alarms from analysis boxes and video platforms: ``POST /api/v1/video/alarms``.

A box has no session: it sends ``Authorization: Bearer USER:KEY`` with the key issued to an
alarm account by ``citydesk camera alarm-key USER`` (only its digest is stored; every refusal
is the same 401).  The alarm is a JSON object ``{"camera", "type", "time", "snapshot"}`` —
``snapshot`` a base64 JPEG or PNG — or the same object as the ``body`` part of
``multipart/form-data`` with the image as the file part ``snapshot``.  Everything is checked
before the database is touched; a bad alarm is 422 naming its field and stores nothing.

201 answers ``{"alarm_id", "case_id", "case_no", "folded"}``: ``folded`` true when the alarm
repeated its (camera, type) within the fold window (``video.toml``'s
``alarms.fold_minutes``, default 30) and was added to that pair's open case.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from console.domain.errors import AuthenticationError, ValidationError
from console.photos import MAX_BYTES, photo_from_bytes
from console.server.auth import ServerState, StateDep
from console.server.body import read_body
from console.server.errors import FieldError
from console.server.field_input import instant
from console.services.uow import NewPhoto
from console.services.video_alarms import (
    KEY_REFUSED,
    AlarmUnitOfWork,
    IncomingAlarm,
    alarm_sender,
    receive_alarm,
)
from console.video.config import load_video_config

router = APIRouter(tags=["video"])

FIELDS = ("camera", "type", "time", "snapshot")
#: The largest JSON alarm: a 10 MB image in base64 and its few fields.
MAX_ALARM_JSON = MAX_BYTES * 4 // 3 + 64 * 1024
#: The desk name alarms are logged with.
DESK = "视频智能分析"


def _credential(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or ":" not in value or len(value) > 300:
        raise AuthenticationError(KEY_REFUSED)
    return value.strip()


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise FieldError(name, f"字段 {name} 应为 1–{limit} 个字符的文字 / '{name}' must be "
                               f"text of 1-{limit} characters")
    return value.strip()


def _snapshot(value: Any) -> NewPhoto | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_BYTES * 4 // 3 + 4:
        raise FieldError("snapshot", "snapshot 应为 base64 编码的 JPEG/PNG（≤10 MB）/ 'snapshot' "
                                     "must be a base64 JPEG or PNG")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FieldError("snapshot", "snapshot 不是有效的 base64 / 'snapshot' is not base64") \
            from None
    try:
        return photo_from_bytes(data, "snapshot.jpg", "video")
    except ValidationError as exc:
        raise FieldError("snapshot", exc.message) from None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _json_alarm(request: Request) -> dict[str, Any]:
    """The JSON alarm, read no further than a 10 MB image in base64 allows.

    The API's other JSON bodies stop at 256 kB (:data:`console.server.body.MAX_JSON`); an
    alarm's base64 snapshot of a 1080p frame alone is 300–700 kB.
    """
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_ALARM_JSON:
            raise FieldError("body", "请求体过大（截图不超过 10 MB）/ the body is too large")
    try:
        value = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        raise FieldError("body", "请求体不是有效的 JSON / the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise FieldError("body", "请求体应为 JSON 对象 / the body must be a JSON object")
    return value


@router.post("/api/v1/video/alarms", status_code=201)
async def video_alarm(request: Request, state: StateDep) -> JSONResponse:
    """File an AI alarm as a case (source 视频智能发现) or fold it into its open case."""
    factory = cast(Callable[[], AlarmUnitOfWork], state.app.uow_factory)
    sender = await run_in_threadpool(alarm_sender, factory, state.app.centre,
                                     _credential(request), DESK)  # 401 before the body
    photos: list[NewPhoto] = []
    if _content_type(request) in ("", "application/json"):
        body = await _json_alarm(request)
    else:
        body, photos = await read_body(request, None, parts={"snapshot": "video"})
    result = await run_in_threadpool(_receive, state, factory, sender, body, photos)
    return JSONResponse(result, status_code=201)


def _receive(state: ServerState, factory: Callable[[], AlarmUnitOfWork], sender: Any,
             body: dict[str, Any], photos: list[NewPhoto]) -> dict[str, Any]:
    for name in body:
        if name not in FIELDS:
            raise FieldError(str(name)[:64], f"不接受字段 {str(name)[:64]!r} / unknown field")
    now = state.clock()
    alarm = IncomingAlarm(_text(body, "camera", 64), _text(body, "type", 64),
                          instant(body.get("time"), "time", now))
    photo = _snapshot(body.get("snapshot"))
    if photo is not None and photos:
        raise FieldError("snapshot", "截图只能给一次 / one snapshot only")
    if len(photos) > 1:
        raise FieldError("snapshot", "截图只能给一张 / one snapshot only")
    photo = photo or (photos[0] if photos else None)
    try:
        outcome = receive_alarm(factory, state.app.centre, sender, now, alarm, photo,
                                load_video_config().fold_minutes)
    except ValidationError as exc:
        raise FieldError(_field_of(exc.message), exc.message) from None
    return {"alarm_id": outcome.alarm_id, "case_id": outcome.case_id,
            "case_no": outcome.case_no, "folded": outcome.folded}


def _field_of(message: str) -> str:
    if "摄像机" in message:
        return "camera"
    if "告警类型" in message:
        return "type"
    return "time" if "时间" in message else "body"
