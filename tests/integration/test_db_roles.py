"""Central PostgreSQL roles: the desks' role may append to the log but never rewrite it, the
wall's role only reads, and the append-only trigger stops even the owner.

Roles are cluster-wide: each test makes its own with a unique name and drops them afterwards
(``DROP OWNED`` in the test database first, so ``DROP ROLE`` finds nothing left).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from console.domain.calendar import statutory_days
from console.domain.errors import ValidationError
from console.reference_files import load_centre_files
from console.services.cases import Report, act, action_committed, report_case
from console.services.centre import Centre, load_centre
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from console.services.wall import wall_data
from db.engine import make_engine
from db.grants import grant_roles
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.pg import fresh_pg_database

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua
DENIED = "permission denied"


@dataclass
class Central:
    """A set-up centre database, its owner's engine and two fresh roles (not yet granted)."""

    url: str
    owner: Engine
    app_role: str
    wall_role: str
    engines: list[Engine]

    def engine_as(self, role: str) -> Engine:
        """An engine connecting as ``role`` (trust authentication: no password)."""
        url = make_url(self.url).set(username=role, password=None)
        engine = make_engine(url.render_as_string(hide_password=False))
        self.engines.append(engine)
        return engine


def create_roles(admin: Engine, *names: str) -> None:
    """Roles as a DBA makes them: created NOLOGIN, then allowed to log in."""
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE ROLE "{name}" NOLOGIN'))
            conn.execute(text(f'ALTER ROLE "{name}" LOGIN'))


def drop_roles(admin: Engine, database_engine: Engine, *names: str) -> None:
    """Forget the roles' privileges in the test database, then drop them from the cluster."""
    quoted = ", ".join(f'"{n}"' for n in names)
    with database_engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {quoted}"))
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


@pytest.fixture
def central(pg_admin: Engine) -> Iterator[Central]:
    """A fresh database at head with Kaihua's reference data and two unique roles."""
    suffix = uuid.uuid4().hex[:8]
    app_role, wall_role = f"cd_app_{suffix}", f"cd_wall_{suffix}"
    with fresh_pg_database(pg_admin) as url:
        owner = make_engine(url)
        upgrade(owner)
        init_reference(make_uow_factory(owner)(), load_centre_files(), statutory_days([2026]))
        create_roles(pg_admin, app_role, wall_role)
        place = Central(url, owner, app_role, wall_role, [owner])
        try:
            yield place
        finally:
            for engine in place.engines[1:]:
                engine.dispose()
            drop_roles(pg_admin, owner, app_role, wall_role)
            owner.dispose()


def centre_of(engine: Engine) -> tuple[Centre, Callable[[], UnitOfWork]]:
    factory = make_uow_factory(engine)
    return load_centre(factory()), factory


