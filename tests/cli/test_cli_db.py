"""``citydesk db grant``: PostgreSQL roles for desks and the wall; SQLite and bad roles refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine
from tests.cli.conftest import fingerprint, run
from tests.integration.test_db_roles import create_roles, drop_roles
from tests.pg import fresh_pg_database


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def test_sqlite_has_no_roles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    assert run(url, "init").code == 0
    before = fingerprint(url)
    result = run(url, "db", "grant", "--app-role", "citydesk_app")
    assert result.code == 2
    assert "PostgreSQL" in result.err and len(result.err.strip().splitlines()) == 1
    assert fingerprint(url) == before


def test_sqlite_refusal_creates_no_file(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'none.sqlite3'}", "db", "grant", "--app-role", "x")
    assert result.code == 2 and "PostgreSQL" in result.err
    assert not (tmp_path / "none.sqlite3").exists()


def test_the_app_role_is_required(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'x.sqlite3'}", "db", "grant")
    assert result.code == 2 and "--app-role" in result.err


@pytest.fixture
def pg_roles(pg_admin: Engine) -> Iterator[tuple[str, str, str]]:
    """An initialised PostgreSQL database and two fresh roles: (url, app role, wall role)."""
    suffix = uuid.uuid4().hex[:8]
    app_role, wall_role = f"cd_app_{suffix}", f"cd_wall_{suffix}"
    with fresh_pg_database(pg_admin) as url:
        assert run(url, "init").code == 0
        create_roles(pg_admin, app_role, wall_role)
        owner = make_engine(url)
        try:
            yield url, app_role, wall_role
        finally:
            drop_roles(pg_admin, owner, app_role, wall_role)
            owner.dispose()


def _grantees(url: str) -> set[tuple[str, str, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT grantee, table_name, privilege_type "
                "FROM information_schema.role_table_grants WHERE grantee LIKE 'cd\\_%'"))
            return {(r[0], r[1], r[2]) for r in rows}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_grant_then_desks_work_as_the_app_role(pg_roles: tuple[str, str, str]) -> None:
    url, app_role, wall_role = pg_roles
    result = run(url, "db", "grant", "--app-role", app_role, "--wall-role", wall_role, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["app_role"]["name"] == app_role
    assert data["app_role"]["tables"]["case_events"] == ["SELECT", "INSERT"]
    assert data["wall_role"]["tables"]["cases"] == ["SELECT"]

    desk = as_role(url, app_role)
    made = run(desk, "case", "new", "--category", "06010", "--desc", "路口垃圾",
               "--grid", "330824001001001", "--as", "caiji01")
    assert made.code == 0, made.err
    for argv in (("case", "accept", "1", "--as", "shouli1"),
                 ("case", "file", "1", "--as", "zhibanzhang1"),
                 ("case", "dispatch", "1", "--as", "paiqian1")):
        step = run(desk, *argv)
        assert step.code == 0, step.err
    wall = as_role(url, wall_role)
    shown = run(wall, "case", "show", "1", "--json")
    assert shown.code == 0, shown.err
    assert [e["type"] for e in json.loads(shown.out)["timeline"]][-1] == "dispatch"
    refused = run(wall, "case", "start", "1", "--as", "unit_zhzf")
    assert refused.code != 0 and "permission denied" in refused.err


@pytest.mark.postgres
def test_a_missing_role_is_refused_and_nothing_is_granted(pg_roles: tuple[str, str, str]) -> None:
    url, app_role, _wall = pg_roles
    before = fingerprint(url)
    result = run(url, "db", "grant", "--app-role", app_role,
                 "--wall-role", f"cd_nobody_{uuid.uuid4().hex[:8]}")
    assert result.code == 2
    assert "不存在" in result.err and len(result.err.strip().splitlines()) == 1
    assert _grantees(url) == set()
    assert fingerprint(url) == before
