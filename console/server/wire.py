"""JSON shapes of the API's answers (cases, timelines, the caller), built from service DTOs.

Times are ISO 8601 with their offset (UTC as the database stores them); enum members are
their values (``待派遣``, ``受理员``), as ``citydesk case list --json`` prints them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console.domain.cases import Actor, Case
from console.domain.event_facts import TaskHolder, fact_line
from console.services.cases import ReportResult
from console.services.queries import CaseDetail, CaseRow, TimelineEntry
from console.services.sessions import SessionPolicy, SessionRecord
from console.services.uow import PhotoInfo


def _iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC (every time of the API is; clients show local time)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def case_dict(row: CaseRow) -> dict[str, Any]:
    """A queue row: ``CaseRow.as_dict`` plus the fields a desk's detail line shows."""
    c = row.case
    return row.as_dict() | {
        "description": c.description,
        "address": c.address,
        "lon": c.lon,
        "lat": c.lat,
        "reporter": c.reporter,
        "assignee": c.assignee,
        "updated_at": _iso(c.updated_at),
        "closed_at": _iso(c.closed_at),
        "merged_into": c.merged_into,
        "category_name_en": row.category_name_en,
        "unit_name_en": row.unit_name_en,
    }


def short_case(case: Case) -> dict[str, Any]:
    """What a command's answer needs to go on: id, number, state, unit, version."""
    return {"id": case.id, "case_no": case.case_no, "state": case.state.value,
            "unit": case.unit, "stage": case.stage,
            "stage_deadline": _iso(case.stage_deadline), "version": case.version,
            "pending": case.pending.kind.value if case.pending else None}


def _entry(entry: TimelineEntry) -> dict[str, Any]:
    e = entry.event
    return {"id": e.id, "type": e.type, "from": e.from_state.value if e.from_state else None,
            "to": e.to_state.value, "actor": e.actor, "role": e.role.value, "desk": e.desk,
            "unit": e.unit, "at": _iso(e.occurred_at), "stage": e.stage,
            "stage_deadline": _iso(e.stage_deadline), "on_time": e.on_time,
            "payload": dict(e.payload), "details": [fact_line(f) for f in entry.facts],
            "photos": [p.id for p in entry.photos]}


def _photo(p: PhotoInfo) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, "filename": p.filename, "mime": p.mime,
            "size": p.size, "event_id": p.event_id, "uploaded_at": _iso(p.uploaded_at),
            "uploaded_by": p.uploaded_by}


def _holder(h: TaskHolder | None) -> dict[str, Any] | None:
    if h is None:
        return None
    return {"task": h.task.value, "role": h.role.value, "collector": h.collector,
            "name": h.name, "sent": h.sent, "since": _iso(h.since)}


def detail_dict(detail: CaseDetail) -> dict[str, Any]:
    """A case with its timeline, photos (without bytes) and the holder of its field task."""
    return case_dict(detail.row) | {
        "timeline": [_entry(entry) for entry in detail.timeline],
        "photos": [_photo(p) for p in detail.photos],
        "holder": _holder(detail.holder),
    }


def report_dict(result: ReportResult) -> dict[str, Any]:
    """A new case with its routing suggestion and duplicate hints."""
    return {
        "case": short_case(result.case),
        "route": {"unit": result.route.unit, "rule": result.route.rule},
        "duplicates": [{"id": d.case_id, "case_no": d.case_no,
                        "distance_m": None if d.distance_m is None else round(d.distance_m, 1)}
                       for d in result.duplicates],
    }


def whoami_dict(actor: Actor, name: str, record: SessionRecord,
                policy: SessionPolicy) -> dict[str, Any]:
    """The signed-in user and their session (never the token or its digest)."""
    return {
        "username": actor.user, "name": name, "role": actor.role.value, "unit": actor.unit,
        "grids": list(actor.grids),
        "session": {"kind": record.kind, "client": record.client,
                    "created_at": _iso(record.created_at),
                    "expires_at": _iso(record.expires_at),
                    "idle_timeout_s": int(policy.idle.total_seconds())},
    }
