"""The field API for collectors' phones (issue #15): tasks, results, photos.

* ``GET /api/v1/tasks[?wait=N]`` — the signed-in collector's open 核实 / 核查 tasks; with
  ``wait`` it long-polls (returns as soon as a task exists, waking on the push hub's new
  events, or after N seconds with an empty list).
* ``POST /api/v1/tasks/{case_id}/result`` — the answer: ``outcome``, ``notes``, the position
  (``lon``, ``lat``, ``crs``), photos; runs 核实 or 核查通过 / 不通过 as the collector.
* ``GET /api/v1/photos/{photo_id}`` — a photo's bytes, for the session that may see its case.
* ``POST /api/v1/self-handled`` — 自处置: a report (the fields of ``POST /api/v1/reports``,
  ``client_id`` included) of a minor problem the collector fixed on the spot, with file parts
  ``before`` and ``after`` (at least one each); the case waits in 自处置待审核 for a 受理员.

The contract, with every error: docs/field-api.md.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from console.domain.commands import Command
from console.domain.errors import NotFoundError, PermissionDeniedError
from console.domain.permissions import may
from console.server.auth import Caller, CallerDep, ServerState, StateDep
from console.server.body import read_body
from console.server.cases import take_report
from console.server.desk_routes import _photo_visible
from console.server.errors import FieldError, no_such_case
from console.server.field_input import position
from console.server.fields import checked_fields, request_id, seen_version
from console.server.push import PushHub
from console.server.wire import short_case
from console.services.cases import act, self_handle_case
from console.services.field_tasks import (
    OUTCOMES,
    TASK_STATES,
    Task,
    TaskKind,
    open_tasks,
    task_centre_name,
    task_for_result,
)
from console.services.uow import NewPhoto

router = APIRouter(prefix="/api/v1", tags=["field"])

#: The longest a task poll may wait (seconds).
MAX_WAIT = 60
#: What a result's body may hold (beside ``version`` and ``request_id``).
RESULT_FIELDS = {"outcome": "text", "notes": "text", "lon": "number", "lat": "number",
                 "crs": "text"}


def photo_url(photo_id: int | None) -> str:
    """Where the same session reads a photo (relative to the server)."""
    return f"/api/v1/photos/{photo_id}"


def task_dict(state: ServerState, task: Task) -> dict[str, Any]:
    """A task as the phone reads it (docs/field-api.md)."""
    case, centre = task.case, state.app.centre
    return {
        "case_id": case.id, "case_no": case.case_no, "kind": task.kind.value,
        "category": {"code": case.category, "name": task_centre_name(centre, case),
                     "name_en": task_centre_name(centre, case, english=True)},
        "description": case.description, "address": case.address, "grid": case.grid,
        "lon": case.lon, "lat": case.lat,
        "deadline": centre.local(task.deadline).isoformat() if task.deadline else None,
        "photos": [photo_url(p.id) for p in task.photos],
        "notes": task.notes,
    }


@router.get("/tasks")
async def tasks(request: Request, state: StateDep, who: CallerDep,
                wait: Annotated[int, Query(ge=0, le=MAX_WAIT)] = 0) -> list[dict[str, Any]]:
    """The caller's open tasks; ``wait`` seconds of long poll while there are none.

    The wait sleeps on the process's push hub (PostgreSQL LISTEN, or its poll of the log on
    SQLite), which wakes it on any new event; the tasks are read again only when an event
    names the caller as its collector.
    """
    hub = request.app.state.push
    assert isinstance(hub, PushHub)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    seen = hub.newest  # read before the query: an event after it wakes the wait at once
    found = await run_in_threadpool(open_tasks, state.app.uow_factory, who.actor)
    while not found:
        left = deadline - loop.time()
        if left <= 0:
            break
        await hub.wait(seen, left)
        latest = hub.newest
        # Only a task sent to the caller adds one: five hundred phones waiting here do not
        # each read their tasks again on every event of the centre.
        if hub.names(seen, who.actor.user):
            found = await run_in_threadpool(open_tasks, state.app.uow_factory, who.actor)
        seen = latest
    return [task_dict(state, t) for t in found]


@router.post("/tasks/{case_id}/result")
async def task_result(request: Request, state: StateDep, who: CallerDep,
                      case_id: int) -> dict[str, Any]:
    """Answer the caller's task on ``case_id`` (JSON, or multipart with photos)."""
    body, photos = await read_body(request, "after")
    return await run_in_threadpool(_task_result, state, who, case_id, body, photos)


