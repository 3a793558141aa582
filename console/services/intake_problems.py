"""The intake operator's side of quarantine: list problems, edit mapping tables, dismiss.

Retrying a problem needs the channel's converter, so it lives with the channels
(:mod:`console.intake.retry`); everything here is plain reads and writes of the intake tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from console.domain.cases import Actor, Role
from console.domain.errors import PermissionDeniedError, ValidationError
from console.services.centre import Centre
from console.services.intake import MAX_CHANNEL, MAX_EXTERNAL_ID
from console.services.intake_ports import (
    CodeMapping,
    IntakeProblem,
    IntakeUowFactory,
    ProblemFilter,
    ProblemStatus,
)

#: Seats that keep the intake queue: they map codes, retry and dismiss records.
INTAKE_ROLES = frozenset({Role.ACCEPTOR, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    """Open problems by channel and by kind, for the pane's title and the worker's log."""

    total: int
    by_channel: dict[str, int]
    by_kind: dict[str, int]


def require_intake_role(actor: Actor) -> None:
    """Refuse a seat that does not keep the intake queue."""
    if actor.role not in INTAKE_ROLES:
        raise PermissionDeniedError(
            f"角色「{actor.role.value}」不能处理入库问题（受理员、值班长、管理员可以）"
            " / only intake operators handle intake problems")


def list_problems(uow_factory: IntakeUowFactory, flt: ProblemFilter | None = None
                  ) -> list[IntakeProblem]:
    """Quarantined records (open ones by default), newest first."""
    with uow_factory() as uow:
        return uow.intake.problems(flt or ProblemFilter())


def summarise(problems: list[IntakeProblem]) -> ProblemSummary:
    """Counts of open problems by channel and by kind."""
    open_ = [p for p in problems if p.status is ProblemStatus.OPEN]
    return ProblemSummary(len(open_), dict(Counter(p.channel for p in open_)),
                          dict(Counter(p.kind.value for p in open_)))


def problem_as_dict(problem: IntakeProblem) -> dict[str, Any]:
    """A problem as JSON for ``citydesk intake problems --json``."""
    return {
        "id": problem.id, "channel": problem.channel, "external_id": problem.external_id,
        "kind": problem.kind.value, "reason": problem.reason, "status": problem.status.value,
        "external_code": problem.external_code, "attempts": problem.attempts,
        "first_seen": problem.first_seen.isoformat(), "last_seen": problem.last_seen.isoformat(),
        "case_id": problem.case_id, "parser": problem.parser, "raw": dict(problem.raw),
    }


def mapping_table(uow_factory: IntakeUowFactory, channel: str) -> list[CodeMapping]:
    """A channel's mapping table."""
    with uow_factory() as uow:
        return uow.intake.mapping(channel)


def set_mapping(uow_factory: IntakeUowFactory, centre: Centre, actor: Actor, now: datetime,
                channel: str, external_code: str, category: str, note: str = "") -> CodeMapping:
    """Map a channel's code to a CityDesk category (anything `--category` accepts)."""
    require_intake_role(actor)
    channel, code = channel.strip(), external_code.strip()
    if not channel or len(channel) > MAX_CHANNEL:
        raise ValidationError(f"渠道名称应为 1–{MAX_CHANNEL} 个字符 / bad channel name")
    if not code or len(code) > MAX_EXTERNAL_ID:
        raise ValidationError(f"外部代码应为 1–{MAX_EXTERNAL_ID} 个字符 / bad external code")
    target = centre.category(category)
    row = CodeMapping(channel, code, target.code, actor.user, now, note.strip()[:500])
    with uow_factory() as uow:
        uow.intake.set_mapping(row)
        uow.commit()
    return row


def delete_mapping(uow_factory: IntakeUowFactory, actor: Actor, channel: str,
                   external_code: str) -> bool:
    """Remove one row of a mapping table; False when there was none."""
    require_intake_role(actor)
    with uow_factory() as uow:
        removed = uow.intake.delete_mapping(channel.strip(), external_code.strip())
        uow.commit()
    return removed


def dismiss_problem(uow_factory: IntakeUowFactory, actor: Actor, now: datetime,
                    problem_id: int) -> IntakeProblem:
    """Mark a problem as not a case: later polls of the same record skip it."""
    require_intake_role(actor)
    with uow_factory() as uow:
        problem = uow.intake.problem(problem_id)
        if problem.status is not ProblemStatus.OPEN:
            raise ValidationError(f"入库问题 {problem_id} 已处理（{problem.status.value}）/ not open")
        saved = uow.intake.save_problem(replace(problem, status=ProblemStatus.DISMISSED,
                                                last_seen=now))
        uow.commit()
    return saved
