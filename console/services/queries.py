"""Read side: case lists with their countdowns, a case's detail and timeline, as plain DTOs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from console.domain.cases import Case, CaseState, Event
from console.domain.deadlines import Countdown, Light, countdown
from console.domain.errors import ValidationError
from console.domain.event_facts import EventFact, TaskHolder, event_facts, task_holder
from console.services.cases import find_case
from console.services.centre import Centre
from console.services.uow import CaseFilter, PhotoInfo, UnitOfWork


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of a queue: the case, its running countdown (if any) and names to show."""

    case: Case
    countdown: Countdown | None
    category_name: str
    unit_name: str
    suggested_name: str = ""
    category_name_en: str = ""
    # English names beside the Chinese ones (reference data carries both; "" when it has none)
    unit_name_en: str = ""
    suggested_name_en: str = ""
    street_en: str = ""

    @property
    def light(self) -> Light | None:
        """The light of the running stage, None when no clock runs."""
        return self.countdown.light if self.countdown else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form used by ``citydesk case list --json``."""
        c = self.case
        cd = self.countdown
        return {
            "id": c.id,
            "case_no": c.case_no,
            "state": c.state.value,
            "source": c.source.value,
            "category": {"code": c.category, "name": self.category_name},
            "grid": c.grid,
            "street": c.street,
            "unit": {"code": c.unit, "name": self.unit_name} if c.unit else None,
            "suggested_unit": c.suggested_unit,
            "reported_at": c.reported_at.isoformat(),
            "stage": c.stage,
            "stage_deadline": c.stage_deadline.isoformat() if c.stage_deadline else None,
            "remaining_minutes": cd.remaining if cd else None,
            "remaining": cd.text if cd else None,
            "light": cd.light.value if cd else None,
            "pending": c.pending.kind.value if c.pending else None,
            "rework_count": c.rework_count,
            "version": c.version,
        }


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of a case's timeline: the event, what it records, the photos it added."""

    event: Event
    facts: tuple[EventFact, ...] = ()
    photos: tuple[PhotoInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case with its row data, timeline and photos.

    ``timeline`` is ``events`` with each step's notes, reasons and results and the photos it
    added; ``loose_photos`` are photos no step claims (none are written that way: a report,
    an intake record and a workflow command store their photos with their event).
    ``holder`` says who holds a 核实 / 核查 task.  ``tz`` is the centre's zone, the one every
    time of the case is shown in (see :mod:`console.services.timefmt`).
    """

    row: CaseRow
    events: tuple[Event, ...]
    photos: tuple[PhotoInfo, ...]
    timeline: tuple[TimelineEntry, ...] = ()
    loose_photos: tuple[PhotoInfo, ...] = ()
    holder: TaskHolder | None = None
    tz: tzinfo = UTC


def make_row(centre: Centre, case: Case, now: datetime) -> CaseRow:
    """Attach the countdown and display names to a case."""
    units = centre.ref.units
    cat = centre.ref.categories.get(case.category)
    unit = units.get(case.unit) if case.unit else None
    suggested = units.get(case.suggested_unit) if case.suggested_unit else None
    cell = centre.ref.grids.get(case.grid) if case.grid else None
    return CaseRow(
        case,
        countdown(case, now, centre.calendar, centre.ref.config.yellow_at),
        cat.name_zh if cat else case.category,
        unit.name if unit else "",
        suggested.name if suggested else "",
        cat.name_en if cat else "",
        unit_name_en=unit.name_en if unit else "",
        suggested_name_en=suggested.name_en if suggested else "",
        # The case keeps the street it was reported in; its English is the cell's street's
        # while the cell is still in that street (an administrator may rename streets).
        street_en=cell.street_en if cell is not None and cell.street == case.street else "",
    )


def list_cases(
    uow: UnitOfWork,
    centre: Centre,
    now: datetime,
    *,
    states: Sequence[CaseState] | None = None,
    unit: str | None = None,
    light: Light | None = None,
    open_only: bool = False,
    limit: int | None = 100,
) -> list[CaseRow]:
    """Cases newest first, optionally by state, unit and light.

    Filtering by light needs the countdown, which depends on ``now``; it runs over the open
    cases ordered by deadline, so the most urgent come first.
    """
    if limit is not None and limit <= 0:
        raise ValidationError("--limit 应为正整数 / limit must be positive")
    if unit is not None and unit not in centre.ref.units:
        raise ValidationError(f"未知的责任单位 {unit!r} / unknown unit")
    if light is None:
        flt = CaseFilter(states=tuple(states) if states else None, unit=unit,
                         open_only=open_only, limit=limit)
        with uow:
            cases = uow.cases.list(flt)
        return [make_row(centre, c, now) for c in cases]
    flt = CaseFilter(states=tuple(states) if states else None, unit=unit, open_only=True,
                     order="deadline")
    with uow:
        cases = uow.cases.list(flt)
    rows = [r for r in (make_row(centre, c, now) for c in cases) if r.light is light]
    return rows[:limit] if limit is not None else rows


def case_detail(uow: UnitOfWork, centre: Centre, ref: str | int, now: datetime) -> CaseDetail:
    """A case, its timeline (oldest first) and its photos."""
    with uow:
        case = find_case(uow, ref)
        assert case.id is not None
        events = uow.events.for_case(case.id)
        photos = uow.photos.for_case(case.id)
    timeline, loose = build_timeline(centre, events, photos)
    return CaseDetail(make_row(centre, case, now), tuple(events), tuple(photos), timeline,
                      loose, task_holder(case, events, centre.ref), centre.tz)


def build_timeline(
    centre: Centre, events: Sequence[Event], photos: Sequence[PhotoInfo]
) -> tuple[tuple[TimelineEntry, ...], tuple[PhotoInfo, ...]]:
    """Each event with its facts and photos, and the photos no event claims.

    A photo belongs to the event it was stored with (``event_id``).  A photo without one (the
    column is nullable) goes to the last event logged at its upload instant, since photos are
    stored in the same transaction, at the same instant, as their step; failing that it is loose.
    """
    by_event: dict[int, list[PhotoInfo]] = {}
    ids = {e.id for e in events if e.id is not None}
    loose: list[PhotoInfo] = []
    for photo in photos:
        owner = photo.event_id if photo.event_id in ids else None
        if owner is None:
            owner = next((e.id for e in reversed(events) if e.id is not None
                          and e.occurred_at == photo.uploaded_at), None)
        if owner is None:
            loose.append(photo)
        else:
            by_event.setdefault(owner, []).append(photo)
    entries = tuple(
        TimelineEntry(e, event_facts(e, centre.ref), tuple(by_event.get(e.id or 0, ())))
        for e in events
    )
    return entries, tuple(loose)
