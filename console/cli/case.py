"""``citydesk case new|self-handle|list|show`` and ``citydesk case ACTION ID`` for every
workflow command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from console.cli.arguments import MAX_ROWS, bounded_count
from console.cli.calendar import print_warnings
from console.cli.common import KIND_CHOICES, KIND_HELP, emit, parse_instant
from console.cli.setup import open_app
from console.domain.cases import CaseState, Source
from console.domain.commands import LABELS_ZH, Command
from console.domain.deadlines import LIGHT_ZH, Light
from console.domain.errors import ValidationError
from console.domain.event_facts import TaskHolder, fact_line
from console.domain.source_events import step_label_zh
from console.domain.workflow import CREATIONS
from console.photos import load_photo
from console.services import timefmt
from console.services.access import scoped_factory
from console.services.calendar_year import case_warnings
from console.services.cases import Report, act, report_case, self_handle_case
from console.services.queries import (
    CaseDetail,
    CaseRow,
    TimelineEntry,
    case_detail,
    list_cases,
)
from console.services.uow import PhotoInfo

if TYPE_CHECKING:
    from console.app import App
    from console.services.cameras import CameraUnitOfWork

#: Extra options per workflow command: (flag, argparse keywords, field name).
_OPTS: dict[Command, list[tuple[str, dict[str, Any], str]]] = {
    Command.REFUSE: [("--reason", {"required": True}, "reason")],
    Command.REQUEST_VERIFY: [("--collector", {}, "collector")],
    Command.VERIFY: [("--notes", {}, "notes")],
    Command.FILE: [
        ("--category", {"metavar": "CODE_OR_NAME"}, "category"),
        ("--kind", {"choices": KIND_CHOICES, "help": KIND_HELP}, "legacy_kind"),
        ("--condition", {"help": "立案条件编号"}, "condition"),
        ("--limit-class", {"choices": ["一般性", "工程性", "特殊性"]}, "limit_class"),
    ],
    Command.REFUSE_FILE: [("--reason", {"required": True}, "reason")],
    Command.DISPATCH: [
        ("--unit", {"help": "默认：建议单位 / default: the suggested unit"}, "unit"),
        ("--reason", {"help": "派往建议单位以外的单位时必填 / required for another unit than "
                              "the suggested one"}, "reason"),
    ],
    Command.DESIGNATE: [("--unit", {"required": True}, "unit"), ("--reason", {"required": True}, "reason")],
    Command.SUBDISPATCH: [("--unit", {"required": True}, "unit")],
    Command.FEEDBACK: [("--notes", {"required": True}, "notes")],
    Command.REQUEST_CHECK: [("--collector", {}, "collector")],
    Command.REASSIGN: [("--collector", {"required": True}, "collector")],
    Command.CHECK_PASS: [("--notes", {}, "notes")],
    Command.CHECK_FAIL: [("--notes", {"required": True}, "notes")],
    Command.CLOSE: [("--type", {"choices": ["正常", "超时", "特殊"]}, "close_type"), ("--reason", {}, "reason")],
    Command.REQUEST_RETURN: [("--reason", {"required": True}, "reason")],
    Command.REQUEST_EXTENSION: [
        ("--hours", {"type": float, "required": True, "help": "延期的工作小时数"}, "hours"),
        ("--reason", {"required": True}, "reason"),
    ],
    Command.REQUEST_SUSPEND: [("--reason", {"required": True}, "reason")],
    Command.REQUEST_VOID: [("--reason", {"required": True}, "reason")],
    Command.DENY_REQUEST: [("--reason", {"required": True}, "reason")],
    Command.MERGE: [("--into", {"required": True, "metavar": "CASE"}, "into")],
    Command.URGE: [("--note", {"required": True}, "note")],
    Command.ACK_ALERT: [("--alert", {"required": True, "help": "确认的告警内容"}, "alert")],
    Command.REJECT_SELF_HANDLED: [("--reason", {"required": True}, "reason")],
}
_PHOTO_COMMANDS = {Command.FEEDBACK, Command.CHECK_PASS, Command.CHECK_FAIL}
_LIGHTS = {"green": Light.GREEN, "yellow": Light.YELLOW, "red": Light.RED,
           "绿": Light.GREEN, "黄": Light.YELLOW, "红": Light.RED}


def _state(text: str) -> CaseState:
    for state in CaseState:
        if text in (state.value, state.name, state.name.lower()):
            return state
    names = "、".join(s.value for s in CaseState)
    raise ValidationError(f"未知的状态 {text!r}（可选：{names}）/ unknown state")


def _row_line(row: CaseRow) -> str:
    c = row.case
    light = LIGHT_ZH[row.light] if row.light else "  —"
    timer = row.countdown.text if row.countdown else ""
    return (f"{c.id:>6} {c.case_no} {c.state.value:<4} {light} {timer:<9} "
            f"{c.category} {row.category_name} · {c.street or ''} · {row.unit_name}")


def cmd_new(args: argparse.Namespace) -> int:

    return _report(args, [load_photo(p, "before") for p in args.photo or ()], report_case)


def cmd_self_handle(args: argparse.Namespace) -> int:
    """``case self-handle``: a collector's 自处置 with its photos before and after the fix."""
    photos = [*(load_photo(p, "before") for p in args.before or ()),
              *(load_photo(p, "after") for p in args.after or ())]
    return _report(args, photos, self_handle_case)


