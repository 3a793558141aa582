"""绩效评价 league tables: one row per object, the ranking, and the JSON form.

:func:`rank_rows` is the one ranking every view of the evaluation uses (the evaluation window,
``citydesk eval``, the exported reports): objects with something due, best score first and
ranked 1, 1, 3 …; then the objects with nothing due (``Evaluation.due`` False), unranked and
ungraded, by key.  An idle unit scores 100 by the standard's formulas (0 of 0 failed), so
without this rule it would rank first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from console.domain.calendar import gap_message
from console.domain.evaluation import (
    NOTHING_DUE,
    OBJECT_LABELS,
    Evaluation,
    Grade,
    IndexKind,
    Period,
)
from console.services.evaluation_cases import CaseIdSource

#: Count names each object's rows carry (each with its case ids), in display order.
COUNTS: Mapping[str, tuple[str, ...]] = {
    "unit": ("dispatched", "filed", "due_to_close", "closed", "due_to_handle", "handled_on_time",
             "overdue_open", "reworked", "returned", "extended"),
    "collector": ("reports", "pending", "valid", "filed", "missed", "verify_due", "verify_on_time",
                  "verify_overdue_open", "check_due", "check_on_time", "check_overdue_open",
                  "self_handled", "self_approved", "self_rejected", "self_pending"),
    "acceptor": ("accepted", "accepts", "refusals", "verify_sent", "verify_sent_on_time",
                 "check_sent", "check_sent_on_time", "self_approved", "self_rejected"),
    "supervisor": ("filed", "filed_on_time", "voided", "refused_file", "closed", "closed_on_time"),
    "dispatcher": ("dispatched", "dispatched_on_time", "returned"),
    "area": ("filed", "reported_verified", "due_to_close", "closed", "closed_on_time",
             "self_handled"),
}


@dataclass(frozen=True, slots=True)
class EvaluationRow:
    """One evaluated object: who it is, its counts with their cases, and its evaluation.

    ``case_ids`` maps every count name to the cases behind it (ascending, each once).  For
    units it is lazy (:class:`~console.services.evaluation_cases.LazyCaseIds`): the lists are
    read from the database the first time one is asked for, on the thread that asks.
    ``rank`` is None for an object with nothing due (see :func:`rank_rows`).
    """

    key: str
    ident: Mapping[str, Any]
    counts: Mapping[str, int]
    case_ids: Mapping[str, tuple[int, ...]]
    evaluation: Evaluation
    rank: int | None = None

    @property
    def score(self) -> float:
        """综合指标值, 0–100 (the formula's, also for an object with nothing due)."""
        return self.evaluation.score

    @property
    def grade(self) -> Grade | None:
        """评价等级; None when nothing was due."""
        return self.evaluation.grade

    @property
    def due(self) -> bool:
        """Something fell due in the period, so the object is graded and ranked."""
        return self.evaluation.due

    @property
    def reason(self) -> str | None:
        """Why the object has no rank and no grade (None when it has both)."""
        return None if self.due else NOTHING_DUE

    def ids(self, name: str) -> tuple[int, ...]:
        """The cases behind the count ``name`` (the drill-down), ascending, each once."""
        return tuple(self.case_ids.get(name, ()))

    @property
    def rates(self) -> dict[str, float]:
        """The rate indices by key (fractions 0–1)."""
        return {i.key: i.value for i in self.evaluation.indices if i.kind is not IndexKind.COUNT}

    def as_dict(self, case_ids: bool = True) -> dict[str, Any]:
        """JSON-ready form: identity, counts, rates, score, grade, indices and case ids.

        ``rank``, ``grade``, ``grade_colour`` and ``grade_hex`` are None for an object with
        nothing due, and ``unranked_reason`` says why.  ``case_ids=False`` leaves the lists out
        (and so never reads them).
        """
        g = self.grade
        data = {
            "rank": self.rank,
            **self.ident,
            **self.counts,
            **self.rates,
            "score": self.score,
            "grade": None if g is None else g.value,
            "grade_colour": None if g is None else g.colour,
            "grade_hex": None if g is None else g.hex,
            "due": self.due,
            "unranked_reason": self.reason,
            "indices": {i.key: i.as_dict() for i in self.evaluation.indices},
        }
        if case_ids:
            data["case_ids"] = {k: list(v) for k, v in self.case_ids.items()}
        return data


def rank_rows(rows: Sequence[EvaluationRow]) -> list[EvaluationRow]:
    """The league table's order and ranks.

    Objects with something due come first, best score first (ties by key) and ranked 1, 1, 3 …
    (equal scores share a rank); the objects with nothing due follow, by key, with no rank.
    """
    due = sorted((r for r in rows if r.due), key=lambda r: (-r.score, r.key))
    out: list[EvaluationRow] = []
    for i, row in enumerate(due):
        rank = out[-1].rank if out and out[-1].score == row.score else i + 1
        out.append(replace(row, rank=rank))
    out += [replace(r, rank=None) for r in sorted((r for r in rows if not r.due),
                                                   key=lambda r: r.key)]
    return out


def _previous(before: EvaluationRow | None) -> dict[str, Any] | None:
    if before is None:
        return None
    g = before.grade
    return {"score": before.score, "grade": None if g is None else g.value, "rank": before.rank,
            "unranked_reason": before.reason}


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """A league table: the period, the object type and the rows (see :func:`rank_rows`).

    ``as_of`` is set when the period was not over at the time of the evaluation: its counts
    stop at that instant (a stage whose deadline is still ahead is not due yet).
    """

    period: Period
    object: str
    rows: tuple[EvaluationRow, ...]
    tz: tzinfo
    area_level: str | None = None
    previous: EvaluationReport | None = None
    cases: CaseIdSource | None = None  # where lazy rows read their case ids
    as_of: datetime | None = None
    #: What the counts left out and why (imported history: console.services.evaluation_notes),
    #: one line each, Chinese / English.
    notes: tuple[str, ...] = ()
    #: Years of the period whose statutory holidays the calendar does not know: its
    #: working-time deadlines counted Monday to Friday there (see console/services/calendar_year).
    calendar_gaps: tuple[int, ...] = ()

    def row(self, key: str) -> EvaluationRow | None:
        """The row of a unit code, user name or area code."""
        return next((r for r in self.rows if r.key == key), None)

    def as_dict(self, case_ids: bool = True) -> dict[str, Any]:
        """``{"period": …, "object": …, "rows": […]}`` (plus the previous period's scores).

        With ``case_ids`` (the default) every row lists the cases behind every count, fetched
        in one query for lazy rows; the unit of work must still be usable.  ``change`` (the
        score's difference from the previous period) is None unless both periods graded the
        object: a score with nothing due behind it is no level to compare with.
        """
        tz = self.tz
        data: dict[str, Any] = {
            "period": self.period.as_dict(tz),
            "object": self.object,
            "object_label": OBJECT_LABELS[self.object],
        }
        if self.as_of is not None:
            data["as_of"] = self.as_of.astimezone(tz).isoformat()
        if self.area_level is not None:
            data["area_level"] = self.area_level
        data["notes"] = list(self.notes)
        data["warnings"] = [gap_message(self.calendar_gaps)] if self.calendar_gaps else []
        if case_ids and self.cases is not None:
            self.cases.load_all()
        rows = [r.as_dict(case_ids) for r in self.rows]
        if self.previous is not None:
            data["previous_period"] = self.previous.period.as_dict(tz)
            for row, r in zip(rows, self.rows, strict=True):
                before = self.previous.row(r.key)
                row["previous"] = _previous(before)
                row["change"] = (round(r.score - before.score, 2)
                                 if before is not None and before.due and r.due else None)
        data["rows"] = rows
        return data
