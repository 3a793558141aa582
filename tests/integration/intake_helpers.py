"""Shared fixtures of the intake tests: an initialised centre and an intake context on it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from console.services.centre import load_centre
from console.services.intake import IntakeContext
from tests.integration.templates import ReferenceTemplates

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday morning


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def intake(engine: Engine, request: pytest.FixtureRequest,
           reference_templates: ReferenceTemplates, clock: Clock) -> IntakeContext:
    """An intake context on a database holding Kaihua's reference data (2025 and 2026's
    statutory days; a copy of the session's template); files as admin."""
    uow_factory = reference_templates.copy(engine, request, (2025, 2026))
    centre = load_centre(uow_factory())
    return IntakeContext(uow_factory, centre, centre.actor("admin", "intake"), clock)


def case_count(ctx: IntakeContext) -> int:
    """How many cases the database holds."""
    from console.services.uow import CaseFilter

    with ctx.uow_factory() as uow:
        return uow.cases.count(CaseFilter())