def _report(args: argparse.Namespace, photos: list[Any], take: Any) -> int:
    """Take a report (``report_case``) or a 自处置 (``self_handle_case``) in and print it."""
    app = open_app(args)
    try:
        centre = app.centre
        actor = centre.actor(args.user or "admin", args.desk)
        report = Report(
            category=args.category, description=args.desc, source=args.source, grid=args.grid,
            lon=args.lon, lat=args.lat, component_id=args.component, address=args.address or "",
            contact=args.contact or "", photos=photos,
            reported_at=parse_instant(args.reported_at) if args.reported_at else None,
            legacy_kind=args.kind,
        )
        result = take(app.uow_factory, centre, actor, app.clock(), report)
        unit = centre.ref.units[result.route.unit]
    finally:
        app.close()
    case = result.case
    warnings = case_warnings(centre, app.clock(), [case])
    data = {
        "id": case.id, "case_no": case.case_no, "state": case.state.value,
        "grid": case.grid, "suggested_unit": {"code": unit.code, "name": unit.name},
        "rule": result.route.rule, "version": case.version,
        "duplicates": [{"id": d.case_id, "case_no": d.case_no, "distance_m": None if d.distance_m is None else round(d.distance_m, 1)}
                       for d in result.duplicates],
        "warnings": warnings,
    }
    print_warnings(args, warnings)
    dup = "".join(
        f"\n  可能重复：{d.case_no}（"
        + ("同一网格" if d.distance_m is None else f"{d.distance_m:.0f} 米") + "）"
        for d in result.duplicates
    )
    if case.state is CaseState.SELF_HANDLED:
        emit(args, data, f"已上报自处置 {case.case_no}（id {case.id}），{case.state.value}{dup}")
    else:
        emit(args, data, f"已上报 {case.case_no}（id {case.id}），建议派遣：{unit.name}{dup}")
    return 0


def _report_args(p: argparse.ArgumentParser) -> None:
    """The options ``case new`` and ``case self-handle`` share: what and where."""
    p.add_argument("--category", required=True, metavar="CODE_OR_NAME")
    p.add_argument("--kind", choices=KIND_CHOICES, help=KIND_HELP)
    p.add_argument("--desc", required=True)
    p.add_argument("--grid")
    p.add_argument("--lon", type=float)
    p.add_argument("--lat", type=float)
    p.add_argument("--component")
    p.add_argument("--address")
    p.add_argument("--reported-at", metavar="ISO")


def cmd_list(args: argparse.Namespace) -> int:

    states = [_state(s) for s in args.state or ()]
    light = None
    if args.light is not None:
        if args.light not in _LIGHTS:
            raise ValidationError(f"未知的灯色 {args.light!r}（green/yellow/red）/ unknown light")
        light = _LIGHTS[args.light]
    app = open_app(args)
    try:
        reader = scoped_factory(app.uow_factory, app.centre.actor(args.user or "admin", args.desk))
        rows = list_cases(reader(), app.centre, app.clock(), states=states or None,
                          unit=args.unit, light=light, open_only=args.open, limit=args.limit)
    finally:
        app.close()
    print_warnings(args, case_warnings(app.centre, app.clock(), (r.case for r in rows)))
    emit(args, [r.as_dict() for r in rows],
         lambda: "\n".join(_row_line(r) for r in rows) or "（没有案件）")
    return 0


def _step(kind: str) -> str:
    return step_label_zh(kind)  # a workflow step, or an intake source's 源系统更新


_PHOTO_KINDS = {"before": "处置前", "after": "处置后", "video": "视频"}


def _photo_line(p: PhotoInfo) -> str:
    kind = _PHOTO_KINDS.get(p.kind, p.kind)
    return f"照片 #{p.id}：{p.filename}（{kind}，{p.size} 字节）"


def _holder_line(h: TaskHolder, zone: timefmt.Zoned) -> str:
    since = timefmt.date_time(zone, h.since)
    if not h.sent:
        who = f"待{h.role.value}发出"
    elif h.collector:
        who = h.name
    else:
        who = f"{h.role.value}（未指定人员）"
    return f"{h.task.value}任务：{who}，自 {since}"


