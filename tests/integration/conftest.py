"""Fixtures that run every integration test on SQLite and on PostgreSQL.

PostgreSQL tests get a fresh database ``citydesk_test_<8 hex>`` on the server named by
``$CITYDESK_TEST_PG`` (an admin URL; default ``postgresql+psycopg://postgres@127.0.0.1:5432/
postgres``), dropped afterwards.  If that server cannot be reached the tests are skipped, or
fail when ``CI=true`` or ``CITYDESK_REQUIRE_PG=1``: in CI a silently skipped backend is a
backend nobody tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from console.domain.cases import (
    Case,
    CaseState,
    Event,
    PendingRequest,
    RequestKind,
    Role,
    Source,
)
from db.engine import make_engine
from db.schema import upgrade
from db.uow import SqlUnitOfWork, make_uow_factory
from tests.integration.intake_helpers import clock, intake  # noqa: F401  (intake fixtures)
from tests.integration.templates import ReferenceTemplates, copy_database
from tests.open311_server import open311_server  # noqa: F401  (a local HTTP server)
from tests.pg import fresh_pg_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: an SQLite file in ``tmp_path``, or a fresh PostgreSQL DB."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'citydesk.sqlite3'}"
        else:
            url = stack.enter_context(fresh_pg_database(request.getfixturevalue("pg_admin")))
        eng = make_engine(url)
        stack.callback(eng.dispose)
        yield eng


@pytest.fixture
def db_url(engine: Engine) -> str:
    """The URL of ``engine``'s database, for a second engine or another process."""
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def uow_factory(engine: Engine, request: pytest.FixtureRequest) -> Callable[[], SqlUnitOfWork]:
    """Units of work on ``engine`` after ``db.schema.upgrade``.

    The upgraded schema is copied from a database migrated once per session (a file copy on
    SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL): the same tables, triggers and
    revision as running the migrations, at a fraction of the time per test.
    ``test_db_schema`` runs the migrations themselves on empty databases.
    """
    template = request.getfixturevalue(
        "sqlite_head_template" if engine.dialect.name == "sqlite" else "pg_head_template")
    copy_database(engine, request, template)
    return make_uow_factory(engine)


@pytest.fixture
def kaihua_factory(engine: Engine, request: pytest.FixtureRequest,
                   reference_templates: ReferenceTemplates) -> Callable[[], SqlUnitOfWork]:
    """:func:`uow_factory` on a database that also holds Kaihua's reference files and 2026's
    statutory days: what ``init_reference(uow_factory(), load_centre_files(),
    statutory_days([2026]))`` writes, copied from a database that ran it once per session."""
    return reference_templates.copy(engine, request, (2026,))


@pytest.fixture(scope="session")
def reference_templates() -> Iterator[ReferenceTemplates]:
    """The session's databases of Kaihua's reference data, built on first use."""
    with ExitStack() as stack:
        yield ReferenceTemplates(stack)


@pytest.fixture(scope="session")
def sqlite_head_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("head") / "head.sqlite3"
    eng = make_engine(f"sqlite:///{path}")
    try:
        upgrade(eng)
    finally:
        eng.dispose()
    return path


@pytest.fixture(scope="session")
def pg_head_template(pg_admin: Engine) -> Iterator[str]:
    """A PostgreSQL database migrated to head once per session (used as a TEMPLATE)."""
    with fresh_pg_database(pg_admin) as url:
        eng = make_engine(url)
        try:
            upgrade(eng)
        finally:
            eng.dispose()
        yield str(eng.url.database)


SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


def new_case(case_no: str = "2026030200001", **changes: Any) -> Case:
    """A new case (no id) with every optional field filled, times in Asia/Shanghai."""
    base = Case(
        id=None,
        case_no=case_no,
        state=CaseState.DISPATCHED,
        source=Source.PUBLIC,
        category="01001",
        description="人行道井盖破损，行人易绊倒",
        reported_at=T0,
        reporter="张三",
        grid="330824001001001",
        street="330824001",
        lon=118.4151234,
        lat=29.1365678,
        address="芹阳路 12 号",
        component_id="33082401010010001",
        contact="13800000000",
        condition="c1",
        limit_class="工程性",
        unit="KH-SZJ",
        parent_unit="KH-ZJJ",
        suggested_unit="KH-SZJ",
        routing_rule="01001 county-wide → KH-SZJ",
        substitute=True,
        verified=True,
        natural_time=True,
        stage="处置",
        stage_started_at=T0 + timedelta(minutes=40),
        stage_limit=480,
        stage_deadline=T0 + timedelta(days=1, minutes=40),
        suspended_at=T0 + timedelta(hours=2),
        pending=PendingRequest(
            kind=RequestKind.EXTENSION,
            reason="需要采购井盖",
            requested_by="li4",
            requested_role=Role.UNIT,
            requested_at=T0 + timedelta(hours=3, microseconds=123456),
            minutes=240,
        ),
        rework_count=1,
        return_count=2,
        extension_count=3,
        extension_minutes=120,
        suspend_count=1,
        urge_count=4,
        handle_overdue=True,
        close_type="正常",
        merged_into=None,
        closed_at=T0 + timedelta(days=2),
        version=0,
        updated_at=T0 + timedelta(hours=3, seconds=1),
    )
    return replace(base, **changes)


def new_event(case_id: int, **changes: Any) -> Event:
    """An event of ``case_id`` with every field filled."""
    base = Event(
        case_id=case_id,
        type="dispatch",
        from_state=CaseState.FILED,
        to_state=CaseState.DISPATCHED,
        actor="wang5",
        role=Role.DISPATCHER,
        occurred_at=T0 + timedelta(minutes=40),
        desk="desk-2",
        unit="KH-SZJ",
        stage="派遣",
        stage_deadline=T0 + timedelta(minutes=60),
        on_time=True,
        payload={"note": "请尽快处置", "minutes": 30, "tags": ["井盖", "急"]},
    )
    return replace(base, **changes)


@pytest.fixture
def make_case() -> Callable[..., Case]:
    """:func:`new_case`: ``make_case("2026…", state=…)``."""
    return new_case


@pytest.fixture
def make_event() -> Callable[..., Event]:
    """:func:`new_event`: ``make_event(case_id, type=…)``."""
    return new_event
