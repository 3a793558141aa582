"""Simulated collectors' phones on one ``citydesk server`` (issue #15).

Each :class:`Phone` is one collector with its own session and one kept-alive HTTP/1.1
connection, as a phone has.  :func:`run_step` drives all of them for a while at a chosen rate
of positions: every phone posts its fixes to ``POST /api/v1/positions`` on its own schedule
(batches of 1, or of 10 as after an offline spell) and asks ``GET /api/v1/tasks`` every 30 s,
and each request is timed from its first byte written to the last byte of the answer.

The phones speak HTTP over asyncio streams (a few dozen lines below) rather than through a
client library: there is no asynchronous one among the project's dependencies, and a thread
per phone (500 of them) would spend the two cores on the GIL instead of on the server being
measured.  A ticker measures how late the event loop runs, so a saturated generator shows in
the report instead of passing for a slow server.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

#: How often a phone asks for its tasks (the brief's 30 s; the phone page asks every 15–25 s).
POLL_EVERY = 30.0
#: A fix's fields beside t, lon and lat (a walking collector with a charged phone).
FIX_EXTRA = {"crs": "wgs84", "speed": 1.2, "accuracy": 8.0, "battery": 77}


class HttpError(Exception):
    """An answer the simulated phone did not expect (its status, or a broken connection)."""


class Phone:
    """One collector's phone: a session token and one kept-alive connection.

    Parameters
    ----------
    username : str
        The collector.
    lon, lat : float
        Where the collector walks (WGS-84, inside one of its cells).
    """

    def __init__(self, username: str, lon: float, lat: float) -> None:
        self.username = username
        self.lon, self.lat = lon, lat
        self.token = ""
        self.last_t = 0.0  # the newest fix sent: a batch never repeats an instant
        self.connections = 0  # TCP connections opened (the server closes idle ones)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()  # positions and task polls share the one connection

    async def request(self, host: str, port: int, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/json") -> tuple[int, bytes]:
        """Send one request on the phone's connection (opened on first use); status, body."""
        head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
        if self.token:
            head.append(f"Authorization: Bearer {self.token}")
        if body or method == "POST":
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        async with self._lock:
            if self._streams is not None and self._streams[0].at_eof():
                self.close()  # the server ended the idle connection (uvicorn: after 5 s)
            reused = self._streams is not None
            try:
                return await self._exchange(host, port, message)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close()
                if not reused:
                    raise
            # Closed by the server as the request left, with no byte of an answer: a browser
            # sends it again on a new connection, and so does the phone (timed from the first).
            return await self._exchange(host, port, message)

    async def _exchange(self, host: str, port: int, message: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(host, port)
            self.connections += 1
        reader, writer = self._streams
        writer.write(message)
        try:
            return await _answer(reader)
        except HttpError:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection (the next request opens another)."""
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None

    def fixes(self, now: float, count: int, period: float) -> bytes:
        """A batch of ``count`` fixes ending now, spread over the ``period`` since the last."""
        spacing = min(10.0, period / count)
        times = [now - (count - 1 - j) * spacing for j in range(count)]
        times = [max(t, self.last_t + 0.001 * (j + 1)) for j, t in enumerate(times)]
        self.last_t = times[-1]
        step = 0.00001  # ≈ 1 m a fix: the collector walks
        return json.dumps({"positions": [
            {"t": round(t, 3), "lon": round(self.lon + step * j, 7), "lat": self.lat, **FIX_EXTRA}
            for j, t in enumerate(times)]}).encode()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 answer (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise HttpError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(":") for line in lines[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(parts[1]), body


async def sign_in_all(phones: Sequence[Phone], host: str, port: int, password: str,
                      at_once: int = 2) -> None:
    """Each phone signs in (``kind=field``), ``at_once`` at a time (argon2 takes a core)."""
    gate = asyncio.Semaphore(at_once)

    async def one(phone: Phone) -> None:
        form = urlencode({"username": phone.username, "password": password,
                          "kind": "field"}).encode()
        async with gate:
            status, body = await phone.request(host, port, "POST", "/api/v1/token", form,
                                               "application/x-www-form-urlencoded")
        if status != 200:
            raise HttpError(f"{phone.username} could not sign in: {status} {body[:200]!r}")
        phone.token = json.loads(body)["access_token"]

    await asyncio.gather(*(one(p) for p in phones))


@dataclass
class Step:
    """What one rate's run measured."""

    offered: float  # positions a second asked of the phones
    batch: int
    seconds: float
    position_ms: list[float] = field(default_factory=list)
    poll_ms: list[float] = field(default_factory=list)
    positions: int = 0  # acknowledged (stored + duplicates) within the step
    stored: int = 0
    late: int = 0  # sends more than 0.25 s behind their phone's schedule
    connections: int = 0  # new TCP connections the phones opened during the step
    lag_ms: list[float] = field(default_factory=list)  # the event loop's lateness
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    server: dict[str, Any] = field(default_factory=dict)  # the server's CPU over the step

    @property
    def achieved(self) -> float:
        """Acknowledged positions a second over the step."""
        return self.positions / self.wall if self.wall else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the percentiles (the raw samples stay out of the report)."""
        from benchmarks.measure import summary

        def pct(samples: list[float]) -> dict[str, float] | None:
            return summary(samples) if samples else None

        return {"offered_per_s": round(self.offered, 1), "batch": self.batch,
                "seconds": round(self.wall, 1), "achieved_per_s": round(self.achieved, 1),
                "requests": len(self.position_ms), "stored": self.stored,
                "position_ms": pct(self.position_ms), "poll_ms": pct(self.poll_ms),
                "polls": len(self.poll_ms), "late_sends": self.late,
                "new_connections": self.connections,
                "loop_lag_ms": pct(self.lag_ms), "errors": len(self.errors),
                "error_kinds": sorted(set(self.errors))[:10]}


async def _ticker(step: Step, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + 0.05
        await asyncio.sleep(0.05)
        step.lag_ms.append(max(0.0, loop.time() - due) * 1000)


async def _send_positions(phone: Phone, host: str, port: int, step: Step, period: float,
                          end: float, offset: float) -> None:
    loop = asyncio.get_running_loop()
    due = loop.time() + offset  # phones do not report in step
    while due < end:
        pause = due - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)
        elif pause < -0.25:
            step.late += 1
        body = phone.fixes(time.time(), step.batch, period)
        start = time.perf_counter()
        try:
            status, answer = await phone.request(host, port, "POST", "/api/v1/positions", body)
        except (OSError, asyncio.IncompleteReadError, HttpError) as exc:
            step.errors.append(f"positions: {type(exc).__name__}")
        else:
            if status == 200:
                step.position_ms.append((time.perf_counter() - start) * 1000)
                counts = json.loads(answer)
                step.positions += counts["stored"] + counts["duplicates"]
                step.stored += counts["stored"]
            else:
                step.errors.append(f"positions: HTTP {status}")
        due = max(due + period, loop.time())  # a slow answer delays the next, never piles up


async def _poll_tasks(phone: Phone, host: str, port: int, step: Step, end: float,
                      every: float, rng: random.Random) -> None:
    loop = asyncio.get_running_loop()
    due = loop.time() + rng.random() * every
    while due < end:
        await asyncio.sleep(max(0.0, due - loop.time()))
        start = time.perf_counter()
        try:
            status, _answer_body = await phone.request(host, port, "GET", "/api/v1/tasks")
        except (OSError, asyncio.IncompleteReadError, HttpError) as exc:
            step.errors.append(f"tasks: {type(exc).__name__}")
        else:
            if status == 200:
                step.poll_ms.append((time.perf_counter() - start) * 1000)
            else:
                step.errors.append(f"tasks: HTTP {status}")
        due += every


async def run_step(phones: Sequence[Phone], host: str, port: int, rate: float, batch: int,
                   seconds: float, poll_every: float = POLL_EVERY, seed: int = 15) -> Step:
    """Every phone for ``seconds``: ``rate`` positions a second in all, in batches of
    ``batch``, and a task poll per phone every ``poll_every`` seconds (0: none)."""
    step = Step(rate, batch, seconds)
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    period = len(phones) * batch / rate  # each phone's interval between requests
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(step, stop))
    opened = sum(p.connections for p in phones)
    started = loop.time()
    end = started + seconds
    # Each phone's first send at a random instant of its own slice of the period (stratified):
    # spread as real phones are, and a step of a few periods offers exactly its rate — with
    # independent draws a 15 s step at one send per 10 s offered 500/s ± 3 % by chance alone.
    # The first phone sends at the step's start (a step shorter than a slice still measures).
    slots = len(phones)
    await asyncio.gather(*(_send_positions(p, host, port, step, period, end,
                                           (i + (rng.random() if i else 0.0)) / slots * period)
                           for i, p in enumerate(phones)),
                         *(_poll_tasks(p, host, port, step, end, poll_every, rng)
                           for p in phones if poll_every > 0))
    await asyncio.sleep(max(0.0, end - loop.time()))  # the last phone's next send is later
    step.wall = loop.time() - started
    step.connections = sum(p.connections for p in phones) - opened
    stop.set()
    await ticker
    return step


def close_all(phones: Sequence[Phone]) -> None:
    """Close every phone's connection."""
    for phone in phones:
        phone.close()
