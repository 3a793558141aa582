"""The database roles of a central deployment with the server (issue #14), on PostgreSQL.

Only the server's role and the owner keep a way in: ``grant_roles(…, revoke=…)`` (``citydesk
db grant --server-role S --revoke-desk-roles …``) takes every privilege and the right to
connect from the roles desks and the wall used before.  Every session CityDesk opens has an
idle-in-transaction and a statement timeout, so a transaction left open (a COMMIT reply lost)
is ended by the server instead of holding its locks for hours.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from console.domain.errors import ValidationError
from console.services.cases import Report, act, report_case
from db.engine import PG_SESSION_SETTINGS, make_engine
from db.grants import SERVER_SETTINGS, grant_roles
from tests.cli.conftest import run
from tests.integration.test_db_roles import NOW, Central, central, centre_of, create_roles

pytestmark = pytest.mark.postgres
__all__ = ["central"]  # the fixture, shared with test_db_roles


def _connects(central: Central, role: str) -> bool:
    try:
        with central.engine_as(role).connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        if "permission denied for database" not in str(exc.orig):
            raise
        return False
    return True


def test_the_server_role_alone_keeps_access(central: Central, pg_admin) -> None:
    grant_roles(central.owner, central.app_role, central.wall_role)  # the old deployment
    assert _connects(central, central.app_role) and _connects(central, central.wall_role)
    server = f"cd_srv_{uuid.uuid4().hex[:8]}"
    create_roles(pg_admin, server)
    try:
        report = grant_roles(central.owner, server,
                             revoke=(central.app_role, central.wall_role))
        assert report.revoked == (central.app_role, central.wall_role)
        assert not _connects(central, central.app_role)
        assert not _connects(central, central.wall_role)
        desk = central.engine_as(server)
        centre, uows = centre_of(desk)
        case = report_case(uows, centre, centre.actor("caiji01", "srv"), NOW,
                           Report("06010", "路口垃圾", grid="330824001001001")).case
        act(uows, centre, centre.actor("shouli1", "srv"), NOW, case.id, "accept")
        with pytest.raises(DBAPIError, match="permission denied"), desk.begin() as conn:
            conn.execute(text("UPDATE case_events SET desk = 'forged'"))
        # The settings are the DBA's (ALTER ROLE needs CREATEROLE); the report says what is set.
        assert report.missing_settings() == SERVER_SETTINGS
        with pg_admin.connect() as conn:
            for name, value in SERVER_SETTINGS.items():
                conn.execute(text(f"ALTER ROLE \"{server}\" SET {name} = '{value}'"))
        again = grant_roles(central.owner, server, revoke=(central.app_role,))
        assert again.missing_settings() == {}
        assert dict(again.settings) == SERVER_SETTINGS
    finally:
        for engine in central.engines[1:]:
            engine.dispose()
        del central.engines[1:]
        with central.owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{server}"'))
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{server}"'))


def test_bad_revocations_grant_nothing(central: Central) -> None:
    for revoke, needle in (((central.app_role,), "既被授权又被收回"),
                           ((f"cd_missing_{uuid.uuid4().hex[:8]}",), "不存在")):
        with pytest.raises(ValidationError, match=needle):
            grant_roles(central.owner, central.app_role, revoke=revoke)
    assert _connects(central, central.wall_role)  # nothing was revoked either


def test_every_session_has_the_timeouts(central: Central) -> None:
    with central.owner.connect() as conn:
        shown = {name: str(conn.execute(text(f"SHOW {name}")).scalar_one())
                 for name in PG_SESSION_SETTINGS}
    assert shown == {"idle_in_transaction_session_timeout": "1min", "statement_timeout": "5min"}


def test_a_transaction_left_idle_is_ended_by_the_server(central: Central) -> None:
    engine = make_engine(central.url)
    try:
        centre, uows = centre_of(engine)
        case = report_case(uows, centre, centre.actor("caiji01", "t"), NOW,
                           Report("06010", "路口垃圾", grid="330824001001001")).case
        stuck = engine.connect()
        stuck.execute(text("SET idle_in_transaction_session_timeout = '1s'"))  # short here
        stuck.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case.id})
        time.sleep(1.5)  # a desk whose COMMIT reply never came: the row stays locked until…
        with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
            stuck.execute(text("SELECT 1"))  # …the server ended that session
        stuck.invalidate()
        stuck.close()
        # The lock went with it: another desk acts at once.
        with engine.connect() as other:
            other.execute(text("SET lock_timeout = '2s'"))
            other.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case.id})
            other.rollback()
    finally:
        engine.dispose()


def test_the_grant_command_takes_the_server_model(central: Central, pg_admin) -> None:
    server = f"cd_srv_{uuid.uuid4().hex[:8]}"
    create_roles(pg_admin, server)
    try:
        both = run(central.url, "db", "grant", "--server-role", server,
                   "--wall-role", central.wall_role)
        assert both.code == 2 and "--wall-role" in both.err
        done = run(central.url, "db", "grant", "--server-role", server, "--revoke-desk-roles",
                   central.app_role, central.wall_role, "--json")
        assert done.code == 0, done.err
        data = json.loads(done.out)
        assert data["revoked"] == [central.app_role, central.wall_role]
        assert set(data["missing_settings"]) == set(SERVER_SETTINGS)
        assert "ALTER ROLE" in done.err  # one warning line per missing setting
        assert not _connects(central, central.app_role)
    finally:
        with central.owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{server}"'))
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{server}"'))
