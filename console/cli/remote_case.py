"""``citydesk case …`` through the centre's server: the same output as :mod:`console.cli.case`.

Each command reads or writes through the saved session's seat
(:class:`~console.client.remote.RemoteDeskBackend`) and prints from the same service objects
the embedded path prints from (``CaseRow``, ``CaseDetail``, ``Case``), with the same text and
the same ``--json``.  Only the server's clock stamps a write, so ``--reported-at`` is refused.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from console.cli.calendar import print_warnings
from console.cli.case import (
    _LIGHTS,
    _detail_text,
    _entry_dict,
    _holder_dict,
    _row_line,
    _state,
    action_fields,
)
from console.cli.common import emit
from console.cli.login import call, saved_session
from console.cli.remote import case_id_of, new_request_id, open_seat
from console.domain.cases import TERMINAL_STATES, CaseState
from console.domain.commands import LABELS_ZH, Command
from console.domain.errors import ValidationError
from console.photos import load_photo
from console.services.calendar_year import case_warnings
from console.services.queries import CaseRow, make_row

#: The server's largest page (GET /api/v1/cases?limit=…).
PAGE = 500


def _case_ids(server: str, args: argparse.Namespace) -> list[int]:
    """The ids ``case list`` names, in its order, read page by page from the server."""
    states = [_state(s) for s in args.state or ()] or list(CaseState)
    if args.open:
        states = [s for s in states if s not in TERMINAL_STATES]
        if not states:
            return []
    light = None
    if args.light is not None:
        if args.light not in _LIGHTS:
            raise ValidationError(f"未知的灯色 {args.light!r}（green/yellow/red）/ unknown light")
        light = _LIGHTS[args.light].value
    token = saved_session(server).token
    params: dict[str, Any] = {"state": [s.value for s in states], "count": "false"}
    if args.unit is not None:
        params["unit"] = args.unit
    if light is not None:  # the most urgent first: one page, as the embedded read
        states = [s for s in states if s not in TERMINAL_STATES]
        params |= {"light": light, "state": [s.value for s in states],
                   "limit": min(args.limit, PAGE)}
        page = call(server, token, "GET", "/api/v1/cases", params=params)
        return [int(c["id"]) for c in page["cases"]][:args.limit]
    # Newest first, as the embedded list: the open queues' SQL order by id, descending.
    params["desc"] = "true"
    ids: list[int] = []
    while len(ids) < args.limit:
        want = min(PAGE, args.limit - len(ids))
        page = call(server, token, "GET", "/api/v1/cases",
                    params=params | {"offset": len(ids), "limit": want})
        got = [int(c["id"]) for c in page["cases"]]
        ids.extend(got)
        if len(got) < want:
            break
    return ids


def cmd_list(args: argparse.Namespace, server: str) -> int:
    """``case list`` through the server."""
    seat = open_seat(server)
    ids = _case_ids(server, args)
    centre = seat.centre
    now = args.clock()
    by_id: dict[int, Any] = {}
    for start in range(0, len(ids), PAGE):
        for case in seat.cases_by_ids(ids[start:start + PAGE]):
            by_id[int(case.id)] = case
    rows: list[CaseRow] = [make_row(centre, by_id[i], now) for i in ids if i in by_id]
    print_warnings(args, case_warnings(centre, now, (r.case for r in rows)))
    emit(args, [r.as_dict() for r in rows],
         lambda: "\n".join(_row_line(r) for r in rows) or "（没有案件）")
    return 0


def cmd_show(args: argparse.Namespace, server: str) -> int:
    """``case show`` through the server."""
    seat = open_seat(server)
    detail = seat.case_detail(case_id_of(seat, args.case)).detail
    centre = seat.centre
    warnings = case_warnings(centre, args.clock(), [detail.row.case])
    data = detail.row.as_dict() | {
        "description": detail.row.case.description,
        "timeline": [_entry_dict(entry) for entry in detail.timeline],
        "photos": [{"id": p.id, "kind": p.kind, "filename": p.filename, "size": p.size,
                    "event_id": p.event_id, "uploaded_at": p.uploaded_at.isoformat()}
                   for p in detail.photos],
        "holder": _holder_dict(detail.holder),
        "warnings": warnings,
    }
    print_warnings(args, warnings)
    emit(args, data, lambda: _detail_text(detail))
    return 0


def cmd_new(args: argparse.Namespace, server: str) -> int:
    """``case new`` through the server (reported now, by the session's user)."""
    if args.reported_at:
        raise ValidationError("经服务器时不能用 --reported-at：上报时间由服务器时钟决定 / "
                              "--reported-at is refused against a server")
    photos = [load_photo(p, "before") for p in args.photo or ()]
    seat = open_seat(server)
    centre = seat.centre
    hints = seat.duplicates(centre.category(args.category, args.kind).code, args.grid,
                            args.lon, args.lat)
    case = seat.report(args.category, args.desc, args.source, args.grid, args.lon, args.lat,
                       args.component, args.address or "", args.contact or "", args.kind,
                       photos, new_request_id())
    unit = centre.ref.units[case.suggested_unit] if case.suggested_unit else None
    warnings = case_warnings(centre, args.clock(), [case])
    data = {
        "id": case.id, "case_no": case.case_no, "state": case.state.value,
        "grid": case.grid,
        "suggested_unit": {"code": unit.code, "name": unit.name} if unit else None,
        "rule": case.routing_rule, "version": case.version,
        "duplicates": [{"id": d.case_id, "case_no": d.case_no,
                        "distance_m": None if d.distance_m is None else round(d.distance_m, 1)}
                       for d in hints],
        "warnings": warnings,
    }
    print_warnings(args, warnings)
    dup = "".join(
        f"\n  可能重复：{d.case_no}（"
        + ("同一网格" if d.distance_m is None else f"{d.distance_m:.0f} 米") + "）"
        for d in hints
    )
    emit(args, data, f"已上报 {case.case_no}（id {case.id}），建议派遣："
                     f"{unit.name if unit else '—'}{dup}")
    return 0


def cmd_action(args: argparse.Namespace, server: str) -> int:
    """``case ACTION ID`` through the server (the session acts, the server's clock stamps)."""
    command = args.action
    fields, photos, legacy_kind = action_fields(args)
    seat = open_seat(server)
    centre = seat.centre
    if legacy_kind is not None:
        fields["category"] = centre.category(fields["category"], legacy_kind).code
    name = command.value if isinstance(command, Command) else str(command)
    case = seat.act(case_id_of(seat, args.case), name, fields, args.version,
                    new_request_id(), photos)
    unit = centre.ref.units.get(case.unit) if case.unit else None
    label = "审批" if command == "approve" else LABELS_ZH[Command(command)]
    warnings = case_warnings(centre, args.clock(), [case])
    data = {"id": case.id, "case_no": case.case_no, "state": case.state.value,
            "unit": case.unit, "version": case.version, "warnings": warnings}
    print_warnings(args, warnings)
    emit(args, data, f"{case.case_no}：{label} → {case.state.value}"
         + (f"（{unit.name}）" if unit else ""))
    return 0


def cmd_self_handle(args: argparse.Namespace, server: str) -> int:
    """``case self-handle`` through the server: ``POST /api/v1/self-handled`` (multipart)."""
    if args.reported_at:
        raise ValidationError("经服务器时不能用 --reported-at：上报时间由服务器时钟决定 / "
                              "--reported-at is refused against a server")
    # Checked here as the embedded path checks them; the server checks them again.
    photos = [(part, load_photo(path, part)) for part in ("before", "after")
              for path in getattr(args, part) or ()]
    body = {"category": args.category, "description": args.desc, "grid": args.grid,
            "lon": args.lon, "lat": args.lat, "component_id": args.component,
            "address": args.address, "legacy_kind": args.kind, "client_id": new_request_id()}
    answer = call(server, saved_session(server).token, "POST", "/api/v1/self-handled",
                  data={"body": json.dumps({k: v for k, v in body.items() if v is not None})},
                  files=[(part, (p.filename, p.data, p.mime)) for part, p in photos])
    case = answer["case"]
    data = {"id": case["id"], "case_no": case["case_no"], "state": case["state"],
            "grid": args.grid, "version": case["version"], "warnings": []}
    emit(args, data, f"已上报自处置 {case['case_no']}（id {case['id']}），{case['state']}")
    return 0
