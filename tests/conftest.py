"""Fixtures every suite shares: the PostgreSQL admin connection, probed once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from console.audit_files import create_key_file
from tests.pg import open_admin


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the admin database (skip, or fail on CI, when unreachable)."""
    admin = open_admin()
    yield admin
    admin.engine.dispose()


@pytest.fixture(scope="session")
def session_chain_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One audit chain key file (0600) for the whole run, created up front."""
    path = tmp_path_factory.mktemp("chain") / "chain.key"
    create_key_file(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def _test_chain_key(session_chain_key: Path) -> Iterator[None]:
    """Tests chain with the run's key and write anchors to a folder of the run, never to the
    developer's data directory; set for the whole session, so session-scoped databases made
    by ``citydesk init`` use it too (tests of the files' default places monkeypatch these)."""
    saved = {k: os.environ.get(k) for k in ("CITYDESK_CHAIN_KEY_FILE", "CITYDESK_ANCHOR_DIR")}
    os.environ["CITYDESK_CHAIN_KEY_FILE"] = str(session_chain_key)
    os.environ["CITYDESK_ANCHOR_DIR"] = str(session_chain_key.parent / "anchors")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _own_anchor_dir(monkeypatch: pytest.MonkeyPatch,
                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test writes anchors to a folder of its own: one test's anchor never shows up in
    another's report (``citydesk report`` prints the latest anchor)."""
    monkeypatch.setenv("CITYDESK_ANCHOR_DIR", str(tmp_path_factory.mktemp("anchors")))


@pytest.fixture(autouse=True)
def _no_desk_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own ``desk.toml`` (an empty CITYDESK_CONFIG: no file).

    Tests of the configuration file set CITYDESK_CONFIG themselves.
    """
    monkeypatch.setenv("CITYDESK_CONFIG", "")