def _detail_text(detail: CaseDetail) -> str:
    """``case show`` for people: every field, and each step with its notes and photos."""
    c = detail.row.case
    zone = detail  # the centre's zone travels with the detail (CaseDetail.tz)
    lines = [
        f"案件 {c.case_no}（id {c.id}，版本 {c.version}）— {c.state.value}",
        f"类别：{c.category} {detail.row.category_name}   来源：{c.source.value}",
        f"位置：{c.street or ''} 网格 {c.grid}  {c.address}",
        f"描述：{c.description}",
        f"上报时间：{timefmt.date_time(zone, c.reported_at)}",
        f"责任单位：{detail.row.unit_name or '—'}   建议：{c.suggested_unit or '—'}（{c.routing_rule}）",
    ]
    if detail.row.countdown:
        cd = detail.row.countdown
        deadline = timefmt.date_time(zone, c.stage_deadline) if c.stage_deadline else "—"
        lines.append(f"当前阶段：{cd.stage} {cd.text}（{LIGHT_ZH[cd.light]}）截止 {deadline}")
    if detail.holder is not None:
        lines.append(_holder_line(detail.holder, zone))
    if c.pending:
        p = c.pending
        lines.append(f"待审批：{p.kind.value}（{p.reason}）— {p.requested_by}，"
                     f"{timefmt.date_time(zone, p.requested_at)}")
    lines.append("时间线：")
    for entry in detail.timeline:
        e = entry.event
        late = "" if e.on_time is None else ("按时" if e.on_time else "超时")
        deadline = (f"  {e.stage}时限 {timefmt.date_time(zone, e.stage_deadline)}"
                    if e.stage_deadline else "")
        lines.append(f"  {timefmt.date_time(zone, e.occurred_at)} {_step(e.type):<8} "
                     f"{e.actor}/{e.role.value}@{e.desk}  → {e.to_state.value} {late}".rstrip()
                     + deadline)
        # A note of several lines keeps its indentation under its step.
        lines.extend("      " + fact_line(f).replace("\n", "\n        ") for f in entry.facts)
        lines.extend(f"      {_photo_line(p)}" for p in entry.photos)
    if detail.loose_photos:
        lines.append("未关联环节的照片：")
        lines.extend(f"  {_photo_line(p)}" for p in detail.loose_photos)
    return "\n".join(lines)


def _entry_dict(entry: TimelineEntry) -> dict[str, Any]:
    e = entry.event
    return {"id": e.id, "type": e.type, "from": e.from_state.value if e.from_state else None,
            "to": e.to_state.value, "actor": e.actor, "role": e.role.value, "desk": e.desk,
            "unit": e.unit, "at": e.occurred_at.isoformat(), "stage": e.stage,
            "stage_deadline": e.stage_deadline.isoformat() if e.stage_deadline else None,
            "on_time": e.on_time, "payload": dict(e.payload),
            "details": [fact_line(f) for f in entry.facts],
            "photos": [p.id for p in entry.photos]}


def _holder_dict(h: TaskHolder | None) -> dict[str, Any] | None:
    if h is None:
        return None
    return {"task": h.task.value, "role": h.role.value, "collector": h.collector,
            "name": h.name, "sent": h.sent, "since": h.since.isoformat()}


def _snapshots(app: App, case_id: int | None) -> dict[int, tuple[str, datetime]]:
    """The case's video photos: photo id -> (camera code, frame instant)."""
    if case_id is None:
        return {}
    with cast("Callable[[], CameraUnitOfWork]", app.uow_factory)() as uow:
        return uow.cameras.snapshots(case_id)


def _snapshot_fields(snapshot: tuple[str, datetime] | None) -> dict[str, Any]:
    if snapshot is None:
        return {}
    return {"camera": snapshot[0], "frame_at": snapshot[1].isoformat()}


