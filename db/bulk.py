"""Batched INSERTs of plain tuples, bound exactly as SQLAlchemy binds them.

A batch of reports writes hundreds of case and event rows.  A Core ``insert()`` executed with a
list of dicts compiles the parameters of every row separately; here the statement is written
once, each row is a tuple in column order, and only the columns whose type has a bind processor
(dates, JSON, booleans on SQLite) are converted, with the processors SQLAlchemy itself would
use.  The driver's ``executemany`` then does the rest, as in the benchmarks' plain-SQL floor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import FromClause, Table
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any]

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_MISSING = object()


class BulkInsert:
    """One ``INSERT INTO table (columns) VALUES (…)`` for ``executemany`` of tuples.

    Parameters
    ----------
    table : Table
        The table written to (a mapped class's ``__table__``).
    columns : sequence of str
        Column names, in the order of each row's values.
    dialect : Dialect
        The dialect of the connection that will run it (placeholders and bind processors).

    Notes
    -----
    The rows of one batch repeat the same instants (every report of a batch is taken in at the
    same ``now``), so the processed value of a ``datetime``, a ``bool`` or ``None`` is computed
    once per batch and column.  Equal instants give equal processed values; ``fold`` is in the
    key because two wall times of one zone that differ only in ``fold`` compare (and hash)
    equal but are different instants.
    """

    def __init__(self, table: FromClause, columns: Sequence[str], dialect: Dialect) -> None:
        if not isinstance(table, Table):
            raise TypeError(f"{table!r} is not a table")
        try:
            mark = _MARKS[dialect.paramstyle]
        except KeyError:
            raise ValueError(f"unsupported paramstyle {dialect.paramstyle!r}") from None
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in columns)
        self.columns = tuple(columns)
        self.sql = (
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
            f"VALUES ({', '.join([mark] * len(columns))})"
        )
        self._processors: list[tuple[int, Processor]] = []
        for index, name in enumerate(columns):
            proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self._processors.append((index, proc))

    def bind(self, rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The rows as the driver takes them (each value through its column's processor)."""
        processors = self._processors
        if not processors:
            return [tuple(row) for row in rows]
        memos: list[dict[Any, Any]] = [{} for _ in processors]
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for (index, proc), memo in zip(processors, memos, strict=True):
                value = values[index]
                cls = value.__class__
                if cls is datetime:
                    key: Any = (value, value.fold)
                elif value is None or cls is bool:
                    key = value
                else:
                    values[index] = proc(value)
                    continue
                found = memo.get(key, _MISSING)
                if found is _MISSING:
                    found = memo[key] = proc(value)
                values[index] = found
            out.append(tuple(values))
        return out

    def execute(self, session: Session, rows: Iterable[Sequence[Any]]) -> None:
        """Insert ``rows`` in the session's transaction with one ``executemany``."""
        bound = self.bind(rows)
        if bound:
            session.connection().exec_driver_sql(self.sql, bound)

    def execute_one(self, session: Session, row: Sequence[Any]) -> int:
        """Insert one row; returns the driver's ``lastrowid`` (SQLite: the new rowid)."""
        result = session.connection().exec_driver_sql(self.sql, self.bind([row])[0])
        return int(result.lastrowid)


# Per dialect instance: its processors depend on the engine's settings (a JSON serializer).
_CACHE: WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], BulkInsert]] = (
    WeakKeyDictionary()
)


def bulk_insert(table: FromClause, columns: Sequence[str], dialect: Dialect) -> BulkInsert:
    """The :class:`BulkInsert` of these columns for this dialect, built once per engine."""
    cache = _CACHE.setdefault(dialect, {})
    key = (str(table), tuple(columns))
    found = cache.get(key)
    if found is None:
        found = cache[key] = BulkInsert(table, columns, dialect)
    return found
