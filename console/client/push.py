"""The server's push stream (``GET /api/v1/events``, server-sent events) for a remote desk.

:class:`PushListener` implements the desk controller's ``Listener`` protocol (``start``,
``stop``) exactly as the PostgreSQL LISTEN thread does for an embedded desk: it calls
``on_event(newest id)`` when events arrive and ``on_status(up)`` when the stream comes up or
goes down, both on its own thread (the controller's signals carry them to the GUI thread).
A dropped stream is opened again after a pause, resuming from the last id seen.  A 401, or the
server's ``signed-out`` message, calls ``on_signed_out(message)`` once and ends the thread.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import requests

from console.client.errors import SESSION_ENDED

#: (connect, read) seconds; the server sends a comment every 15 s of silence.
STREAM_TIMEOUT = (5.0, 40.0)
#: Seconds before a dropped stream is opened again.
RETRY_AFTER = 1.0


class PushListener:
    """A thread following one session's push stream.

    Parameters
    ----------
    base_url, token : str
        The server and the session.
    on_event : callable
        ``on_event(newest event id)`` for each batch the server pushes.
    on_status : callable
        ``on_status(True)`` when the stream is up, ``False`` when it dropped.
    on_signed_out : callable
        ``on_signed_out(message)`` once, when the server ended the session.
    """

    def __init__(self, base_url: str, token: str, on_event: Callable[[int], None],
                 on_status: Callable[[bool], None], on_signed_out: Callable[[str], None],
                 http: requests.Session | None = None) -> None:
        self.url = f"{base_url.rstrip('/')}/api/v1/events"
        self.token = token
        self.on_event, self.on_status, self.on_signed_out = on_event, on_status, on_signed_out
        self.http = http or requests.Session()
        self.last_id: int | None = None
        self._stop = threading.Event()
        self._reply: requests.Response | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the stream on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="citydesk-push", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Close the stream and join the thread; True when it ended within ``timeout``."""
        self._stop.set()
        reply = self._reply
        if reply is not None:
            _unblock(reply)
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self) -> None:
        up: bool | None = None
        while not self._stop.is_set():
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
            if self.last_id is not None:
                headers["Last-Event-ID"] = str(self.last_id)
            try:
                with self.http.get(self.url, headers=headers, stream=True,
                                   timeout=STREAM_TIMEOUT) as reply:
                    self._reply = reply
                    if self._stop.is_set():  # stop() came while the stream was opening
                        return
                    if reply.status_code == 401:
                        self._signed_out(_message_of(reply))
                        return
                    if reply.status_code != 200:
                        raise requests.ConnectionError(f"HTTP {reply.status_code}")
                    for event, data in _messages(reply.iter_lines(decode_unicode=True)):
                        if event == "hello" and not up:
                            up = True
                            self.on_status(True)
                        if self._handle(event, data):
                            return
            except (requests.RequestException, ValueError, AttributeError):
                pass  # the stream dropped (or was closed by stop): said below, then again
            finally:
                self._reply = None
            if self._stop.is_set():
                return
            if up is not False:
                up = False
                self.on_status(False)
            self._stop.wait(RETRY_AFTER)

    def _handle(self, event: str, data: dict[str, Any]) -> bool:
        """Act on one message; True when the stream must end (signed out)."""
        last = data.get("last_id")
        if isinstance(last, int):
            self.last_id = max(self.last_id or 0, last)
        if event == "events" and isinstance(last, int):
            self.on_event(last)
        elif event == "signed-out":
            self._signed_out(str(data.get("message") or ""))
            return True
        return False

    def _signed_out(self, message: str) -> None:
        self._stop.set()
        self.on_signed_out(message or SESSION_ENDED)


def _unblock(reply: requests.Response) -> None:
    """Wake the thread blocked reading ``reply``, from another thread.

    Closing the response here would wait for that read: the buffered reader's lock is held by
    the blocked read until the server's next ping (15 s) or the read timeout (40 s) — every
    remote desk's sign-out or teardown waited that long.  Shutting the socket down ends the
    read at once; the reading thread then closes the response itself.
    """
    connection = getattr(reply.raw, "connection", None)  # urllib3 2: the streaming connection
    sock = getattr(connection, "sock", None)
    if sock is None:  # not streaming any more (or another transport): closing does not wait
        reply.close()
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _message_of(reply: requests.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return ""
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def _messages(lines: Iterator[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) of each server-sent event; comments and unknown data are skipped."""
    event, data = "message", list[str]()
    for raw in lines:
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if not line:
            if data:
                try:
                    parsed = json.loads("\n".join(data))
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    yield event, parsed
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
