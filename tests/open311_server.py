"""A real HTTP server on 127.0.0.1 for the intake tests, with scripted answers.

``server.route("GET", "/v2/requests.json", answer)`` sets what a path returns: a fixed
:class:`Answer`, a list of answers served in turn (the last one repeats), or a function of
the :class:`Hit`.  Every request is logged in ``server.hits``.  A :class:`City` installed on
the server answers what no route does, as a GeoReport server with state: its requests change
when the test acts as the source, and when CityDesk pushes a status.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest

SHANGHAI = timezone(timedelta(hours=8))


@dataclass
class Answer:
    """One scripted response."""

    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Hit:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


Script = Answer | list[Answer] | Callable[[Hit], Answer]


class Open311Server:
    """The server; use through the ``open311_server`` fixture."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Script] = {}
        self.fallback: Callable[[Hit], Answer] | None = None
        self.hits: list[Hit] = []
        self._turns: dict[tuple[str, str], int] = {}
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234``."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, method: str, path: str, script: Script) -> None:
        """Answer ``method path`` with ``script`` from now on."""
        self.routes[(method, path)] = script
        self._turns[(method, path)] = 0

    def hits_of(self, method: str, path: str) -> list[Hit]:
        """The logged requests of one route."""
        return [h for h in self.hits if h.method == method and h.path == path]

    def _answer(self, hit: Hit) -> Answer:
        script = self.routes.get((hit.method, hit.path))
        if script is None and self.fallback is not None:
            return self.fallback(hit)
        if script is None:
            return Answer(b"<errors><error><code>404</code><description>no such resource"
                          b"</description></error></errors>", 404, content_type="text/xml")
        if callable(script):
            return script(hit)
        if isinstance(script, list):
            turn = self._turns[(hit.method, hit.path)]
            self._turns[(hit.method, hit.path)] = turn + 1
            return script[min(turn, len(script) - 1)]
        return script

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                form = {k: v[-1] for k, v in parse_qs(body).items()}
                hit = Hit(self.command, parts.path, query, form)
                server.hits.append(hit)
                answer = server._answer(hit)
                if answer.delay:
                    time.sleep(answer.delay)
                data = answer.body.encode() if isinstance(answer.body, str) else answer.body
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = _serve  # noqa: N815  (http.server's names)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def open311_server() -> Iterator[Open311Server]:
    """A started server, stopped after the test."""
    server = Open311Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- GeoReport bodies ---------------------------------------------------------------------

#: Centres of Kaihua grid cells (resources/kaihua/grid.geojson): places inside the county.
PLACES = [(118.401522, 29.1474435), (118.4030635, 29.1474435), (118.404605, 29.1474435)]


def request(n: int, code: str = "GARB", status: str = "open", *, at: datetime | None = None,
            **extra: Any) -> dict[str, Any]:
    """A GeoReport request object (ids as numbers, as many servers send them)."""
    when = at or datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI) + timedelta(minutes=n)
    lon, lat = PLACES[n % len(PLACES)]
    item: dict[str, Any] = {
        "service_request_id": 1000 + n, "status": status, "service_code": code,
        "service_name": "垃圾", "description": f"路边垃圾堆积 #{n}",
        "requested_datetime": when.isoformat(), "updated_datetime": when.isoformat(),
        "address": "芹阳路", "lat": lat, "long": lon,
    }
    item.update(extra)
    return {k: v for k, v in item.items() if v is not None}


def as_json(items: list[Any]) -> Answer:
    """A JSON list body."""
    return Answer(json.dumps(items, ensure_ascii=False))


def as_xml(items: list[dict[str, Any]], wrapper: str = "service_requests") -> Answer:
    """An XML list body, values padded with whitespace as some servers do."""
    rows = "".join(
        "<request>" + "".join(f"<{k}> {escape(str(v))} </{k}>" for k, v in item.items())
        + "</request>" for item in items)
    body = f'<?xml version="1.0" encoding="utf-8"?><{wrapper}>{rows}</{wrapper}>'
    return Answer(body, content_type="text/xml; charset=utf-8")


def paged(items: list[Any], fmt: str = "json") -> Callable[[Hit], Answer]:
    """A requests route that honours page/page_size."""
    def answer(hit: Hit) -> Answer:
        page, size = int(hit.query.get("page", 1)), int(hit.query.get("page_size", 1000))
        chunk = items[(page - 1) * size: page * size]
        return as_json(chunk) if fmt == "json" else as_xml(chunk)
    return answer


# -- a server with state ------------------------------------------------------------------

#: FixMyStreet extended statuses that close a request (what open311-adapter maps to closed).
CLOSING = frozenset({"FIXED", "CLOSED", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY",
                     "NO_FURTHER_ACTION", "CANCELLED", "INTERNAL_REFERRAL"})


class City:
    """A GeoReport v2 server's requests as state.

    Serves ``GET requests.{fmt}`` (every request, paged), ``GET requests/{id}.{fmt}``, and
    takes ``POST servicerequestupdates.{fmt}`` (an extended status: closing ones close the
    request; the description becomes its ``status_notes``) and ``PUT requests/{id}.{fmt}``
    (``status`` and ``status_notes``), stamping ``updated_datetime`` with ``clock()``.  The
    test acts as the source with :meth:`change`.  ``fmt`` is how bodies are written.

    Parameters
    ----------
    clock : callable
        The source's clock.
    fmt : {"json", "xml"}
    """

    def __init__(self, clock: Callable[[], datetime], fmt: str = "json") -> None:
        self.clock = clock
        self.fmt = fmt
        self.requests: dict[str, dict[str, Any]] = {}
        self.pushed: list[Hit] = []

    def install(self, server: Open311Server) -> City:
        """Answer every path the server has no route for."""
        server.fallback = self.answer
        return self

    def add(self, *items: dict[str, Any]) -> None:
        """Requests the source holds (as :func:`request` makes them)."""
        for item in items:
            self.requests[str(item["service_request_id"])] = dict(item)

    def change(self, external_id: str, **fields: Any) -> None:
        """The source changes a request (its clock stamps ``updated_datetime``)."""
        self.requests[external_id].update(fields, updated_datetime=self.clock().isoformat())

    def _body(self, items: list[dict[str, Any]]) -> Answer:
        return as_json(items) if self.fmt == "json" else as_xml(items)

    def answer(self, hit: Hit) -> Answer:
        one = re.fullmatch(r"/v2/requests/([^/]+)\.(json|xml)", hit.path)
        if hit.method == "GET" and hit.path == f"/v2/requests.{self.fmt}":
            page, size = int(hit.query.get("page", 1)), int(hit.query.get("page_size", 1000))
            return self._body(list(self.requests.values())[(page - 1) * size: page * size])
        if one and hit.method == "GET" and one.group(1) in self.requests:
            return self._body([self.requests[one.group(1)]])
        if hit.method == "POST" and hit.path == f"/v2/servicerequestupdates.{self.fmt}":
            found = self.requests.get(hit.form.get("service_request_id", ""))
            if found is None:
                return Answer('[{"code":404,"description":"no such request"}]', 404)
            self.pushed.append(hit)
            self.change(str(found["service_request_id"]),
                        status="closed" if hit.form.get("status") in CLOSING else "open",
                        status_notes=hit.form.get("description", ""))
            return Answer("[]")
        if one and hit.method == "PUT" and one.group(1) in self.requests:
            self.pushed.append(hit)
            self.change(one.group(1), status=hit.form.get("status", "open"),
                        status_notes=hit.form.get("status_notes", ""))
            return Answer("[]")
        return Answer('[{"code":404,"description":"no such resource"}]', 404)
