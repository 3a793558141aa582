"""Who may read which case: a 责任单位 seat sees its own unit's cases and nothing else; a
collector (监督员) the cases of the cells it patrols, its own reports and the site visits sent
to it.

Enforced by handing such a seat a unit of work whose case repository only ever returns what it
sees (:func:`scoped_factory`): every service the desk calls — the queue, the feed, case detail,
duplicate hints, statistics — reads through it, so no screen can leak a case by forgetting a
filter, and asking for another case by id or number is answered exactly as for a case that
does not exist (the same error, the same words: nothing about it leaks).  What each role may *do* is the workflow
table's business (``console.domain.workflow``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from console.domain.cases import Actor, Case, CaseState, Role
from console.domain.duplicates import Nearby
from console.domain.errors import NotFoundError
from console.services.queue_view import QueueQuery, Reader
from console.services.uow import (
    CaseFilter,
    CaseRepository,
    NearbyQuery,
    QueueReader,
    UnitOfWork,
)

UowFactory = Callable[[], UnitOfWork]


def reader_of(actor: Actor) -> Reader | None:
    """The view ``actor`` is limited to (None: every case)."""
    if actor.role is Role.UNIT:
        return Reader(unit=actor.unit or "")  # a unit seat without a unit sees nothing
    if actor.role is Role.COLLECTOR:
        return Reader(user=actor.user, grids=actor.grids)
    return None


def can_read(actor: Actor, case: Case) -> bool:
    """True when ``actor`` may see ``case`` (see the module docstring)."""
    reader = reader_of(actor)
    return reader is None or reader.sees(case)


def unknown_id(case_id: int | None) -> NotFoundError:
    """What asking for a case id that does not exist answers (the repositories' words)."""
    return NotFoundError(f"案件 id={case_id} 不存在 / no such case")


def unknown_no(case_no: str) -> NotFoundError:
    """What asking for a case number that does not exist answers."""
    return NotFoundError(f"案件 {case_no} 不存在 / no such case")


def viewer_of(uow: UnitOfWork) -> Actor | None:
    """The seat a unit of work is scoped to (:func:`scoped_factory`), None when unscoped.

    Read sides that do not go through ``uow.cases`` (the evaluation, the period report) ask
    this, so a seat handed a scoped unit of work is limited there too.
    """
    return uow.actor if isinstance(uow, ScopedUnitOfWork) else None


class ScopedCases:
    """A case repository that shows a seat only the cases it sees.

    Parameters
    ----------
    inner : CaseRepository
        The real repository.
    actor : Actor
        The signed-in unit user or collector.
    """

    def __init__(self, inner: CaseRepository, actor: Actor) -> None:
        self._inner = inner
        self._actor = actor
        self._reader = reader_of(actor)
        self._read: dict[int, int] = {}  # case id -> version this seat read in this unit of work

    def _check(self, case: Case, by_no: bool = False) -> Case:
        # Outside the seat's view a case answers exactly as one that does not exist: the
        # same error and words, so neither its number nor its existence leaks.
        if not can_read(self._actor, case):
            raise unknown_no(case.case_no) if by_no else unknown_id(case.id)
        if case.id is not None:
            self._read[case.id] = case.version
        return case

    def _mine(self, cases: Sequence[Case]) -> builtins.list[Case]:
        return [c for c in cases if can_read(self._actor, c)]

    def get(self, case_id: int) -> Case:
        """The case, if this seat may read it (else NotFoundError, as for no such case)."""
        return self._check(self._inner.get(case_id))

    def get_by_no(self, case_no: str) -> Case:
        """The case by number, if this seat may read it (else as for no such number)."""
        return self._check(self._inner.get_by_no(case_no), by_no=True)

    def get_many(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """Those of the cases this seat may read."""
        return self._mine(self._inner.get_many(case_ids))

    def add(self, case: Case) -> Case:
        """Insert (the workflow decides whether the role may report)."""
        return self._inner.add(case)

    def add_many(self, cases: Sequence[Case]) -> builtins.list[Case]:
        """Insert several (the workflow decides whether the role may report)."""
        return self._inner.add_many(cases)

    def update(self, case: Case, expected_version: int) -> Case:
        """Write a case this seat read, as it read it (the step may take it out of the seat's
        view: a collector's finished visit, a unit's case handed to a community)."""
        if case.id is None or self._read.get(case.id) != expected_version:
            self._check(case)
        return self._inner.update(case, expected_version)

    def lock(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """Lock cases for a write (the caller read them through this seat's view)."""
        return self._inner.lock(case_ids)

    def _filter(self, flt: CaseFilter) -> CaseFilter | None:
        if self._actor.role is not Role.UNIT:
            return replace(flt, reader=self._reader)
        if flt.unit is None:
            return replace(flt, unit=self._actor.unit)
        return flt if flt.unit == self._actor.unit else None

    def list(self, flt: CaseFilter) -> builtins.list[Case]:
        """This seat's cases matching ``flt``."""
        scoped = self._filter(flt)
        return [] if scoped is None else self._mine(self._inner.list(scoped))

    def count(self, flt: CaseFilter) -> int:
        """How many of this seat's cases match ``flt``."""
        scoped = self._filter(flt)
        return 0 if scoped is None else self._inner.count(scoped)

    def open_in_box(self, query: NearbyQuery) -> builtins.list[Nearby]:
        """This seat's open cases of a category near a place (its view applied in SQL, so the
        bounded read holds the nearest cases it sees, not the nearest of all)."""
        return self._inner.open_in_box(replace(query, reader=self._reader))

    def next_case_no(self, day: date) -> str:
        """A new case number (not a read)."""
        return self._inner.next_case_no(day)

    def next_case_nos(self, day: date, count: int) -> builtins.list[str]:
        """New case numbers (not a read)."""
        return self._inner.next_case_nos(day, count)


class ScopedQueues:
    """Queue reads limited to what a seat sees (a unit's cases, a collector's).

    Parameters
    ----------
    inner : QueueReader
        The real reader.
    actor : Actor
        The signed-in unit user or collector.
    """

    def __init__(self, inner: QueueReader, actor: Actor) -> None:
        self._inner = inner
        self._reader = reader_of(actor)

    def page(self, query: QueueQuery, offset: int, limit: int) -> builtins.list[Case]:
        """A page of this seat's part of the queue."""
        return self._inner.page(replace(query, reader=self._reader), offset, limit)

    def count(self, query: QueueQuery) -> int:
        """How many of this seat's cases the queue holds."""
        return self._inner.count(replace(query, reader=self._reader))

    def limits(self, states: Sequence[CaseState],
               reader: Reader | None = None) -> builtins.list[tuple[int, bool]]:
        """Limits of this seat's running stages."""
        return self._inner.limits(states, self._reader)

    def light_tally(
        self, states: Sequence[CaseState], now: datetime, settled: datetime,
        cutoffs: Mapping[tuple[int, bool], datetime], reader: Reader | None = None,
    ) -> dict[tuple[str | None, str | None, str], dict[str, int]]:
        """This seat's open cases by light."""
        return self._inner.light_tally(states, now, settled, cutoffs, self._reader)

    def due_between(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader: Reader | None = None) -> builtins.list[tuple[int, int, datetime, bool]]:
        """This seat's deadlines coming up."""
        return self._inner.due_between(states, start, end, self._reader)

    def overdue_page(self, natural: bool, before: datetime, offset: int, limit: int,
                     reader: Reader | None = None) -> builtins.list[Case]:
        """This seat's most overdue cases on one kind of clock."""
        return self._inner.overdue_page(natural, before, offset, limit, self._reader)

    def due_by_unit(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader: Reader | None = None) -> dict[str, int]:
        """This seat's cases due in a window, per unit."""
        return self._inner.due_by_unit(states, start, end, self._reader)

    def deadline_span(self, reader: Reader | None = None,
                      ) -> tuple[datetime | None, datetime | None]:
        """The earliest and latest deadline of this seat's open cases."""
        return self._inner.deadline_span(self._reader)


class ScopedUnitOfWork:
    """A unit of work whose ``cases`` is a :class:`ScopedCases`; all else as the inner one.

    Parameters
    ----------
    inner : UnitOfWork
        The real unit of work.
    actor : Actor
        The signed-in unit user or collector.
    """

    def __init__(self, inner: UnitOfWork, actor: Actor) -> None:
        self._inner = inner
        self.actor = actor

    def __enter__(self) -> Self:
        inner = self._inner.__enter__()
        self.cases = ScopedCases(inner.cases, self.actor)
        self.queues = ScopedQueues(inner.queues, self.actor)
        self.stats = inner.stats
        self.events = inner.events
        self.photos = inner.photos
        self.reference = inner.reference
        self.accounts = inner.accounts
        self.presence = inner.presence
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Roll back whatever was not committed."""
        self._inner.__exit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        # Stores this class does not scope (an intake store, a log added later) are the inner
        # unit of work's: a seat-scoped transaction must not lose them.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def commit(self) -> None:
        """Commit the inner transaction."""
        self._inner.commit()

    def rollback(self) -> None:
        """Roll the inner transaction back."""
        self._inner.rollback()


def scoped_factory(uow_factory: UowFactory, actor: Actor) -> UowFactory:
    """The unit-of-work factory ``actor`` must read through (the same one for most roles)."""
    if reader_of(actor) is None:
        return uow_factory

    def make() -> UnitOfWork:
        return ScopedUnitOfWork(uow_factory(), actor)  # type: ignore[return-value]

    return make
