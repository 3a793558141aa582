"""The source's truth: what an Open311 server says of its requests, applied and never contradicted.

Three things a source decides that CityDesk must not contradict (docs/intake.md, "The
source's truth"):

* a request **closed at the source** before CityDesk first saw it is not filed as a new case:
  it is kept as an intake problem of kind 源系统已关闭, with the source's status and notes, and
  linked to the case of the request it duplicates when the source names one
  (:func:`closed_problem`);
* a **change at the source** of a request that is a case (closed there, reopened, new status
  notes) is logged in the case's event log as a source event and, when it asks for a decision,
  raises a desk alert (:func:`apply_source_change`, rules in
  :mod:`console.domain.source_events`); the case itself is not changed;
* the **echo** of CityDesk's own status push (the server now shows what we sent) is not news.

Digests: a record with a fingerprint (Open311) is stored as ``src:`` + 32 hex of what it says
+ ``:`` + 27 hex of the source's notes, so a later poll tells a new note from any other change
without keeping the text, and the same data in XML or JSON is the same record.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from console.domain.cases import Actor, Event
from console.domain.errors import NotFoundError
from console.domain.source_events import SOURCE_UPDATE, SourceNews, is_closed, source_event
from console.services.intake_ports import (
    IntakeLink,
    IntakeProblem,
    IntakeRecord,
    IntakeUnitOfWork,
    OutboxState,
    ProblemKind,
    ProblemStatus,
)

if TYPE_CHECKING:
    from console.services.centre import Centre

SOURCE_DIGEST = "src:"
_CONTENT, _NOTES = 32, 27  # with the prefix and the colon: the column's 64 characters


class Change(enum.Enum):
    """What a changed record of a linked case turned out to be."""

    NEWS = "news"  # the source changed its status or notes: a source event was logged
    ECHO = "echo"  # the source shows what CityDesk pushed: nothing to tell
    CONTENT = "content"  # other fields changed (description, address …): recorded on the link
    UNKNOWN = "unknown"  # a link stored before digests had parts: re-stored silently


def record_digest(record: IntakeRecord, raw_digest: str) -> str:
    """The digest a link or problem stores for ``record`` (``raw_digest`` without a fingerprint)."""
    if record.fingerprint is None:
        return raw_digest
    notes = hashlib.sha256(_notes(record.remote_notes).encode()).hexdigest()
    return f"{SOURCE_DIGEST}{record.fingerprint[:_CONTENT]}:{notes[:_NOTES]}"


def _notes(value: str | None) -> str:
    return " ".join((value or "").split())


def _notes_part(digest: str) -> str | None:
    return digest.rsplit(":", 1)[1] if digest.startswith(SOURCE_DIGEST) else None


# --------------------------------------------------------------------------- closed at source


def closed_reason(record: IntakeRecord, case_no: str | None) -> str:
    """One line: the source's status, its notes and the request this one duplicates."""
    status = record.remote_status or "closed"
    zh = f"源系统已关闭（状态 {status}）"
    en = f"closed at source (status {status}"
    notes = _notes(record.remote_notes)
    if notes:
        zh += f"：{notes}"
    if record.duplicate_of:
        zh += f"；重复于请求 {record.duplicate_of}"
        en += f"; duplicate of request {record.duplicate_of}"
        if case_no:
            zh += f"（案件 {case_no}）"
            en += f", case {case_no}"
    return f"{zh} / {en})"


