"""Status changes of channel cases, queued and pushed back to the channel in order.

:func:`queue_status_changes` reads the event log past the channel's cursor and queues one
:class:`~console.services.intake_ports.OutboxItem` per state change of a case the channel
brought in (the event id is unique in the queue, so reading an event twice queues it once).
:func:`push_pending` hands the queue, oldest first, to a ``deliver`` function: a failed
delivery is retried later with back-off (or after the server's ``Retry-After``), and the later
changes of the same record wait behind it, so the public sees the states in their order.

A push never overwrites the source's newer state with an older one: before a record's changes
go out, the channel reads the request's current state (``refresh``), and a change is not sent
— it is marked ``superseded`` — when the source closed the request, or when the source changed
it after the change was made (:func:`held_by_source`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from console.domain.cases import CaseState, Event
from console.services.feed import GRACE
from console.services.intake_ports import IntakeUowFactory, OutboxItem, OutboxState
from console.services.intake_source import source_news_after, source_said_closed

S = CaseState
CURSOR = "outbox_event"
MAX_BACKOFF_S = 3600.0

#: FixMyStreet-style extended status of each CityDesk state (open311-adapter's vocabulary).
EXTENDED: dict[CaseState, str] = {
    S.REPORTED: "OPEN", S.VERIFYING: "INVESTIGATING", S.ACCEPTED: "INVESTIGATING",
    S.FILED: "ACTION_SCHEDULED", S.DISPATCHED: "ACTION_SCHEDULED", S.HANDLING: "IN_PROGRESS",
    S.HANDLED: "IN_PROGRESS", S.CHECKING: "IN_PROGRESS", S.TO_CLOSE: "IN_PROGRESS",
    S.SUSPENDED: "ACTION_SCHEDULED", S.SELF_HANDLED: "INVESTIGATING", S.CLOSED: "FIXED",
    S.REFUSED: "NOT_COUNCILS_RESPONSIBILITY", S.NOT_FILED: "NO_FURTHER_ACTION",
    S.VOIDED: "CANCELLED", S.MERGED: "DUPLICATE",
}

#: The status_notes sentence of each state, for the person who reported the problem.
NOTES: dict[CaseState, str] = {
    S.REPORTED: "已收到，等待受理", S.VERIFYING: "正在派员核实", S.ACCEPTED: "已受理",
    S.FILED: "已立案，等待派遣", S.DISPATCHED: "已派遣至责任单位", S.HANDLING: "责任单位正在处置",
    S.HANDLED: "责任单位已处置，等待核查", S.CHECKING: "正在核查处置结果",
    S.TO_CLOSE: "核查通过，等待结案", S.SUSPENDED: "暂缓处置（挂账）",
    S.SELF_HANDLED: "监督员已当场处置，等待审核", S.CLOSED: "已办结",
    S.REFUSED: "不予受理", S.NOT_FILED: "经核实不予立案", S.VOIDED: "已作废",
    S.MERGED: "与其他案件合并办理",
}


class DeliveryError(Exception):
    """A push the channel did not take.

    Parameters
    ----------
    message : str
        What went wrong, for the log and the outbox row.
    retry_after : float, optional
        Seconds the server asked us to wait.
    permanent : bool
        The server refused the change for good (an unknown request, a 4xx other than 408/429):
        the item is marked failed and stops holding up the record's later changes.
    """

    def __init__(self, message: str, retry_after: float | None = None,
                 permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass
class PushCounts:
    """What one push round did."""

    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0
    """Changes not sent because the source's state is newer (closed there, changed since)."""

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON."""
        return {"queued": self.queued, "sent": self.sent, "retrying": self.retrying,
                "failed": self.failed, "superseded": self.superseded}


def item_for(channel: str, external_id: str, event: Event, now: datetime) -> OutboxItem:
    """The outbox item telling the channel about one state change."""
    assert event.id is not None
    assert event.case_id is not None
    state = event.to_state
    notes = NOTES[state]
    detail = event.payload.get("reason") or event.payload.get("notes")
    if isinstance(detail, str) and detail.strip():
        notes = f"{notes}：{detail.strip()}"
    return OutboxItem(
        id=None, channel=channel, external_id=external_id, case_id=event.case_id,
        event_id=event.id, status="closed" if state.is_terminal else "open",
        extended_status=EXTENDED[state], notes=notes[:4000], occurred_at=event.occurred_at,
        created_at=now)


def queue_status_changes(uow_factory: IntakeUowFactory, channel: str, now: datetime,
                         page: int = 1000) -> int:
    """Queue the state changes logged since the channel's cursor; returns how many were new."""
    added = 0
    with uow_factory() as uow:
        last = int(uow.intake.cursor(channel, CURSOR) or 0)
        while True:
            # Look back a little: on PostgreSQL an id can commit after a higher one was read.
            events = uow.events.since(max(last - GRACE, 0), page + GRACE)
            fresh = [e for e in events if e.id is not None and e.id > last]
            changes = [e for e in events if e.from_state is not None
                       and e.from_state != e.to_state and e.case_id is not None]
            links = {link.case_id: link for link in uow.intake.links_for_cases(
                channel, sorted({e.case_id for e in changes if e.case_id is not None}))}
            items = [item_for(channel, links[e.case_id].external_id, e, now)
                     for e in changes if e.case_id in links]
            added += uow.intake.add_outbox(items)
            if not fresh:
                break
            last = max(e.id for e in fresh if e.id is not None)
            if len(fresh) < page:
                break
        uow.intake.set_cursor(channel, CURSOR, str(last), now)
        uow.commit()
    return added


