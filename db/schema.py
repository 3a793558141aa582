"""Bring a database to the current schema with Alembic, configured in code (no ``alembic.ini``).

Use from Python::

    from db.schema import upgrade, current_revision, HEAD
    upgrade(engine)                      # or upgrade("postgresql://…")
    assert current_revision(engine) == HEAD

or from a shell::

    python -m db.schema upgrade [--url URL]
    python -m db.schema current [--url URL]
    python -m db.schema revision -m "add x" [--autogenerate] [--url URL]
    python -m db.schema downgrade REV [--url URL]

Without ``--url`` the database is ``$CITYDESK_DB`` or the per-user SQLite file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection

from db.engine import make_engine, resolve_url

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (and the Mako and Pygments it pulls in, ~0.2 s) is imported only where a migration
# runs: a desk starting on a current schema only reads the revision (current_revision).

HEAD = "0025"
"""The newest revision in ``db/migrations/versions`` (a test keeps the two in step)."""

# Any constant works; it only has to be the same in every process that upgrades.
_PG_UPGRADE_LOCK = 0x43495459  # "CITY"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic :class:`~alembic.config.Config` pointing at ``db/migrations``.

    Parameters
    ----------
    connection : Connection, optional
        Run on this connection (passed to ``env.py`` through ``config.attributes``), so an
        in-memory SQLite database or a caller's transaction is used as it is.
    url : str, optional
        Otherwise connect to this URL (default: :func:`db.engine.resolve_url`).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("db") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    if url is not None:
        # Through attributes, not set_main_option: ConfigParser would read "%" as interpolation.
        config.attributes["url"] = url
    return config


def script_head() -> str | None:
    """The head revision found in ``db/migrations/versions``."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest) in one transaction.

    Parameters
    ----------
    engine_or_url : Engine or str
        An engine (kept open) or a URL (an engine is made and disposed of).
    revision : str
        Target revision.
    """
    from alembic import command

    owned = isinstance(engine_or_url, str)
    engine = (
        make_engine(resolve_url(engine_or_url))
        if isinstance(engine_or_url, str)
        else (engine_or_url)
    )
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two desks starting against a new server at once would both create tables;
                # the second waits here and then finds the schema at head.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
                # A migration rebuilding an index over a megacity's years may run longer than
                # the 5 minutes every CityDesk session is limited to (db.engine): not this one.
                conn.execute(text("SET LOCAL statement_timeout = 0"))
            command.upgrade(alembic_config(conn), revision)
    finally:
        if owned:
            engine.dispose()


def downgrade_all(engine: Engine) -> None:
    """Downgrade every migration in one transaction: the database is empty again."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
        command.downgrade(alembic_config(conn), "base")
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))  # left empty by alembic


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty (never upgraded) database.

    Read straight from Alembic's ``alembic_version`` table (what ``MigrationContext`` reads).
    """
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if len(versions) > 1:
        raise RuntimeError(f"the database has several schema heads: {versions}")
    return str(versions[0]) if versions else None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m db.schema``: upgrade, downgrade, show the revision, or write a new one."""
    parser = argparse.ArgumentParser(prog="python -m db.schema", description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="database URL (default: $CITYDESK_DB or the user file)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("upgrade", help="upgrade to a revision (default head)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="downgrade to a revision")
    down.add_argument("revision")
    sub.add_parser("current", help="print the database's revision")
    rev = sub.add_parser("revision", help="write a new revision file")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)

    from alembic import command

    url = resolve_url(args.url)
    if args.cmd == "upgrade":
        upgrade(url, args.revision)
    elif args.cmd == "downgrade":
        command.downgrade(alembic_config(url=url), args.revision)
    elif args.cmd == "current":
        engine = make_engine(url)
        try:
            print(current_revision(engine) or "(empty)")
        finally:
            engine.dispose()
    else:
        command.revision(
            alembic_config(url=url), message=args.message, autogenerate=args.autogenerate
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
