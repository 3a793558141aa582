"""Fixtures every suite shares: the PostgreSQL admin connection, probed once per session."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def _test_chain_key(monkeypatch: pytest.MonkeyPatch, session_chain_key: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests chain with the run's key and write anchors to a folder of the run, never to the
    developer's data directory (tests of the files' default places unset these)."""
    monkeypatch.setenv("CITYDESK_CHAIN_KEY_FILE", str(session_chain_key))
    monkeypatch.setenv("CITYDESK_ANCHOR_DIR", str(session_chain_key.parent / "anchors"))


@pytest.fixture(autouse=True)
def _no_desk_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own ``desk.toml`` (an empty CITYDESK_CONFIG: no file).

    Tests of the configuration file set CITYDESK_CONFIG themselves.
    """
    monkeypatch.setenv("CITYDESK_CONFIG", "")
