"""Retry quarantined records: convert the kept raw payload again and take it in.

After an operator fixed what stopped a record (mapped its code, added a grid cell, a user,
a unit), a retry runs the channel's converter on the stored payload with today's reference
data and mapping tables.  ``grid`` places a record the channel could not place (an address
without coordinates): the operator names the cell.  Everything else is read as the first
time: a file row in the zone stored with it (console.intake.file_import.READ), not the
centre's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo

from console.domain.cases import Source
from console.domain.errors import ValidationError
from console.intake.feed import feed_record
from console.intake.feed_channel import Fetch, http_fetch, with_photos
from console.intake.file_import import history_record
from console.intake.open311_parse import request_record
from console.services.intake import IntakeContext, Taken, take_in
from console.services.intake_ports import IntakeProblem, IntakeRecord, ProblemStatus
from console.services.intake_problems import require_intake_role


def reconvert(problem: IntakeProblem, tz: tzinfo, sources: Mapping[str, str]) -> IntakeRecord:
    """The record a problem's payload makes with today's converters."""
    raw = dict(problem.raw)
    if problem.parser == "open311":
        record = request_record(problem.channel, raw, sources.get(problem.channel,
                                                                  Source.WEB.value), tz)
    elif problem.parser == "feed":
        record = feed_record(problem.channel, raw, sources.get(problem.channel), tz)
    elif problem.parser == "history":
        record = history_record(problem.channel, raw, tz)
    else:
        record = IntakeRecord(problem.channel, problem.external_id, problem.parser, raw,
                              problem=f"未知的记录类型 {problem.parser!r} / unknown parser")
    # The id the record was kept under (a token, a digest, a row number) stays its key.
    return replace(record, external_id=problem.external_id)


@dataclass(frozen=True, slots=True)
class RetryResult:
    """One retried problem and what became of it."""

    problem_id: int
    external_id: str
    taken: Taken


def retry_problems(ctx: IntakeContext, ids: Sequence[int], *, grid: str | None = None,
                   sources: Mapping[str, str] | None = None, fetch: Fetch | None = None
                   ) -> list[RetryResult]:
    """Retry these problems (each on its own); ``grid`` overrides where they are."""
    require_intake_role(ctx.actor)
    if grid is not None:
        ctx.centre.grid(grid)  # an unknown cell is the operator's typo: refuse it first
    with ctx.uow_factory() as uow:
        problems = [uow.intake.problem(i) for i in ids]
    for problem in problems:
        if problem.status is not ProblemStatus.OPEN:
            raise ValidationError(f"入库问题 {problem.id} 已处理（{problem.status.value}）/ not open")
    results = []
    for problem in problems:
        record = reconvert(problem, ctx.centre.tz, sources or {})
        if problem.parser == "feed":
            record = with_photos(record, fetch or http_fetch())
        if grid is not None and record.report is not None:
            record = replace(record, report=replace(record.report, grid=grid, lon=None, lat=None))
        assert problem.id is not None
        results.append(RetryResult(problem.id, problem.external_id,
                                   take_in(ctx, record, retry=True)))
    return results
