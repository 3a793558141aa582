"""A slow tile server on 127.0.0.1 for the pan/zoom benchmark: generated PNGs after a delay.

Each ``/{z}/{x}/{y}.png`` is answered after ``delay`` seconds (a distant or throttled tile
service), with a solid PNG of two alternating colours (``tests.tile_server.solid_png``: no Qt in
the server's threads, so the server takes no time from the GUI thread being measured).  The
tiles are test drawings, never a real map.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.tile_server import solid_png

_TILES = (solid_png((214, 206, 190)), solid_png((226, 220, 206)))


class SlowTileServer(ThreadingHTTPServer):
    """The server: ``hits`` counts the tiles served; :meth:`start` / :meth:`stop` it."""

    daemon_threads = True

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.hits = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def template(self) -> str:
        """The XYZ URL template of the tiles."""
        return f"http://127.0.0.1:{self.server_address[1]}/{{z}}/{{x}}/{{y}}.png"

    def start(self) -> SlowTileServer:
        """Serve on a thread of its own."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()

    def count(self) -> None:
        """One more tile served."""
        with self._lock:
            self.hits += 1


class _Handler(BaseHTTPRequestHandler):
    server: SlowTileServer

    def do_GET(self) -> None:
        parts = self.path.partition("?")[0].strip("/").removesuffix(".png").split("/")
        try:
            _z, x, y = (int(p) for p in parts[-3:])
        except ValueError:
            self.send_error(400)
            return
        time.sleep(self.server.delay)
        body = _TILES[(x + y) % 2]
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.count()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""
