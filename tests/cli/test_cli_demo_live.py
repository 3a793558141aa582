"""``citydesk demo`` never touches a live central database (issue #14).

Before, ``demo --append`` run with a desk's credentials against a centre's PostgreSQL wrote a
month of invented cases and gave every user without a password (41 on Kaihua) the password
``citydesk``.  Now a central database takes a demo only while it has no case and no user with
a password; otherwise one line, exit 2, nothing changed.  The embedded SQLite file keeps
today's behaviour.
"""

from __future__ import annotations

from datetime import UTC, datetime

import argon2
import pytest

from db.engine import make_engine
from db.uow import make_uow_factory
from tests.cli.conftest import fingerprint, run


def _set_password(url: str, username: str) -> None:
    engine = make_engine(url)
    try:
        with make_uow_factory(engine)() as uow:
            uow.accounts.set_password(username, argon2.PasswordHasher().hash("s3cret-pw"),
                                      datetime(2026, 3, 1, tzinfo=UTC))
            uow.commit()
    finally:
        engine.dispose()


def _refused(url: str, *argv: str) -> None:
    before = fingerprint(url)
    result = run(url, "demo", "--days", "2", *argv)
    assert result.code == 2, result.out + result.err
    assert len(result.err.strip().splitlines()) == 1 and "演示数据只写入" in result.err
    assert fingerprint(url) == before


@pytest.mark.postgres
@pytest.mark.parametrize("cli_db", ["postgres"], indirect=True)
def test_a_central_database_with_passwords_or_cases_refuses_a_demo(cli_db: str) -> None:
    _set_password(cli_db, "admin")  # a centre in use: its administrator has signed in
    _refused(cli_db)
    _refused(cli_db, "--append")


@pytest.mark.postgres
@pytest.mark.parametrize("cli_db", ["postgres"], indirect=True)
def test_a_central_database_with_cases_refuses_a_demo_even_appended(cli_db: str) -> None:
    made = run(cli_db, "case", "new", "--category", "06010", "--desc", "路口垃圾",
               "--grid", "330824001001001")
    assert made.code == 0, made.err
    _refused(cli_db, "--append")


@pytest.mark.postgres
@pytest.mark.parametrize("cli_db", ["postgres"], indirect=True)
def test_an_empty_central_database_still_takes_a_demo(cli_db: str) -> None:
    assert run(cli_db, "demo", "--days", "1").code == 0  # a training database just set up


@pytest.mark.parametrize("cli_db", ["sqlite"], indirect=True)
def test_the_embedded_database_keeps_its_demo(cli_db: str) -> None:
    _set_password(cli_db, "admin")
    result = run(cli_db, "demo", "--days", "1")
    assert result.code == 0, result.err
