"""The ports the services need, implemented in ``db/`` (SQLAlchemy) and in tests (fakes).

Every repository takes and returns frozen domain objects, never ORM rows, so nothing can lazy-load
from another thread.  One :class:`UnitOfWork` is one transaction: leaving the ``with`` block
without :meth:`UnitOfWork.commit` rolls back.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from console.domain.cases import Case, CaseState, Event
from console.domain.duplicates import Nearby
from console.domain.reference import (
    CalendarDay,
    Category,
    CentreConfig,
    ComponentInstance,
    GridCell,
    ReferenceSet,
    RoutingRule,
    Unit,
    User,
)
from console.services.audit_ports import AuditStore
from console.services.central_ports import AccountStore, PresenceBoard
from console.services.queue_view import QueueQuery, Reader

IMPORTED_YEARS = "calendar_years"
"""The :meth:`ReferenceRepository.edited_keys` entry listing the years whose statutory holidays
an administrator imported (``ReferenceSet.imported_years``)."""


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What ``CaseRepository.list`` selects; None means "any"."""

    states: tuple[CaseState, ...] | None = None
    unit: str | None = None
    category: str | None = None
    grid_prefix: str | None = None
    open_only: bool = False
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    limit: int | None = None
    offset: int = 0
    order: str = "newest"  # "newest" | "deadline" | "id"
    #: Words that must each appear in the case number, description or address, or end the
    #: contact (a phone's last digits): the desk's case search.
    words: tuple[str, ...] = ()
    #: Only what this seat sees (a collector's cells, reports and visits).
    reader: Reader | None = None
    #: Only visits sent to this collector (``cases.assignee``, indexed).
    assignee: str | None = None


@dataclass(frozen=True, slots=True)
class NearbyQuery:
    """Which open cases a duplicate check reads (``CaseRepository.open_in_box``), in which order.

    Parameters
    ----------
    category : str
        Only open cases of this category.
    at : datetime
        The report's time.
    window : timedelta
        Cases reported up to this long before or after ``at`` (both ends included).
    near : tuple of float, optional
        ``(lon, lat)`` of the report: cases with coordinates within ``reach_m`` of it (a local
        planar measure, see ``db.case_repo``), nearest first, and after them the cases without
        coordinates in ``grid``.  None: every case in ``grid``, with or without coordinates (a
        report without coordinates is matched by its cell).
    reach_m : float, optional
        Required with ``near``.
    grid : str, optional
        The report's cell.
    limit : int, optional
        Read at most this many on each side of ``at``.
    exclude : int, optional
        Never this case id.
    reader : Reader, optional
        Only what this seat sees.
    """

    category: str
    at: datetime
    window: timedelta
    near: tuple[float, float] | None = None
    reach_m: float | None = None
    grid: str | None = None
    limit: int | None = None
    exclude: int | None = None
    reader: Reader | None = None


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    """A stored photo without its bytes."""

    id: int
    case_id: int
    kind: str  # "before" (with the report) | "after" (with the feedback)
    filename: str
    mime: str
    size: int
    uploaded_at: datetime
    uploaded_by: str
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewPhoto:
    """A validated image to store: original bytes plus a JPEG thumbnail."""

    kind: str
    filename: str
    mime: str
    data: bytes
    thumbnail: bytes
    width: int = 0
    height: int = 0
    extra: dict[str, str] = field(default_factory=dict)


