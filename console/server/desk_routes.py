"""The desk's seam over HTTP: ``POST /api/v1/desk/{method}``.

A remote desk (``console.client.remote.RemoteDeskBackend``) calls the methods of
:class:`~console.desk_backend.DeskBackend` here, one request each, with the arguments as a
JSON object; the answer is ``{"result": …}``.  Both sides encode by the protocol's type hints
(:mod:`console.services.wire`), and only :data:`~console.desk_backend.METHODS` exist.

The server answers with a :class:`~console.desk_local.LocalDeskBackend` built for the
request's caller (the bearer session: never anything the body says) on the server's clock,
so the remote desk can do exactly what the same seat can do in process.  Refusals are the
API's (:mod:`console.server.errors`): 401, 403, 404 (a case outside the seat's view answers as
one that does not exist), 409, 422 naming the field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from console.desk_backend import LOCAL_PARAMETERS, METHODS, DeskBackend
from console.desk_local import LocalDeskBackend, materialize
from console.domain.commands import Command
from console.domain.errors import NotFoundError, PermissionDeniedError
from console.server.auth import CallerDep, StateDep
from console.server.errors import FieldError, no_such_case
from console.server.fields import COMMAND_FIELDS, checked_fields
from console.services import wire
from console.services.access import reader_of, scoped_factory

router = APIRouter(prefix="/api/v1/desk", tags=["desk"])

#: Methods that change reference data: the server re-reads its centre after them.
REFERENCE_WRITES = frozenset({
    "add_user", "update_user", "set_active", "set_calendar_day", "remove_calendar_override",
    "update_stage_limits", "update_unit", "update_category", "update_grid", "import_notice",
    "import_year", "map_code"})

#: Methods that change a user: every session is read from the database again after them.
USER_WRITES = frozenset({"add_user", "update_user", "set_active", "set_password"})

#: Reads of one thing the caller names: an unknown one and one outside the seat's view get the
#: same 404.  (``act`` checks its case before it runs: a refusal while it runs is the
#: command's — an unknown unit in its fields is 422, a role that may not is 403.)
CASE_METHODS = frozenset({"case_detail", "photo"})

def _checked_act(arguments: dict[str, Any]) -> None:
    """The command's fields as the case API accepts them (the same whitelist and types)."""
    command = str(arguments["command"])
    if command == "approve":
        allowed: dict[str, str] = {}
    else:
        try:
            cmd = Command(command)
        except ValueError:
            raise FieldError("command", f"未知的操作 {command[:32]!r} / unknown command") \
                from None
        if cmd is Command.REPORT:
            raise FieldError("command", "上报请用 report / file a report with report")
        allowed = COMMAND_FIELDS.get(cmd, {})
    arguments["fields"] = checked_fields(arguments["fields"], allowed)


def _visible(uow_factory: Any, actor: Any, case_id: int) -> None:
    """The one 404 unless the seat may see the case."""
    try:
        with scoped_factory(uow_factory, actor)() as uow:
            uow.cases.get(case_id)
    except (NotFoundError, PermissionDeniedError):
        raise no_such_case("") from None


def _photo_visible(app: Any, actor: Any, photo_id: int) -> None:
    """The one 404 unless the photo is of a case the seat may see.

    A photo is read by its id alone, and the photo store is not scoped by seat: without this a
    unit seat could read any unit's photos by counting ids.  An unknown photo answers the same.
    """
    from sqlalchemy import select

    from db.tables import PhotoRow

    with app.engine.connect() as conn:
        case_id = conn.scalar(select(PhotoRow.case_id).where(PhotoRow.id == photo_id))
    if case_id is None:
        raise no_such_case("")
    _visible(app.uow_factory, actor, int(case_id))


@router.post("/{method}")
def call(method: str, request: Request, state: StateDep, who: CallerDep,
         body: Annotated[Any, Body()] = None) -> JSONResponse:
    """Run one seam method as the caller; ``{"result": …}`` encoded by its type hints."""
    if method not in METHODS:
        return JSONResponse({"error": "not_found", "message": "没有这个接口 / no such endpoint"},
                            status_code=404)
    spec = getattr(DeskBackend, method)
    arguments = wire.decode_arguments(spec, {} if body is None else body, LOCAL_PARAMETERS)
    app = state.app
    if method == "act":
        _checked_act(arguments)
        _visible(app.uow_factory, who.actor, arguments["case_id"])
    elif method == "photo" and reader_of(who.actor) is not None:
        _photo_visible(app, who.actor, arguments["photo_id"])
    seat = LocalDeskBackend(app.uow_factory, lambda: app.centre, state.clock, who.actor,
                            reload=app.reload, alarms=app.alarm_store,
                            reads=app.read_factory)
    if method == "events_since" and reader_of(who.actor) is None:
        # Every desk asks this after every push: identical polls in flight read once.
        key = (arguments["since"], tuple(sorted(arguments["seen"])), arguments["limit"],
               request.app.state.push.newest)
        return JSONResponse(request.app.state.feeds.run(key, lambda: {
            "result": wire.encode_result(spec, seat.events_since(**arguments))}))
    try:
        result = materialize(getattr(seat, method)(**arguments))
    except (NotFoundError, PermissionDeniedError):
        if method in CASE_METHODS:
            raise no_such_case("") from None
        raise
    if method in REFERENCE_WRITES:
        app.reload()
    if method in USER_WRITES:
        state.recent.clear()  # a disabled, demoted or re-passworded user: read sessions again
    if method == "period_data":
        # The report prints the chain's latest anchor: the server's folder holds them (the
        # seat's machine has none), as ``citydesk report`` on the database reads its own.
        from console.audit_files import latest_anchor_line

        result = replace(result, anchor=latest_anchor_line(app.anchor_dir))
    return JSONResponse({"result": wire.encode_result(spec, result)})
