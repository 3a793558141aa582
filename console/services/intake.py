"""Take channel records in: once each, idempotently, bad ones into quarantine.

:func:`take_in` turns one :class:`~console.services.intake_ports.IntakeRecord` into a case, or
records why it cannot.  The case, its events and the (channel, external id) link commit in
one transaction, and the link's unique key stops a second run (or a second worker) from
filing the record twice.  The events carry a request id derived from the record, so
:func:`~console.services.cases.action_committed` can also answer for a record.  Nothing a
record holds can stop the records after it: every refusal becomes an
:class:`~console.services.intake_ports.IntakeProblem`.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from console.domain.cases import Actor, Case, CaseState, Role, Source
from console.domain.category_search import (
    MAX_CANDIDATES,
    AmbiguousLegacyCodeError,
    CategoryMatch,
    LegacyKindError,
)
from console.domain.errors import CityDeskError, ConflictError, NotFoundError, ValidationError
from console.domain.source_events import is_closed
from console.services.cases import report_case
from console.services.centre import Centre
from console.services.intake_history import write_history
from console.services.intake_later import apply_later
from console.services.intake_place import placed_report
from console.services.intake_ports import (
    IntakeLink,
    IntakeProblem,
    IntakeRecord,
    IntakeStore,
    IntakeUnitOfWork,
    IntakeUowFactory,
    ProblemKind,
    ProblemStatus,
)
from console.services.intake_source import (
    Change,
    apply_source_change,
    closed_problem,
    record_digest,
)
from console.services.uow import UnitOfWork

#: Longest channel name and external id the intake tables hold.
MAX_CHANNEL, MAX_EXTERNAL_ID = 64, 128


class Outcome(enum.StrEnum):
    """What became of one record."""

    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicates"
    QUARANTINED = "quarantined"
    CLOSED_AT_SOURCE = "closed_at_source"  # closed at the source when first seen: not filed


@dataclass(frozen=True, slots=True)
class Taken:
    """One record's outcome, the reason when it was quarantined, the case when one exists."""

    outcome: Outcome
    reason: str | None = None
    case_id: int | None = None


@dataclass
class IntakeCounts:
    """The counts every intake command prints."""

    fetched: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0
    closed_at_source: int = 0
    """Records the source had closed when first seen (kept as 源系统已关闭, not filed)."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(external id, reason) of the records quarantined in this run."""

    def add(self, taken: Taken, external_id: str = "") -> None:
        """Count one record's outcome (``fetched`` is counted by the channel)."""
        outcome = taken.outcome
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)
        if outcome is Outcome.QUARANTINED and len(self.problems) < 10000:
            self.problems.append((external_id, taken.reason or ""))

    def as_dict(self) -> dict[str, int]:
        """The five counts, in the documented order."""
        return {"fetched": self.fetched, "created": self.created, "updated": self.updated,
                "duplicates": self.duplicates, "quarantined": self.quarantined}


@dataclass(frozen=True)
class IntakeContext:
    """What a run needs: the database, the centre, who files the reports and the clock.

    ``actor`` files reports that name no collector (a system user such as ``admin`` or an
    intake operator); a record from a known collector is filed as that collector.
    """

    uow_factory: IntakeUowFactory
    centre: Centre
    actor: Actor
    clock: Callable[[], datetime]