def closed_problem(uow: IntakeUnitOfWork, record: IntakeRecord, digest: str,
                   old: IntakeProblem | None, now: datetime) -> IntakeProblem | None:
    """The intake problem that records a request closed at the source (None: already recorded).

    A dismissed record stays dismissed; an open one of the same content is already there.
    """
    if old is not None and (old.status is ProblemStatus.DISMISSED or (
            old.status is ProblemStatus.OPEN and old.kind is ProblemKind.CLOSED_AT_SOURCE
            and old.payload_hash == digest)):
        return None
    parent = (uow.intake.link(record.channel, record.duplicate_of)
              if record.duplicate_of else None)
    case_no = None
    if parent is not None:
        try:
            case_no = uow.cases.get(parent.case_id).case_no
        except NotFoundError:
            parent = None
    return IntakeProblem(
        id=old.id if old else None, channel=record.channel, external_id=record.external_id,
        parser=record.parser, kind=ProblemKind.CLOSED_AT_SOURCE,
        reason=closed_reason(record, case_no)[:2000], raw=record.raw, payload_hash=digest,
        first_seen=old.first_seen if old else now, last_seen=now,
        attempts=old.attempts + 1 if old else 1, status=ProblemStatus.OPEN,
        external_code=(record.external_code or "")[:128] or None,
        case_id=parent.case_id if parent is not None else None)


# --------------------------------------------------------------------------- later changes


def _echo(uow: IntakeUnitOfWork, record: IntakeRecord, status_changed: bool,
          notes_changed: bool) -> bool:
    """True when what changed is what CityDesk itself pushed for this record."""
    sent = [i for i in uow.intake.outbox_for(record.channel, record.external_id)
            if i.state is OutboxState.SENT]
    if not sent:
        return False
    if notes_changed and _notes(record.remote_notes) not in {_notes(i.notes) for i in sent}:
        return False
    # A status the source shows after our push is ours when it is the one we last sent.
    return not status_changed or (record.remote_status or "") == sent[-1].status


def apply_source_change(uow: IntakeUnitOfWork, centre: Centre, actor: Actor,
                        link: IntakeLink, record: IntakeRecord, digest: str, request_id: str,
                        now: datetime) -> Change:
    """Store what a changed record says and log the source's news in the case (no commit).

    The source's own status and time stay on the link; an echo of our push only moves the
    digest.  A source event carries ``request_id``: the same change read twice logs once.
    """
    stored = replace(link, payload_hash=digest, updated_at=now)
    old_notes = _notes_part(link.payload_hash)
    status_changed = (record.remote_status or None) != (link.remote_status or None)
    notes_changed = old_notes is not None and old_notes != _notes_part(digest)
    if old_notes is None and not status_changed:
        uow.intake.update_link(stored)
        return Change.UNKNOWN
    if not status_changed and not notes_changed:
        uow.intake.update_link(stored)
        return Change.CONTENT
    if _echo(uow, record, status_changed, notes_changed):
        uow.intake.update_link(stored)
        return Change.ECHO
    uow.intake.update_link(replace(
        stored, remote_status=(record.remote_status or "")[:64] or None,
        remote_updated_at=record.remote_updated_at or link.remote_updated_at))
    if not uow.events.by_request(request_id):
        case = uow.cases.get(link.case_id)
        changed = record.remote_updated_at
        news = SourceNews(record.channel, record.external_id, record.remote_status,
                          _notes(record.remote_notes),
                          centre.local(changed) if changed is not None else None,
                          record.duplicate_of)
        who = replace(actor, desk=actor.desk or "intake")
        uow.events.append([replace(source_event(case, news, who, now), request_id=request_id)])
    return Change.NEWS


def source_said_closed(link: IntakeLink | None) -> bool:
    """True when the source's own last word on a linked record is that it is closed."""
    return link is not None and is_closed(link.remote_status)


def source_news_after(events: list[Event], item_event_id: int, occurred_at: datetime
                      ) -> Event | None:
    """The source event that makes a change older than the source's state, if any.

    A change is older when the source event was logged after it (we learnt of the source's
    change only later) and the source's own time of the change is after ours as well.
    """
    for event in reversed(events):
        if event.type != SOURCE_UPDATE or event.id is None or event.id <= item_event_id:
            continue
        said = event.payload.get("source_time")
        if isinstance(said, str):
            try:
                if datetime.fromisoformat(said) <= occurred_at:
                    continue
            except ValueError:
                pass
        return event
    return None