def refused(engine: Engine, sql: str) -> str:
    """Run ``sql``, expect the database to refuse it; return its message."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(sql))
    return str(caught.value.orig)


def test_the_app_role_reports_and_acts_but_cannot_rewrite_the_log(central: Central) -> None:
    grant_roles(central.owner, central.app_role, central.wall_role)
    desk = central.engine_as(central.app_role)
    centre, uows = centre_of(desk)
    case = report_case(uows, centre, centre.actor("caiji01", "desk-app"), NOW,
                       Report("06010", "路口垃圾", grid="330824001001001")).case
    act(uows, centre, centre.actor("shouli1", "desk-app"), NOW, case.id, "accept")
    act(uows, centre, centre.actor("zhibanzhang1", "desk-app"), NOW, case.id, "file")
    done = act(uows, centre, centre.actor("paiqian1", "desk-app"), NOW, case.id, "dispatch",
               expected_version=3, request_id="req-roles-1")
    assert done.version == 4
    assert action_committed(uows, "req-roles-1")
    with uows() as uow:
        assert [e.type for e in uow.events.for_case(case.id)] == [
            "report", "accept", "file", "dispatch"]

    for sql in ("UPDATE case_events SET desk = 'forged'",
                "DELETE FROM case_events",
                "TRUNCATE case_events",
                "UPDATE alembic_version SET version_num = '0001'",
                "CREATE TABLE intruder (id integer)"):
        assert DENIED in refused(desk, sql), sql
    with uows() as uow:
        assert uow.events.count() == 4


def test_the_owner_is_stopped_by_the_append_only_trigger(central: Central) -> None:
    centre, uows = centre_of(central.owner)
    report_case(uows, centre, centre.actor("caiji01"), NOW,
                Report("06010", "路口垃圾", grid="330824001001001"))
    for sql in ("UPDATE case_events SET desk = 'forged'", "DELETE FROM case_events",
                "TRUNCATE case_events CASCADE"):
        message = refused(central.owner, sql)
        assert "append-only" in message and DENIED not in message, sql


def test_the_wall_role_only_reads(central: Central) -> None:
    centre, uows = centre_of(central.owner)
    case = report_case(uows, centre, centre.actor("caiji01"), NOW,
                       Report("06010", "路口垃圾", grid="330824001001001")).case
    act(uows, centre, centre.actor("shouli1"), NOW, case.id, "accept")
    grant_roles(central.owner, central.app_role, central.wall_role)
    wall = central.engine_as(central.wall_role)
    tables = inspect(central.owner).get_table_names()
    assert "case_events" in tables and "alembic_version" in tables
    for table in tables:
        with wall.connect() as conn:
            conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
        column = inspect(central.owner).get_columns(table)[0]["name"]
        for sql in (f'INSERT INTO "{table}" DEFAULT VALUES',
                    f'UPDATE "{table}" SET "{column}" = "{column}"',
                    f'DELETE FROM "{table}"'):
            assert DENIED in refused(wall, sql), sql
    assert DENIED in refused(wall, "SELECT nextval(pg_get_serial_sequence('cases', 'id'))")

    wall_centre, wall_uows = centre_of(wall)
    data = wall_data(wall_uows(), wall_centre, NOW)
    assert data is not None
    with wall_uows() as uow:
        assert uow.events.count() == 2


def _privileges(engine: Engine, role: str) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = :role"), {"role": role})
        return {(r[0], r[1]) for r in rows}


def test_grants_are_exactly_the_documented_set_and_idempotent(central: Central) -> None:
    report = grant_roles(central.owner, central.app_role, central.wall_role)
    app = _privileges(central.owner, central.app_role)
    assert {p for t, p in app if t == "case_events"} == {"SELECT", "INSERT"}
    assert {p for t, p in app if t == "admin_log"} == {"SELECT", "INSERT"}  # append-only too
    assert {p for t, p in app if t == "alembic_version"} == {"SELECT"}
    assert {p for t, p in app if t == "cases"} == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert {p for _t, p in _privileges(central.owner, central.wall_role)} == {"SELECT"}
    assert {t for t, _p in app} == set(report.tables)
    assert {"cases_id_seq", "case_events_id_seq"} <= set(report.sequences)
    with central.owner.begin() as conn:  # an extra privilege someone added by hand
        conn.execute(text(f'GRANT UPDATE ON case_events TO "{central.app_role}"'))
    grant_roles(central.owner, central.app_role, central.wall_role)
    assert _privileges(central.owner, central.app_role) == app


@pytest.mark.parametrize(("roles", "needle"), [
    (("cd_missing_{s}", None), "不存在"),
    (("{app}", "{app}"), "不能是同一个"),
    (("postgres", None), "超级用户"),
    (("", None), "角色名"),
])
def test_bad_roles_are_refused_and_nothing_is_granted(
        central: Central, roles: tuple[str, str | None], needle: str) -> None:
    names = {"s": uuid.uuid4().hex[:8], "app": central.app_role}
    app_role = roles[0].format(**names)
    wall_role = None if roles[1] is None else roles[1].format(**names)
    with pytest.raises(ValidationError, match=needle):
        grant_roles(central.owner, app_role, wall_role)
    assert _privileges(central.owner, central.app_role) == set()


def test_a_missing_wall_role_grants_nothing_to_the_app_role(central: Central) -> None:
    with pytest.raises(ValidationError, match="不存在"):
        grant_roles(central.owner, central.app_role, f"cd_missing_{uuid.uuid4().hex[:8]}")
    assert _privileges(central.owner, central.app_role) == set()


def test_only_the_owner_may_grant(central: Central) -> None:
    grant_roles(central.owner, central.app_role)
    with pytest.raises(ValidationError, match="属主"):
        grant_roles(central.engine_as(central.app_role), central.wall_role)
