"""Alembic environment: runs the revisions in ``versions/`` on one connection.

Configured in code by :mod:`db.schema`; no ``alembic.ini``.  Where the connection comes from,
first match wins:

1. ``config.attributes["connection"]``: an open connection (how :func:`db.schema.upgrade` calls
   it, which is what makes an in-memory SQLite database work: a new connection would see a new,
   empty database);
2. ``config.attributes["url"]``, ``-x url=…`` or the ``sqlalchemy.url`` main option;
3. :func:`db.engine.resolve_url` (``$CITYDESK_DB`` or the per-user SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from db.engine import make_engine, resolve_url
from db.tables import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    explicit = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return resolve_url(explicit or config.get_main_option("sqlalchemy.url"))


def _configure(
    *, connection: Connection | None = None, url: str | None = None, sqlite: bool
) -> None:
    context.configure(
        connection=connection,
        url=url,
        literal_binds=connection is None,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=sqlite,
    )


def run_migrations_offline() -> None:
    """Emit the SQL of the migrations (``--sql``) instead of running it."""
    url = _url()
    _configure(url=url, sqlite=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection, sqlite=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a new one to the configured URL."""
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
