"""The intake tables in SQL (the port :class:`console.services.intake_ports.IntakeStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from console.domain.errors import ConflictError, NotFoundError
from console.services.intake_ports import (
    CodeMapping,
    IntakeLink,
    IntakeProblem,
    OutboxItem,
    OutboxState,
    ProblemFilter,
    ProblemKind,
    ProblemStatus,
)
from db.tables import (
    IntakeCursorRow,
    IntakeLinkRow,
    IntakeMappingRow,
    IntakeOutboxRow,
    IntakeProblemRow,
)


def _link(row: IntakeLinkRow) -> IntakeLink:
    return IntakeLink(
        channel=row.channel, external_id=row.external_id, case_id=row.case_id,
        request_id=row.request_id, payload_hash=row.payload_hash, created_at=row.created_at,
        updated_at=row.updated_at, remote_status=row.remote_status,
        remote_updated_at=row.remote_updated_at,
    )


def _problem(row: IntakeProblemRow) -> IntakeProblem:
    return IntakeProblem(
        id=row.id, channel=row.channel, external_id=row.external_id, parser=row.parser,
        kind=ProblemKind(row.kind), reason=row.reason, raw=dict(row.raw),
        payload_hash=row.payload_hash, first_seen=row.first_seen, last_seen=row.last_seen,
        attempts=row.attempts, status=ProblemStatus(row.status),
        external_code=row.external_code, case_id=row.case_id,
    )


def _outbox(row: IntakeOutboxRow) -> OutboxItem:
    return OutboxItem(
        id=row.id, channel=row.channel, external_id=row.external_id, case_id=row.case_id,
        event_id=row.event_id, status=row.status, extended_status=row.extended_status,
        notes=row.notes, occurred_at=row.occurred_at, created_at=row.created_at,
        state=OutboxState(row.state), attempts=row.attempts, last_error=row.last_error,
        next_attempt_at=row.next_attempt_at, sent_at=row.sent_at,
    )


class SqlIntakeStore:
    """Links, quarantine, mapping tables, the status outbox and channel cursors.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _link_row(self, channel: str, external_id: str) -> IntakeLinkRow | None:
        stmt = select(IntakeLinkRow).where(
            IntakeLinkRow.channel == channel, IntakeLinkRow.external_id == external_id)
        return self._session.scalars(stmt).one_or_none()

    def link(self, channel: str, external_id: str) -> IntakeLink | None:
        """The link of a record, or None."""
        row = self._link_row(channel, external_id)
        return None if row is None else _link(row)

    def add_link(self, link: IntakeLink) -> None:
        """Insert a link; ConflictError when another run linked the record first."""
        self._session.add(IntakeLinkRow(
            channel=link.channel, external_id=link.external_id, case_id=link.case_id,
            request_id=link.request_id, payload_hash=link.payload_hash,
            remote_status=link.remote_status, remote_updated_at=link.remote_updated_at,
            created_at=link.created_at, updated_at=link.updated_at,
        ))
        try:
            self._session.flush()
        except IntegrityError:
            # The caller's transaction is lost either way; the domain error lets the intake
            # service count the record as a duplicate without knowing SQLAlchemy.
            raise ConflictError(
                f"记录 {link.channel}/{link.external_id} 已由另一进程入库 / already taken in"
            ) from None

    def update_link(self, link: IntakeLink) -> None:
        """Store the channel's newer view of a linked record."""
        row = self._link_row(link.channel, link.external_id)
        if row is None:
            raise NotFoundError(f"没有记录 {link.channel}/{link.external_id} 的关联 / no link")
        row.payload_hash = link.payload_hash
        row.remote_status = link.remote_status
        row.remote_updated_at = link.remote_updated_at
        row.updated_at = link.updated_at
        self._session.flush()

    def links_for_cases(self, channel: str, case_ids: Sequence[int]) -> list[IntakeLink]:
        """The channel's links of these cases."""
        if not case_ids:
            return []
        stmt = select(IntakeLinkRow).where(
            IntakeLinkRow.channel == channel, IntakeLinkRow.case_id.in_(list(case_ids)))
        return [_link(row) for row in self._session.scalars(stmt)]

    def problem(self, problem_id: int) -> IntakeProblem:
        """A quarantined record by id."""
        row = self._session.get(IntakeProblemRow, problem_id, populate_existing=True)
        if row is None:
            raise NotFoundError(f"没有编号为 {problem_id} 的入库问题 / no such intake problem")
        return _problem(row)

    def problem_for(self, channel: str, external_id: str) -> IntakeProblem | None:
        """The quarantine row of a record, whatever its status."""
        stmt = select(IntakeProblemRow).where(
            IntakeProblemRow.channel == channel, IntakeProblemRow.external_id == external_id)
        row = self._session.scalars(stmt).one_or_none()
        return None if row is None else _problem(row)

    def save_problem(self, problem: IntakeProblem) -> IntakeProblem:
        """Insert or update a quarantine row."""
        values = {
            "channel": problem.channel, "external_id": problem.external_id,
            "parser": problem.parser, "kind": problem.kind.value, "reason": problem.reason,
            "raw": dict(problem.raw), "payload_hash": problem.payload_hash,
            "external_code": problem.external_code, "status": problem.status.value,
            "attempts": problem.attempts, "case_id": problem.case_id,
            "first_seen": problem.first_seen, "last_seen": problem.last_seen,
        }
        row = (self._session.get(IntakeProblemRow, problem.id) if problem.id is not None
               else None)
        if row is None:
            row = IntakeProblemRow(**values)
            self._session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
        self._session.flush()
        return _problem(row)

    def problems(self, flt: ProblemFilter) -> list[IntakeProblem]:
        """Quarantined records, newest first."""
        stmt = select(IntakeProblemRow).order_by(IntakeProblemRow.id.desc()).limit(flt.limit)
        if flt.status is not None:
            stmt = stmt.where(IntakeProblemRow.status == flt.status.value)
        if flt.channel is not None:
            stmt = stmt.where(IntakeProblemRow.channel == flt.channel)
        if flt.ids:
            stmt = stmt.where(IntakeProblemRow.id.in_(list(flt.ids)))
        return [_problem(row) for row in self._session.scalars(stmt)]

    def mapping(self, channel: str) -> list[CodeMapping]:
        """A channel's mapping table."""
        stmt = (select(IntakeMappingRow).where(IntakeMappingRow.channel == channel)
                .order_by(IntakeMappingRow.external_code))
        return [
            CodeMapping(row.channel, row.external_code, row.category, row.updated_by,
                        row.updated_at, row.note)
            for row in self._session.scalars(stmt)
        ]

    def set_mapping(self, mapping: CodeMapping) -> None:
        """Insert or replace one row."""
        row = self._session.get(IntakeMappingRow, (mapping.channel, mapping.external_code))
        if row is None:
            self._session.add(IntakeMappingRow(
                channel=mapping.channel, external_code=mapping.external_code,
                category=mapping.category, note=mapping.note, updated_by=mapping.updated_by,
                updated_at=mapping.updated_at))
        else:
            row.category, row.note = mapping.category, mapping.note
            row.updated_by, row.updated_at = mapping.updated_by, mapping.updated_at
        self._session.flush()

    def delete_mapping(self, channel: str, external_code: str) -> bool:
        """Remove one row."""
        result = self._session.execute(delete(IntakeMappingRow).where(
            IntakeMappingRow.channel == channel, IntakeMappingRow.external_code == external_code))
        return bool(getattr(result, "rowcount", 0))

    def add_outbox(self, items: Sequence[OutboxItem]) -> int:
        """Queue status changes, skipping events already queued."""
        if not items:
            return 0
        seen = set(self._session.scalars(select(IntakeOutboxRow.event_id).where(
            IntakeOutboxRow.event_id.in_([i.event_id for i in items]))))
        added = 0
        for item in items:
            if item.event_id in seen:
                continue
            seen.add(item.event_id)
            self._session.add(IntakeOutboxRow(
                channel=item.channel, external_id=item.external_id, case_id=item.case_id,
                event_id=item.event_id, status=item.status,
                extended_status=item.extended_status, notes=item.notes,
                occurred_at=item.occurred_at, created_at=item.created_at,
                state=item.state.value, attempts=item.attempts, last_error=item.last_error,
                next_attempt_at=item.next_attempt_at, sent_at=item.sent_at))
            added += 1
        self._session.flush()
        return added

    def outbox(self, channel: str, states: Sequence[OutboxState], limit: int = 500
               ) -> list[OutboxItem]:
        """Queued items in these states, oldest first."""
        stmt = (select(IntakeOutboxRow)
                .where(IntakeOutboxRow.channel == channel,
                       IntakeOutboxRow.state.in_([s.value for s in states]))
                .order_by(IntakeOutboxRow.id).limit(limit))
        return [_outbox(row) for row in self._session.scalars(stmt)]

    def outbox_for(self, channel: str, external_id: str) -> list[OutboxItem]:
        """Every queued item of one record, oldest first."""
        stmt = (select(IntakeOutboxRow)
                .where(IntakeOutboxRow.channel == channel,
                       IntakeOutboxRow.external_id == external_id)
                .order_by(IntakeOutboxRow.id))
        return [_outbox(row) for row in self._session.scalars(stmt)]

    def save_outbox(self, item: OutboxItem) -> None:
        """Store an item's delivery state."""
        row = self._session.get(IntakeOutboxRow, item.id)
        if row is None:
            raise NotFoundError(f"没有编号为 {item.id} 的状态回推 / no such outbox item")
        row.state, row.attempts, row.last_error = item.state.value, item.attempts, item.last_error
        row.next_attempt_at, row.sent_at = item.next_attempt_at, item.sent_at
        self._session.flush()

    def cursor(self, channel: str, key: str) -> str | None:
        """A channel's saved position."""
        row = self._session.get(IntakeCursorRow, (channel, key), populate_existing=True)
        return None if row is None else row.value

    def set_cursor(self, channel: str, key: str, value: str, at: datetime) -> None:
        """Save a channel's position."""
        row = self._session.get(IntakeCursorRow, (channel, key))
        if row is None:
            self._session.add(IntakeCursorRow(channel=channel, key=key, value=value,
                                              updated_at=at))
        else:
            row.value, row.updated_at = value, at
        self._session.flush()