def _task_result(state: ServerState, who: Caller, case_id: int, body: dict[str, Any],
                 photos: list[NewPhoto]) -> dict[str, Any]:
    fields = checked_fields(body, RESULT_FIELDS)
    version = seen_version(body, required=False)
    rid = request_id(body)
    place = position(fields)
    outcome = fields.get("outcome")
    if not outcome:
        raise FieldError("outcome", "缺少字段 outcome / missing 'outcome'")
    factory = state.app.uow_factory
    if rid is not None:
        done = _answered(state, who, case_id, rid)
        if done is not None:
            return done
    try:
        case = task_for_result(factory, who.actor, case_id)
    except NotFoundError:
        raise no_such_case(str(case_id)) from None
    kind = TASK_STATES[case.state]
    if outcome not in OUTCOMES[kind]:
        allowed = "、".join(OUTCOMES[kind])
        raise FieldError("outcome", f"{'核实' if kind is TaskKind.VERIFY else '核查'}结果应为 "
                                    f"{allowed} / outcome must be one of {allowed}")
    command, found = OUTCOMES[kind][outcome]
    notes = fields.get("notes") or ""
    if outcome == "fail" and not notes.strip():
        raise FieldError("notes", "核查不通过须写明意见 / a failed check needs notes")
    data: dict[str, Any] = {"notes": notes}
    if found is not None:
        data["found"] = found
    extra = None
    if place is not None:
        extra = {"lon": round(place[0], 7), "lat": round(place[1], 7), "crs": place[2].value}
    kept = [replace(p, kind="before") for p in photos] if kind is TaskKind.VERIFY else photos
    saved = act(factory, state.app.centre, who.actor, state.clock(), case_id, command, data,
                expected_version=case.version if version is None else version,
                photos=kept, request_id=rid, payload_extra=extra)
    return {"case": short_case(saved)}


def _answered(state: ServerState, who: Caller, case_id: int, rid: str) -> dict[str, Any] | None:
    """The case as it is now when the caller's result with ``rid`` already committed."""
    with state.app.uow_factory() as uow:
        mine = [e for e in uow.events.by_request(rid)
                if e.actor == who.actor.user and e.case_id == case_id]
        if not mine:
            return None
        return {"case": short_case(uow.cases.get(case_id))}


@router.get("/photos/{photo_id}")
def photo(state: StateDep, who: CallerDep, photo_id: int,
          thumbnail: bool = False) -> Response:
    """A photo's bytes (JPEG or PNG), or its JPEG thumbnail; 404 outside the caller's view."""
    if not 0 < photo_id < 2**63:
        raise no_such_case("")
    _photo_visible(state.app, who.actor, photo_id)
    try:
        with state.app.uow_factory() as uow:
            data = uow.photos.data(photo_id, thumbnail=thumbnail)
    except NotFoundError:
        raise no_such_case("") from None
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=mime, headers={"Cache-Control": "private, max-age=3600"})


#: The photos of a 自处置: file parts and the kind each one's photos are stored as.
SELF_HANDLED_PARTS = {"before": "before", "after": "after"}


@router.post("/self-handled", status_code=201, openapi_extra={"requestBody": {"content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "body": {"type": "string", "description": "the report's JSON object (client_id …)"},
        "before": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "after": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
async def self_handled(request: Request, state: StateDep, who: CallerDep) -> Any:
    """A collector's 自处置, once per ``client_id`` (201 the first time, 200 after)."""
    if not may(who.actor.role, Command.SELF_HANDLE):
        raise PermissionDeniedError(
            f"角色「{who.actor.role.value}」不能上报自处置 / role may not report a self-handled fix")
    body, photos = await read_body(request, None, SELF_HANDLED_PARTS)
    for part in SELF_HANDLED_PARTS.values():
        if not any(p.kind == part for p in photos):
            raise FieldError(part, f"自处置须附{'处置前' if part == 'before' else '处置后'}照片"
                                   f"（文件部分 {part}）/ a self-handled report needs a "
                                   f"'{part}' photo")
    answer, created = await run_in_threadpool(take_report, state, who, body, photos,
                                              self_handle_case)
    return answer if created else JSONResponse(answer, status_code=200)
