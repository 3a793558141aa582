"""Collectors' positions: ``POST /api/v1/positions`` and the OsmAnd/Traccar protocol at ``/osmand``.

A batch from the phone page or an app is checked whole before anything is stored: one bad
fix answers 422 naming ``positions[i].field`` and stores none.  ``/osmand`` speaks the HTTP
protocol of Traccar Client and OsmAnd's live tracking (query or form parameters ``id``,
``lat``, ``lon``, ``timestamp``, ``speed`` in knots, ``bearing``, ``altitude``, ``accuracy``,
``batt``); such an app has no session, so ``id`` carries ``USER:KEY`` with the collector's
device key (``citydesk user device-key USER``).  Every fix is stored in WGS-84.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from console.domain.cases import Role
from console.domain.errors import PermissionDeniedError
from console.server.auth import Caller, CallerDep, ServerState, StateDep, resolve_caller
from console.server.body import json_object, read_body
from console.server.errors import FieldError
from console.server.field_input import crs_of, fix, instant, number
from console.services.positions import MAX_BATCH, Fix, device_owner, record_fixes

router = APIRouter(tags=["positions"])

#: Knots to metres per second (OsmAnd and Traccar send knots).
KNOT = 1852 / 3600
#: The OsmAnd/Traccar parameters read (others an app may add — ``valid``, ``charge``,
#: ``hdop`` … — are ignored, as Traccar's own server ignores what it does not store).
OSMAND_PARAMS = ("id", "deviceid", "lat", "lon", "timestamp", "speed", "bearing", "altitude",
                 "accuracy", "batt", "crs")


@router.post("/api/v1/positions")
async def positions(request: Request, state: StateDep, who: CallerDep) -> dict[str, Any]:
    """Store a batch of the caller's fixes: ``{"positions": [{t, lon, lat, …}, …]}``.

    The phones' usual form of this request (a JSON body of a declared length, a bearer token)
    never gets here: :class:`console.server.fixes_fast.FixesFast` answers it with
    :func:`checked_batch`.  This route answers every other form, in the same order.
    """
    _collector_only(who)
    body, _photos = await read_body(request, None)
    return await run_in_threadpool(_store_batch, state, who.actor.user, body)


def _collector_only(who: Caller) -> None:
    if who.actor.role is not Role.COLLECTOR:
        raise PermissionDeniedError("只有监督员上报位置 / only collectors report positions")


def checked_batch(state: ServerState, token: str, raw: bytes) -> dict[str, Any]:
    """A JSON batch of ``token``'s caller checked and stored, in the order of the route:
    the session (401), the role (403), the body (422); then the INSERT."""
    who = resolve_caller(state, token)
    _collector_only(who)
    return _store_batch(state, who.actor.user, json_object(raw))


def _store_batch(state: ServerState, username: str, body: dict[str, Any]) -> dict[str, Any]:
    for name in body:
        if name != "positions":
            raise FieldError(str(name)[:64], f"不接受字段 {str(name)[:64]!r} / unknown field")
    batch = body.get("positions")
    if not isinstance(batch, list) or not batch:
        raise FieldError("positions", "positions 应为非空数组 / 'positions' must be a non-empty "
                                      "array")
    if len(batch) > MAX_BATCH:
        raise FieldError("positions", f"一次最多 {MAX_BATCH} 个位置 / at most {MAX_BATCH} fixes")
    now = state.clock()
    fixes = [fix(username, raw, i, now) for i, raw in enumerate(batch)]
    stored = record_fixes(state.app.position_store(), fixes, now)
    return {"stored": stored, "duplicates": len(fixes) - stored}


async def _params(request: Request) -> dict[str, str]:
    """The query's parameters, and a POSTed form's (Traccar Client posts the query)."""
    params = {k.lower(): v for k, v in request.query_params.items()}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
        async with request.form(max_files=0, max_fields=64) as form:
            for key, value in form.items():
                if isinstance(value, str):
                    params.setdefault(key.lower(), value)
    return params


@router.api_route("/osmand", methods=["GET", "POST"])
async def osmand(request: Request, state: StateDep) -> Response:
    """One fix in the OsmAnd/Traccar protocol; 200 with an empty body when stored."""
    params = await _params(request)
    await run_in_threadpool(_store_osmand, state, params)
    return Response(status_code=200)


def _float(params: dict[str, str], name: str) -> float | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise FieldError(name, f"参数 {name} 应为数字 / '{name}' must be a number") from None


def _store_osmand(state: ServerState, params: dict[str, str]) -> None:
    identifier = params.get("id") or params.get("deviceid") or ""
    if not identifier or len(identifier) > 200:
        raise FieldError("id", "缺少参数 id（USER:KEY）/ missing 'id' (USER:KEY)")
    store = state.app.position_store()
    username = device_owner(store, state.app.centre, identifier)  # 401 before anything else
    now = state.clock()
    lat, lon = _float(params, "lat"), _float(params, "lon")
    if lat is None or lon is None:
        missing = "lat" if lat is None else "lon"
        raise FieldError(missing, f"缺少参数 {missing} / missing '{missing}'")
    stamp = params.get("timestamp")
    at = now if stamp in (None, "") else instant(_stamp(stamp), "timestamp", now)
    speed = _float(params, "speed")
    body: dict[str, Any] = {"lon": lon, "lat": lat, "crs": crs_of(params.get("crs")).value,
                            "t": at.isoformat(),
                            "speed": None if speed is None else number(speed, "speed", 0.0,
                                                                       2_000.0) * KNOT,
                            "accuracy": _float(params, "accuracy"),
                            "battery": _float(params, "batt")}
    for name in ("bearing", "altitude"):  # accepted and checked, not stored
        value = _float(params, name)
        if value is not None:
            number(value, name, -1e5, 1e5)
    try:
        point = fix("", body, 0, now)
    except FieldError as exc:  # name the protocol's parameter, not the batch's field
        name = exc.field.rsplit(".", 1)[-1]
        raise FieldError({"battery": "batt", "t": "timestamp"}.get(name, name),
                         exc.message.replace("positions[0].", "")) from None
    record_fixes(store, [Fix(username, point.t, point.lon, point.lat, point.accuracy,
                             point.speed, point.battery)], now)


def _stamp(text: str) -> float | str:
    """``timestamp`` as unix time (a number) or ISO 8601 text."""
    try:
        return float(text)
    except ValueError:
        return text

