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
