"""What a channel's source says about a request after CityDesk took it in: the source event.

An Open311 server keeps its own status for every request (GeoReport ``open`` / ``closed``) and
its own ``status_notes``.  When a poll finds that the source changed them, CityDesk does not
change the case: the workflow (and the centre's 核查 before any close) stays CityDesk's.  It
logs a **source event** in the case's event log — the timeline shows it — and, when the news
asks for a decision, the desks raise an alert.  The rules (docs/intake.md, "The source's
truth"):

* the source closed the request, the case is still open → event + alert: the desk decides
  (void, refuse, merge, or carry on) — never an automatic close that would skip the check;
* the source closed the request, the case is already finished → event only (they agree);
* anything else the source changed (new notes, a reopened request) → event + alert.

Pure: no clock, no I/O.  The caller passes ``now`` and the actor the intake runs as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.cases import Actor, Case, CaseState, Event
from console.domain.commands import LABELS_ZH, Command

SOURCE_UPDATE = "source-update"
"""The event type of a source event (not a workflow command: it changes no state)."""

SOURCE_UPDATE_ZH = "源系统更新"

#: GeoReport's ``closed`` and the words some servers write for it (SeeClickFix ``archived``,
#: CRMs' ``completed`` / ``resolved`` …), lower case.
CLOSED_STATUSES = frozenset({"closed", "archived", "completed", "resolved", "cancelled",
                             "canceled"})

_COMMANDS = frozenset(c.value for c in Command)


def is_closed(status: str | None) -> bool:
    """True when a source's status says the request is closed there."""
    return (status or "").strip().lower() in CLOSED_STATUSES


def step_label_zh(kind: str) -> str:
    """A logged event's step in Chinese: the command's label, 源系统更新, else the raw type."""
    if kind == SOURCE_UPDATE:
        return SOURCE_UPDATE_ZH
    return LABELS_ZH[Command(kind)] if kind in _COMMANDS else kind


@dataclass(frozen=True, slots=True)
class SourceNews:
    """What the source now says of one request.

    Parameters
    ----------
    channel, external_id : str
        The channel and the source's id of the request.
    status : str or None
        The source's status (``open``, ``closed`` …), lower case.
    notes : str
        The source's ``status_notes`` ("" when it sent none).
    changed_at : datetime or None
        When the source says it changed the request (in the centre's zone: the timeline shows
        it as it is stored).
    duplicate_of : str or None
        The request the source says this one duplicates.
    """

    channel: str
    external_id: str
    status: str | None
    notes: str = ""
    changed_at: datetime | None = None
    duplicate_of: str | None = None

    @property
    def closed(self) -> bool:
        """The source closed the request."""
        return is_closed(self.status)


def desk_decides(state: CaseState, news: SourceNews) -> bool:
    """Whether the news needs the desk: everything but a close of a case already finished."""
    return not (news.closed and state.is_terminal)


def source_event(case: Case, news: SourceNews, actor: Actor, now: datetime) -> Event:
    """The source event of ``case``: logged, state unchanged, payload read by event_facts."""
    payload: dict[str, Any] = {
        "source_record": f"{news.channel} #{news.external_id}",
        "source_status": news.status or "",
        "source_notes": news.notes,
        "source_time": news.changed_at.isoformat() if news.changed_at is not None else "",
        "source_closed": news.closed,
        "desk_decides": desk_decides(case.state, news),
    }
    if news.duplicate_of:
        payload["duplicate_of"] = news.duplicate_of
    return Event(case_id=case.id, type=SOURCE_UPDATE, from_state=case.state,
                 to_state=case.state, actor=actor.user, role=actor.role, occurred_at=now,
                 desk=actor.desk, unit=case.unit,
                 payload={k: v for k, v in payload.items() if v not in ("", None)})


def asks_desk(event: Event) -> bool:
    """True for a source event the desk must decide on (the desks raise an alert for it)."""
    return event.type == SOURCE_UPDATE and event.payload.get("desk_decides") is True


def news_of(payload: Mapping[str, Any]) -> tuple[bool, str]:
    """(closed at the source, the source's notes) of a source event's payload."""
    return payload.get("source_closed") is True, str(payload.get("source_notes") or "")
