"""Cases in SQL: the :class:`~console.services.uow.CaseRepository` port.

Rows become frozen :class:`~console.domain.cases.Case` snapshots before they leave this module.
Reads use ``populate_existing`` so a row the session saw before an ``UPDATE`` statement is
never handed out stale.
"""

from __future__ import annotations

import builtins
import functools
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Float,
    Integer,
    Select,
    String,
    bindparam,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
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
from console.domain.duplicates import Nearby
from console.domain.errors import ConflictError, NotFoundError, ValidationError
from console.domain.geo import EARTH_RADIUS_M, bbox_around
from console.services.queue_view import Reader
from console.services.uow import CaseFilter, NearbyQuery
from db.bulk import bulk_insert
from db.engine import UTCDateTime
from db.id_lists import among, on_postgresql
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
#: The open states the duplicate check reads (the indexes of revisions 0012/0014 and
#: PostgreSQL's ``citydesk_open_nearby_side`` name them): all but 自处置待审核 — a problem
#: already fixed on the spot is no case to merge a new report into.
NEARBY_VALUES = tuple(s for s in OPEN_VALUES if s != CaseState.SELF_HANDLED.value)
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
        """The cases with these ids that exist (in no particular order).

        One statement per 500 ids, the photo ids in it (a correlated aggregate): every desk's
        feed poll reads its events' cases here, and a second round trip for their photos was
        a sixth of a poll's time on a busy server.
        """
        out: builtins.list[Case] = []
        pg = on_postgresql(self._session)
        photos = _photo_list(pg).label("photo_list")
        for chunk in _chunks(sorted(set(case_ids)), 500):
            rows = self._session.execute(select(CaseRow.__table__, photos)
                                         .where(among(CaseRow.id, chunk, pg))).all()
            out += [case_from_row(row, _photo_tuple(row.photo_list)) for row in rows]
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

    def lock(self, case_ids: Sequence[int]) -> builtins.list[Case]:
        """Lock these cases' rows until the transaction ends and read them as committed now.

        PostgreSQL: ``SELECT … ORDER BY id FOR UPDATE`` (under READ COMMITTED a waiting
        statement returns the rows as the other transaction committed them).  SQLite has no
        row locks: a no-op ``UPDATE`` of the rows takes the database's write lock (pysqlite
        begins the transaction right before it, so no older snapshot is held), waiting out
        the busy timeout for another writer, and the rows are read after it.  Either way a
        decision taken on the returned cases cannot be overtaken before the commit.
        """
        ids = sorted(set(case_ids))
        if not ids:
            return []
        stmt = select(CaseRow).where(CaseRow.id.in_(ids)).order_by(CaseRow.id)
        if self._session.get_bind().dialect.name == "postgresql":
            return self._load(stmt.with_for_update())
        self._session.execute(
            update(CaseRow).where(CaseRow.id.in_(ids)).values(version=CaseRow.version)
            .execution_options(synchronize_session=False))
        return self._load(stmt)

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

    def open_in_box(self, query: NearbyQuery) -> builtins.list[Nearby]:
        """Open cases near a place and time as light :class:`Nearby` rows, nearest first.

        Only the six columns a duplicate hint needs are read, never a full case or its photos,
        and at most ``query.limit`` rows on each side of ``query.at``, in the order of
        :meth:`CaseRepository.open_in_box <console.services.uow.CaseRepository.open_in_box>`
        (distance by :func:`_planar`).  The indexes of revision 0012 keep the work bounded
        too: see :func:`_nearby_statement`.  The later side is read only when some case was
        reported after ``at`` at all (one probe of the report times): a report made now, or
        a channel's records in time order, has none.
        """
        q = query
        if q.near is None and q.grid is None:
            return []
        if q.near is not None and q.reach_m is None:
            raise ValueError("a query near a point needs its reach")
        limit = _NO_LIMIT if q.limit is None else q.limit
        params: dict[str, Any] = {"category": q.category, "grid": q.grid, "exclude": q.exclude,
                                  "limit": limit, "last": limit - 1}
        if q.near is not None and q.reach_m is not None:
            lon, lat = q.near
            lon_min, lon_max, lat_min, lat_max = bbox_around(lon, lat, q.reach_m)
            # A hair wider than the reach: the planar measure is within 1e-6 of the
            # great-circle distance at these sizes, and the domain decides exactly.
            reach = math.degrees(q.reach_m / EARTH_RADIUS_M) * (1 + 1e-5)
            params.update(
                lon0=lon, lat0=lat, cos0=math.cos(math.radians(lat)),
                half_sin0=math.sin(math.radians(lat)) * math.pi / 360,
                reach2=reach * reach, lon_min=lon_min, lon_max=lon_max, lat_min=lat_min,
                lat_max=lat_max)
        if self._session.get_bind().dialect.name == "postgresql":
            return self._open_nearby_pg(q, params)

        def read(latest_first: bool, since: datetime, until: datetime) -> builtins.list[Nearby]:
            stmt = _nearby_statement(q.near is not None, latest_first, q.exclude is not None,
                                     q.grid is not None, q.reader)
            rows = self._session.execute(stmt, {**params, "since": since, "until": until})
            return [Nearby(*row) for row in rows]

        # Times are stored to the microsecond: the later side starts one after ``at``.
        after = q.at + timedelta(microseconds=1)
        rows = read(True, q.at - q.window, q.at)
        if self._session.execute(_LATER, {"after": after, "until": q.at + q.window}).first():
            rows += read(False, after, q.at + q.window)
        return rows

    def _open_nearby_pg(self, q: NearbyQuery, params: dict[str, Any]) -> builtins.list[Nearby]:
        """:meth:`open_in_box` on PostgreSQL: the same reads in ``citydesk_open_nearby``
        (revision 0013), whose plans the server keeps for the connection — psycopg drops its
        prepared statements at every rollback, so a statement sent from here would be planned
        anew for every report (2–5 ms, against 0.3 ms to run it)."""
        reader = q.reader
        unit = reader.unit if reader is not None else None
        user = reader.user if reader is not None and unit is None else None
        values = {"lon0": None, "lat0": None, "cos0": None, "half_sin0": None, "reach2": None,
                  "lon_min": None, "lon_max": None, "lat_min": None, "lat_max": None, **params,
                  "at": q.at, "window": q.window, "unit": unit, "user": user,
                  "grids": list(reader.grids) if user is not None and reader is not None else None}
        return [Nearby(*row) for row in self._session.execute(_PG_NEARBY, values)]

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
        pg = on_postgresql(self._session)
        for chunk in _chunks(case_ids, _IN_CHUNK):
            photo = PhotoRow.__table__.c  # case_id is NULL only while a photo is staged
            stmt = (
                select(photo.case_id, photo.id)
                .where(among(photo.case_id, chunk, pg), photo.staged.is_(False))
                .order_by(photo.case_id, photo.id)
            )
            for case_id, photo_id in self._session.execute(stmt):
                found.setdefault(case_id, []).append(photo_id)
        return {case_id: tuple(ids) for case_id, ids in found.items()}


