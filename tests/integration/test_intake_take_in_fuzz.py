"""Fuzzed records through take_in on a real database: each is filed, a duplicate, or quarantined
with its reason, and a bad one never stops the next."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from console.domain.calendar import statutory_days
from console.intake.feed import feed_record
from console.intake.open311_parse import request_record
from console.reference_files import load_centre_files
from console.services.centre import load_centre
from console.services.intake import IntakeContext, Outcome, take_in
from console.services.intake_ports import ProblemFilter
from console.services.intake_problems import set_mapping
from console.services.setup import init_reference
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.integration.intake_helpers import NOW, Clock
from tests.unit.test_intake_fuzz import feed_items, open311_items


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntakeContext]:
    path: Path = tmp_path_factory.mktemp("fuzzdb") / "fuzz.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = make_uow_factory(engine)
    init_reference(factory(), load_centre_files(), statutory_days([2026]))
    centre = load_centre(factory())
    made = IntakeContext(factory, centre, centre.actor("admin", "fuzz"), Clock(NOW))
    set_mapping(factory, centre, made.actor, NOW, "open311:fuzz", "GARB", "06010")
    yield made
    engine.dispose()


def _check(ctx: IntakeContext, record: Any) -> None:
    taken = take_in(ctx, record)
    assert taken.outcome in set(Outcome)
    if taken.outcome is Outcome.QUARANTINED:
        assert taken.reason and taken.reason.strip()
        with ctx.uow_factory() as uow:
            kept = uow.intake.problems(ProblemFilter(status=None, limit=100_000))
        assert any(p.reason == taken.reason for p in kept)
        assert all(p.reason.strip() and p.raw is not None for p in kept)
    # a good record right after a bad one is still taken in
    good = request_record("open311:fuzz", {
        "service_request_id": f"good-{id(record)}-{taken.outcome}", "service_code": "GARB",
        "description": "路口垃圾", "requested_datetime": "2026-03-02T08:00:00+08:00",
        "lat": 29.1474435, "long": 118.401522}, "网络/微信", ctx.centre.tz)
    assert take_in(ctx, good).outcome in (Outcome.CREATED, Outcome.DUPLICATE)


SLOW = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SLOW
@given(open311_items)
def test_fuzzed_open311_records(ctx: IntakeContext, item: Any) -> None:
    _check(ctx, request_record("open311:fuzz", item, "网络/微信", ctx.centre.tz))


@SLOW
@given(feed_items)
def test_fuzzed_feed_records(ctx: IntakeContext, item: Any) -> None:
    _check(ctx, feed_record("feed:fuzz", item, None, ctx.centre.tz))
