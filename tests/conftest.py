"""Fixtures every suite shares: the PostgreSQL admin connection, probed once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.pg import open_admin


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the admin database (skip, or fail on CI, when unreachable)."""
    admin = open_admin()
    yield admin
    admin.engine.dispose()


@pytest.fixture(autouse=True)
def _no_desk_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own ``desk.toml`` (an empty CITYDESK_CONFIG: no file).

    Tests of the configuration file set CITYDESK_CONFIG themselves.
    """
    monkeypatch.setenv("CITYDESK_CONFIG", "")