def _photo_list(pg: bool) -> Any:
    """A case's shown photo ids as one value: an array on PostgreSQL, ``"1,2"`` on SQLite."""
    if pg:
        ids: Any = func.array_agg(aggregate_order_by(PhotoRow.id, PhotoRow.id))
    else:
        ids = func.group_concat(PhotoRow.id)
    return (select(ids).where(PhotoRow.case_id == CaseRow.id, PhotoRow.staged.is_(False))
            .correlate(CaseRow.__table__).scalar_subquery())


def _photo_tuple(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, str):  # SQLite's group_concat: its order is the scan's, so sort
        return tuple(sorted(int(v) for v in value.split(",")))
    return tuple(int(v) for v in value)


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
    if flt.assignee is not None:
        where.append(CaseRow.assignee == flt.assignee)
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


#: A statement of :func:`_nearby_statement` (its row type: Nearby's columns, or more).
_Read = Select[*tuple[Any, ...]]
#: LIMIT when a nearby query sets none (a bound parameter needs a number).
_NO_LIMIT = 2**31 - 1
#: ``state IN`` the open states the duplicate check reads, as constants in the SQL text (our
#: own enum values, no quoting needed): a partial index of the open cases is used only when the query says so in
#: the same words (SQLite), and only for constants (PostgreSQL's plan for bound parameters
#: must fit any states); written once, not rendered again at every execution.
_OPEN_TERM = CaseRow.state.in_([literal_column(f"'{state}'") for state in NEARBY_VALUES])