def held_by_source(uow_factory: IntakeUowFactory, item: OutboxItem) -> str | None:
    """Why ``item`` must not be pushed (one line), or None when it may go.

    * The source closed the request (its own last word, not the echo of our push): nothing
      more goes there — a status of ours would reopen or relabel what the source decided.
    * The source changed the request after this change was made, by its own clock, and we
      learnt of it after the change was logged: the change is older than the source's state.
    """
    with uow_factory() as uow:
        link = uow.intake.link(item.channel, item.external_id)
        if source_said_closed(link):
            return "源系统已关闭该请求，不回推 / the request is closed at the source: not pushed"
        newer = source_news_after(uow.events.for_case(item.case_id), item.event_id,
                                  item.occurred_at)
    if newer is not None:
        return (f"源系统的状态较新（事件 #{newer.id}），不回推"
                " / the source's state is newer: not pushed")
    return None


def push_pending(uow_factory: IntakeUowFactory, channel: str,
                 deliver: Callable[[OutboxItem], None], clock: Callable[[], datetime],
                 limit: int = 200, refresh: Callable[[OutboxItem], None] | None = None
                 ) -> PushCounts:
    """Deliver the channel's queued changes, oldest first, each record's in its order.

    ``refresh`` (once per record per round, before its first change goes) takes in the
    source's current view of the record, raising :class:`DeliveryError` when it cannot be
    read; then :func:`held_by_source` decides whether each change may go.
    """
    counts = PushCounts()
    with uow_factory() as uow:
        items = uow.intake.outbox(channel, [OutboxState.PENDING], limit)
    blocked: set[str] = set()
    refreshed: set[str] = set()
    for item in items:
        now = clock()
        if item.external_id in blocked:
            continue
        if item.next_attempt_at is not None and item.next_attempt_at > now:
            blocked.add(item.external_id)  # its later changes wait behind it
            counts.retrying += 1
            continue
        try:
            if refresh is not None and item.external_id not in refreshed:
                refresh(item)
                refreshed.add(item.external_id)
            held = held_by_source(uow_factory, item)
            if held is None:
                deliver(item)
        except DeliveryError as exc:
            attempts = item.attempts + 1
            if exc.permanent:
                done = replace(item, state=OutboxState.FAILED, attempts=attempts,
                               last_error=exc.message[:2000])
                counts.failed += 1
            else:
                wait = max(exc.retry_after or 0.0, min(30.0 * 2 ** (attempts - 1), MAX_BACKOFF_S))
                done = replace(item, attempts=attempts, last_error=exc.message[:2000],
                               next_attempt_at=now + timedelta(seconds=wait))
                blocked.add(item.external_id)
                counts.retrying += 1
        else:
            if held is not None:
                done = replace(item, state=OutboxState.SUPERSEDED, last_error=held)
                counts.superseded += 1
            else:
                done = replace(item, state=OutboxState.SENT, attempts=item.attempts + 1,
                               last_error=None, sent_at=now)
                counts.sent += 1
        with uow_factory() as uow:
            uow.intake.save_outbox(done)
            uow.commit()
    return counts