def request_id_for(channel: str, external_id: str) -> str:
    """The request id stored on a record's events: the same for every run (64 chars max)."""
    digest = hashlib.sha256(f"{channel}\0{external_id}".encode()).hexdigest()
    return f"intake-{digest[:40]}"


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data that both databases store (no NUL, no NaN, no bytes)."""
    if depth > 40:
        return "…"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        # PostgreSQL text cannot hold NUL; lone surrogates cannot be encoded as UTF-8.
        return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, Mapping):
        return {str(json_safe(k, depth + 1)): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return json_safe(str(value), depth + 1)


def payload_hash(raw: Mapping[str, Any]) -> str:
    """A stable digest of a record's payload: an unchanged record is a duplicate."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def resolve_category(centre: Centre, mapping: Mapping[str, str], record: IntakeRecord
                     ) -> tuple[str | None, str | None]:
    """The CityDesk category of a record and the code it was looked up by.

    A category the channel names exactly (code, legacy code, name or alias) wins; then the
    channel's mapping table; then what the desk's picker also accepts (pinyin initials, a
    unique fragment of a name or alias): an operator's mapping beats a guess from typing
    shortcuts.  A legacy code is read in the record's ``legacy_kind``; one that still means
    several categories is unmapped until a mapping names one.  ``(None, code)`` means unmapped.
    """
    given = record.report.category.strip() if record.report else ""
    if given:
        try:
            match: CategoryMatch | None = centre.category_match(
                given, record.report.legacy_kind if record.report else None)
        except ValidationError:  # unknown, ambiguous, or a kind the code lacks
            match = None
        if match is not None and match.kind.exact:
            return match.category.code, given
        if given in mapping:
            return mapping[given], given
        return (match.category.code if match is not None else None), given
    code = (record.external_code or "").strip()
    return (mapping.get(code) if code else None), code or None


def _unmapped_reason(centre: Centre, code: str | None, legacy_kind: str | None = None) -> str:
    """Why a record has no category; a name that fits several lists them (one line)."""
    if code:
        try:
            centre.category_match(code, legacy_kind)
        except (AmbiguousLegacyCodeError, LegacyKindError) as exc:
            # A legacy code's meanings, named: the operator maps the code, or the mapping
            # file or feed says which kind its codes are (legacy_kind) and the row is retried.
            return exc.message
        except ValidationError:
            pass
    reason = (f"外部类别 {code or '（空）'} 尚未映射到 CityDesk 类别，请在映射表中指定"
              " / unmapped category code")
    candidates = centre.category_index.search(code) if code else ()
    if len(candidates) > 1:
        shown = "、".join(f"{c.code} {c.name_zh}" for c in candidates[:MAX_CANDIDATES])
        more = f" 等 {len(candidates)} 个" if len(candidates) > MAX_CANDIDATES else ""
        reason += f"；可指：{shown}{more}"
    return reason


def _actor(ctx: IntakeContext, record: IntakeRecord) -> Actor:
    if not record.reporter:
        return ctx.actor
    try:
        user = ctx.centre.user(record.reporter)
    except NotFoundError:
        raise NotFoundError(f"未知的监督员 {record.reporter!r} / unknown collector") from None
    if user.role != Role.COLLECTOR.value:
        raise NotFoundError(f"{record.reporter} 不是监督员 / not a collector")
    return Actor(user.username, Role.COLLECTOR, user.unit, ctx.actor.desk)


