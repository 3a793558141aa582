"""Cases in SQL: the :class:`~console.services.uow.CaseRepository` port.

Rows become frozen :class:`~console.domain.cases.Case` snapshots before they leave this module.
Reads use ``populate_existing`` so a row the session saw before an ``UPDATE`` statement is
never handed out stale.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from console.domain.cases import (
    TERMINAL_STATES,
    Case,
    CaseState,
    PendingRequest,
    RequestKind,
    Role,
    Source,
)
from console.domain.copies import Replacer
from console.domain.errors import ConflictError, NotFoundError, ValidationError
from console.services.queue_view import Reader
from console.services.uow import CaseFilter
from db.bulk import bulk_insert
from db.tables import CaseNoSeqRow, CaseRow, PhotoRow

# Fields written as they are; id, version and photos are the repository's business.
_PLAIN_FIELDS = tuple(
    f.name
    for f in fields(Case)
    if f.name not in ("id", "version", "photos", "state", "source", "pending")
)
_ORDERS = ("newest", "deadline", "id")
#: Open states by value.  Queries say ``state IN (open)``, not ``NOT IN (terminal)``: only the
#: first lets an index on state find the few open cases among millions closed.
OPEN_VALUES = tuple(s.value for s in CaseState if s not in TERMINAL_STATES)
_IN_CHUNK = 500  # SQLite allows 32766 bound parameters; stay far below it


def pending_to_json(pending: PendingRequest | None) -> dict[str, Any] | None:
    """A pending request as a JSON document (times as UTC ISO 8601)."""
    if pending is None:
        return None
    if pending.requested_at.utcoffset() is None:
        raise ValueError(f"naive requested_at {pending.requested_at!r}")
    return {
        "kind": pending.kind.value,
        "reason": pending.reason,
        "requested_by": pending.requested_by,
        "requested_role": pending.requested_role.value,
        "requested_at": pending.requested_at.astimezone(UTC).isoformat(),
        "minutes": pending.minutes,
    }


def pending_from_json(doc: dict[str, Any] | None) -> PendingRequest | None:
    """The inverse of :func:`pending_to_json`."""
    if doc is None:
        return None
    return PendingRequest(
        kind=RequestKind(doc["kind"]),
        reason=doc["reason"],
        requested_by=doc["requested_by"],
        requested_role=Role(doc["requested_role"]),
        requested_at=datetime.fromisoformat(doc["requested_at"]).astimezone(UTC),
        minutes=int(doc.get("minutes", 0)),
    )


def case_values(case: Case) -> dict[str, Any]:
    """Column values of a case, enums as their string values (not id, version, photos)."""
    values = {name: getattr(case, name) for name in _PLAIN_FIELDS}
    values["state"] = CaseState(case.state).value
    values["source"] = Source(case.source).value
    values["pending"] = pending_to_json(case.pending)
    return values


#: Columns of a new case's row, in the order of :func:`_insert_row`.
_INSERT_COLUMNS = ("id", *_PLAIN_FIELDS, "state", "source", "pending", "version")
_plain_values = attrgetter(*_PLAIN_FIELDS)
_fresh = Replacer(Case, "id", "version", "photos")


def _stored(case: Case, case_id: int) -> Case:
    """``replace(case, id=case_id, version=1, photos=())``, built positionally (a batch
    stores hundreds)."""
    return _fresh(case, case_id, 1, ())


def _insert_row(case: Case, case_id: int | None) -> tuple[Any, ...]:
    """A new case's row as :data:`_INSERT_COLUMNS` lists it (the values of :func:`case_values`)."""
    return (case_id, *_plain_values(case), CaseState(case.state).value,
            Source(case.source).value, pending_to_json(case.pending), 1)


def case_from_row(row: Any, photos: tuple[int, ...] = ()) -> Case:
    """A frozen case from a row (ORM or Core: columns as attributes) and its photo ids."""
    values = {name: getattr(row, name) for name in _PLAIN_FIELDS}
    return Case(
        id=row.id,
        state=CaseState(row.state),
        source=Source(row.source),
        pending=pending_from_json(row.pending),
        version=row.version,
        photos=photos,
        **values,
    )


