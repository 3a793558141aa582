"""Replacer builds what dataclasses.replace builds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from console.domain.cases import CaseState, Event, Role
from console.domain.copies import Replacer


def _event() -> Event:
    return Event(7, "report", None, CaseState.REPORTED, "caiji01", Role.COLLECTOR,
                 datetime(2026, 3, 2, tzinfo=UTC), desk="desk-1", payload={"source": "x"})


def test_a_replacer_equals_replace_and_leaves_the_original() -> None:
    event = _event()
    numbered = Replacer(Event, "id", "case_id")
    assert numbered(event, 42, 9) == dataclasses.replace(event, id=42, case_id=9)
    assert event.id is None and event.case_id == 7


def test_a_replacer_wants_one_value_per_named_field() -> None:
    with pytest.raises(ValueError, match="zip"):
        Replacer(Event, "id")(_event(), 1, 2)