def take_in(ctx: IntakeContext, record: IntakeRecord, *, retry: bool = False) -> Taken:
    """File one record as a case, note a newer version of a known one, or quarantine it.

    ``retry`` (an operator's retry from the problems list) re-evaluates a record even when
    its payload is unchanged.  Raises only for a database that fails, never for the record.
    """
    now = ctx.clock()
    raw = json_safe(dict(record.raw))
    digest = record_digest(record, payload_hash(raw))
    record = replace(record, raw=raw)
    if not record.channel or len(record.channel) > MAX_CHANNEL:
        raise NotFoundError(f"渠道名称应为 1–{MAX_CHANNEL} 个字符 / bad channel name")
    if not record.external_id or len(record.external_id) > MAX_EXTERNAL_ID:
        short = replace(record, external_id="sha:" + digest[:60])
        return _quarantine(ctx, short, digest, ProblemKind.INVALID,
                           record.problem or "记录编号为空或过长 / missing or overlong record id")
    rid = request_id_for(record.channel, record.external_id)
    with ctx.uow_factory() as uow:
        link = uow.intake.link(record.channel, record.external_id)
        problem = uow.intake.problem_for(record.channel, record.external_id)
        mapping = {m.external_code: m.category for m in uow.intake.mapping(record.channel)}
        if link is not None:
            if record.history is not None and link.payload_hash != digest:
                # A later export of an imported row: what happened since is applied through
                # the workflow, or refused with the reason (console.services.intake_later).
                rid_later = request_id_for(record.channel, f"{record.external_id}\0{digest}")
                outcome, why = apply_later(ctx.centre, uow, link, record, digest, rid_later, now,
                                           ctx.actor, retry=retry)
                return Taken(Outcome(outcome), why, link.case_id)
            return _known(ctx, uow, link, record, digest, now)
        committed = uow.events.by_request(rid)
        if committed and committed[0].case_id is not None:
            # Filed by a run that died before it could say so: link it, file nothing.
            uow.intake.add_link(_new_link(record, committed[0].case_id, rid, digest, now))
            uow.commit()
            return Taken(Outcome.DUPLICATE, case_id=committed[0].case_id)
        if is_closed(record.remote_status) and not retry:
            # The source closed it (a duplicate, a fix it made itself) before we saw it: the
            # centre has nothing to do unless an operator retries it into a case.
            closed = closed_problem(uow, record, digest, problem, now)
            if closed is None:
                return Taken(Outcome.DUPLICATE, problem.reason if problem else None)
            uow.intake.save_problem(closed)
            uow.commit()
            return Taken(Outcome.CLOSED_AT_SOURCE, closed.reason, closed.case_id)
    category, code = (None, record.external_code)
    if record.problem is None:
        category, code = resolve_category(ctx.centre, mapping, record)
    if problem is not None and not retry and _still_stuck(problem, digest, category):
        return Taken(Outcome.DUPLICATE, problem.reason)
    if record.problem is not None or record.report is None:
        return _quarantine(ctx, record, digest, ProblemKind.INVALID,
                           record.problem or "记录无法解析 / unreadable record")
    if category is None:
        return _quarantine(ctx, record, digest, ProblemKind.UNMAPPED,
                           _unmapped_reason(ctx.centre, code, record.report.legacy_kind), code)
    report = replace(record.report, category=category)

    def link_it(uow: UnitOfWork, case: Case) -> None:
        assert case.id is not None
        store = _intake(uow)
        store.add_link(_new_link(record, case.id, rid, digest, now))
        if problem is not None:
            store.save_problem(replace(problem, status=ProblemStatus.RESOLVED, case_id=case.id,
                                       last_seen=now, attempts=problem.attempts + 1))

    try:
        actor = _actor(ctx, record)
        steps = record.history
        if steps is not None and steps.state != CaseState.REPORTED.value:
            case = write_history(ctx.uow_factory, ctx.centre, actor, now, report, steps, rid,
                                 link_it)
        else:
            if steps is not None:  # a file row: placed as its mapping says
                report = placed_report(ctx.centre, report, steps)
            case = report_case(ctx.uow_factory, ctx.centre, actor, now, report, rid,
                               link_it).case
    except ConflictError:
        # another worker filed it between our check and our commit
        return Taken(Outcome.DUPLICATE)
    except CityDeskError as exc:
        return _quarantine(ctx, record, digest, ProblemKind.INVALID, exc.message, code)
    except (ValueError, TypeError, OverflowError) as exc:
        return _quarantine(ctx, record, digest, ProblemKind.INVALID,
                           f"记录无法处理：{exc} / record could not be processed", code)
    return Taken(Outcome.CREATED, case_id=case.id)


def _intake(uow: UnitOfWork) -> IntakeStore:
    # report_case hands back the plain UnitOfWork type; the one it got from us has the store.
    return cast(IntakeUnitOfWork, uow).intake


def _still_stuck(problem: IntakeProblem, digest: str, category: str | None) -> bool:
    """True when a known problem has nothing new: same payload, and no mapping fixes it now."""
    if problem.status is ProblemStatus.DISMISSED:
        return True
    if problem.status is not ProblemStatus.OPEN or problem.payload_hash != digest:
        return False
    return not (problem.kind is ProblemKind.UNMAPPED and category is not None)


