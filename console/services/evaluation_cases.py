"""The cases behind an evaluation's numbers, fetched when someone asks for them.

A league table needs only the counts, which the database sums (``EventLog.unit_counts``); the
lists of cases behind them are for the drill-down (a double-click in the evaluation window, the
CLI's ``--json``).  Building every list with every evaluation cost more than the evaluation
itself at a city's volume, so a row holds a :class:`LazyCaseIds` instead, which asks its
period's :class:`UnitCaseIds` the first time a list is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Protocol

from console.services.uow import UnitOfWork


class CaseIdSource(Protocol):
    """Where a row's lists of cases come from."""

    def ids(self, key: str) -> Mapping[str, tuple[int, ...]]:
        """Count name -> the cases behind it, for one object key."""
        ...

    def load_all(self) -> None:
        """Fetch every key's lists at once (before reading all of them)."""
        ...


class UnitCaseIds:
    """The cases behind the 专业部门 counts of one period, by unit, fetched on demand.

    Parameters
    ----------
    uow : UnitOfWork
        The evaluation's unit of work; each fetch opens it again (a ``with`` block of its
        own), so use it on one thread at a time, as any unit of work.
    start, end : datetime
        The period's bounds.
    """

    def __init__(self, uow: UnitOfWork, start: datetime, end: datetime) -> None:
        self._uow, self._start, self._end = uow, start, end
        self._cache: dict[str, dict[str, tuple[int, ...]]] = {}
        self._complete = False

    def ids(self, key: str) -> Mapping[str, tuple[int, ...]]:
        """Count name -> case ids (ascending) of one unit; one query per unit, then cached."""
        if key not in self._cache and not self._complete:
            self._cache[key] = self._fetch(key).get(key, {})
        return self._cache.get(key, {})

    def load_all(self) -> None:
        """Every unit's lists in one query."""
        if not self._complete:
            self._cache = self._fetch(None)
            self._complete = True

    def _fetch(self, unit: str | None) -> dict[str, dict[str, tuple[int, ...]]]:
        with self._uow:
            found = self._uow.events.unit_cases(self._start, self._end, unit)
        lists: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for key, name, case_id in found:  # sorted, each once
            lists[key][name].append(case_id)
        return {key: {name: tuple(ids) for name, ids in named.items()}
                for key, named in lists.items()}


class LazyCaseIds(Mapping[str, tuple[int, ...]]):
    """One row's count name -> case ids, read from its source on first use.

    Parameters
    ----------
    source : CaseIdSource
        The period's source.
    key : str
        The row's object key (a unit code).
    names : tuple of str
        The row's count names (every name is a key here, with ``()`` when nothing counted).
    """

    def __init__(self, source: CaseIdSource, key: str, names: tuple[str, ...]) -> None:
        self.source, self._key, self._names = source, key, names

    def __getitem__(self, name: str) -> tuple[int, ...]:
        if name not in self._names:
            raise KeyError(name)
        return tuple(self.source.ids(self._key).get(name, ()))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
