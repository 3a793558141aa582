"""A real ``citydesk server`` on a loopback port, against a fresh database, for the API tests.

The server runs as ``python -m console server --bind 127.0.0.1:PORT --db URL`` in a
subprocess (module-scoped: one start per test module); tests talk to it with ``requests``.
The database is made here: migrated, Kaihua's reference data, and passwords for the users the
tests sign in as.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, text

from console.domain.calendar import statutory_days
from console.domain.cases import Actor, Role
from console.reference_files import load_centre_files
from console.services.accounts import set_password
from console.services.setup import init_reference
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.pg import fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-9"
#: Users the tests sign in as (each gets PASSWORD).
USERS = ("shouli1", "shouli2", "paiqian1", "paiqian2", "zhibanzhang1", "unit_zhzf", "unit_hbz",
         "caiji01", "dapin1", "admin")
#: Seconds a request may take (generous: argon2 on a loaded 2-core machine is slow).
TIMEOUT = 60.0


def prepare_database(url: str) -> None:
    """Migrate ``url``, load Kaihua's reference data and give the test users a password."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        uow_factory = make_uow_factory(engine)
        year = datetime.now(UTC).year
        init_reference(uow_factory(), load_centre_files(), statutory_days([year, year + 1]))
        admin = Actor("admin", Role.ADMIN)
        now = datetime.now(UTC)
        for name in USERS:
            set_password(uow_factory, admin, name, PASSWORD, now)
    finally:
        engine.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chain_key_file() -> str | None:
    """A chain key file of the tests' own (0600) when the keyed audit chain is present."""
    try:
        from console.audit_files import create_key_file
    except ImportError:
        return None
    global _KEY_FILE
    if _KEY_FILE is None:
        path = Path(tempfile.mkdtemp(prefix="citydesk-server-key-")) / "chain.key"
        create_key_file(path)
        _KEY_FILE = str(path)
    return _KEY_FILE


_KEY_FILE: str | None = None


def server_env() -> dict[str, str]:
    """The environment of a server subprocess: no desk.toml, no CITYDESK_DB of the caller,
    a chain key file of the tests' own (never the user's)."""
    env = {k: v for k, v in os.environ.items() if k != "CITYDESK_DB"}
    env["CITYDESK_CONFIG"] = ""
    env["PYTHONPATH"] = str(ROOT)
    key = _chain_key_file()
    if key is not None:
        env["CITYDESK_CHAIN_KEY_FILE"] = key
    return env


@dataclass
class Server:
    """A running ``citydesk server`` subprocess and a little client for it."""

    url: str
    db_url: str
    process: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str, password: str = PASSWORD, **extra: str) -> str:
        """A fresh session token for ``username`` (asserts sign-in succeeded)."""
        reply = requests.post(f"{self.url}/api/v1/token",
                              data={"username": username, "password": password, **extra},
                              timeout=TIMEOUT)
        assert reply.status_code == 200, reply.text
        return str(reply.json()["access_token"])

    def as_user(self, username: str) -> str:
        """A token for ``username``, signed in once per server."""
        if username not in self.tokens:
            self.tokens[username] = self.token(username)
        return self.tokens[username]

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        """GET ``path`` with the bearer ``token``."""
        headers = dict(kw.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.get(f"{self.url}{path}", headers=headers, timeout=TIMEOUT, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        """POST to ``path`` with the bearer ``token``."""
        headers = dict(kw.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(f"{self.url}{path}", headers=headers, timeout=TIMEOUT, **kw)


def start_server(db_url: str, port: int | None = None, *extra: str) -> Server:
    """Start a server on ``db_url`` and wait until it answers (at most ~30 s)."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "server", "--bind", f"127.0.0.1:{port}",
         "--db", db_url, *extra],
        cwd=ROOT, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            stop_server(process)
            raise AssertionError(f"server exited {process.returncode}: {err[-2000:]}")
        # The port listens before the application has started: a connection may wait.
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return Server(url, db_url, process)
        time.sleep(0.1)
    stop_server(process)
    raise AssertionError("server did not answer within 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(8)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    if process.stderr:
        process.stderr.close()


@contextlib.contextmanager
def running_server(db_url: str, *extra: str) -> Iterator[Server]:
    """:func:`start_server`, stopped afterwards."""
    server = start_server(db_url, None, *extra)
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture(scope="module")
def pg_db(pg_admin: Engine) -> Iterator[str]:
    """A fresh PostgreSQL database made ready for the server (module-scoped)."""
    with fresh_pg_database(pg_admin) as url:
        prepare_database(url)
        yield url


@pytest.fixture(scope="module")
def server(pg_db: str) -> Iterator[Server]:
    """A server on :func:`pg_db` (module-scoped)."""
    with running_server(pg_db) as srv:
        yield srv


@pytest.fixture
def db(server: Server) -> Iterator[Engine]:
    """An engine on the server's database, for checking what the server wrote."""
    engine = make_engine(server.db_url)
    yield engine
    engine.dispose()


def counts(engine: Engine) -> tuple[int, int, int]:
    """(cases, events, photos): what every refusal must leave as it found."""
    with engine.connect() as conn:
        return tuple(int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                     for t in ("cases", "case_events", "photos"))  # type: ignore[return-value]