def _new_link(record: IntakeRecord, case_id: int, rid: str, digest: str, now: datetime
              ) -> IntakeLink:
    return IntakeLink(record.channel, record.external_id, case_id, rid, digest, now, now,
                      (record.remote_status or "")[:64] or None, record.remote_updated_at)


def _known(ctx: IntakeContext, uow: IntakeUnitOfWork, link: IntakeLink, record: IntakeRecord,
           digest: str, now: datetime) -> Taken:
    if link.payload_hash == digest:
        return Taken(Outcome.DUPLICATE, case_id=link.case_id)
    if record.fingerprint is None:
        # A feed or file record: CityDesk runs the workflow, the later view is recorded.
        uow.intake.update_link(replace(
            link, payload_hash=digest, remote_status=(record.remote_status or "")[:64] or None,
            remote_updated_at=record.remote_updated_at, updated_at=now))
        uow.commit()
        return Taken(Outcome.UPDATED, case_id=link.case_id)
    # The source's status and notes: logged in the case as a source event, never applied
    # to its state (console.services.intake_source).
    change = apply_source_change(uow, ctx.centre, ctx.actor, link, record, digest,
                                 request_id_for(record.channel, f"{record.external_id}\0{digest}"),
                                 now)
    uow.commit()
    news = change in (Change.NEWS, Change.CONTENT)
    return Taken(Outcome.UPDATED if news else Outcome.DUPLICATE, case_id=link.case_id)


def _quarantine(ctx: IntakeContext, record: IntakeRecord, digest: str, kind: ProblemKind,
                reason: str, code: str | None = None) -> Taken:
    now = ctx.clock()
    with ctx.uow_factory() as uow:
        old = uow.intake.problem_for(record.channel, record.external_id)
        uow.intake.save_problem(IntakeProblem(
            id=old.id if old else None, channel=record.channel, external_id=record.external_id,
            parser=record.parser, kind=kind, reason=json_safe(reason)[:2000],
            raw=record.raw, payload_hash=digest,
            first_seen=old.first_seen if old else now, last_seen=now,
            attempts=old.attempts + 1 if old else 1, status=ProblemStatus.OPEN,
            external_code=json_safe(code)[:128] if code else None,
        ))
        uow.commit()
    return Taken(Outcome.QUARANTINED, reason)


def take_in_all(ctx: IntakeContext, records: Iterable[IntakeRecord],
                counts: IntakeCounts | None = None,
                progress: Callable[[IntakeCounts], bool] | None = None) -> IntakeCounts:
    """Take in every record, each on its own; ``progress`` returning False stops early."""
    counts = counts if counts is not None else IntakeCounts()
    for record in records:
        counts.fetched += 1
        counts.add(take_in(ctx, record), record.external_id)
        if progress is not None and not progress(counts):
            break
    return counts


def default_source(kind: str) -> str:
    """The CityDesk source of a channel kind (``open311`` → 网络/微信, ``hotline`` → 12345热线)."""
    return {"open311": Source.WEB, "hotline": Source.HOTLINE, "collector": Source.COLLECTOR,
            "public": Source.PUBLIC}.get(kind, Source.WEB).value


class _NoCommit:
    """A unit of work whose commit does nothing: a dry run does all the work, then forgets it."""

    def __init__(self, inner: IntakeUnitOfWork) -> None:
        self._inner = inner

    def __enter__(self) -> _NoCommit:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)  # rolls back

    def commit(self) -> None:
        """Keep nothing (the block's end rolls back)."""

    def rollback(self) -> None:
        self._inner.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def dry_run(uow_factory: IntakeUowFactory) -> IntakeUowFactory:
    """A factory whose units of work never commit: ``--dry-run`` counts without writing."""
    return lambda: cast(IntakeUnitOfWork, _NoCommit(uow_factory()))
