"""Databases built once per session and copied into a test's own database.

A test that needs Kaihua's reference data used to run ``init_reference`` on a fresh database:
reading the centre's YAML and writing every unit, category, rule, component, cell, user and
calendar day took 1–3 s per test (twice that on PostgreSQL under load).  A copy of a database
that did it once per session holds the same rows: a file copy on SQLite, ``CREATE DATABASE …
TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from console.domain.calendar import statutory_days
from console.reference_files import load_centre_files
from console.services.centre import Centre
from console.services.setup import init_reference
from db.engine import make_engine
from db.uow import SqlUnitOfWork, make_uow_factory
from tests.pg import fresh_pg_database

#: What a module adds to the reference data once, on the template (its units of work).
Prepare = Callable[[Callable[[], SqlUnitOfWork]], None]


def copy_database(engine: Engine, request: pytest.FixtureRequest, template: Path | str) -> None:
    """Make ``engine``'s database a copy of ``template``: an SQLite file, or the name of a
    PostgreSQL database (nobody may be connected to it)."""
    name = str(engine.url.database)
    engine.dispose()
    if engine.dialect.name == "sqlite":
        shutil.copy(template, name)
    else:
        with request.getfixturevalue("pg_admin").connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))


class ReferenceTemplates:
    """Databases at the schema's head holding Kaihua's reference files and the statutory days
    of some years, one per backend and years, built on first use and dropped with the session.

    Parameters
    ----------
    stack
        Closes the PostgreSQL templates (drops them) at the end of the session.
    """

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._made: dict[tuple[str, tuple[int, ...], str], Path | str] = {}

    def copy(self, engine: Engine, request: pytest.FixtureRequest, years: Iterable[int],
             then: Prepare | None = None) -> Callable[[], SqlUnitOfWork]:
        """Fill ``engine``'s database with a copy of the template of ``years``; its units of
        work.  ``then`` (a module-level function, the same for every test that names it) runs
        once on the template after the reference data, for rows a whole module reads.  The
        test must not also ask for ``uow_factory`` (that would copy the bare schema over it or
        under it, depending on the fixtures' order)."""
        assert "uow_factory" not in request.fixturenames, "ask for one database fixture only"
        key = (engine.dialect.name, tuple(years), "" if then is None else then.__qualname__)
        if key not in self._made:
            self._made[key] = self._build(request, engine.dialect.name, tuple(years), then)
        copy_database(engine, request, self._made[key])
        return make_uow_factory(engine)

    def _build(self, request: pytest.FixtureRequest, dialect: str, years: tuple[int, ...],
               then: Prepare | None) -> Path | str:
        if dialect == "sqlite":
            folder = request.getfixturevalue("tmp_path_factory").mktemp("reference")
            made: Path | str = folder / "reference.sqlite3"
            shutil.copy(request.getfixturevalue("sqlite_head_template"), made)
            url = f"sqlite:///{made}"
        else:
            admin = request.getfixturevalue("pg_admin")
            # pytest may close the session's admin engine before this stack drops the
            # templates (the order fixtures were first asked for): dispose the connection
            # the drop opens again, after it.
            self._stack.callback(admin.engine.dispose)
            url = self._stack.enter_context(fresh_pg_database(
                admin, request.getfixturevalue("pg_head_template")))
            made = str(make_url(url).database)
        engine = make_engine(url)
        try:
            factory = make_uow_factory(engine)
            init_reference(factory(), load_centre_files(), statutory_days(years))
            if then is not None:
                then(factory)
        finally:
            engine.dispose()
        return made


def kaihua_database(stack: ExitStack, request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory, backend: str,
                    ) -> tuple[Callable[[], SqlUnitOfWork], Centre]:
    """A module's own database on ``backend`` with Kaihua's reference data (2026's calendar),
    closed with ``stack``: its unit-of-work factory and the centre loaded from it."""
    from console.services.centre import load_centre
    from db.schema import upgrade  # (kept local: Alembic is imported only by tests that build)

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('kaihua') / 'kaihua.sqlite3'}"
    else:
        url = stack.enter_context(fresh_pg_database(request.getfixturevalue("pg_admin")))
    engine = make_engine(url)
    stack.callback(engine.dispose)
    upgrade(engine)
    factory = make_uow_factory(engine)
    init_reference(factory(), load_centre_files(), statutory_days([2026]))
    return factory, load_centre(factory())
