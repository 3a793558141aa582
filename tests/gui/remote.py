"""The GUI tests' second backend: a desk talking to a real ``citydesk server`` (issue #14).

One server subprocess per test session (uvicorn on a free loopback port, started by
tests/server/conftest.py's :func:`start_server`) serves a copy of the same demo database the
local :func:`tests.gui.desk.desk_factory` copies; a remote desk is a
:class:`~console.client.remote.ServerRoot` signed in with the demo password, whose live updates
come from the server's push stream (:class:`~console.client.push.PushListener`).

What the tests check against (counts, states) is read from the server's database file through
an :class:`~console.app.App` of the test's own (:data:`CHECKS`).  The server notices writes made
there as another desk's: on SQLite its push hub polls the log every second.

The server's clock is the machine's: a remote desk's own clock starts at the real time, so the
lights the window shows (counted by the server) and the ones the checks count agree.  Tests
that move the desk's clock to make the *server* see another time cannot run remotely — by
design, the desk's clock is never sent.
"""

from __future__ import annotations

import shutil
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from console.app import App
from console.client.remote import ServerRoot
from console.services.accounts import DEMO_PASSWORD
from tests.server.conftest import Server, start_server, stop_server

#: What GUI tests parametrise over (``@pytest.mark.parametrize("backend", BOTH, indirect=True)``).
BOTH = ("local", "remote")

#: The database to check a composition root's window against: the App itself for an embedded
#: desk, the server's database file (opened by the test) for a remote one.
CHECKS: weakref.WeakKeyDictionary[object, App] = weakref.WeakKeyDictionary()


def check_app(root: object) -> App:
    """The App whose database ``root`` (an App or a ServerRoot) works on."""
    if isinstance(root, App):
        return root
    return CHECKS[root]


@dataclass
class RemoteCentre:
    """The running server and its database file."""

    server: Server
    path: Path
    #: Where the server reads its audit anchors (the session's own folder: never a test's).
    anchor_dir: Path

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.path}"

    def root(self, user: str, desk: str = "test-desk") -> ServerRoot:
        """A desk's composition root signed in as ``user`` (demo password)."""
        root = ServerRoot(self.url, desk)
        root.sign_in(user, DEMO_PASSWORD)
        return root

    def check_app(self, clock: Callable[[], datetime] | None = None) -> App:
        """A fresh App on the server's database (the caller closes it)."""
        return App.open(self.db_url, clock)


def server_now() -> datetime:
    """The server's clock (the machine's), in the centre's zone."""
    return datetime.now(ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="session")
def remote_centre(demo_template: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteCentre]:
    """One ``citydesk server`` for the session, on a copy of the demo database (SQLite)."""
    path = tmp_path_factory.mktemp("remote") / "centre.sqlite3"
    shutil.copy(demo_template, path)
    anchors = tmp_path_factory.mktemp("remote-anchors")
    # The server inherits the environment: without this it would read the anchor folder of
    # whichever test happened to start it (tests/conftest.py gives each test its own).
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CITYDESK_ANCHOR_DIR", str(anchors))
        server = start_server(f"sqlite:///{path}")
    try:
        yield RemoteCentre(server, path, anchors)
    finally:
        stop_server(server.process)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which backend a desk of this test runs on: ``local`` unless parametrised indirectly."""
    return str(getattr(request, "param", "local"))
