"""Write a historical case with its event history, at the times the record gives.

A centre bringing its old cases in wants them evaluated like any other, and evaluation reads
only the event log.  So an imported closed case is not a row with a state typed in: it is a
report, a dispatch, a feedback and a close, each run through the real transition function at
its historical instant, all in one transaction (as the demo writes its histories).  Steps the
record does not time (acceptance, filing, the check) are logged at the latest instant the
record allows before the next timed step, and every event carries ``imported: true`` so the
timeline says where it came from.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from console.domain.cases import Actor, Case, CaseState, CloseType, Event, Role
from console.domain.commands import Action, Command
from console.domain.errors import ValidationError
from console.domain.transitions import apply
from console.services.cases import Report, UowFactory, resolve_location, suggest_route
from console.services.centre import Centre
from console.services.intake_ports import HistorySteps
from console.services.uow import UnitOfWork

S = CaseState
#: The states a historical record may end in, in the order of the loop.
LOOP = (S.REPORTED, S.ACCEPTED, S.FILED, S.DISPATCHED, S.HANDLING, S.HANDLED, S.TO_CLOSE,
        S.CLOSED)
IMPORTABLE = frozenset({*LOOP, S.REFUSED, S.NOT_FILED})
NOTE = "历史数据导入"


def _plan(case_source: str, verify_sources: frozenset[str], steps: HistorySteps,
          reported: datetime) -> list[tuple[Command, datetime, dict[str, Any]]]:
    """The commands (with instants and fields) that take a report to ``steps.state``."""
    try:
        target = CaseState(steps.state)
    except ValueError:
        raise ValidationError(f"未知的案件状态 {steps.state!r} / unknown state") from None
    if target not in IMPORTABLE:
        allowed = "、".join(s.value for s in (*LOOP, S.REFUSED, S.NOT_FILED))
        raise ValidationError(f"状态「{target.value}」不能导入（可导入：{allowed}）/ state not importable")
    closed = steps.closed_at
    if target in (S.CLOSED, S.REFUSED, S.NOT_FILED) and closed is None:
        raise ValidationError(f"状态「{target.value}」须给出结案时间 / closed time required")
    if target is S.REFUSED:
        assert closed is not None
        return [(Command.REFUSE, closed, {"reason": steps.reason or NOTE})]
    plan: list[tuple[Command, datetime, dict[str, Any]]] = [(Command.ACCEPT, reported, {})]
    if target is S.ACCEPTED:
        return plan
    if target is S.NOT_FILED:
        assert closed is not None
        return [*plan, (Command.REFUSE_FILE, closed, {"reason": steps.reason or NOTE})]
    if case_source in verify_sources:
        plan += [(Command.REQUEST_VERIFY, reported, {}),
                 (Command.VERIFY, reported, {"found": True, "notes": NOTE})]
    plan.append((Command.FILE, reported, {}))
    if target is S.FILED:
        return plan
    dispatched = steps.dispatched_at
    if dispatched is None:
        raise ValidationError(f"状态「{target.value}」须给出派遣时间 / dispatched time required")
    plan.append((Command.DISPATCH, dispatched, {"unit": steps.unit}))
    if target is S.DISPATCHED:
        return plan
    handled = steps.handled_at or closed
    plan.append((Command.START, dispatched, {}))
    if target is S.HANDLING:
        return plan
    if handled is None:
        raise ValidationError("须给出处置完成时间或结案时间 / handled or closed time required")
    plan.append((Command.FEEDBACK, handled, {"notes": NOTE}))
    if target is S.HANDLED:
        return plan
    checked = closed or handled
    plan += [(Command.REQUEST_CHECK, handled, {}), (Command.CHECK_PASS, checked, {})]
    if target is S.TO_CLOSE:
        return plan
    assert closed is not None
    # 正常 or 超时 follows from the logged times (a record that says 正常 but fed back late
    # closes 超时, as the desk would); only 特殊 is taken from the record.
    special = steps.close_type == CloseType.SPECIAL.value
    close: dict[str, Any] = {"close_type": CloseType.SPECIAL.value} if special else {}
    if steps.reason:
        close["reason"] = steps.reason
    return [*plan, (Command.CLOSE, closed, close)]


def _check_times(reported: datetime, steps: HistorySteps, now: datetime) -> None:
    named = [("上报时间", reported), ("派遣时间", steps.dispatched_at),
             ("处置完成时间", steps.handled_at), ("结案时间", steps.closed_at)]
    known = [(name, at) for name, at in named if at is not None]
    for (a_name, a), (b_name, b) in itertools.pairwise(known):
        if b < a:
            raise ValidationError(f"{b_name}早于{a_name} / times out of order")
    if known[-1][1] > now:
        raise ValidationError(f"{known[-1][0]}晚于当前时间 / a time lies in the future")
    if steps.due_at is not None and steps.dispatched_at is not None \
            and steps.due_at <= steps.dispatched_at:
        raise ValidationError("处置时限早于派遣时间 / due time before dispatch")


def _unit_code(centre: Centre, text: str) -> str:
    """A unit by code or by its exact name."""
    key = text.strip()
    if key in centre.ref.units:
        return key
    for unit in centre.ref.units.values():
        if unit.name == key:
            return unit.code
    raise ValidationError(f"未知的责任单位 {text!r}（请用单位代码或完整名称）/ unknown unit")


def write_history(
    uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime, report: Report,
    steps: HistorySteps, request_id: str,
    on_saved: Callable[[UnitOfWork, Case], None] | None = None,
) -> Case:
    """Write one historical case and its events in one transaction; returns the case.

    ``actor`` must be an administrator: the history runs steps of several roles.  Raises a
    :class:`~console.domain.errors.CityDeskError` (and writes nothing) for a record whose
    times are out of order, whose state cannot be reached, or whose fields the workflow
    refuses.
    """
    if actor.role is not Role.ADMIN:
        raise ValidationError("导入历史案件须以管理员身份进行 / history import needs an administrator")
    reported = report.reported_at or now
    _check_times(reported, steps, now)
    category = centre.category(report.category)
    location = resolve_location(centre, report.grid, report.lon, report.lat)
    route = suggest_route(centre, category, location.grid.code, None)
    plan = _plan(report.source, centre.ctx.verify_sources, steps, reported)
    history = replace(actor, desk=actor.desk or "import")
    with uow_factory() as uow:
        fields: dict[str, Any] = {
            "case_no": uow.cases.next_case_no(centre.local(reported).date()),
            "source": report.source, "category": category.code,
            "description": report.description, "grid": location.grid.code,
            "street": location.grid.street, "lon": location.lon, "lat": location.lat,
            "address": report.address, "contact": report.contact,
            "suggested_unit": route.unit, "routing_rule": route.rule, "reported_at": reported,
        }
        outcome = apply(None, Action(Command.REPORT, fields), history, reported, centre.ctx)
        case = outcome.case
        events: list[Event] = list(outcome.events)
        for command, at, data in plan:
            if command is Command.DISPATCH:
                data = {"unit": _unit_code(centre, data.get("unit") or route.unit)}
            outcome = apply(case, Action(command, data), history, at, centre.ctx)
            case = outcome.case
            if command is Command.DISPATCH and steps.due_at is not None:
                # The record's own due time is the deadline its feedback is judged against.
                case = replace(case, stage_deadline=steps.due_at, stage_limit=max(
                    0, centre.calendar.between_for(at, steps.due_at, case.natural_time)))
            events.extend(outcome.events)
        saved = uow.cases.add(replace(case, version=0))
        assert saved.id is not None
        stamped = [replace(e, case_id=saved.id, request_id=request_id,
                           payload={**e.payload, "imported": True}) for e in events]
        written = uow.events.append(stamped)
        for photo in report.photos:
            uow.photos.add(saved.id, photo, actor.user, now, written[0].id)
        if on_saved is not None:
            on_saved(uow, saved)
        uow.commit()
    return saved
