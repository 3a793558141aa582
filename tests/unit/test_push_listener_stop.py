"""PushListener.stop ends its thread at once, whenever it is called (issue #14, remote desk).

A desk's sign-out stops its push stream.  Before, a stop that came while the stream was still
opening (a desk signed out right after it signed in, or torn down at once) was missed: the
thread went on into the silent stream's read until the server's next ping (15 s), ``stop`` gave
up after its timeout, and the open stream held the server's shutdown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from console.client.push import PushListener


class _Silent(BaseHTTPRequestHandler):
    """Says hello on the event stream, then nothing (a quiet centre between pings)."""

    delay = 0.0
    protocol_version = "HTTP/1.1"  # a chunked stream on a kept connection, like uvicorn's

    def do_GET(self) -> None:
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        hello = b'event: hello\ndata: {"last_id": 7}\n\n'
        self.wfile.write(b"%x\r\n%s\r\n" % (len(hello), hello))
        self.wfile.flush()
        self.server.done.wait(20)  # type: ignore[attr-defined]

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def silent_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Silent)
    server.done = threading.Event()  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.done.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _listener(url: str, up: threading.Event) -> PushListener:
    return PushListener(url, "token", lambda _id: None, lambda ok: up.set() if ok else None,
                        lambda _m: None)


def test_a_stop_while_the_stream_is_quiet_ends_the_thread(silent_server: str) -> None:
    up = threading.Event()
    listener = _listener(silent_server, up)
    listener.start()
    assert up.wait(10)  # the hello came; the thread now waits in the read
    assert listener.stop(timeout=5.0)


def test_a_stop_while_the_stream_is_opening_ends_the_thread(silent_server: str) -> None:
    _Silent.delay = 0.3  # the answer's headers come after the stop
    try:
        listener = _listener(silent_server, threading.Event())
        listener.start()
        time.sleep(0.05)
        assert listener.stop(timeout=5.0)
    finally:
        _Silent.delay = 0.0
