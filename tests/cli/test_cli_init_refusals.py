"""``citydesk init --resources DIR`` refuses corrupted files before anything is written.

Issue #13 part 7.  For every variant of tests/unit/reference_corruptions.py: exit 2, one line
on stderr naming the file, the entry and the field, no SQLite file created, an initialised
database unchanged.  A first ``init`` that fails after the schema was made (a lost server)
leaves no empty schema behind, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from db.engine import make_engine
from tests.cli.conftest import BACKENDS, fingerprint, fresh_database, run
from tests.unit.mini_centre import CentreFolder, write_mini_centre
from tests.unit.reference_corruptions import CORRUPTIONS, Corruption
from tests.unit.test_reference_corruption import check_message


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database ``citydesk init`` set up from the small centre (shared, never changed)."""
    folder = write_mini_centre(tmp_path_factory.mktemp("mini"))
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'init.sqlite3'}"
    result = run(url, "init", "--resources", str(folder))
    assert result.code == 0, result.err
    return url


def _tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=[c.name for c in CORRUPTIONS])
def test_init_refuses_a_corrupted_folder_and_writes_nothing(
        tmp_path: Path, initialised: str, corruption: Corruption) -> None:
    folder = write_mini_centre(tmp_path / "centre")
    corruption.apply(CentreFolder(folder))
    target = tmp_path / "new.sqlite3"
    result = run(f"sqlite:///{target}", "init", "--resources", str(folder))
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith("citydesk: ") and result.err.count("\n") == 1, result.err
    check_message(result.err.removeprefix("citydesk: ").rstrip("\n"), corruption)
    assert not target.exists(), "a refused init creates no database file"
    before = fingerprint(initialised)
    again = run(initialised, "init", "--resources", str(folder))
    assert again.code == 2 and again.err == result.err
    assert fingerprint(initialised) == before


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request, tmp_path) as url:
        yield url


def test_a_refused_init_leaves_an_empty_database_empty(empty_db: str, tmp_path: Path) -> None:
    folder = write_mini_centre(tmp_path / "centre")
    CentreFolder(folder).replace("centre.yaml", "yellow_at: 0.8", "yellow_at: .nan")
    result = run(empty_db, "init", "--resources", str(folder))
    assert result.code == 2 and "yellow_at" in result.err
    if not empty_db.startswith("sqlite"):
        assert _tables(empty_db) == []
    else:
        assert not Path(empty_db.removeprefix("sqlite:///")).exists()


def _lose_the_server(*_args: object, **_kwargs: object) -> None:
    raise OperationalError("INSERT INTO units …", {}, ConnectionError("server closed the connection"))


def test_a_first_init_that_fails_midway_leaves_no_schema(
        empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import console.cli.setup as setup_cli

    monkeypatch.setattr(setup_cli, "init_reference", _lose_the_server)
    folder = write_mini_centre(tmp_path / "centre")
    result = run(empty_db, "init", "--resources", str(folder))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    if empty_db.startswith("sqlite"):
        path = Path(empty_db.removeprefix("sqlite:///"))
        assert not path.exists() and not Path(f"{path}-wal").exists()
    else:
        assert _tables(empty_db) == [], "the migrations were undone"
    monkeypatch.undo()
    assert run(empty_db, "init", "--resources", str(folder)).code == 0  # and init works after


def test_a_failed_init_of_a_set_up_database_keeps_it(
        initialised: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import console.cli.setup as setup_cli

    copy = tmp_path / "copy.sqlite3"
    shutil.copy(initialised.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    before = fingerprint(url)
    monkeypatch.setattr(setup_cli, "init_reference", _lose_the_server)
    folder = write_mini_centre(tmp_path / "centre")
    assert run(url, "init", "--resources", str(folder)).code == 2
    assert copy.exists() and fingerprint(url) == before  # never discarded: it was not new
