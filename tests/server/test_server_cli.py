"""``citydesk server`` refuses bad input in one line, exit code 2, before serving anything."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from console.cli.main import main
from console.cli.server import parse_bind


@pytest.mark.parametrize("bind", ["8470", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                                  "127.0.0.1:65536", "127.0.0.1:http", ":8470",
                                  "127.0.0.1:８４７０", "bad host:8470"])
def test_a_bad_bind_is_one_line(bind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                ) -> None:
    db = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    assert main(["server", "--bind", bind, "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("citydesk: ") and "\n" not in err and "--bind" in err
    assert not (tmp_path / "never.sqlite3").exists()


def test_bind_forms() -> None:
    assert parse_bind("127.0.0.1:8470") == ("127.0.0.1", 8470)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
    assert parse_bind("0.0.0.0:443") == ("0.0.0.0", 443)


def test_an_uninitialised_database_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    assert main(["server", "--bind", "127.0.0.1:8479", "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert "citydesk init" in err and "\n" not in err


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One initialised SQLite centre for the module (init takes seconds)."""
    db = f"sqlite:///{tmp_path_factory.mktemp('server-cli') / 'c.sqlite3'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITYDESK_CONFIG", "")
        assert main(["init", "--db", db]) == 0
    return db


@pytest.mark.parametrize("command", ["server", "api"])  # api: the one-machine name of it
def test_a_port_in_use_is_one_line(initialised: str, command: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        capsys.readouterr()
        assert main([command, "--bind", f"127.0.0.1:{port}", "--db", initialised]) == 2
    err = capsys.readouterr().err.strip()
    assert "已被占用" in err and "in use" in err and "\n" not in err


@pytest.mark.parametrize("extra", [["--now", "2026-01-01T00:00:00Z"], ["--as", "admin"],
                                   ["--ssl-certfile", "/nonexistent.pem"],
                                   ["--ssl-certfile", "/etc/hostname", "--ssl-keyfile",
                                    "/etc/hostname"],
                                   ["--idle-minutes", "0"],
                                   ["--workers", "0"], ["--workers", "33"],
                                   ["--workers", "2"]])  # SQLite: one writer at a time
def test_refused_options(initialised: str, extra: list[str],
                         capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["server", "--bind", "127.0.0.1:8478", "--db", initialised, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("citydesk: ") and "\n" not in err


def test_connections_the_server_accepts_have_nagle_off() -> None:
    """asyncio sets TCP_NODELAY on an accepted connection only when the listening socket's
    protocol is IPPROTO_TCP; with 0, each kept-alive answer waited ~40 ms (delayed ACK)."""
    import asyncio

    from console.cli.server import _listen

    listening = _listen("127.0.0.1", 0)
    seen: list[int] = []

    async def serve() -> None:
        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listening)
        port = listening.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(serve())
    assert seen and seen[0] != 0


def test_idle_connections_are_kept_for_a_phones_interval(initialised: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn closes an idle connection after 5 s by default: a phone posting every 10 s
    would reconnect (and renegotiate TLS) for every position."""
    import uvicorn

    seen: list[float] = []
    protocols: list[str] = []

    def run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        seen.append(self.config.timeout_keep_alive)
        self.config.load()
        protocols.append(self.config.http_protocol_class.__name__)
        for sock in sockets or []:
            sock.close()  # what serving would have done at its end

    monkeypatch.setattr(uvicorn.Server, "run", run)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["server", "--bind", f"127.0.0.1:{port}", "--db", initialised]) == 0
    assert seen and seen[0] >= 60
    # httptools' C parser, not h11's pure Python: every desk read and phone fix is parsed
    assert protocols == ["HttpToolsProtocol"]


def test_the_access_log_leaves_out_stored_fixes_and_masks_device_keys(initialised: str
                                                                      ) -> None:
    """A real server's access log (uvicorn writes it to stdout): a refused /osmand fix is
    logged with its query masked, so the device key it carried is not in the journal."""
    import subprocess
    import sys

    import requests

    from tests.server.conftest import ROOT, free_port, server_env

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "server", "--bind", f"127.0.0.1:{port}", "--db",
         initialised], cwd=ROOT, env=server_env(), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        reply = requests.get(f"{url}/osmand", timeout=30,
                             params={"id": "caiji01:s3cr3t-device-key", "lat": 29.1,
                                     "lon": 118.4})
        assert reply.status_code == 401
        assert requests.get(f"{url}/api/v1/health", timeout=30).status_code == 200
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    journal = out.decode("utf-8", "replace")
    assert '"GET /osmand?… HTTP/1.1" 401' in journal, journal
    assert "s3cr3t-device-key" not in journal and "GET /api/v1/health" in journal


def test_a_server_runs_blocking_work_on_a_few_threads(initialised: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """anyio's 40 threads taking turns at the interpreter lock with the event loop made a
    server's answers queue under load: the server runs on :data:`THREADS`."""
    import asyncio

    from anyio import to_thread

    from console.app import App
    from console.server.app import THREADS, create_app

    monkeypatch.setenv("CITYDESK_CONFIG", "")
    app = App.open(initialised)
    seen: list[float] = []

    async def start() -> None:
        api = create_app(app)
        async with api.router.lifespan_context(api):
            seen.append(to_thread.current_default_thread_limiter().total_tokens)

    try:
        asyncio.run(start())
    finally:
        app.close()
    assert seen == [THREADS] and THREADS < 40