def cmd_show(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        reader = scoped_factory(app.uow_factory, app.centre.actor(args.user or "admin", args.desk))
        detail = case_detail(reader(), app.centre, args.case, app.clock())
        snapshots = _snapshots(app, detail.row.case.id)
    finally:
        app.close()
    warnings = case_warnings(app.centre, app.clock(), [detail.row.case])
    data = detail.row.as_dict() | {
        "description": detail.row.case.description,
        "timeline": [_entry_dict(entry) for entry in detail.timeline],
        "photos": [{"id": p.id, "kind": p.kind, "filename": p.filename, "size": p.size,
                    "event_id": p.event_id, "uploaded_at": p.uploaded_at.isoformat()}
                   | _snapshot_fields(snapshots.get(p.id)) for p in detail.photos],
        "holder": _holder_dict(detail.holder),
        "warnings": warnings,
    }
    print_warnings(args, warnings)
    emit(args, data, lambda: _detail_text(detail))
    return 0


def action_fields(args: argparse.Namespace) -> tuple[dict[str, Any], list[Any], str | None]:
    """A ``case ACTION`` line's command fields, photos and legacy kind, checked (both paths)."""
    command = args.action
    fields: dict[str, Any] = {}
    for _flag, _kw, name in _OPTS.get(command, []) if command != "approve" else []:
        value = getattr(args, name)
        if value is not None:
            fields[name] = value
    if command is Command.VERIFY:
        fields["found"] = args.found
    if "hours" in fields:
        hours = fields.pop("hours")
        if not 0 < hours <= 480:
            raise ValidationError("--hours 应在 0 到 480 之间 / hours out of range")
        fields["minutes"] = round(hours * 60)
    photos = [load_photo(p, "after") for p in getattr(args, "photo", None) or ()]
    legacy_kind = fields.pop("legacy_kind", None)
    if legacy_kind is not None and "category" not in fields:
        raise ValidationError("--kind 须与 --category 同用 / --kind goes with --category")
    return fields, photos, legacy_kind


def cmd_action(args: argparse.Namespace) -> int:

    command = args.action
    fields, photos, legacy_kind = action_fields(args)
    app = open_app(args)
    try:
        centre = app.centre
        actor = centre.actor(args.user or "admin", args.desk)
        if legacy_kind is not None:  # the service takes a category as codes and names do
            fields["category"] = centre.category(fields["category"], legacy_kind).code
        case = act(app.uow_factory, centre, actor, app.clock(), args.case, command, fields,
                   expected_version=args.version, photos=photos)
        unit = centre.ref.units.get(case.unit) if case.unit else None
    finally:
        app.close()
    label = "审批" if command == "approve" else LABELS_ZH[Command(command)]
    warnings = case_warnings(centre, app.clock(), [case])
    data = {"id": case.id, "case_no": case.case_no, "state": case.state.value,
            "unit": case.unit, "version": case.version, "warnings": warnings}
    print_warnings(args, warnings)
    emit(args, data, f"{case.case_no}：{label} → {case.state.value}"
         + (f"（{unit.name}）" if unit else ""))
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``case`` and its sub-commands."""
    case = sub.add_parser("case", parents=[common], help="案件：上报、查询、流转")
    csub = case.add_subparsers(dest="case_cmd", metavar="ACTION", required=True)

    p = csub.add_parser("new", parents=[common], help="上报新案件")
    _report_args(p)
    p.add_argument("--source", default=Source.COLLECTOR.value, choices=[s.value for s in Source])
    p.add_argument("--photo", action="append", metavar="FILE")
    p.add_argument("--contact")
    p.set_defaults(handler=cmd_new)

    p = csub.add_parser("self-handle", parents=[common],
                        help="自处置上报：监督员当场处置的轻微问题，附处置前、处置后照片 / "
                             "a collector's on-the-spot fix with photos before and after")
    _report_args(p)
    p.add_argument("--before", action="append", metavar="FILE", help="处置前照片（至少一张）")
    p.add_argument("--after", action="append", metavar="FILE", help="处置后照片（至少一张）")
    p.set_defaults(handler=cmd_self_handle, source=Source.COLLECTOR.value, contact=None,
                   photo=None)

    p = csub.add_parser("list", parents=[common], help="案件列表")
    p.add_argument("--state", action="append", help="状态（可多次）")
    p.add_argument("--unit")
    p.add_argument("--light", help="green | yellow | red")
    p.add_argument("--open", action="store_true", help="只列出未办结案件")
    p.add_argument("--limit", type=bounded_count(MAX_ROWS), default=100)
    p.set_defaults(handler=cmd_list)

    p = csub.add_parser("show", parents=[common], help="案件详情与时间线")
    p.add_argument("case", metavar="ID")
    p.set_defaults(handler=cmd_show)

    for command in [*Command, "approve"]:
        if command in CREATIONS:  # new cases: ``case new`` and ``case self-handle``
            continue
        label = ("审批待办申请（按申请类型批准；自处置待审核：审核通过）" if command == "approve"
                 else LABELS_ZH[Command(command)])
        p = csub.add_parser(str(command), parents=[common], help=label)
        p.add_argument("case", metavar="ID")
        p.add_argument("--version", type=int, help="操作时看到的版本号（乐观锁）")
        opts = [] if command == "approve" else _OPTS.get(Command(command), [])
        for flag, kw, name in opts:
            p.add_argument(flag, dest=name, **kw)
        if command == Command.VERIFY:
            g = p.add_mutually_exclusive_group(required=True)
            g.add_argument("--found", dest="found", action="store_true")
            g.add_argument("--not-found", dest="found", action="store_false")
        if command in _PHOTO_COMMANDS:
            p.add_argument("--photo", action="append", metavar="FILE")
        p.set_defaults(handler=cmd_action, action=command if command == "approve" else Command(command))
