"""CLI fixtures: an initialised database per backend, a runner and a database fingerprint."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from console.cli.main import main
from db.engine import make_engine
from db.tables import Base
from tests.open311_server import open311_server  # noqa: F401  (a local HTTP server)
from tests.pg import fresh_pg_database

NOW = "2026-03-02T10:00:00+08:00"  # a Monday morning: the working clock runs


@dataclass
class Result:
    """What one ``citydesk`` call returned."""

    code: int
    out: str
    err: str


def run(url: str, *argv: str, now: str = NOW, user: str | None = None) -> Result:
    """Run ``citydesk`` in-process against ``url``."""
    out, err = io.StringIO(), io.StringIO()
    args = [*argv, "--db", url]
    if "--now" not in argv:
        args += ["--now", now]
    if user is not None:
        args += ["--as", user]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def fingerprint(url: str) -> str:
    """A hash of every row of every table: equal before and after means nothing changed."""
    engine = make_engine(url)
    digest = hashlib.sha256()
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                digest.update(f"{table.name}:{len(rows)}:{rows!r}".encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


@contextlib.contextmanager
def fresh_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """An empty database of the backend ``request.param`` names ("sqlite" or "postgres")."""
    if request.param == "sqlite":
        yield f"sqlite:///{folder / 'cli.sqlite3'}"
    else:
        with fresh_pg_database(request.getfixturevalue("pg_admin")) as url:
            yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_init_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file ``citydesk init`` filled once per session; tests get copies."""
    path = tmp_path_factory.mktemp("init") / "init.sqlite3"
    result = run(f"sqlite:///{path}", "init")
    assert result.code == 0, result.err
    return path


@pytest.fixture(scope="session")
def pg_init_template(pg_admin: Engine) -> Iterator[str]:
    """The name of a PostgreSQL database ``citydesk init`` filled once per session."""
    with fresh_pg_database(pg_admin) as url:
        result = run(url, "init")
        assert result.code == 0, result.err
        yield str(make_url(url).database)


@pytest.fixture(params=BACKENDS)
def cli_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly initialised database on each backend (a copy of the session's template:
    the same rows ``citydesk init`` writes, without running it again per test)."""
    if request.param == "sqlite":
        path = tmp_path / "cli.sqlite3"
        source = request.getfixturevalue("sqlite_init_template")
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{path}{suffix}")
        yield f"sqlite:///{path}"
    else:
        template = request.getfixturevalue("pg_init_template")
        with fresh_pg_database(request.getfixturevalue("pg_admin"), template) as url:
            yield url


@pytest.fixture(scope="module", params=BACKENDS)
def shared_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One initialised database per backend for a module of read-mostly tests."""
    with fresh_database(request, tmp_path_factory.mktemp("db")) as url:
        result = run(url, "init")
        assert result.code == 0, result.err
        yield url
