"""Ports and records of the intake channels: links, quarantine, code mappings, the status outbox.

A channel (an Open311 endpoint, a collector feed, a file import) brings records; each record
that becomes a case leaves an :class:`IntakeLink` keyed by (channel, external id), so a second
run finds it and creates nothing.  A record that cannot be taken in is kept as an
:class:`IntakeProblem` with its raw payload and the reason, until an operator retries or
dismisses it.  Status changes of linked cases queue as :class:`OutboxItem` rows that the
channel pushes back in order.  ``db/`` implements :class:`IntakeStore`.
"""

from __future__ import annotations

import builtins
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from console.services.cases import Report
from console.services.uow import UnitOfWork


class ProblemKind(enum.StrEnum):
    """Why a record waits in quarantine."""

    UNMAPPED = "待分类"  # its category code maps to no CityDesk category yet
    INVALID = "无法入库"  # a field is missing or wrong, the place is outside the county …
    CLOSED_AT_SOURCE = "源系统已关闭"  # closed at the source before CityDesk first saw it


class ProblemStatus(enum.StrEnum):
    """Where a quarantined record stands."""

    OPEN = "open"
    RESOLVED = "resolved"  # a retry took it in (``case_id`` set)
    DISMISSED = "dismissed"  # an operator decided it is not a case


