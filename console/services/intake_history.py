"""Write a historical case with its event history, at the times the record gives.

A centre bringing its old cases in wants them evaluated like any other, and evaluation reads
only the event log.  So an imported closed case is not a row with a state typed in: it is a
report, a dispatch, a feedback and a close, each run through the real transition function at
its historical instant, all in one transaction (as the demo writes its histories).  Steps the
record does not time (acceptance, filing, the check) are logged at the latest instant the
record allows before the next timed step, and every event carries ``imported: true`` so the
timeline says where it came from.

A closed row without a dispatch time is still written: its dispatch is logged at the filing
instant with ``"untimed": true`` and no on-time flag, and unless the row gives a due time its
处置 stage has no deadline, so the feedback has no on-time flag either and the close carries
``"untimed": true`` — evaluation leaves such a case out of the timeliness counts that need the
dispatch time (``docs/evaluation.md``) instead of judging it on a stand-in instant.  Order
checks compare UTC instants.  Where the row is placed and who did its steps:
:mod:`console.services.intake_place`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from console.domain.cases import Actor, Case, CaseState, CloseType, Event, Role
from console.domain.commands import Action, Command
from console.domain.errors import ValidationError
from console.domain.transitions import apply
from console.services.cases import Report, UowFactory, suggest_route
from console.services.centre import Centre
from console.services.intake_place import UNPLACED, people, place
from console.services.intake_ports import HistorySteps
from console.services.uow import UnitOfWork

S = CaseState
#: The states a historical record may end in, in the order of the loop.
LOOP = (S.REPORTED, S.ACCEPTED, S.FILED, S.DISPATCHED, S.HANDLING, S.HANDLED, S.TO_CLOSE,
        S.CLOSED)
IMPORTABLE = frozenset({*LOOP, S.REFUSED, S.NOT_FILED})
NOTE = "历史数据导入"
#: The payload key of an event whose timeliness the record cannot tell (no dispatch time).
UNTIMED = "untimed"
#: The states a record may reach without a dispatch time (the unit has reported back).
WITHOUT_DISPATCH_TIME = frozenset({S.HANDLED, S.TO_CLOSE, S.CLOSED})


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a history: when, with which fields, and what its events are marked."""

    command: Command
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    marks: Mapping[str, Any] = field(default_factory=dict)


def plan(case_source: str, verify_sources: frozenset[str], steps: HistorySteps,
         reported: datetime) -> list[Step]:
    """The steps that take a report to ``steps.state`` (ValidationError if it cannot be)."""
    untimed = steps.dispatched_at is None and steps.due_at is None
    out = []
    for command, at, data in _plain(case_source, verify_sources, steps, reported):
        marks: dict[str, Any] = {}
        if steps.dispatched_at is None and command is Command.DISPATCH:
            marks[UNTIMED] = True  # logged at the filing instant: the record has no time
        elif untimed and command in (Command.FEEDBACK, Command.CLOSE):
            marks[UNTIMED] = True  # no deadline to judge the handling by
        out.append(Step(command, at, data, marks))
    return out