def _planar() -> ColumnElement[float | None]:
    """A case's squared distance from (``:lon0``, ``:lat0``) in degrees², in plain SQL arithmetic.

    The equirectangular measure at the mean latitude of the two points, its cosine expanded to
    first order around ``lat0`` (cos(φ₀ + δ/2) ≈ cos φ₀ − sin φ₀·δ/2, ``:cos0`` and
    ``:half_sin0`` per degree): no trigonometry in SQL, which SQLite may lack.  Within a few
    kilometres it orders points as the great-circle distance does to about 1e-6 of the
    distance (tests/integration/test_duplicate_reads.py); the domain measures the rows read
    exactly.
    """
    dlat = CaseRow.lat - bindparam("lat0", type_=Float)
    dx = (CaseRow.lon - bindparam("lon0", type_=Float)) * (
        bindparam("cos0", type_=Float) - bindparam("half_sin0", type_=Float) * dlat)
    return dx * dx + dlat * dlat


@functools.lru_cache(maxsize=64)
def _nearby_statement(placed: bool, latest_first: bool, exclude: bool, grid: bool,
                      reader: Reader | None) -> _Read:
    """The SELECT of :meth:`SqlCaseRepository.open_in_box` for one shape of query.

    Built once per shape, with bound parameters (``:category``, ``:since``, ``:until``,
    ``:grid``, ``:exclude``, ``:limit``, ``:last`` (= limit − 1) and, near a point, ``:lon0``,
    ``:lat0``, ``:cos0``, ``:half_sin0``, ``:reach2`` and the box).  Near a point it is the
    union of the reads below, each at most ``:limit`` rows in the final order and each a range
    of an index of the open cases (revision 0012):

    * the cases at exactly that point, latest (earliest) first, from ``(category, lat, lon,
      reported_at)``: a cluster of thousands on one default coordinate costs ``:limit`` rows;
    * those in the box around the point, nearest first: four ranges of the same index (south
      of its latitude, west and east of it on its latitude, north of it) that pass over the
      point's own rows;
    * those without coordinates in the report's cell, from ``(category, grid, reported_at)``
      of the open cases without coordinates.

    Without a point (a report placed by its cell alone) it reads the cell's cases by time: the
    placed ones from ``(grid, category, reported_at)`` of the open cases with coordinates, and
    the unplaced ones as above.  Each read repeats its index's WHERE terms (``state IN`` the
    open states as constants, the coordinates' ``IS NULL`` / ``IS NOT NULL``), which SQLite
    needs to use a partial index at all.  PostgreSQL runs the same reads in
    ``citydesk_open_nearby`` (revision 0013).
    """
    cols: tuple[Any, ...] = (CaseRow.id, CaseRow.case_no, CaseRow.lon, CaseRow.lat,
                             CaseRow.grid, CaseRow.reported_at)
    lat, lon = CaseRow.lat, CaseRow.lon
    lat0, lon0 = bindparam("lat0", type_=Float), bindparam("lon0", type_=Float)
    when = CaseRow.reported_at.desc() if latest_first else CaseRow.reported_at.asc()
    base: builtins.list[ColumnElement[bool]] = [CaseRow.category == bindparam("category"),
                                                _OPEN_TERM]
    if exclude:
        base.append(CaseRow.id != bindparam("exclude"))
    if reader is not None:
        base.append(readable(reader))
    since, until = bindparam("since", type_=UTCDateTime), bindparam("until", type_=UTCDateTime)
    common = [*base, CaseRow.reported_at >= since, CaseRow.reported_at <= until]
    limit = bindparam("limit", type_=Integer)

    def by_time(*where: ColumnElement[bool]) -> _Read:
        # The ``:limit``-th report time first (read in index order, ``:limit`` entries), then
        # the rows up to it sorted with their tie-break: no sort of a whole cluster.  The edge
        # replaces that end of the window (SQLite bounds a range by one term per end).
        edge = (select(CaseRow.reported_at).where(*common, *where).order_by(when)
                .offset(bindparam("last", type_=Integer)).limit(1).scalar_subquery())
        window = ((CaseRow.reported_at >= func.coalesce(edge, since), CaseRow.reported_at <= until)
                  if latest_first else
                  (CaseRow.reported_at >= since, CaseRow.reported_at <= func.coalesce(edge, until)))
        return select(*cols).where(*base, *where, *window).order_by(when, CaseRow.case_no)

    in_cell = CaseRow.grid == bindparam("grid")
    # Placed and unplaced cases of a cell are in two indexes that exclude each other, so no
    # statistics can send the read of the few unplaced ones through a cluster of placed ones.
    unplaced = by_time(or_(lon.is_(None), lat.is_(None)), in_cell)
    if not placed:
        cell = [by_time(lat.is_not(None), lon.is_not(None), in_cell), unplaced]
        both = union_all(*(select(*p.limit(limit).subquery().c) for p in cell)).subquery()
        then = both.c.reported_at.desc() if latest_first else both.c.reported_at.asc()
        return (select(both.c.id, both.c.case_no, both.c.lon, both.c.lat, both.c.grid,
                       both.c.reported_at).order_by(then, both.c.case_no).limit(limit))

    def ranked(far: int, distance: ColumnElement[float | None], read: _Read) -> _Read:
        return read.add_columns(literal_column(str(far), Integer).label("far"),
                                distance.label("d")).limit(limit)

    distance = _planar()
    lon_min, lon_max = bindparam("lon_min", type_=Float), bindparam("lon_max", type_=Float)
    parts = [ranked(0, literal_column("0.0", Float), by_time(lat == lat0, lon == lon0))]
    lat_min, lat_max = bindparam("lat_min", type_=Float), bindparam("lat_max", type_=Float)
    # Four ranges, each bounded on both sides by one term per side: SQLite bounds a
    # row-value range (lat, lon) < (lat0, lon0) by lat alone, and a range by one of two upper
    # bounds of a column; either would walk the point's own rows.
    for side in ((lat >= lat_min, lat < lat0, lon.between(lon_min, lon_max)),
                 (lat == lat0, lon >= lon_min, lon < lon0),
                 (lat == lat0, lon > lon0, lon <= lon_max),
                 (lat > lat0, lat <= lat_max, lon.between(lon_min, lon_max))):
        parts.append(ranked(0, distance, select(*cols).where(
            *common, *side, distance <= bindparam("reach2")).order_by(
            distance, when, CaseRow.case_no)))
    if grid:
        parts.append(ranked(1, null().cast(Float), unplaced))
    both = union_all(*(select(*p.subquery().c) for p in parts)).subquery()
    then = both.c.reported_at.desc() if latest_first else both.c.reported_at.asc()
    return (select(both.c.id, both.c.case_no, both.c.lon, both.c.lat, both.c.grid,
                   both.c.reported_at)
            .order_by(both.c.far, both.c.d, then, both.c.case_no).limit(limit))


