"""Shared fixtures of the intake tests: an initialised centre and an intake context on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.domain.calendar import statutory_days
from console.reference_files import load_centre_files
from console.services.centre import load_centre
from console.services.intake import IntakeContext
from console.services.setup import init_reference

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
def intake(uow_factory: Callable[[], Any], clock: Clock) -> IntakeContext:
    """An intake context on a database holding Kaihua's reference data; files as admin."""
    init_reference(uow_factory(), load_centre_files(), statutory_days([2025, 2026]))
    centre = load_centre(uow_factory())
    return IntakeContext(uow_factory, centre, centre.actor("admin", "intake"), clock)


def case_count(ctx: IntakeContext) -> int:
    """How many cases the database holds."""
    from console.services.uow import CaseFilter

    with ctx.uow_factory() as uow:
        return uow.cases.count(CaseFilter())