class SqlCaseRepository:
    """Cases with an optimistic version check (see :meth:`update`).

    Parameters
    ----------
    session : Session
        The unit of work's session; this repository never commits.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, case_id: int) -> Case:
        """The case with this id; NotFoundError if none."""
        return self._one(CaseRow.id == case_id, f"案件 id={case_id} 不存在 / no such case")

    def get_many(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """The cases with these ids that exist (in no particular order)."""
        out: builtins.list[Case] = []
        for chunk in _chunks(sorted(set(case_ids)), 500):
            out += self._load(select(CaseRow).where(CaseRow.id.in_(chunk)))
        return out

    def get_by_no(self, case_no: str) -> Case:
        """The case with this case number; NotFoundError if none."""
        return self._one(CaseRow.case_no == case_no, f"案件 {case_no} 不存在 / no such case")

    def add(self, case: Case) -> Case:
        """Insert a new case; returns it with its ``id`` and ``version`` 1."""
        if case.id is not None:
            raise ValueError(f"case {case.case_no} already has id {case.id}")
        row = CaseRow(**case_values(case), version=1)
        self._session.add(row)
        self._session.flush()
        return replace(case, id=row.id, version=1, photos=())

    def add_many(self, cases: Sequence[Case]) -> builtins.list[Case]:
        """Insert new cases with one ``executemany``; returns them with ids, in input order.

        The ids are known before the batch is written: on PostgreSQL they come from the
        table's sequence; on SQLite the first row is inserted alone and the database picks
        its id (the largest so far + 1), and the insert holds the write lock until commit, so
        the ids after it are free for the rest of the batch.  Both avoid ``RETURNING`` with
        ordered rows, which SQLAlchemy can only do one row per statement on SQLite.
        """
        if not cases:
            return []
        for case in cases:
            if case.id is not None:
                raise ValueError(f"case {case.case_no} already has id {case.id}")
        session = self._session
        dialect = session.get_bind().dialect
        writer = bulk_insert(CaseRow.__table__, _INSERT_COLUMNS, dialect)
        if dialect.name == "postgresql":
            ids = sorted(int(i) for i in session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('cases', 'id')) "
                     "FROM generate_series(1, :n)"), {"n": len(cases)}))
            writer.execute(session, [_insert_row(c, i) for c, i in zip(cases, ids, strict=True)])
        else:
            first = writer.execute_one(session, _insert_row(cases[0], None))
            ids = list(range(first, first + len(cases)))
            writer.execute(session, [_insert_row(c, i) for c, i in zip(cases[1:], ids[1:],
                                                                         strict=True)])
        return [_stored(c, i) for c, i in zip(cases, ids, strict=True)]

    def update(self, case: Case, expected_version: int) -> Case:
        """Write ``case`` if the stored version is still ``expected_version``.

        One ``UPDATE … WHERE id = :id AND version = :expected`` decides it in the database, so
        two desks (threads, processes, machines) can never both win: the loser's statement
        matches no row, having waited for the winner's row lock (PostgreSQL) or write lock
        (SQLite).
        """
        if case.id is None:
            raise ValueError(f"case {case.case_no} has no id; use add()")
        stmt = (
            update(CaseRow)
            .where(CaseRow.id == case.id, CaseRow.version == expected_version)
            .values(**case_values(case), version=CaseRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        result = cast("CursorResult[Any]", self._session.execute(stmt))
        if result.rowcount == 0:
            if self._session.scalar(select(CaseRow.id).where(CaseRow.id == case.id)) is None:
                raise NotFoundError(f"案件 id={case.id} 不存在 / no such case")
            raise ConflictError(
                f"案件 {case.case_no} 已被他人修改（版本 {expected_version} 已过期），"
                "请刷新后重试 / case changed by someone else"
            )
        return replace(case, version=expected_version + 1)

    def list(self, flt: CaseFilter) -> builtins.list[Case]:
        """Cases matching ``flt``, in ``flt.order``, paged by ``limit``/``offset``."""
        order = _order(flt.order)
        if (flt.order == "id" and (flt.open_only or flt.states is not None)
                and self._session.get_bind().dialect.name == "sqlite"):
            # SQLite's statistics average the state index over all states (a handful of open
            # cases among millions closed looks like 1/10 of the table), so with ORDER BY id
            # it scans the whole table in id order; ``id + 0`` cannot use that order, which
            # leaves the state index to find the few rows, then sorts them.
            order = [(CaseRow.id + 0).asc()]
        stmt = select(CaseRow).where(*_conditions(flt)).order_by(*order)
        if flt.offset:
            stmt = stmt.offset(flt.offset)
        if flt.limit is not None:
            stmt = stmt.limit(flt.limit)
        return self._load(stmt)

    def count(self, flt: CaseFilter) -> int:
        """How many cases match ``flt`` (limit and offset ignored)."""
        stmt = select(func.count()).select_from(CaseRow).where(*_conditions(flt))
        return int(self._session.scalar(stmt) or 0)

    def open_in_box(
        self,
        category: str,
        lon_min: float,
        lon_max: float,
        lat_min: float,
        lat_max: float,
        since: datetime,
        grid: str | None = None,
    ) -> builtins.list[Case]:
        """Open cases of a category reported since ``since`` inside a lon/lat box, newest first.

        With ``grid``, cases in that cell count too: a hotline case placed on a cell has no
        coordinates, and SQL's ``BETWEEN`` never matches NULL.
        """
        place = and_(CaseRow.lon.between(lon_min, lon_max), CaseRow.lat.between(lat_min, lat_max))
        if grid is not None:
            place = or_(place, CaseRow.grid == grid)
        stmt = (
            select(CaseRow)
            .where(
                CaseRow.category == category,
                CaseRow.state.in_(OPEN_VALUES),
                CaseRow.reported_at >= since,
                place,
            )
            .order_by(*_order("newest"))
        )
        return self._load(stmt)

    def next_case_no(self, day: date) -> str:
        """``YYYYMMDD`` + a 5-digit per-day sequence, counted in this transaction.

        The counter row is locked until commit, so concurrent desks get distinct numbers and a
        rolled-back report gives its number back.
        """
        return self.next_case_nos(day, 1)[0]

    def next_case_nos(self, day: date, count: int) -> builtins.list[str]:
        """``count`` consecutive case numbers of ``day`` with one counter update."""
        if count < 1:
            return []
        key = f"{day:%Y%m%d}"
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql" or (
            dialect == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)
        ):
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            stmt = (
                insert(CaseNoSeqRow)
                .values(day=key, last=count)
                .on_conflict_do_update(
                    index_elements=[CaseNoSeqRow.day], set_={"last": CaseNoSeqRow.last + count}
                )
                .returning(CaseNoSeqRow.last)
            )
            last = int(self._session.execute(stmt).scalar_one())
        else:
            last = self._next_without_returning(key, count)
        return [f"{key}{n:05d}" for n in range(last - count + 1, last + 1)]

    def _next_without_returning(self, key: str, count: int) -> int:
        # SQLite before 3.35 has no RETURNING.  The UPDATE takes the write lock first, so the
        # SELECT after it reads our own increment, not a competitor's.
        bump = update(CaseNoSeqRow).where(CaseNoSeqRow.day == key)
        result = cast(
            "CursorResult[Any]",
            self._session.execute(bump.values(last=CaseNoSeqRow.last + count)),
        )
        if result.rowcount == 0:
            self._session.add(CaseNoSeqRow(day=key, last=count))
            self._session.flush()
            return count
        last = self._session.scalar(select(CaseNoSeqRow.last).where(CaseNoSeqRow.day == key))
        return int(last or 0)

    def _one(self, where: ColumnElement[bool], missing: str) -> Case:
        cases = self._load(select(CaseRow).where(where))
        if not cases:
            raise NotFoundError(missing)
        return cases[0]

    def load(self, stmt: Select[Any]) -> builtins.list[Case]:
        """The cases a Core ``select(CaseRow.__table__)`` statement finds, with their photo ids.

        Plain rows, no ORM identity map: a queue page is read-only and built into frozen
        cases at once, and skipping the ORM halves the cost per row.
        """
        rows = self._session.execute(stmt).all()
        photos = self._photo_ids([row.id for row in rows])
        return [case_from_row(row, photos.get(row.id, ())) for row in rows]

    def _load(self, stmt: Select[CaseRow]) -> builtins.list[Case]:
        rows = self._session.scalars(stmt.execution_options(populate_existing=True)).all()
        photos = self._photo_ids([row.id for row in rows])
        return [case_from_row(row, photos.get(row.id, ())) for row in rows]

    def _photo_ids(self, case_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        found: dict[int, list[int]] = {}
        for chunk in _chunks(case_ids, _IN_CHUNK):
            stmt = (
                select(PhotoRow.case_id, PhotoRow.id)
                .where(PhotoRow.case_id.in_(chunk))
                .order_by(PhotoRow.case_id, PhotoRow.id)
            )
            for case_id, photo_id in self._session.execute(stmt):
                found.setdefault(case_id, []).append(photo_id)
        return {case_id: tuple(ids) for case_id, ids in found.items()}


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _conditions(flt: CaseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.states is not None:
        where.append(CaseRow.state.in_([CaseState(s).value for s in flt.states]))
    if flt.open_only:  # IN, not NOT IN: an index on state finds the few open among many closed
        where.append(CaseRow.state.in_(OPEN_VALUES))
    if flt.unit is not None:
        where.append(CaseRow.unit == flt.unit)
    if flt.category is not None:
        where.append(CaseRow.category == flt.category)
    if flt.grid_prefix:
        where.extend(_prefix(flt.grid_prefix))
    if flt.reported_from is not None:
        where.append(CaseRow.reported_at >= flt.reported_from)
    if flt.reported_to is not None:
        where.append(CaseRow.reported_at < flt.reported_to)
    if flt.reader is not None:
        where.append(readable(flt.reader))
    for word in flt.words:
        found = [CaseRow.case_no.contains(word, autoescape=True),
                 CaseRow.description.contains(word, autoescape=True),
                 CaseRow.address.contains(word, autoescape=True)]
        if word.isdigit():
            found.append(CaseRow.contact.endswith(word, autoescape=True))
        where.append(or_(*found))
    return where


def readable(reader: Reader) -> ColumnElement[bool]:
    """The cases a seat sees (:meth:`~console.services.queue_view.Reader.sees` in SQL): a unit
    seat its unit's, or those it passed on to a community (parent unit); a collector those in
    its cells, those it reported and the visits sent to it."""
    if reader.unit is not None:
        return or_(CaseRow.unit == reader.unit, CaseRow.parent_unit == reader.unit)
    if reader.user is not None:
        cells = CaseRow.grid.in_(bindparam(None, list(reader.grids), expanding=True,
                                                literal_execute=True)) if reader.grids else false()
        return or_(cells, CaseRow.reporter == reader.user, CaseRow.assignee == reader.user)
    return true()


def _prefix(prefix: str) -> list[ColumnElement[bool]]:
    # LIKE alone cannot use the (grid) index under a non-C collation; for the digit codes of
    # grids a range does, and LIKE keeps the result exact.
    where = [CaseRow.grid.startswith(prefix, autoescape=True)]
    if prefix.isdigit():
        where.append(CaseRow.grid >= prefix)
        if prefix.strip("9"):
            where.append(CaseRow.grid < str(int(prefix) + 1).zfill(len(prefix)))
    return where


def _order(order: str) -> list[Any]:
    if order == "newest":
        return [CaseRow.reported_at.desc(), CaseRow.id.desc()]
    if order == "deadline":
        return [CaseRow.stage_deadline.asc().nulls_last(), CaseRow.id.asc()]
    if order == "id":
        return [CaseRow.id.asc()]
    raise ValidationError(f"未知排序 {order!r} / unknown order, expected one of {_ORDERS}")