#: PostgreSQL's duplicate read (revision 0013): both sides of the report's time in one call.
_PG_NEARBY = text(
    "SELECT id, case_no, lon, lat, grid, reported_at FROM citydesk_open_nearby("
    "CAST(:category AS text), CAST(:at AS timestamptz), CAST(:window AS interval), "
    "CAST(:lon0 AS float8), CAST(:lat0 AS float8), CAST(:cos0 AS float8), "
    "CAST(:half_sin0 AS float8), CAST(:reach2 AS float8), CAST(:lon_min AS float8), "
    "CAST(:lon_max AS float8), CAST(:lat_min AS float8), CAST(:lat_max AS float8), "
    "CAST(:grid AS text), CAST(:exclude AS integer), CAST(:limit AS integer), "
    "CAST(:unit AS text), CAST(:user AS text), CAST(:grids AS text[]))"
).columns(id=Integer, case_no=String, lon=Float, lat=Float, grid=String,
          reported_at=UTCDateTime)

#: Whether any case was reported after a report's time (within its window): the later side
#: of a duplicate check is read only then.  By time alone, over the index of report times
#: (an empty range costs nothing).  PostgreSQL asks the same inside citydesk_open_nearby.
_LATER: _Read = (select(literal_column("1"))
          .where(CaseRow.reported_at >= bindparam("after", type_=UTCDateTime),
                 CaseRow.reported_at <= bindparam("until", type_=UTCDateTime))
          .limit(1))


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
