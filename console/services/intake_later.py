"""A later export of an imported row: what happened since is applied through the workflow.

A centre imports last month's export, then this month's.  A case that was 待处置 in the first
and 已结案 in the second must end up closed, at the times the second export gives, with its
feedback and close in the event log like any other — not "updated" and left open.

The rule: the row's history (console.services.intake_history.plan) is worked out again; the
steps the case has logged since its report must be the first steps of that plan, every one of
them imported (so nobody has worked the case in CityDesk since), and the rest are run through
the workflow at the row's instants, in one transaction with the case's version check.  What
cannot be applied that way is quarantined with the reason (never applied half, never
silently dropped):

* the case was worked in CityDesk since its import (the desk's steps are the truth now);
* the row says less than the case already has (an earlier state, or another path);
* the row dates its next step before the case's last logged event, or its times are out of
  order (compared in UTC).

A later row whose state is the same is recorded on the link (``updated``) and changes nothing:
fields other than the history (a description, a category, an earlier step's time) are not
rewritten, as the event log is never rewritten.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from console.domain.cases import Actor, Case, Event, Role
from console.domain.commands import Command
from console.domain.errors import CityDeskError, ValidationError
from console.services.centre import Centre
from console.services.intake_history import UNTIMED, Step, check_times, plan, run_steps
from console.services.intake_place import UNPLACED, people
from console.services.intake_ports import (
    HistorySteps,
    IntakeLink,
    IntakeProblem,
    IntakeRecord,
    IntakeUnitOfWork,
    ProblemKind,
    ProblemStatus,
)

IMPORTED = "imported"


def later_steps(centre: Centre, case: Case, logged: list[Event], steps: HistorySteps
                ) -> tuple[list[Step], HistorySteps]:
    """The steps still to run on ``case`` for the row to hold (ValidationError: cannot be).

    Also returns the row's steps as the case already fixed them (its logged dispatch time):
    the later steps are judged against the deadline the case runs on.
    """
    after = logged[1:]
    worked = [e for e in after if not e.payload.get(IMPORTED)]
    if worked:
        e = worked[0]
        raise ValidationError(f"案件 {case.case_no} 导入后已在 CityDesk 中处理（{e.actor} 于 "
                              f"{e.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC 执行 {e.type}），"
                              "文件的变化未应用 / the case was worked in CityDesk since its import")
    dispatch = next((e for e in after if e.type == Command.DISPATCH.value), None)
    if dispatch is not None:
        # The case's own clock decides how its later steps are judged, not the row's.
        steps = _as_logged(case, after, dispatch, steps)
    todo = plan(case.source.value, centre.ctx.verify_sources, steps, case.reported_at)
    done = [e.type for e in after]
    planned = [s.command.value for s in todo]
    if planned[:len(done)] != done:
        raise ValidationError(f"文件中的状态「{steps.state}」与案件 {case.case_no} 已有的进展「"
                              f"{case.state.value}」不符，未应用 / the row does not continue the "
                              "case's history")
    rest = todo[len(done):]
    last = (after or logged)[-1].occurred_at.astimezone(UTC)
    if rest and rest[0].at.astimezone(UTC) < last:
        raise ValidationError(f"文件中的下一步早于案件 {case.case_no} 已记录的最后一步"
                              f"（{last:%Y-%m-%d %H:%M} UTC），未应用 / the row's next step is "
                              "dated before the case's last event")
    return rest, steps


def _as_logged(case: Case, after: list[Event], dispatch: Event, steps: HistorySteps
               ) -> HistorySteps:
    """The row's steps with the dispatch (and so the 处置 clock) the case has logged."""
    if not dispatch.payload.get(UNTIMED):
        return replace(steps, dispatched_at=dispatch.occurred_at)
    feedback = next((e for e in after if e.type == Command.FEEDBACK.value), None)
    judged = (feedback.on_time is not None) if feedback is not None \
        else case.stage_deadline is not None
    # An untimed dispatch stays untimed; a due time the case already runs on still judges.
    return replace(steps, dispatched_at=None,
                   due_at=(case.stage_deadline or dispatch.occurred_at) if judged else None)


def apply_later(centre: Centre, uow: IntakeUnitOfWork, link: IntakeLink, record: IntakeRecord,
                digest: str, request_id: str, now: datetime, actor: Actor, *, retry: bool = False
                ) -> tuple[str, str | None]:
    """Apply a later version of an imported row; ``(outcome, reason)``, committed.

    The outcome is ``updated`` (applied, or nothing to apply), ``duplicates`` (a change
    already refused unchanged) or ``quarantined`` (refused: the reason is kept as an intake
    problem).
    """
    problem = uow.intake.problem_for(record.channel, record.external_id)
    if problem is not None and problem.payload_hash == digest and not retry \
            and problem.status is not ProblemStatus.RESOLVED:
        return "duplicates", problem.reason
    try:
        if record.problem is not None or record.report is None or record.history is None:
            raise ValidationError(record.problem or "记录无法解析 / unreadable record")
        if actor.role is not Role.ADMIN:
            raise ValidationError("导入历史案件须以管理员身份进行 / history import needs an administrator")
        case = uow.cases.get(link.case_id)
        assert case.id is not None
        logged = uow.events.for_case(case.id)
        check_times(case.reported_at, record.history, now)
        rest, steps = later_steps(centre, case, logged, record.history)
        if rest:
            history = replace(actor, desk=actor.desk or "import")
            actors = people(centre, steps, case.source.value, history.desk)
            changed, events = run_steps(centre, case, rest, steps, actors, history,
                                        case.suggested_unit)
            marks: dict[str, Any] = {IMPORTED: True}
            if logged[0].payload.get(UNPLACED):
                marks[UNPLACED] = True
            uow.cases.update(changed, case.version)
            uow.events.append([replace(e, case_id=case.id, request_id=request_id,
                                       payload={**e.payload, **marks}) for e in events])
    except CityDeskError as exc:
        _keep(uow, record, digest, exc.message, problem, now)
        uow.commit()
        return "quarantined", exc.message
    uow.intake.update_link(replace(link, payload_hash=digest, updated_at=now))
    if problem is not None and problem.status is ProblemStatus.OPEN:
        uow.intake.save_problem(replace(problem, status=ProblemStatus.RESOLVED,
                                        case_id=link.case_id, last_seen=now,
                                        attempts=problem.attempts + 1))
    uow.commit()
    return "updated", None


def _keep(uow: IntakeUnitOfWork, record: IntakeRecord, digest: str, reason: str,
          old: IntakeProblem | None, now: datetime) -> None:
    uow.intake.save_problem(IntakeProblem(
        id=old.id if old else None, channel=record.channel, external_id=record.external_id,
        parser=record.parser, kind=ProblemKind.INVALID, reason=reason[:2000], raw=record.raw,
        payload_hash=digest, first_seen=old.first_seen if old else now, last_seen=now,
        attempts=old.attempts + 1 if old else 1, status=ProblemStatus.OPEN))
