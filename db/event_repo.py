"""The append-only event log in SQL: the :class:`~console.services.uow.EventLog` port.

This module only ever INSERTs into ``case_events``; statistics, evaluation and the change feed
all read the log, so a row, once written, stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select, text, union
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import Subquery

from console.domain.audit import KeyRing, link
from console.domain.cases import TERMINAL_STATES, CaseState, Event, Role
from console.domain.copies import Replacer
from console.services.uow import EventFact, OpenStage
from db.bulk import bulk_insert
from db.chain_head import (
    EVENTS,
    free_ids,
    head_id_subquery,
    lock_head,
    move_head,
    read_head,
    sequence_ids,
)
from db.evaluation_sql import (
    EVENT_COUNTS,
    HANDLING,
    PAIR_COUNTS,
    UNIT_COUNTS,
    case_rows,
    count_rows,
    event_rows,
    pair_rows,
    return_rows,
)
from db.id_lists import on_postgresql, outside
from db.tables import CaseRow, EventRow

#: PostgreSQL LISTEN/NOTIFY channel announcing new events (payload: the newest id).
NOTIFY_CHANNEL = "citydesk_events"
#: What the unit of work hands the log: the chain keys, read when first needed (None: the
#: unkeyed scheme, for tests and tools that build a factory on a bare engine).
KeySource = Callable[[], KeyRing | None]
#: Case ids per ``IN (…)`` list: well under SQLite's bound-parameter limit on old builds (999).
ID_CHUNK = 500
#: How far a case's ``reported_at`` may lie after its report event (report_case allows 5 min).
REPORTED_AT_SLACK = timedelta(days=1)


def event_values(event: Event, digest: str, key_id: str | None = None) -> dict[str, Any]:
    """Column values of a numbered event and its chain hash (for a Core ``INSERT``)."""
    return dict(zip(EVENT_COLUMNS, event_row(event, digest, key_id), strict=True))


#: The columns of an event's row, in the order of :func:`event_row`.
EVENT_COLUMNS = (
    "id", "case_id", "type", "from_state", "to_state", "actor", "role", "desk", "unit", "stage",
    "stage_deadline", "on_time", "payload", "occurred_at", "request_id", "hash", "key_id",
)


def event_row(event: Event, digest: str, key_id: str | None = None) -> tuple[Any, ...]:
    """The values of :func:`event_values` as a tuple in :data:`EVENT_COLUMNS` order."""
    if event.case_id is None or event.id is None:
        raise ValueError(f"event {event.type!r} has no case_id or id")
    return (
        event.id,
        event.case_id,
        event.type,
        None if event.from_state is None else CaseState(event.from_state).value,
        CaseState(event.to_state).value,
        event.actor,
        Role(event.role).value,
        event.desk,
        event.unit,
        event.stage,
        event.stage_deadline,
        event.on_time,
        dict(event.payload),
        event.occurred_at,
        event.request_id,
        digest,
        key_id,
    )


#: ``replace(event, id=…)``, built positionally (cheaper, for thousands per batch).
_numbered = Replacer(Event, "id")


def event_from_row(row: EventRow) -> Event:
    """A frozen event from its row."""
    return Event(
        id=row.id,
        case_id=row.case_id,
        type=row.type,
        from_state=None if row.from_state is None else CaseState(row.from_state),
        to_state=CaseState(row.to_state),
        actor=row.actor,
        role=Role(row.role),
        desk=row.desk,
        unit=row.unit,
        stage=row.stage,
        stage_deadline=row.stage_deadline,
        on_time=row.on_time,
        payload=row.payload,
        occurred_at=row.occurred_at,
        request_id=row.request_id,
    )


class SqlEventLog:
    """Append and read the event log.

    Parameters
    ----------
    session : Session
        The unit of work's session; events become visible to others when it commits.
    """

    def __init__(self, session: Session, keys: KeySource | None = None) -> None:
        self._session = session
        self._keys = keys

    def append(self, events: Sequence[Event]) -> list[Event]:
        """Insert events in the given order, chained to the log; returns them with their ids.

        Ids are taken before the insert so each row's value can cover its id: rows are only
        ever INSERTed (the append-only trigger refuses UPDATE).  The log's ``chain_heads``
        row is locked until commit (:mod:`db.chain_head`), so ids, commit order and the chain
        agree; each row is chained with the current chain key (HMAC-SHA256) and stores its
        id.  On PostgreSQL a ``NOTIFY`` tells every listening desk when the rows are visible.
        """
        if not events:
            return []
        session = self._session
        ring = self._keys() if self._keys is not None else None
        key = None if ring is None else ring.current
        postgres = session.get_bind().dialect.name == "postgresql"
        head = lock_head(session, EVENTS)
        ids = (sequence_ids(session, "case_events", len(events)) if postgres
               else free_ids(session, "case_events", head.last_id, len(events)))
        stored = [_numbered(e, i) for e, i in zip(events, ids, strict=True)]
        key_id = None if key is None else key.key_id
        rows = [event_row(e, digest, key_id) for e, digest in link(head.value, stored, key)]
        # One executemany of tuples (no ORM objects, no per-row compiled parameters): a batch
        # of reports appends hundreds of rows here.
        writer = bulk_insert(EventRow.__table__, EVENT_COLUMNS, session.get_bind().dialect)
        writer.execute(session, rows)
        move_head(session, EVENTS, ids[-1], rows[-1][EVENT_COLUMNS.index("hash")])
        if postgres:
            session.execute(text("SELECT pg_notify(:channel, :last)"),
                            {"channel": NOTIFY_CHANNEL, "last": str(ids[-1])})
        return stored

    def chain(self, after_id: int, limit: int = 5000) -> list[tuple[Event, str | None]]:
        """Stored events with id > ``after_id`` and their stored hashes, in id order."""
        stmt = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
        return [(event_from_row(row), row.hash) for row in self._session.scalars(stmt)]

    def by_request(self, request_id: str) -> list[Event]:
        """The events a desk's action wrote (empty when it never committed)."""
        stmt = select(EventRow).where(EventRow.request_id == request_id).order_by(EventRow.id)
        return [event_from_row(row) for row in self._session.scalars(stmt)]

    def for_case(self, case_id: int) -> list[Event]:
        """A case's events, oldest first."""
        stmt = select(EventRow).where(EventRow.case_id == case_id).order_by(EventRow.id)
        return [event_from_row(row) for row in self._session.scalars(stmt)]

    def since(self, last_id: int, limit: int = 1000,
              skip: Collection[int] = ()) -> list[Event]:
        """Events with id > ``last_id``, oldest first, at most ``limit``; none of ``skip``.

        ``skip`` (ids a desk already holds, at most :data:`ID_CHUNK`) stays in SQL, so a poll
        re-reading its grace window does not build hundreds of events only to drop them.
        """
        # Up to the chain head only: a row inserted behind the chain's back (one with a huge
        # id, say) would otherwise become every desk's "last seen" and hide what follows.
        stmt = select(EventRow).where(EventRow.id > last_id, EventRow.id <= head_id_subquery())
        if skip:
            if len(skip) > ID_CHUNK:
                raise ValueError(f"skip holds {len(skip)} ids; at most {ID_CHUNK}")
            stmt = stmt.where(outside(EventRow.id, sorted(skip), on_postgresql(self._session)))
        stmt = stmt.order_by(EventRow.id).limit(limit)
        return [event_from_row(row) for row in self._session.scalars(stmt)]

    def last_id(self) -> int:
        """The chain head's id (0 for an empty log): where a new desk starts following."""
        return read_head(self._session, EVENTS).last_id

    def in_window(
        self, start: datetime, end: datetime, types: Sequence[str] | None = None
    ) -> list[Event]:
        """Events that occurred in ``[start, end)``, optionally of some types, oldest first."""
        stmt = select(EventRow).where(EventRow.occurred_at >= start, EventRow.occurred_at < end)
        if types is not None:
            stmt = stmt.where(EventRow.type.in_(list(types)))
        return [event_from_row(row) for row in self._session.scalars(stmt.order_by(EventRow.id))]

    def count(self) -> int:
        """How many events the log holds."""
        return int(self._session.scalar(select(func.count()).select_from(EventRow)) or 0)

    def facts(
        self,
        types: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
        case_ids: Collection[int] | None = None,
        with_payload: bool = False,
    ) -> list[EventFact]:
        """Narrow rows of the events of ``types`` in ``[start, end)``, oldest first.

        Only the columns statistics read are selected (the payload only on request) and the
        case's grid and source are joined in, so a month of a county's log is one indexed
        range scan per call (``ix_case_events_type_occurred_at``), never the whole history.
        """
        if not types or (case_ids is not None and not case_ids):
            return []
        cols: list[Any] = [
            EventRow.id, EventRow.case_id, EventRow.type, EventRow.actor, EventRow.role,
            EventRow.unit, EventRow.stage, EventRow.stage_deadline, EventRow.on_time,
            EventRow.occurred_at, EventRow.to_state, CaseRow.grid, CaseRow.source,
        ]
        if with_payload:
            cols.append(EventRow.payload)
        # For given cases the (case_id, id) index is the selective one, but SQLite (no
        # statistics) prefers (type, occurred_at) and would scan the whole history before
        # ``end``; ``type || ''`` is the same value to both backends and no index key.
        kind = EventRow.type if case_ids is None else EventRow.type + ""
        stmt: Select[Any] = (
            select(*cols)
            .join(CaseRow, CaseRow.id == EventRow.case_id)
            .where(kind.in_(list(types)))
        )
        if start is not None:
            stmt = stmt.where(EventRow.occurred_at >= start)
        if end is not None:
            stmt = stmt.where(EventRow.occurred_at < end)
        if case_ids is None:
            rows = list(self._session.execute(stmt.order_by(EventRow.id)))
        else:
            ids = sorted(set(case_ids))
            rows = []
            for i in range(0, len(ids), ID_CHUNK):
                chunk = stmt.where(EventRow.case_id.in_(ids[i:i + ID_CHUNK]))
                rows.extend(self._session.execute(chunk))
            rows.sort(key=lambda r: int(r[0]))
        return [
            EventFact(
                id=r[0], case_id=r[1], type=r[2], actor=r[3], role=r[4], unit=r[5], stage=r[6],
                stage_deadline=r[7], on_time=r[8], occurred_at=r[9], to_state=r[10], grid=r[11],
                source=r[12], payload=(r[13] or {}) if with_payload else {},
            )
            for r in rows
        ]

    def open_at(self, instant: datetime, states: Sequence[str],
                due_from: datetime | None = None) -> list[OpenStage]:
        """Cases whose last event before ``instant`` left them in one of ``states``.

        Only cases that can have been open at ``instant`` are looked at: open now, or changed
        since (a case that was already terminal before ``instant`` stays terminal).  The
        deadline in force at ``instant`` is the ``stage_deadline`` the case's next event
        recorded (every event records the deadline it found), else the case's current one.
        With ``due_from``, only the cases whose deadline then lay in ``[due_from, instant)``.
        """
        if not states:
            return []
        o = _open_stages(instant, states, due_from)
        stmt = select(o.c.case_id, o.c.to_state, o.c.unit, o.c.occurred_at, o.c.grid,
                      o.c.source, o.c.deadline).order_by(o.c.case_id)
        found = [
            OpenStage(case_id=r.case_id, state=r.to_state, unit=r.unit, deadline=r.deadline,
                      since=r.occurred_at, grid=r.grid, source=r.source)
            for r in self._session.execute(stmt)
        ]
        if due_from is None:
            return found
        # Filtered here: in SQL, PostgreSQL ran the deadline's subqueries before its join.
        return [s for s in found
                if s.deadline is not None and due_from <= s.deadline < instant]

    def _late_handling(self, start: datetime, end: datetime, unit: str | None
                       ) -> list[tuple[str, int]]:
        """(unit, case id) of the 处置 stages open at ``end`` whose deadline fell in the period.

        ``open_at(end, HANDLING, due_from=start)`` reduced to the two columns the counts read,
        so no instant is parsed into a datetime for them.
        """
        o = _open_stages(end, HANDLING, start)
        stmt = select(o.c.unit, o.c.case_id).where(
            o.c.unit.is_not(None), o.c.unit != "", o.c.deadline >= start, o.c.deadline < end)
        if unit is not None:
            stmt = stmt.where(o.c.unit == unit)
        return [(str(r[0]), int(r[1])) for r in self._session.execute(stmt)]

    def unit_counts(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """专业部门 counts of ``[start, end)`` per unit code, summed in SQL."""
        session = self._session
        out: dict[str, dict[str, int]] = {}

        def add(counts: dict[str, dict[str, int]]) -> None:
            for unit, named in counts.items():
                row = out.setdefault(unit, dict.fromkeys(UNIT_COUNTS, 0))
                for name, n in named.items():
                    row[name] += n

        add(count_rows(session, event_rows(start, end, None), EVENT_COUNTS))
        add(count_rows(session, return_rows(start, end, None), ("returned",)))
        add(count_rows(session, pair_rows(start, end, REPORTED_AT_SLACK, None), PAIR_COUNTS))
        late: dict[str, dict[str, int]] = {}
        for code, _case in self._late_handling(start, end, None):
            row = late.setdefault(code, {"due_to_handle": 0, "overdue_open": 0})
            row["due_to_handle"] += 1
            row["overdue_open"] += 1
        add(late)
        return out

    def unit_cases(self, start: datetime, end: datetime,
                   unit: str | None = None) -> list[tuple[str, str, int]]:
        """(unit, count name, case id) behind the counts of one unit (or all), each once."""
        session = self._session
        found = [
            *case_rows(session, event_rows(start, end, unit), EVENT_COUNTS),
            *case_rows(session, return_rows(start, end, unit), ("returned",)),
            *case_rows(session, pair_rows(start, end, REPORTED_AT_SLACK, unit), PAIR_COUNTS),
        ]
        for code, case_id in self._late_handling(start, end, unit):
            found += [(code, "due_to_handle", case_id), (code, "overdue_open", case_id)]
        return sorted(set(found))


def _open_stages(instant: datetime, states: Sequence[str], due_from: datetime | None) -> Subquery:
    """The rows of :meth:`SqlEventLog.open_at`: one per case open at ``instant`` in ``states``.

    Columns: case_id, to_state, unit, occurred_at (of the case's last event before the
    instant), grid, source and deadline (in force at the instant).  With ``due_from`` only
    the cases that can have been due in ``[due_from, instant)`` are looked at; the caller
    keeps those whose deadline was.
    """
    terminal = [s.value for s in TERMINAL_STATES]
    # Reported before the instant (a report may carry a reported-at a few minutes ahead of
    # its event, hence the slack), and open now or changed since: for an old period this
    # is the handful of cases open at its end, not every case reported after it.
    reported = CaseRow.reported_at < instant + REPORTED_AT_SLACK
    candidates: Any
    if due_from is None:
        candidates = select(CaseRow.id).where(reported, or_(
            CaseRow.state.not_in(terminal), CaseRow.updated_at.is_(None),
            CaseRow.updated_at >= instant))
    else:
        # A case nothing happened to since the instant is as it was then (the case row
        # mirrors its last event): in one of the states, due in the window; found by
        # (state, stage_deadline).  The others changed since: (updated_at).
        candidates = union(
            select(CaseRow.id).where(CaseRow.state.in_(list(states)),
                                     CaseRow.stage_deadline >= due_from,
                                     CaseRow.stage_deadline < instant, reported),
            select(CaseRow.id).where(CaseRow.updated_at >= instant, reported),
            select(CaseRow.id).where(CaseRow.updated_at.is_(None), reported),
        )
    # Each candidate's last event before the instant: its (case_id, id) entries walked from
    # the newest down to the first one before the instant.  A case unchanged since stops at
    # its newest event; grouping every event of every candidate (max(id)) read them all.
    prior = aliased(EventRow)
    last_id = (select(prior.id)
               .where(prior.case_id == CaseRow.id, prior.occurred_at < instant)
               .order_by(prior.id.desc()).limit(1).scalar_subquery())
    # Materialised on PostgreSQL: inlined, its planner hashes the whole log's handling events
    # against the correlated id instead of fetching a few thousand rows by primary key.
    last = (select(CaseRow.id.label("case_id"), last_id.label("last_id"))
            .where(CaseRow.id.in_(candidates))
            .cte("last_events").prefix_with("MATERIALIZED", dialect="postgresql"))
    later = aliased(EventRow)
    # One correlated level each (a nested correlation would bind to the wrong FROM).
    following = (
        select(later.id, later.stage_deadline)
        .where(later.case_id == EventRow.case_id, later.id > EventRow.id)
        .order_by(later.id)
        .limit(1)
    )
    next_id = following.with_only_columns(later.id).scalar_subquery()
    next_deadline = following.with_only_columns(later.stage_deadline).scalar_subquery()
    deadline = case((next_id.is_not(None), next_deadline), else_=CaseRow.stage_deadline)
    stmt = (
        select(
            EventRow.case_id.label("case_id"), EventRow.to_state.label("to_state"),
            EventRow.unit.label("unit"), EventRow.occurred_at.label("occurred_at"),
            CaseRow.grid.label("grid"), CaseRow.source.label("source"),
            deadline.label("deadline"),
        )
        .join(last, EventRow.id == last.c.last_id)
        .join(CaseRow, CaseRow.id == EventRow.case_id)
        .where(EventRow.to_state.in_(list(states)))
    )
    return stmt.subquery("open_stages")

