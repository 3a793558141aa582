"""A tile server on 127.0.0.1 serving generated PNG tiles, for the basemap tests.

``/{z}/{x}/{y}.png`` answers a solid 256 × 256 PNG: :data:`EVEN` where x + y is even, else
:data:`ODD`; ``/missing/…`` answers 404, ``/text/…`` answers 200 with text (as a tile service
does for a bad key).  Every path asked is logged in ``server.hits``.  The PNGs are written by
hand (zlib + struct): no Qt in the server's thread.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

EVEN = (200, 40, 40)
ODD = (40, 60, 200)


def solid_png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


TILES = {0: solid_png(EVEN), 1: solid_png(ODD)}


class TileServer(ThreadingHTTPServer):
    """The server; ``hits`` lists the paths asked."""

    daemon_threads = True
    hits: list[str]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: TileServer

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        parts = self.path.partition("?")[0].strip("/").removesuffix(".png").split("/")
        if parts[0] == "missing":
            self._answer(404, b"no such tile", "text/plain")
            return
        if parts[0] == "text":
            self._answer(200, b"<error>bad key</error>", "text/xml")
            return
        try:
            _z, x, y = (int(p) for p in parts[-3:])
        except ValueError:
            self._answer(400, b"bad path", "text/plain")
            return
        self._answer(200, TILES[(x + y) % 2], "image/png")

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def tile_server() -> Iterator[TileServer]:
    """One tile server per test module."""
    server = TileServer(("127.0.0.1", 0), _Handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
