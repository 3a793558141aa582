"""``apply``: run one command against a case, purely.

The table in ``workflow.py`` decides *whether* a command may run; this module decides *what it
does*: new state, clock changes (stage deadlines, extension, suspension), counters, and the
event rows.  Every check happens before anything is built, so an error changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.cases import (
    STAGE_OF,
    Actor,
    Case,
    CaseState,
    CloseType,
    Event,
    PendingRequest,
    Role,
    Source,
    Stage,
)
from console.domain.commands import LABELS_ZH, Action, Command
from console.domain.deadlines import WorkingClock, is_on_time, plan_stage
from console.domain.errors import (
    IllegalTransitionError,
    PermissionDeniedError,
    ValidationError,
)
from console.domain.reference import Category, Unit, UnitKind
from console.domain.workflow import ALLOWED_WHILE_PENDING, REQUESTS, TABLE, Transition

MAX_TEXT = 2000  # characters of a description, reason or note
MAX_EXTENSION_MINUTES = 480 * 60  # 60 working days: beyond that a case is 挂账, not extended


@dataclass(frozen=True, slots=True)
class WorkflowContext:
    """What ``apply`` needs from outside: the clock, limits and reference lookups."""

    clock: WorkingClock
    stage_limits: Mapping[str, int]
    categories: Mapping[str, Category]
    units: Mapping[str, Unit]
    verify_sources: frozenset[str] = frozenset(
        {Source.PUBLIC, Source.HOTLINE, Source.WEB, Source.MEDIA}
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """The case after the command and the events to append."""

    case: Case
    events: tuple[Event, ...]


def transition_for(case: Case | None, command: Command, actor: Actor) -> Transition:
    """The table row for this command, after the state, role, scope and pending checks.

    Raises
    ------
    IllegalTransitionError
        The command is not allowed in the case's state (or a request is waiting).
    PermissionDeniedError
        The actor's role may not run it, or a unit user acts on another unit's case.
    """
    state = case.state if case is not None else None
    row = TABLE.get((state, command))
    label = LABELS_ZH[command]
    if row is None:
        where = state.value if state is not None else "新案件"
        raise IllegalTransitionError(
            f"案件状态为「{where}」，不能执行「{label}」/ '{command}' is not allowed in this state"
        )
    if actor.role not in row.roles:
        allowed = "、".join(r.value for r in sorted(row.roles, key=list(Role).index))
        raise PermissionDeniedError(
            f"角色「{actor.role.value}」不能执行「{label}」（允许：{allowed}）/ role may not run '{command}'"
        )
    if case is not None:
        if actor.role is Role.UNIT and (actor.unit is None or actor.unit != case.unit):
            raise PermissionDeniedError(
                f"案件 {case.case_no} 不属于本单位，不能执行「{label}」/ not your unit's case"
            )
        if case.pending is not None and command not in ALLOWED_WHILE_PENDING:
            raise IllegalTransitionError(
                f"案件 {case.case_no} 有待审批的{case.pending.kind.value}申请，请先由值班长审批"
                f" / a {case.pending.kind.name.lower()} request is waiting for a decision"
            )
        if row.needs_pending is not None and (
            case.pending is None or case.pending.kind is not row.needs_pending
        ):
            raise IllegalTransitionError(
                f"案件 {case.case_no} 没有待审批的{row.needs_pending.value}申请 / no such request"
            )
        if row.any_pending and case.pending is None:
            raise IllegalTransitionError(
                f"案件 {case.case_no} 没有待审批的申请 / no request is waiting"
            )
        if command in SELF_REVIEWS and actor.user == case.reporter:
            # The point of the review is a second pair of eyes on the photos.
            raise PermissionDeniedError(
                f"不能审核自己上报的自处置案件 {case.case_no} / you cannot review your own "
                "self-handled report")
    return row


#: The decisions on a 自处置 report (never by the collector who reported it).
SELF_REVIEWS = frozenset({Command.APPROVE_SELF_HANDLED, Command.REJECT_SELF_HANDLED})


def _text(action: Action, name: str, *, required: bool) -> str:
    value = action.fields.get(name)
    if value is None:
        if required:
            raise ValidationError(f"缺少字段 {name} / missing field '{name}'")
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"字段 {name} 应为文字 / '{name}' must be text")
    text = value.strip()
    if required and not text:
        raise ValidationError(f"字段 {name} 不能为空 / '{name}' must not be empty")
    if len(text) > MAX_TEXT:
        raise ValidationError(
            f"字段 {name} 过长（{len(text)} 字，上限 {MAX_TEXT}）/ '{name}' is too long"
        )
    return text


def _short(action: Action, name: str, limit: int) -> str:
    text = _text(action, name, required=False)
    if len(text) > limit:
        raise ValidationError(f"字段 {name} 过长（{len(text)} 字，上限 {limit}）/ '{name}' is too long")
    return text


def _check_fields(row: Transition, action: Action) -> None:
    for name in row.required:
        if action.fields.get(name) is None:
            raise ValidationError(f"「{LABELS_ZH[action.command]}」缺少字段 {name} / missing '{name}'")


def _unit(ctx: WorkflowContext, code: Any) -> Unit:
    if not isinstance(code, str) or code not in ctx.units:
        raise ValidationError(f"未知的责任单位 {code!r} / unknown unit")
    unit = ctx.units[code]
    if not unit.active:
        raise ValidationError(f"责任单位 {unit.name} 已停用 / unit is disabled")
    return unit


def _category(ctx: WorkflowContext, code: Any) -> Category:
    if not isinstance(code, str) or code not in ctx.categories:
        raise ValidationError(f"未知的案件类别 {code!r} / unknown category")
    return ctx.categories[code]


def apply(
    case: Case | None, action: Action, actor: Actor, now: datetime, ctx: WorkflowContext
) -> Outcome:
    """Run ``action`` on ``case`` (None for a new report) at ``now``.

    Returns the new case (same ``version``; the repository bumps it) and its events.  Raises a
    :class:`~console.domain.errors.CityDeskError` subclass, and changes nothing, when the
    command is not allowed or its fields are wrong.
    """
    if now.tzinfo is None:
        raise ValidationError("时间必须带时区 / instants must be timezone-aware")
    row = transition_for(case, action.command, actor)
    _check_fields(row, action)
    if case is None:
        new_case = _report(action, actor, now, ctx)
        if action.command is Command.SELF_HANDLE:
            _self_handled_photos(action)
            new_case = dataclasses.replace(new_case, state=CaseState.SELF_HANDLED)
        event = Event(
            case_id=None,
            type=action.command.value,
            from_state=None,
            to_state=new_case.state,
            actor=actor.user,
            role=actor.role,
            desk=actor.desk,
            occurred_at=now,
            stage=new_case.stage,
            stage_deadline=new_case.stage_deadline,
            payload={"source": new_case.source.value, "category": new_case.category},
        )
        return Outcome(new_case, (event,))
    return _step(case, row, action, actor, now, ctx)


def _report(action: Action, actor: Actor, now: datetime, ctx: WorkflowContext) -> Case:
    try:
        source = Source(action.fields["source"])
    except ValueError:
        allowed = "、".join(s.value for s in Source)
        raise ValidationError(
            f"未知的来源 {action.fields['source']!r}（可选：{allowed}）/ unknown source") from None
    category = _category(ctx, action.fields["category"])
    description = _text(action, "description", required=True)
    if actor.role is Role.COLLECTOR and source is not Source.COLLECTOR:
        raise PermissionDeniedError("监督员只能以「监督员上报」来源上报 / collectors report as collectors")
    if action.command is Command.SELF_HANDLE and source is not Source.COLLECTOR:
        raise ValidationError("自处置只能是「监督员上报」/ a self-handled report is a collector's")
    plan = plan_stage(Stage.ACCEPT, ctx.stage_limits)
    reported_at = action.fields.get("reported_at") or now
    return Case(
        id=None,
        case_no=str(action.fields["case_no"]),
        state=CaseState.REPORTED,
        source=source,
        category=category.code,
        description=description,
        reported_at=reported_at,
        reporter=actor.user,
        grid=action.get("grid"),
        street=action.get("street"),
        lon=action.get("lon"),
        lat=action.get("lat"),
        address=_text(action, "address", required=False),
        component_id=action.get("component_id"),
        contact=_short(action, "contact", 64),
        suggested_unit=action.get("suggested_unit"),
        routing_rule=action.get("routing_rule", ""),
        natural_time=category.natural_time,
        stage=plan.stage.value,
        stage_started_at=now,
        stage_limit=plan.limit,
        stage_deadline=ctx.clock.add_for(now, plan.limit, False),
        updated_at=now,
    )


def _self_handled_photos(action: Action) -> None:
    """A 自处置 report shows the problem and the fix: at least one photo of each."""
    for name, label in (("photos_before", "处置前"), ("photos_after", "处置后")):
        count = action.fields[name]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValidationError(f"自处置须附{label}照片 / a self-handled report needs "
                                  f"{name.removeprefix('photos_')} photos")


#: States in which a collector's site visit is waiting (核实中, 核查中).
_VISITS = frozenset({CaseState.VERIFYING, CaseState.CHECKING})


def _step(
    case: Case,
    row: Transition,
    action: Action,
    actor: Actor,
    now: datetime,
    ctx: WorkflowContext,
) -> Outcome:
    cmd = action.command
    changes: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    target = row.next_state(case.state)
    restart_stage = False  # a new clock even if the stage name stays (rework)

    if cmd in REQUESTS:
        kind = REQUESTS[cmd]
        reason = _text(action, "reason", required=True)
        minutes = 0
        if cmd is Command.REQUEST_EXTENSION:
            minutes = _minutes(action.fields["minutes"])
            payload["minutes"] = minutes
        changes["pending"] = PendingRequest(kind, reason, actor.user, actor.role, now, minutes)
        payload["reason"] = reason
    elif cmd in (Command.REQUEST_VERIFY, Command.REQUEST_CHECK):
        if action.get("collector"):
            payload["collector"] = str(action.fields["collector"])
        changes["assignee"] = payload.get("collector")
    elif cmd is Command.REASSIGN:
        collector = _text(action, "collector", required=True)
        if collector == case.assignee:
            raise ValidationError(f"任务已在 {collector} 手中，无须改派 / the visit is already "
                                  f"{collector}'s")
        payload["collector"] = collector
        if case.assignee:
            payload["previous"] = case.assignee
        changes["assignee"] = collector
    elif cmd in (Command.REFUSE, Command.REFUSE_FILE, Command.REJECT_SELF_HANDLED):
        payload["reason"] = _text(action, "reason", required=True)
        # A rejected 自处置 is an ordinary new report: its 受理 clock starts afresh.
        restart_stage = cmd is Command.REJECT_SELF_HANDLED
    elif cmd is Command.APPROVE_SELF_HANDLED:
        changes["close_type"] = CloseType.SELF_HANDLED.value
        payload["close_type"] = CloseType.SELF_HANDLED.value
    elif cmd is Command.VERIFY:
        found = action.fields["found"]
        if not isinstance(found, bool):
            raise ValidationError("核实结果应为 是/否 / 'found' must be true or false")
        changes["verified"] = found
        payload["found"] = found
        payload["notes"] = _text(action, "notes", required=False)
    elif cmd is Command.FILE:
        _file(case, action, ctx, changes, payload)
    elif cmd in (Command.DISPATCH, Command.DESIGNATE):
        unit = _unit(ctx, action.fields["unit"])
        if unit.kind is UnitKind.OFFICE and cmd is Command.DISPATCH:
            # The coordination office does not fix problems; it designates who does.
            raise ValidationError(f"{unit.name} 负责协调，不能直接派遣；请用「指定代整改」/ the "
                                  "coordination office is not dispatched to: designate a unit")
        changes.update(unit=unit.code, parent_unit=None, substitute=cmd is Command.DESIGNATE)
        payload["unit"] = unit.code
        reason = _text(action, "reason", required=False)
        if cmd is Command.DESIGNATE:
            payload["reason"] = _text(action, "reason", required=True)
        elif case.suggested_unit and unit.code != case.suggested_unit:
            # The matrix named another unit: why it was overruled belongs in the log.
            if not reason:
                raise ValidationError(
                    "派往建议单位以外的单位须说明原因 / dispatching to a unit other than the "
                    "suggested one needs a reason")
            payload["overrode_suggestion"] = case.suggested_unit
            payload["reason"] = reason
        elif reason:
            payload["reason"] = reason
    elif cmd is Command.SUBDISPATCH:
        unit = _unit(ctx, action.fields["unit"])
        if unit.parent != case.unit:
            raise ValidationError(f"{unit.name} 不是当前责任单位的下属单位，不能二级派遣 / "
                                  "not a sub-unit of the current unit")
        changes.update(unit=unit.code, parent_unit=case.unit)
        payload.update(unit=unit.code, parent_unit=case.unit)
    elif cmd in (Command.FEEDBACK, Command.CHECK_FAIL, Command.CHECK_PASS):
        payload["notes"] = _text(action, "notes", required=cmd is not Command.CHECK_PASS)
        if cmd is Command.CHECK_FAIL:
            changes["rework_count"] = case.rework_count + 1
            payload["rework"] = case.rework_count + 1
            restart_stage = True
    elif cmd is Command.CLOSE:
        _close(case, action, changes, payload, now)
    elif cmd is Command.APPROVE_RETURN:
        changes.update(unit=None, parent_unit=None, return_count=case.return_count + 1)
        payload["returned_from"] = case.unit
        if case.suggested_unit in (case.unit, case.parent_unit):
            # The unit said it is not theirs: never offer it again as the one-key default.
            changes["suggested_unit"] = None
            changes["routing_rule"] = f"已由 {case.unit} 回退，请重新选择责任单位"
    elif cmd is Command.APPROVE_EXTENSION:
        assert case.pending is not None
        minutes = case.pending.minutes
        natural = case.natural_time
        if case.stage_deadline is not None:
            changes["stage_deadline"] = ctx.clock.add_for(case.stage_deadline, minutes, natural)
        changes["stage_limit"] = (case.stage_limit or 0) + minutes
        changes["extension_count"] = case.extension_count + 1
        changes["extension_minutes"] = case.extension_minutes + minutes
        payload["minutes"] = minutes
    elif cmd is Command.APPROVE_SUSPEND:
        changes.update(suspended_at=now, suspend_count=case.suspend_count + 1)
    elif cmd is Command.RESUME:
        _resume(case, ctx, changes, payload, now)
    elif cmd is Command.MERGE:
        into = action.fields["into"]
        if not isinstance(into, int) or into == case.id:
            raise ValidationError("合并目标应为另一个案件的编号 / merge target must be another case")
        changes["merged_into"] = into
        payload["into"] = into
    elif cmd is Command.ACK_ALERT:
        payload["alert"] = _text(action, "alert", required=True)
    elif cmd is Command.URGE:
        payload["note"] = _text(action, "note", required=True)
        changes["urge_count"] = case.urge_count + 1
    elif cmd is Command.DENY_REQUEST:
        assert case.pending is not None
        payload.update(reason=_text(action, "reason", required=True), request=case.pending.kind.value)

    if cmd in (Command.APPROVE_RETURN, Command.APPROVE_EXTENSION, Command.APPROVE_SUSPEND,
               Command.APPROVE_VOID, Command.DENY_REQUEST):
        assert case.pending is not None
        payload.setdefault("request", case.pending.kind.value)
        payload["request_reason"] = case.pending.reason
        changes["pending"] = None

    if target not in _VISITS and case.assignee is not None:
        changes["assignee"] = None  # the visit is over (done, or the case moved on without it)
    draft = dataclasses.replace(case, **changes)
    # A stage cut short by a return, a void or a merge was not completed, on time or late.
    aborted = cmd in (Command.APPROVE_RETURN, Command.APPROVE_VOID, Command.MERGE)
    new_case, ended = _retime(draft, case, target, restart_stage, now, ctx, aborted)
    new_case = dataclasses.replace(new_case, state=target, updated_at=now)
    if target.is_terminal:
        new_case = dataclasses.replace(
            new_case, stage=None, stage_started_at=None, stage_limit=None, stage_deadline=None,
            suspended_at=None, closed_at=now if target is CaseState.CLOSED else None,
        )
    if cmd is Command.FEEDBACK and ended is not None and ended[2] is False:
        new_case = dataclasses.replace(new_case, handle_overdue=True)
    event = Event(
        case_id=case.id,
        type=cmd.value,
        from_state=case.state,
        to_state=target,
        actor=actor.user,
        role=actor.role,
        desk=actor.desk,
        occurred_at=now,
        unit=new_case.unit if new_case.unit is not None else case.unit,
        stage=ended[0] if ended is not None else case.stage,
        stage_deadline=ended[1] if ended is not None else case.stage_deadline,
        on_time=ended[2] if ended is not None else None,
        payload=payload,
    )
    return Outcome(new_case, (event,))


def _minutes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("延期时长应为整数分钟 / minutes must be a whole number")
    if not 0 < value <= MAX_EXTENSION_MINUTES:
        raise ValidationError(
            f"延期时长应在 1 到 {MAX_EXTENSION_MINUTES} 工作分钟之间 / minutes out of range"
        )
    return value


def filing_block(case: Case, verify_sources: frozenset[str]) -> str | None:
    """Why this case may not be filed yet (verification rules), or None."""
    if case.source.value in verify_sources and case.verified is None:
        return f"{case.source.value}案件须先核实再立案 / public reports are verified before filing"
    if case.verified is False:
        return "核实结果为问题不存在，应「不予立案」/ verification found nothing"
    return None


def _file(
    case: Case, action: Action, ctx: WorkflowContext,
    changes: dict[str, Any], payload: dict[str, Any],
) -> None:
    blocked = filing_block(case, ctx.verify_sources)
    if blocked is not None:
        raise IllegalTransitionError(blocked)
    category = _category(ctx, action.get("category", case.category))
    condition_id = action.get("condition")
    if condition_id is None and category.filing_conditions:
        condition_id = category.filing_conditions[0].id
    condition = category.condition(condition_id) if condition_id is not None else None
    if condition_id is not None and condition is None:
        raise ValidationError(f"类别 {category.code} 没有立案条件 {condition_id!r} / unknown condition")
    limit_class = action.get("limit_class") or (condition.limit_class if condition else "一般性")
    plan_stage(Stage.HANDLE, ctx.stage_limits, category, limit_class)  # validates the class
    changes.update(
        category=category.code, condition=condition_id, limit_class=str(limit_class),
        natural_time=category.natural_time,
    )
    payload.update(category=category.code, condition=condition_id, limit_class=str(limit_class))
    if action.get("suggested_unit"):
        changes["suggested_unit"] = action.fields["suggested_unit"]
        changes["routing_rule"] = action.get("routing_rule", "")
        payload["suggested_unit"] = action.fields["suggested_unit"]


def _close(
    case: Case, action: Action, changes: dict[str, Any], payload: dict[str, Any], now: datetime
) -> None:
    raw = action.get("close_type")
    if raw is None:
        close_type = CloseType.OVERDUE if case.handle_overdue else CloseType.NORMAL
    else:
        try:
            close_type = CloseType(raw)
        except ValueError:
            raise ValidationError(
                f"未知的结案类型 {raw!r}（正常/超时/特殊）/ unknown close type") from None
        if close_type is CloseType.SELF_HANDLED:
            raise ValidationError("自处置结案由「自处置审核通过」产生 / a self-handled close comes "
                                  "from approving the self-handled report")
        if close_type is CloseType.SPECIAL and not action.get("reason"):
            raise ValidationError("特殊结案须说明原因 / a special close needs a reason")
        if close_type is CloseType.NORMAL and case.handle_overdue:
            raise ValidationError("该案件处置超时，结案类型应为「超时」/ handling was late")
    changes["close_type"] = close_type.value
    payload["close_type"] = close_type.value
    if action.get("reason"):
        payload["reason"] = _text(action, "reason", required=True)


def _resume(
    case: Case, ctx: WorkflowContext, changes: dict[str, Any], payload: dict[str, Any],
    now: datetime,
) -> None:
    assert case.suspended_at is not None
    natural = case.natural_time
    paused = ctx.clock.between_for(case.suspended_at, now, natural)
    if case.stage_deadline is not None:
        # On the working-time axis the shift is additive: the same remaining time as at suspension.
        changes["stage_deadline"] = ctx.clock.add_for(case.stage_deadline, paused, natural)
    changes["suspended_at"] = None
    payload["paused_minutes"] = paused


def _retime(
    draft: Case, before: Case, target: CaseState, restart: bool, now: datetime,
    ctx: WorkflowContext, aborted: bool = False,
) -> tuple[Case, tuple[str, datetime | None, bool | None] | None]:
    """Start the target state's stage clock if the stage changes; report the stage it ended."""
    new_stage = STAGE_OF.get(target)
    old_stage = before.stage
    changes_stage = restart or (new_stage is None) or (new_stage.value != old_stage)
    if not changes_stage:
        return draft, None
    ended: tuple[str, datetime | None, bool | None] | None = None
    if old_stage is not None:
        deadline = before.stage_deadline
        natural = before.natural_time and old_stage == Stage.HANDLE.value
        on_time: bool | None = None
        if deadline is not None and not aborted:
            done = before.suspended_at or now
            on_time = is_on_time(ctx.clock, done, deadline, natural)
        ended = (old_stage, deadline, on_time)
    if new_stage is None:
        return draft, ended
    category = ctx.categories.get(draft.category)
    plan = plan_stage(new_stage, ctx.stage_limits, category, draft.limit_class)
    natural = plan.natural
    return (
        dataclasses.replace(
            draft,
            stage=new_stage.value,
            stage_started_at=now,
            stage_limit=plan.limit,
            stage_deadline=ctx.clock.add_for(now, plan.limit, natural),
            suspended_at=None,
        ),
        ended,
    )
