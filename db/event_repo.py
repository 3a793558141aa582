"""The append-only event log in SQL: the :class:`~console.services.uow.EventLog` port.

This module only ever INSERTs into ``case_events``; statistics, evaluation and the change feed
all read the log, so a row, once written, stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.domain.cases import CaseState, Event, Role
from db.tables import EventRow


def event_row(event: Event) -> EventRow:
    """A new row for an event whose ``case_id`` is set."""
    if event.case_id is None:
        raise ValueError(f"event {event.type!r} has no case_id")
    return EventRow(
        case_id=event.case_id,
        type=event.type,
        from_state=None if event.from_state is None else CaseState(event.from_state).value,
        to_state=CaseState(event.to_state).value,
        actor=event.actor,
        role=Role(event.role).value,
        desk=event.desk,
        unit=event.unit,
        stage=event.stage,
        stage_deadline=event.stage_deadline,
        on_time=event.on_time,
        payload=dict(event.payload),
        occurred_at=event.occurred_at,
    )


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
    )


class SqlEventLog:
    """Append and read the event log.

    Parameters
    ----------
    session : Session
        The unit of work's session; events become visible to others when it commits.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, events: Sequence[Event]) -> list[Event]:
        """Insert events in the given order; returns them with their new ids."""
        rows = [event_row(e) for e in events]
        self._session.add_all(rows)
        self._session.flush()
        return [replace(e, id=row.id) for e, row in zip(events, rows, strict=True)]

    def for_case(self, case_id: int) -> list[Event]:
        """A case's events, oldest first."""
        stmt = select(EventRow).where(EventRow.case_id == case_id).order_by(EventRow.id)
        return [event_from_row(row) for row in self._session.scalars(stmt)]

    def since(self, last_id: int, limit: int = 1000) -> list[Event]:
        """Events with id > ``last_id``, oldest first, at most ``limit``."""
        stmt = select(EventRow).where(EventRow.id > last_id).order_by(EventRow.id).limit(limit)
        return [event_from_row(row) for row in self._session.scalars(stmt)]

    def last_id(self) -> int:
        """The newest event's id (0 for an empty log): where a new desk starts following."""
        return int(self._session.scalar(select(func.max(EventRow.id))) or 0)

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
