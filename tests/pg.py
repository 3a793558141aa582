"""PostgreSQL test plumbing shared by the integration and CLI suites.

Tests get fresh databases ``citydesk_test_<8 hex>`` on the server named by ``$CITYDESK_TEST_PG``
(an admin URL; default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), dropped
afterwards.  An unreachable server skips those tests, but FAILS them when ``CI=true`` or
``CITYDESK_REQUIRE_PG=1``: in CI a silently skipped backend is a backend nobody tested.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from db.engine import make_engine

DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    """The admin URL of the PostgreSQL test server."""
    return os.environ.get("CITYDESK_TEST_PG", DEFAULT_PG_ADMIN)


def pg_required() -> bool:
    """True where a missing PostgreSQL must fail the run instead of skipping."""
    return os.environ.get("CI") == "true" or os.environ.get("CITYDESK_REQUIRE_PG") == "1"


def open_admin() -> Engine:
    """An AUTOCOMMIT engine on the admin database, or skip/fail when it is unreachable."""
    url = make_url(pg_admin_url())
    if "connect_timeout" not in url.query:
        # An unroutable host would otherwise hang each test for the OS TCP timeout.
        url = url.update_query_dict({"connect_timeout": "5"})
    admin = make_engine(url.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.engine.dispose()
        reason = f"PostgreSQL {url.render_as_string(hide_password=True)} unreachable: {exc.orig}"
        if pg_required():
            pytest.fail(f"{reason} (required because CI=true or CITYDESK_REQUIRE_PG=1)")
        pytest.skip(reason)
    return admin


@contextlib.contextmanager
def fresh_pg_database(admin: Engine, template: str | None = None) -> Iterator[str]:
    """Create a database (empty, or a copy of ``template``), yield its URL, then drop it.

    Copying a template that ``citydesk init`` already filled takes a fraction of running the
    migrations and loading the reference data again for every test.
    """
    name = f"citydesk_test_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
