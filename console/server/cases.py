"""Cases over the API: the queues, one case, a command on it, a new report, a request's fate.

Every read goes through the caller's scope (:func:`console.services.access.scoped_factory`):
a unit seat or a collector sees only its cases, and a case outside the scope answers exactly
as a case that does not exist (:func:`~console.server.errors.no_such_case`).  Every write
takes its actor from the session and its instant from the server's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from console.domain.cases import TERMINAL_STATES, CaseState
from console.domain.commands import Command
from console.domain.deadlines import Light
from console.domain.errors import NotFoundError, PermissionDeniedError
from console.domain.permissions import may
from console.server.auth import Caller, CallerDep, ServerState, StateDep
from console.server.body import read_body
from console.server.errors import FieldError, no_such_case
from console.server.field_input import position
from console.server.fields import (
    COMMAND_FIELDS,
    REPORT_FIELDS,
    checked_fields,
    client_id,
    request_id,
    seen_version,
)
from console.server.report_once import once, reported_before
from console.server.wire import case_dict, detail_dict, report_dict, short_case
from console.services.access import can_read, scoped_factory
from console.services.cases import (
    Report,
    ReportResult,
    UowFactory,
    act,
    find_case,
    report_case,
)
from console.services.queries import case_detail, make_row
from console.services.queries import list_cases as query_cases
from console.services.queue_reads import load_page
from console.services.queue_view import SORTS, QueueQuery
from console.services.uow import CaseFilter, NewPhoto

router = APIRouter(prefix="/api/v1", tags=["cases"])

MAX_PAGE = 500
_OPEN = tuple(s for s in CaseState if s not in TERMINAL_STATES)


def _states(values: list[str] | None) -> tuple[CaseState, ...]:
    if not values:
        return _OPEN
    out = []
    for text in values:
        match = next((s for s in CaseState if text in (s.value, s.name, s.name.lower())), None)
        if match is None:
            raise FieldError("state", f"未知的状态 {text[:32]!r} / unknown state")
        out.append(match)
    return tuple(dict.fromkeys(out))


@router.get("/cases")
def list_cases(
    state: StateDep,
    who: CallerDep,
    states: Annotated[list[str] | None, Query(alias="state", max_length=16)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    sort: Annotated[str, Query(max_length=16)] = "id",
    desc: bool = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    count: bool = True,
    light: Annotated[str | None, Query(max_length=8)] = None,
) -> dict[str, Any]:
    """A page of the caller's cases in ``states`` (default: every open state).

    Open states are read as the desk's queues are (ordered by ``sort`` in SQL, counted);
    with a closed state among them the page is newest first (``sort`` must stay ``id``).
    """
    chosen = _states(states)
    centre = state.app.centre
    if unit is not None and unit not in centre.ref.units:
        raise FieldError("unit", f"未知的责任单位 {unit!r} / unknown unit")
    if sort not in SORTS:
        raise FieldError("sort", f"未知的排序 {sort!r}（可选：{', '.join(SORTS)}）/ unknown sort")
    reader = scoped_factory(state.app.uow_factory, who.actor)
    now = state.clock()
    total: int | None
    if light is not None:
        return _by_light(state, reader, chosen, unit, light, offset, limit)
    if all(s in _OPEN for s in chosen):
        query = QueueQuery(chosen, sort, desc, unit)
        cases, total = load_page(reader(), query, offset, limit, count)
    else:
        if sort != "id":
            raise FieldError("sort", "含已办结状态时只按时间倒序 / closed states list newest "
                                     "first only")
        flt = CaseFilter(states=chosen, unit=unit, limit=limit, offset=offset)
        with reader() as uow:
            cases = uow.cases.list(flt)
            total = uow.cases.count(CaseFilter(states=chosen, unit=unit)) if count else None
    return {"cases": [case_dict(make_row(centre, c, now)) for c in cases], "total": total,
            "offset": offset, "limit": limit}


def _by_light(state: ServerState, reader: UowFactory, chosen: tuple[CaseState, ...],
              unit: str | None, light: str, offset: int, limit: int) -> dict[str, Any]:
    """Open cases whose running stage shows ``light`` now, the most urgent first."""
    try:
        colour = Light(light)
    except ValueError:
        raise FieldError("light", f"未知的灯色 {light!r}（green、yellow、red）/ unknown light") \
            from None
    if offset:
        raise FieldError("offset", "按灯色查询只返回第一页 / a light filter reads the first page "
                                   "only")
    rows = query_cases(reader(), state.app.centre, state.clock(), states=chosen, unit=unit,
                       light=colour, limit=limit)
    return {"cases": [case_dict(r) for r in rows], "total": None, "offset": 0, "limit": limit}


def _visible_id(state: ServerState, who: Caller, ref: str) -> int:
    """The id of the case ``ref`` names, if the caller may see it; else the one 404."""
    try:
        with state.app.uow_factory() as uow:
            case = find_case(uow, ref)
    except NotFoundError:
        raise no_such_case(ref[:32]) from None
    if not can_read(who.actor, case) or case.id is None:
        raise no_such_case(ref[:32])
    return case.id


@router.get("/cases/{ref}")
def get_case(state: StateDep, who: CallerDep, ref: str) -> dict[str, Any]:
    """One case by id or case number, with its timeline and photos (404 outside scope)."""
    case_id = _visible_id(state, who, ref)
    reader = scoped_factory(state.app.uow_factory, who.actor)
    try:
        detail = case_detail(reader(), state.app.centre, case_id, state.clock())
    except (NotFoundError, PermissionDeniedError):  # it left the caller's view meanwhile
        raise no_such_case(ref[:32]) from None
    return detail_dict(detail)


#: The request body as OpenAPI shows it (the routes read JSON or multipart themselves).
_BODY_DOC: dict[str, Any] = {"requestBody": {"content": {
    "application/json": {"schema": {"type": "object"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "body": {"type": "string", "description": "the JSON object"},
        "photo": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
}}}

#: Commands that may bring photos (taken after the work: 处置后照片).
PHOTO_COMMANDS = frozenset({Command.FEEDBACK, Command.CHECK_PASS, Command.CHECK_FAIL})


def _command(command: str) -> tuple[dict[str, str], bool]:
    """The fields ``command`` takes, and whether it takes photos (422 for no such command)."""
    if command == "approve":
        return {}, False
    try:
        cmd = Command(command)
    except ValueError:
        raise FieldError("command", f"未知的操作 {command[:32]!r} / unknown command") from None
    if cmd is Command.REPORT:
        raise FieldError("command", "上报请用 POST /api/v1/reports / report with "
                                    "POST /api/v1/reports")
    return COMMAND_FIELDS.get(cmd, {}), cmd in PHOTO_COMMANDS


@router.post("/cases/{ref}/{command}", openapi_extra=_BODY_DOC)
async def run_command(request: Request, state: StateDep, who: CallerDep, ref: str,
                      command: str) -> dict[str, Any]:
    """Run a workflow command on a case as the caller, with the ``version`` they saw."""
    allowed, with_photos = _command(command)
    body, photos = await read_body(request, "after" if with_photos else None)
    return await run_in_threadpool(_run_command, state, who, ref, command, allowed, body,
                                   photos)


def _run_command(state: ServerState, who: Caller, ref: str, command: str,
                 allowed: dict[str, str], body: dict[str, Any],
                 photos: list[NewPhoto]) -> dict[str, Any]:
    fields = checked_fields(body, allowed)
    version = seen_version(body, required=True)
    rid = request_id(body)
    case_id = _visible_id(state, who, ref)
    uow_factory = scoped_factory(state.app.uow_factory, who.actor)
    saved = act(uow_factory, state.app.centre, who.actor, state.clock(), case_id, command,
                fields, expected_version=version, photos=photos, request_id=rid)
    return {"case": short_case(saved)}


@router.post("/reports", status_code=201, openapi_extra=_BODY_DOC)
async def new_report(request: Request, state: StateDep, who: CallerDep) -> Any:
    """A new report (reported now, by the caller), with photos if multipart.

    ``client_id`` (the field API's idempotency key) answers a report already taken with the
    same case: 201 the first time, 200 after.
    """
    if not may(who.actor.role, Command.REPORT):
        raise PermissionDeniedError(
            f"角色「{who.actor.role.value}」不能上报案件 / role may not report")
    body, photos = await read_body(request, "before")
    answer, created = await run_in_threadpool(take_report, state, who, body, photos)
    return answer if created else JSONResponse(answer, status_code=200)


def take_report(state: ServerState, who: Caller, body: dict[str, Any],
                photos: list[NewPhoto],
                take: Callable[..., ReportResult] = report_case) -> tuple[dict[str, Any], bool]:
    """Take a report in (``take``: ``report_case``, or ``self_handle_case`` for 自处置), once
    per ``client_id``; the answer and whether it made the case."""
    # client_id is the field API's report key (issue #15): the request id of the report.
    fields = checked_fields({k: v for k, v in body.items() if k != "client_id"},
                            REPORT_FIELDS)
    for name in ("category", "description"):
        if not fields.get(name):
            raise FieldError(name, f"缺少字段 {name} / missing field '{name}'")
    rid = client_id(body) or request_id(body)
    place = position(fields)
    fields.pop("crs", None)
    if place is not None:
        fields.update(lon=place[0], lat=place[1])
    report = Report(**fields, photos=tuple(photos))
    uow_factory = scoped_factory(state.app.uow_factory, who.actor)
    with once(who.actor.user, rid, state.app.engine):
        earlier = reported_before(state, who, rid)
        if earlier is not None:
            return earlier, False
        result = take(uow_factory, state.app.centre, who.actor, state.clock(), report,
                      request_id=rid)
    return report_dict(result), True


@router.get("/requests/{rid}")
def request_outcome(state: StateDep, who: CallerDep, rid: str) -> dict[str, Any]:
    """Whether the caller's action with this request id committed (a lost reply's question).

    Only the caller's own actions count: another user's request id answers ``false``.
    """
    if not 0 < len(rid) <= 64:
        raise FieldError("request_id", "request_id 应为 1–64 个字符 / request_id must be 1-64 "
                                       "characters")
    with state.app.uow_factory() as uow:
        events = uow.events.by_request(rid)
    mine = [e for e in events if e.actor == who.actor.user]
    return {"request_id": rid, "committed": bool(mine),
            "case_id": mine[0].case_id if mine else None}