class CaseRepository(Protocol):
    """Cases, with an optimistic version check on update."""

    def get(self, case_id: int) -> Case:
        """The case with this id; NotFoundError if none."""
        ...

    def get_by_no(self, case_no: str) -> Case:
        """The case with this case number; NotFoundError if none."""
        ...

    def get_many(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """The cases with these ids that exist, in no particular order."""
        ...

    def add(self, case: Case) -> Case:
        """Insert a new case (``id`` None); returns it with ``id`` and ``version`` 1."""
        ...

    def add_many(self, cases: Sequence[Case]) -> builtins.list[Case]:
        """Insert new cases in one statement batch; returns them, in order, with ids."""
        ...

    def update(self, case: Case, expected_version: int) -> Case:
        """Write ``case`` if the stored version is ``expected_version``; ConflictError if not.

        Returns the case with the version incremented.
        """
        ...

    def lock(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """Hold these cases against other writers until the transaction ends; return them
        as committed now (those that exist, in id order).

        Rows are locked in id order, so two transactions locking the same pair wait for each
        other instead of deadlocking.
        """
        ...

    def list(self, flt: CaseFilter) -> list[Case]:
        """Cases matching ``flt``."""
        ...

    def count(self, flt: CaseFilter) -> int:
        """How many cases match ``flt`` (limit and offset ignored)."""
        ...

    def open_in_box(self, query: NearbyQuery) -> builtins.list[Nearby]:
        """Open cases near a place and time as light rows (never full cases).

        Not those awaiting a 自处置 review: fixed on the spot, they are nothing to merge into.

        On each side of ``query.at`` — reported at or before it, and after it — the first
        ``query.limit`` in this order: with coordinates before without, nearest first, then
        closest in time, then by case number.  The earlier side's rows come first.
        """
        ...

    def next_case_no(self, day: date) -> str:
        """A new case number for the centre-local ``day``: ``YYYYMMDD`` + 5-digit sequence."""
        ...

    def next_case_nos(self, day: date, count: int) -> builtins.list[str]:
        """``count`` consecutive new case numbers of ``day`` (one counter update)."""
        ...


@dataclass(frozen=True, slots=True)
class EventFact:
    """One logged event narrowed to what statistics read, with its case's grid cell and source.

    ``payload`` is empty unless the query asked for it: most counts never need it, and not
    decoding JSON keeps a month's worth of facts cheap to read.
    """

    id: int
    case_id: int
    type: str
    actor: str
    role: str
    unit: str | None
    stage: str | None
    stage_deadline: datetime | None
    on_time: bool | None
    occurred_at: datetime
    to_state: str
    grid: str | None
    source: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpenStage:
    """A case as it stood at an instant: its state, unit and the stage deadline then in force."""

    case_id: int
    state: str
    unit: str | None
    deadline: datetime | None
    since: datetime  # when its last event before the instant happened
    grid: str | None
    source: str


class EventLog(Protocol):
    """The append-only event log."""

    def append(self, events: Sequence[Event]) -> list[Event]:
        """Append events (their ``case_id`` must be set); returns them with ids."""
        ...

    def for_case(self, case_id: int) -> list[Event]:
        """A case's events, oldest first."""
        ...

    def since(self, last_id: int, limit: int = 1000,
              skip: Collection[int] = ()) -> list[Event]:
        """Events with id > ``last_id``, oldest first, at most ``limit``; none of ``skip``."""
        ...

    def count(self) -> int:
        """How many events the log holds."""
        ...

    def last_id(self) -> int:
        """The newest event's id, 0 for an empty log."""
        ...

    def chain(self, after_id: int, limit: int = 5000) -> builtins.list[tuple[Event, str | None]]:
        """Stored events with id > ``after_id`` with their stored chain hashes, in id order."""
        ...

    def by_request(self, request_id: str) -> builtins.list[Event]:
        """The events a desk's action (by its request id) wrote; empty if it never committed."""
        ...

    def in_window(
        self, start: datetime, end: datetime, types: Sequence[str] | None = None
    ) -> builtins.list[Event]:
        """Events that occurred in ``[start, end)``, optionally of some types, oldest first."""
        ...

    def facts(
        self,
        types: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
        case_ids: Collection[int] | None = None,
        with_payload: bool = False,
    ) -> builtins.list[EventFact]:
        """Events of ``types`` in ``[start, end)`` (a None side is open), only of ``case_ids``
        when given, as narrow rows with their case's grid and source, oldest first."""
        ...

    def open_at(self, instant: datetime, states: Sequence[str],
                due_from: datetime | None = None) -> builtins.list[OpenStage]:
        """Cases whose last event before ``instant`` left them in one of ``states``.

        ``deadline`` is the stage deadline in force at ``instant``: what the case's next event
        recorded as the deadline it found, or the case's current one if nothing happened since.
        With ``due_from``, only the cases whose deadline then lay in ``[due_from, instant)``.
        """
        ...

    def unit_counts(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """专业部门 counts of ``[start, end)`` (``docs/evaluation.md``) per unit code.

        Only units with work in the period appear; each maps every count name of a unit row
        (``dispatched`` … ``extended``) to its number, aggregated by the database.
        """
        ...

    def unit_cases(self, start: datetime, end: datetime,
                   unit: str | None = None) -> builtins.list[tuple[str, str, int]]:
        """The cases behind :meth:`unit_counts`: ``(unit, count name, case id)``, each once,
        sorted; of one unit, or of every unit when ``unit`` is None (the drill-down)."""
        ...


class PhotoStore(Protocol):
    """Photos stored in the database."""

    def add(self, case_id: int, photo: NewPhoto, uploaded_by: str, uploaded_at: datetime,
            event_id: int | None = None) -> PhotoInfo:
        """Store one photo of a case."""
        ...

    def stage(self, photo: NewPhoto, uploaded_by: str, uploaded_at: datetime,
              case_id: int | None = None) -> int:
        """Store a photo no case shows yet (its own transaction, before the events')."""
        ...

    def attach(self, photo_ids: Sequence[int], event_id: int,
               case_id: int | None = None) -> None:
        """Hang photos stored before their event was appended on that event (and its case):
        staged ones are shown from now on."""
        ...

    def discard(self, photo_ids: Sequence[int]) -> None:
        """Delete staged photos whose events were never appended."""
        ...

    def prune_staged(self, before: datetime) -> int:
        """Delete staged photos stored before ``before`` (a process that died between the
        two transactions); returns how many."""
        ...

    def for_case(self, case_id: int) -> list[PhotoInfo]:
        """A case's photos, oldest first."""
        ...

    def data(self, photo_id: int, thumbnail: bool = False) -> bytes:
        """The image bytes (or its thumbnail)."""
        ...


class ReferenceRepository(Protocol):
    """Reference data: read as one set, written by ``citydesk init`` (idempotent upserts)."""

    def load(self) -> ReferenceSet:
        """Everything, as one immutable set."""
        ...

    def save_config(self, config: CentreConfig) -> None: ...

    def upsert_units(self, units: Sequence[Unit], *, by_admin: bool = False) -> int:
        """Insert or update by code; returns how many rows changed.

        ``by_admin`` marks the rows as an administrator's edit: a later upsert without it
        (``citydesk init`` re-reading the files) leaves them alone.  Categories and grid cells
        take the same flag.
        """
        ...

    def upsert_categories(self, categories: Sequence[Category], *, by_admin: bool = False
                          ) -> int: ...

    def replace_rules(self, rules: Sequence[RoutingRule]) -> int:
        """Make the matrix exactly ``rules``; returns how many rows changed (0 if identical)."""
        ...

    def upsert_components(self, components: Sequence[ComponentInstance]) -> int: ...

    def upsert_grids(self, grids: Sequence[GridCell], *, by_admin: bool = False) -> int: ...

    def upsert_users(self, users: Sequence[User]) -> int: ...

    def upsert_calendar_days(self, days: Sequence[CalendarDay]) -> int:
        """Insert or update flags by date; an ``admin`` row is never replaced by a seeded one."""
        ...

    def edited_keys(self) -> Mapping[str, frozenset[str]]:
        """Codes an administrator edited, by table (``units``, ``categories``, ``grids``;
        :data:`IMPORTED_YEARS` lists imported calendar years)."""
        ...

    def mark_edited(self, name: str, codes: Collection[str]) -> None:
        """Remember that an administrator edited these codes of ``name`` (e.g. stage limits)."""
        ...

    def delete_calendar_day(self, day: date) -> bool:
        """Remove the flag stored for ``day`` (whatever its source); False if there was none."""
        ...


class QueueReader(Protocol):
    """The desk's queues read in SQL (see :mod:`console.services.queue_view`)."""

    def page(self, query: QueueQuery, offset: int, limit: int) -> builtins.list[Case]:
        """``limit`` cases of the queue from row ``offset``, in the queue's order."""
        ...

    def count(self, query: QueueQuery) -> int:
        """How many cases the queue holds."""
        ...

    def limits(self, states: Sequence[CaseState],
               reader: Reader | None = None) -> builtins.list[tuple[int, bool]]:
        """The distinct (limit minutes, natural clock) of running stages in ``states``."""
        ...

    def light_tally(
        self, states: Sequence[CaseState], now: datetime, settled: datetime,
        cutoffs: Mapping[tuple[int, bool], datetime], reader: Reader | None = None,
    ) -> dict[tuple[str | None, str | None, str], dict[str, int]]:
        """Open cases per (unit, grid cell, state) and light (red/yellow/green/none)."""
        ...

    def due_between(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader: Reader | None = None) -> builtins.list[tuple[int, int, datetime, bool]]:
        """(id, version, deadline, natural clock) of running stages due in ``[start, end)``."""
        ...

    def overdue_page(self, natural: bool, before: datetime, offset: int, limit: int,
                     reader: Reader | None = None) -> builtins.list[Case]:
        """Open cases whose running clock of one kind ran out before ``before``, earliest
        deadline first (then id)."""
        ...

    def due_by_unit(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader: Reader | None = None) -> dict[str, int]:
        """Open cases in ``states`` per unit whose stage deadline falls in ``[start, end)``."""
        ...

    def deadline_span(self, reader: Reader | None = None,
                      ) -> tuple[datetime | None, datetime | None]:
        """The earliest and the latest stage deadline of the open cases."""
        ...


class StatsReader(Protocol):
    """Hourly counts of the log for the statistics charts (see ``db/stats_repo.py``)."""

    def by_hour(self, kind: str, start: datetime,
                end: datetime) -> builtins.list[tuple[datetime, int]]:
        """(UTC hour, events of type ``kind``) for ``[start, end)``."""
        ...

    def by_type(self, kinds: Sequence[str], start: datetime,
                end: datetime) -> dict[str, int]:
        """Events of each of ``kinds`` in ``[start, end)``."""
        ...

    def report_mix(self, start: datetime,
                   end: datetime) -> builtins.list[tuple[str, str, int]]:
        """(source, category, reports) for ``[start, end)``."""
        ...

    def handled_by_hour(self, start: datetime, end: datetime,
                        ) -> builtins.list[tuple[datetime, str | None, bool, int]]:
        """(UTC hour, unit, on time, feedback events) of timed feedback in ``[start, end)``."""
        ...


class UnitOfWork(Protocol):
    """One transaction over all repositories."""

    cases: CaseRepository
    queues: QueueReader
    stats: StatsReader
    events: EventLog
    photos: PhotoStore
    reference: ReferenceRepository
    accounts: AccountStore
    presence: PresenceBoard
    audit: AuditStore

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
