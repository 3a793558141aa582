"""Displayed times are the centre's whatever the machine's zone (console.services.timefmt)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from console.services import timefmt

INSTANT = datetime(2026, 11, 25, 0, 5, 9, tzinfo=UTC)  # 08:05:09 in Kaihua


@dataclass(frozen=True)
class Centre:
    tz: tzinfo


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Kolkata"])
def machine_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_every_format_is_in_the_centres_zone(machine_zone: str) -> None:
    kaihua = Centre(ZoneInfo("Asia/Shanghai"))
    assert timefmt.date_time(kaihua, INSTANT) == "2026-11-25 08:05"
    assert timefmt.short(kaihua, INSTANT) == "11-25 08:05"
    assert timefmt.clock(kaihua, INSTANT) == "08:05"
    assert timefmt.clock(kaihua, INSTANT, seconds=True) == "08:05:09"
    assert timefmt.day(kaihua, INSTANT) == "2026-11-25"
    # The same instant given in any offset reads the same.
    assert timefmt.short(kaihua, INSTANT.astimezone(ZoneInfo("America/New_York"))) == "11-25 08:05"
    # Another centre's zone is another wall clock.
    assert timefmt.short(Centre(ZoneInfo("Europe/Berlin")), INSTANT) == "11-25 01:05"


def test_a_naive_instant_is_utc_never_the_machines(machine_zone: str) -> None:
    naive = INSTANT.replace(tzinfo=None)
    assert timefmt.in_centre(Centre(ZoneInfo("Asia/Shanghai")), naive) == INSTANT
    assert timefmt.short(Centre(ZoneInfo("Asia/Shanghai")), naive) == "11-25 08:05"