class OutboxState(enum.StrEnum):
    """Delivery of one status change to the channel."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the server refused it for good (4xx): it no longer holds the queue
    SUPERSEDED = "superseded"  # not sent: the source's own state is newer (closed there …)


@dataclass(frozen=True, slots=True)
class HistorySteps:
    """What a historical record says happened after the report (file import).

    ``state`` is the CityDesk state the case reached; the times are when it was dispatched,
    when its handling was due, when the unit reported back and when it was closed.
    ``people`` names who did the steps (``collector``, ``acceptor``, ``supervisor``,
    ``dispatcher`` → user name; unnamed steps are the importing administrator's).
    ``outside_county`` and ``default_cell`` say where a row whose coordinates lie outside the
    county goes (``refuse``, ``grid``, ``default``; see console.intake.mapping_options).
    """

    state: str
    unit: str | None = None
    dispatched_at: datetime | None = None
    due_at: datetime | None = None
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    close_type: str | None = None
    reason: str = ""
    people: Mapping[str, str] = field(default_factory=dict)
    outside_county: str = "refuse"
    default_cell: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    """One record a channel read, parsed as far as it could be.

    Parameters
    ----------
    channel : str
        The configured channel's name (``open311:city``, ``feed:hotline``, ``file``).
    external_id : str
        The id the channel gave the record; with ``channel`` it makes a re-run idempotent.
    parser : str
        Which converter turns ``raw`` into a report again on retry (``open311``, ``feed``,
        ``history``).
    raw : Mapping
        The record as received (JSON-able), kept with a quarantined record.
    report : Report or None
        The report to file; None when the record is bad (``problem`` says why).
    external_code : str or None
        The channel's own category code, mapped through the channel's mapping table when
        ``report.category`` is empty.
    problem : str or None
        Why the record cannot be taken in (Chinese first, `` / English``).
    reporter : str or None
        The collector's user name, when a collector sent it.
    remote_status, remote_updated_at : str or None, datetime or None
        The status and change time the channel reports for the record.
    history : HistorySteps or None
        For historical imports: what happened after the report.
    remote_notes : str or None
        The source's own notes on its status (Open311 ``status_notes``).
    duplicate_of : str or None
        The source's id of the record this one duplicates, when the source says so.
    fingerprint : str or None
        A digest of what the record says, independent of how it was written (XML or JSON,
        ids as numbers or text, padding); None: the raw payload's digest is used.
    """

    channel: str
    external_id: str
    parser: str
    raw: Mapping[str, Any]
    report: Report | None = None
    external_code: str | None = None
    problem: str | None = None
    reporter: str | None = None
    remote_status: str | None = None
    remote_updated_at: datetime | None = None
    history: HistorySteps | None = None
    remote_notes: str | None = None
    duplicate_of: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeLink:
    """A case a channel created, by the channel's id for it.

    ``remote_status`` and ``remote_updated_at`` are the source's own last word on the record:
    what it said at intake or in its latest change, never the echo of a status CityDesk pushed.
    """

    channel: str
    external_id: str
    case_id: int
    request_id: str
    payload_hash: str
    created_at: datetime
    updated_at: datetime
    remote_status: str | None = None
    remote_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntakeProblem:
    """A record that could not be taken in, with its raw payload and the reason."""

    id: int | None
    channel: str
    external_id: str
    parser: str
    kind: ProblemKind
    reason: str
    raw: Mapping[str, Any]
    payload_hash: str
    first_seen: datetime
    last_seen: datetime
    attempts: int = 1
    status: ProblemStatus = ProblemStatus.OPEN
    external_code: str | None = None
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class CodeMapping:
    """One row of a channel's mapping table: external code → CityDesk category."""

    channel: str
    external_code: str
    category: str
    updated_by: str
    updated_at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One status change of a linked case, to push to its channel.

    ``status`` is GeoReport's ``open``/``closed``; ``extended_status`` the FixMyStreet-style
    status (``IN_PROGRESS``, ``FIXED`` …); ``notes`` the ``status_notes`` text.
    """

    id: int | None
    channel: str
    external_id: str
    case_id: int
    event_id: int
    status: str
    extended_status: str
    notes: str
    occurred_at: datetime
    created_at: datetime
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProblemFilter:
    """Which quarantined records to list; None means any."""

    status: ProblemStatus | None = ProblemStatus.OPEN
    channel: str | None = None
    limit: int = 500
    ids: Sequence[int] = field(default_factory=tuple)


class IntakeStore(Protocol):
    """Links, quarantine, mapping tables, the outbox and channel cursors."""

    def link(self, channel: str, external_id: str) -> IntakeLink | None:
        """The link of a record, or None if no case came of it."""
        ...

    def add_link(self, link: IntakeLink) -> None:
        """Record a new link; ConflictError when (channel, external id) is already linked."""
        ...

    def update_link(self, link: IntakeLink) -> None:
        """Store what the channel now says of a linked record (hash, remote status and time)."""
        ...

    def links_for_cases(self, channel: str, case_ids: Sequence[int]) -> builtins.list[IntakeLink]:
        """The links of ``channel`` for these cases."""
        ...

    def problem(self, problem_id: int) -> IntakeProblem:
        """A quarantined record by id; NotFoundError if none."""
        ...

    def problem_for(self, channel: str, external_id: str) -> IntakeProblem | None:
        """The quarantine row of a record, whatever its status."""
        ...

    def save_problem(self, problem: IntakeProblem) -> IntakeProblem:
        """Insert (``id`` None) or update a quarantine row; returns it with its id."""
        ...

    def problems(self, flt: ProblemFilter) -> builtins.list[IntakeProblem]:
        """Quarantined records, newest first."""
        ...

    def mapping(self, channel: str) -> builtins.list[CodeMapping]:
        """A channel's mapping table, by external code."""
        ...

    def set_mapping(self, mapping: CodeMapping) -> None:
        """Insert or replace one row of a mapping table."""
        ...

    def delete_mapping(self, channel: str, external_code: str) -> bool:
        """Remove one row; False when there was none."""
        ...

    def add_outbox(self, items: Sequence[OutboxItem]) -> int:
        """Queue status changes; an event already queued is skipped.  Returns how many were new."""
        ...

    def outbox(self, channel: str, states: Sequence[OutboxState], limit: int = 500
               ) -> builtins.list[OutboxItem]:
        """Queued items of a channel in these states, oldest first."""
        ...

    def outbox_for(self, channel: str, external_id: str) -> builtins.list[OutboxItem]:
        """Every queued item of one record, in any state, oldest first."""
        ...

    def save_outbox(self, item: OutboxItem) -> None:
        """Store an item's delivery state (attempts, error, next attempt, sent time)."""
        ...

    def cursor(self, channel: str, key: str) -> str | None:
        """A channel's saved position (last poll time, last event seen …)."""
        ...

    def set_cursor(self, channel: str, key: str, value: str, at: datetime) -> None:
        """Save a channel's position."""
        ...


class IntakeUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the intake tables (``db.uow.SqlUnitOfWork`` does)."""

    intake: IntakeStore


IntakeUowFactory = Callable[[], IntakeUnitOfWork]