def _plain(case_source: str, verify_sources: frozenset[str], steps: HistorySteps,
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
    if dispatched is None and target not in WITHOUT_DISPATCH_TIME:
        # A case still with the unit is timed from its dispatch: without it no deadline.
        raise ValidationError(f"状态「{target.value}」须给出派遣时间 / dispatched time required")
    dispatched = dispatched or reported
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
    if steps.dispatched_at is None and steps.due_at is None and steps.close_type:
        # No clock to judge the handling by: the record's own word is all there is.
        close = {"close_type": steps.close_type}
    if steps.reason:
        close["reason"] = steps.reason
    return [*plan, (Command.CLOSE, closed, close)]


def _utc(at: datetime | None) -> datetime | None:
    # Two readings in one zone compare by their wall clocks in Python, whatever their UTC
    # offsets: order is checked on the instants themselves.
    return at.astimezone(UTC) if at is not None else None


def check_times(reported: datetime, steps: HistorySteps, now: datetime) -> None:
    named = [("上报时间", reported), ("派遣时间", steps.dispatched_at),
             ("处置完成时间", steps.handled_at), ("结案时间", steps.closed_at)]
    known = [(name, at) for name, at in ((n, _utc(a)) for n, a in named) if at is not None]
    for (a_name, a), (b_name, b) in itertools.pairwise(known):
        if b < a:
            raise ValidationError(f"{b_name}早于{a_name} / times out of order")
    if known[-1][1] > now.astimezone(UTC):
        raise ValidationError(f"{known[-1][0]}晚于当前时间 / a time lies in the future")
    due, dispatched = _utc(steps.due_at), _utc(steps.dispatched_at)
    if due is not None and dispatched is not None and due <= dispatched:
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


def run_steps(centre: Centre, case: Case, todo: Sequence[Step], steps: HistorySteps,
              actors: Mapping[Command, Actor], default: Actor, route_unit: str | None,
              ) -> tuple[Case, list[Event]]:
    """Run ``todo`` on ``case`` through the workflow; the case and the events, marked."""
    events: list[Event] = []
    for step in todo:
        data = dict(step.fields)
        if step.command is Command.DISPATCH:
            data = {"unit": _unit_code(centre, data.get("unit") or route_unit or "")}
        if step.command in (Command.REQUEST_VERIFY, Command.REQUEST_CHECK) \
                and Command.VERIFY in actors:
            data["collector"] = actors[Command.VERIFY].user  # the visit goes to who made it
        actor = actors.get(step.command, default)
        outcome = apply(case, Action(step.command, data), actor, step.at, centre.ctx)
        case = outcome.case
        made = list(outcome.events)
        if step.command is Command.DISPATCH:
            if steps.due_at is not None:
                # The record's own due time is the deadline its feedback is judged against.
                case = replace(case, stage_deadline=steps.due_at, stage_limit=max(
                    0, centre.calendar.between_for(step.at, steps.due_at, case.natural_time)))
            elif steps.dispatched_at is None:
                # No dispatch time: no 处置 deadline, and no judgement of the dispatch either.
                case = replace(case, stage_deadline=None, stage_limit=None)
                made = [replace(e, on_time=None) for e in made]
        events.extend(replace(e, payload={**e.payload, **step.marks}) for e in made)
    return case, events


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
    check_times(reported, steps, now)
    category = centre.category(report.category)
    location, unplaced = place(centre, report, steps)
    route = suggest_route(centre, category, location.grid.code, None)
    todo = plan(report.source, centre.ctx.verify_sources, steps, reported)
    history = replace(actor, desk=actor.desk or "import")
    actors = people(centre, steps, report.source, history.desk)
    with uow_factory() as uow:
        fields: dict[str, Any] = {
            "case_no": uow.cases.next_case_no(centre.local(reported).date()),
            "source": report.source, "category": category.code,
            "description": report.description, "grid": location.grid.code,
            "street": location.grid.street, "lon": location.lon, "lat": location.lat,
            "address": report.address, "contact": report.contact,
            "suggested_unit": route.unit, "routing_rule": route.rule, "reported_at": reported,
        }
        outcome = apply(None, Action(Command.REPORT, fields),
                        actors.get(Command.REPORT, history), reported, centre.ctx)
        case, later = run_steps(centre, outcome.case, todo, steps, actors, history, route.unit)
        events: list[Event] = [*outcome.events, *later]
        saved = uow.cases.add(replace(case, version=0))
        assert saved.id is not None
        marks: dict[str, Any] = {"imported": True, **({UNPLACED: True} if unplaced else {})}
        stamped = [replace(e, case_id=saved.id, request_id=request_id,
                           payload={**e.payload, **marks}) for e in events]
        # Photos first, so the chain head is locked only for the append and the commit.
        kept = [uow.photos.add(saved.id, photo, actor.user, now).id for photo in report.photos]
        written = uow.events.append(stamped)
        assert written[0].id is not None
        uow.photos.attach(kept, written[0].id)
        if on_saved is not None:
            on_saved(uow, saved)
        uow.commit()
    return saved
