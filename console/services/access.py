"""Who may read which case: a 责任单位 seat sees its own unit's cases and nothing else.

Enforced by handing the unit seat a unit of work whose case repository only ever returns
that unit's cases (:func:`scoped_factory`): every service the desk calls — the queue, the
feed, case detail, duplicate hints, statistics — reads through it, so no screen can leak a
case by forgetting a filter, and asking for another unit's case by id is refused.
What each role may *do* is the workflow table's business (``console.domain.workflow``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from types import TracebackType
from typing import Self

from console.domain.cases import Actor, Case, CaseState, Role
from console.domain.errors import PermissionDeniedError
from console.services.queue_view import QueueQuery
from console.services.uow import CaseFilter, CaseRepository, QueueReader, UnitOfWork

UowFactory = Callable[[], UnitOfWork]


def can_read(actor: Actor, case: Case) -> bool:
    """True when ``actor`` may see ``case`` (a unit seat: its unit is the case's or parent)."""
    if actor.role is not Role.UNIT:
        return True
    return actor.unit is not None and actor.unit in (case.unit, case.parent_unit)


def _refuse(actor: Actor, case: Case) -> PermissionDeniedError:
    return PermissionDeniedError(
        f"案件 {case.case_no} 不属于{actor.unit or '本'}单位，无权查看 / not your unit's case"
    )


class ScopedCases:
    """A case repository that shows a unit seat only its unit's cases.

    Parameters
    ----------
    inner : CaseRepository
        The real repository.
    actor : Actor
        The signed-in unit user.
    """

    def __init__(self, inner: CaseRepository, actor: Actor) -> None:
        self._inner = inner
        self._actor = actor

    def _check(self, case: Case) -> Case:
        if not can_read(self._actor, case):
            raise _refuse(self._actor, case)
        return case

    def _mine(self, cases: Sequence[Case]) -> builtins.list[Case]:
        return [c for c in cases if can_read(self._actor, c)]

    def get(self, case_id: int) -> Case:
        """The case, if this unit may read it (PermissionDeniedError otherwise)."""
        return self._check(self._inner.get(case_id))

    def get_by_no(self, case_no: str) -> Case:
        """The case by number, if this unit may read it."""
        return self._check(self._inner.get_by_no(case_no))

    def get_many(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """Those of the cases this unit may read."""
        return self._mine(self._inner.get_many(case_ids))

    def add(self, case: Case) -> Case:
        """Insert (the workflow decides whether the role may report)."""
        return self._inner.add(case)

    def add_many(self, cases: Sequence[Case]) -> builtins.list[Case]:
        """Insert several (the workflow decides whether the role may report)."""
        return self._inner.add_many(cases)

    def update(self, case: Case, expected_version: int) -> Case:
        """Write a case this unit may read."""
        return self._inner.update(self._check(case), expected_version)

    def _filter(self, flt: CaseFilter) -> CaseFilter | None:
        if flt.unit is None:
            return replace(flt, unit=self._actor.unit)
        return flt if flt.unit == self._actor.unit else None

    def list(self, flt: CaseFilter) -> builtins.list[Case]:
        """This unit's cases matching ``flt``."""
        scoped = self._filter(flt)
        return [] if scoped is None else self._mine(self._inner.list(scoped))

    def count(self, flt: CaseFilter) -> int:
        """How many of this unit's cases match ``flt``."""
        scoped = self._filter(flt)
        return 0 if scoped is None else self._inner.count(scoped)

    def open_in_box(
        self, category: str, lon_min: float, lon_max: float, lat_min: float, lat_max: float,
        since: datetime, grid: str | None = None,
    ) -> builtins.list[Case]:
        """This unit's open cases of a category near a place."""
        return self._mine(self._inner.open_in_box(
            category, lon_min, lon_max, lat_min, lat_max, since, grid))

    def next_case_no(self, day: date) -> str:
        """A new case number (not a read)."""
        return self._inner.next_case_no(day)

    def next_case_nos(self, day: date, count: int) -> builtins.list[str]:
        """New case numbers (not a read)."""
        return self._inner.next_case_nos(day, count)


class ScopedQueues:
    """Queue reads limited to a unit seat's cases (its unit's or its parent unit's).

    Parameters
    ----------
    inner : QueueReader
        The real reader.
    actor : Actor
        The signed-in unit user.
    """

    def __init__(self, inner: QueueReader, actor: Actor) -> None:
        self._inner = inner
        self._unit = actor.unit or ""  # a unit seat without a unit sees nothing

    def page(self, query: QueueQuery, offset: int, limit: int) -> builtins.list[Case]:
        """A page of this unit's part of the queue."""
        return self._inner.page(replace(query, reader_unit=self._unit), offset, limit)

    def count(self, query: QueueQuery) -> int:
        """How many of this unit's cases the queue holds."""
        return self._inner.count(replace(query, reader_unit=self._unit))

    def limits(self, states: Sequence[CaseState],
               reader_unit: str | None = None) -> builtins.list[tuple[int, bool]]:
        """Limits of this unit's running stages."""
        return self._inner.limits(states, self._unit)

    def light_tally(
        self, states: Sequence[CaseState], now: datetime, settled: datetime,
        cutoffs: Mapping[tuple[int, bool], datetime], reader_unit: str | None = None,
    ) -> dict[tuple[str | None, str | None, str], dict[str, int]]:
        """This unit's open cases by light."""
        return self._inner.light_tally(states, now, settled, cutoffs, self._unit)

    def due_between(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader_unit: str | None = None) -> builtins.list[tuple[int, int, datetime, bool]]:
        """This unit's deadlines coming up."""
        return self._inner.due_between(states, start, end, self._unit)


class ScopedUnitOfWork:
    """A unit of work whose ``cases`` is a :class:`ScopedCases`; all else as the inner one.

    Parameters
    ----------
    inner : UnitOfWork
        The real unit of work.
    actor : Actor
        The signed-in unit user.
    """

    def __init__(self, inner: UnitOfWork, actor: Actor) -> None:
        self._inner = inner
        self._actor = actor

    def __enter__(self) -> Self:
        inner = self._inner.__enter__()
        self.cases = ScopedCases(inner.cases, self._actor)
        self.queues = ScopedQueues(inner.queues, self._actor)
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

    def commit(self) -> None:
        """Commit the inner transaction."""
        self._inner.commit()

    def rollback(self) -> None:
        """Roll the inner transaction back."""
        self._inner.rollback()


def scoped_factory(uow_factory: UowFactory, actor: Actor) -> UowFactory:
    """The unit-of-work factory ``actor`` must read through (the same one for most roles)."""
    if actor.role is not Role.UNIT:
        return uow_factory

    def make() -> UnitOfWork:
        return ScopedUnitOfWork(uow_factory(), actor)  # type: ignore[return-value]

    return make
