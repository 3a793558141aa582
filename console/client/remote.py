"""The seam through the server: :class:`RemoteDeskBackend` and its root :class:`ServerRoot`.

Every seam call is one ``POST /api/v1/desk/{method}`` with a bearer token and a timeout; the
arguments and the answer are encoded by the seam's type hints (:mod:`console.services.wire`).
The desk holds no database credentials, and its clock is never sent: the server's session says
who acts and the server's clock says when.

A command whose reply is lost (the connection broke after it was sent, or the answer timed
out) is not reported as failed: the client asks ``GET /api/v1/requests/{request_id}`` whether
it committed, and returns the case when it did.  When the server cannot say yet, the error is
a :class:`~console.client.errors.ServerUnavailableError` — an outcome in doubt, which the desk
resolves later by the same question (:meth:`RemoteDeskBackend.action_committed`).  It never
says "unchanged" for a change that committed.

A 401 on any call means the session ended (disabled user, changed role or password, expiry):
``on_signed_out(message)`` is called so the desk can sign out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from console.client.errors import SESSION_ENDED, ServerUnavailableError, refusal
from console.client.push import PushListener
from console.desk_backend import LOCAL_PARAMETERS, METHODS, DeskBackend
from console.domain.cases import Actor
from console.domain.errors import AuthenticationError
from console.services import wire
from console.services.centre import Centre, build_centre

#: (connect, read) seconds of an ordinary call.
TIMEOUT = (5.0, 30.0)
#: Read seconds of the calls that count a whole period or take a file in.
SLOW_TIMEOUT = (5.0, 600.0)
SLOW = frozenset({"period_data", "evaluate", "import_table", "retry_problems", "reference",
                  "admin_snapshot", "import_notice", "import_year"})
#: Tries of the outcome question after a lost reply, and the pause between them.
OUTCOME_TRIES = 3
OUTCOME_PAUSE = 0.5

SignedOut = Callable[[str], None]


class _Link:
    """One server's URL, the token and the HTTP session, shared by a desk's callers."""

    def __init__(self, base_url: str, token: str, on_signed_out: SignedOut | None,
                 http: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.on_signed_out = on_signed_out
        self.http = http or requests.Session()
        self._lock = threading.Lock()  # requests.Session is not promised to be thread-safe

    def request(self, verb: str, path: str, timeout: tuple[float, float] = TIMEOUT,
                **kwargs: Any) -> Any:
        """The JSON answer of one call; the domain's error for a refusal."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with self._lock:
                reply = self.http.request(verb, f"{self.base}{path}", headers=headers,
                                          timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise ServerUnavailableError(
                f"无法连接服务器：{type(exc).__name__} / server unreachable") from exc
        try:
            body = reply.json()
        except ValueError:
            body = None
        if reply.status_code == 200:
            return body
        error = refusal(reply.status_code, body)
        if isinstance(error, AuthenticationError) and self.on_signed_out is not None:
            self.on_signed_out(error.message)
        raise error


class RemoteDeskBackend:
    """A signed-in seat served by the centre's server (implements ``DeskBackend``).

    Parameters
    ----------
    base_url : str
        The server, ``https://citydesk.example:8443``.
    token : str
        The session's bearer token (from ``POST /api/v1/token``).
    on_signed_out : callable, optional
        Called with the message when the server answers 401 (from the calling thread).
    http : requests.Session, optional
        Tests pass their own.
    """

    def __init__(self, base_url: str, token: str, on_signed_out: SignedOut | None = None,
                 http: requests.Session | None = None) -> None:
        self._link = _Link(base_url, token, on_signed_out, http)
        self._centre: Centre | None = None
        self._actor: Actor | None = None

    def __getattr__(self, name: str) -> Any:
        if name not in METHODS:
            raise AttributeError(name)
        spec = getattr(DeskBackend, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(name, spec, args, kwargs)

        call.__name__ = name
        return call

    def _call(self, name: str, spec: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        import inspect

        bound = inspect.signature(spec).bind(self, *args, **kwargs).arguments
        bound.pop("self", None)
        progress = bound.get("progress")
        body = wire.encode_arguments(spec, bound, LOCAL_PARAMETERS)
        answer = self._link.request("POST", f"/api/v1/desk/{name}",
                                    SLOW_TIMEOUT if name in SLOW else TIMEOUT, json=body)
        if not isinstance(answer, dict) or "result" not in answer:
            raise ServerUnavailableError("服务器的回答无法识别 / unexpected answer")
        result = wire.decode_result(spec, answer["result"])
        if callable(progress):
            total = int(getattr(result, "total", 0) or 0)
            progress(total, total)  # through the server: only the end is heard
        return result

    # -- local members ----------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        """The seat as the server knows it."""
        if self._actor is None:
            self._actor = self._call("seat", DeskBackend.seat, (), {})
        return self._actor

    @property
    def centre(self) -> Centre:
        """The centre built from the server's reference data (read once, then on reload)."""
        if self._centre is None:
            self._centre = build_centre(self._call("reference", DeskBackend.reference, (), {}))
        return self._centre

    def reload_centre(self) -> Centre:
        """Read the reference data again."""
        self._centre = None
        return self.centre

    def is_connection_error(self, exc: BaseException) -> bool:
        """A lost link or a server without its database: the outcome is in doubt."""
        return isinstance(exc, ConnectionError | requests.RequestException)

    # -- commands: a lost reply is asked about, never guessed ------------------------------
    def act(self, case_id: int, command: str, fields: dict[str, Any], seen_version: int | None,
            request_id: str, photos: list[Any]) -> Any:
        """Run a command; after a lost reply, the case if the server says it committed."""
        args = {"case_id": case_id, "command": command, "fields": fields,
                "seen_version": seen_version, "request_id": request_id, "photos": photos}
        try:
            return self._call("act", DeskBackend.act, (), args)
        except ServerUnavailableError:
            made = self._committed_case(request_id)
            if made is None:
                raise
            return made

    def report(self, *args: Any, **kwargs: Any) -> Any:
        """File a report; after a lost reply, the case if the server says it committed."""
        import inspect

        bound = inspect.signature(DeskBackend.report).bind(self, *args, **kwargs).arguments
        try:
            return self._call("report", DeskBackend.report, args, kwargs)
        except ServerUnavailableError:
            made = self._committed_case(str(bound["request_id"]))
            if made is None:
                raise
            return made

    def _committed_case(self, request_id: str) -> Any:
        """The case the action ``request_id`` made or changed, or None while unknown."""
        import time

        for attempt in range(OUTCOME_TRIES):
            try:
                outcome = self._link.request("GET", f"/api/v1/requests/{request_id}")
            except ServerUnavailableError:
                if attempt + 1 < OUTCOME_TRIES:
                    time.sleep(OUTCOME_PAUSE)
                continue
            if not isinstance(outcome, dict) or not outcome.get("committed"):
                return None  # not in the log yet: still in doubt, asked again later
            case_id = outcome.get("case_id")
            if isinstance(case_id, int):
                found = self._call("cases_by_ids", DeskBackend.cases_by_ids, ([case_id],), {})
                if found:
                    return found[0]
            return None
        return None

    def action_committed(self, request_id: str) -> bool:
        """Whether this seat's action ``request_id`` is in the log (the server's answer)."""
        outcome = self._link.request("GET", f"/api/v1/requests/{request_id}")
        return bool(isinstance(outcome, dict) and outcome.get("committed"))

    def logout(self) -> None:
        """End the session at the server (best effort: it expires anyway)."""
        try:
            self._link.request("POST", "/api/v1/logout")
        except Exception:  # a sign-out never fails the desk: the session expires anyway
            return


class ServerRoot:
    """The composition root of a desk whose centre is a server (``server`` in desk.toml).

    Signing in asks the server for a session; the seats, the push stream and the reference
    data all come through that session.

    Parameters
    ----------
    base_url : str
        The server.
    desk : str
        This desk's name (sent as the session's client; the server records it on events).
    """

    def __init__(self, base_url: str, desk: str = "", http: requests.Session | None = None,
                 kind: str = "desk") -> None:
        self.base_url = base_url.rstrip("/")
        self.desk = desk
        self.kind = kind  # the session's kind at sign-in: "desk", or "wall" for the wall screen
        self.http = http or requests.Session()
        self.token: str | None = None
        self._seat: RemoteDeskBackend | None = None
        #: Set by the desk session: called (from any thread) when the server ends the session.
        self.on_signed_out: SignedOut | None = None

    def sign_in(self, username: str, password: str) -> None:
        """Ask the server for a session; AuthenticationError with its one message if refused."""
        try:
            reply = self.http.post(f"{self.base_url}/api/v1/token", timeout=TIMEOUT, data={
                "username": username, "password": password, "kind": self.kind,
                "client": self.desk[:200]})
        except requests.RequestException as exc:
            raise ServerUnavailableError(
                f"无法连接服务器 {self.base_url}：{type(exc).__name__} / server unreachable") \
                from exc
        try:
            body = reply.json()
        except ValueError:
            body = None
        if reply.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise refusal(reply.status_code, body)
        self.token = str(body["access_token"])
        self._seat = None

    def use_token(self, token: str) -> None:
        """Work with a session signed in elsewhere (``citydesk login``'s saved token)."""
        self.token = token
        self._seat = None

    def _signed_out(self, message: str) -> None:
        if self.on_signed_out is not None:
            self.on_signed_out(message or SESSION_ENDED)

    def seat(self) -> RemoteDeskBackend:
        """The signed-in seat (AuthenticationError before a sign-in)."""
        if self.token is None:
            raise AuthenticationError(SESSION_ENDED)
        if self._seat is None:
            self._seat = RemoteDeskBackend(self.base_url, self.token, self._signed_out,
                                           self.http)
        return self._seat

    @property
    def centre(self) -> Centre:
        """The centre as the server has it (after a sign-in)."""
        return self.seat().centre

    def desk_backend(self, actor: Actor, clock: Callable[[], datetime]) -> RemoteDeskBackend:
        """The seat of ``actor`` — the server's session decides who that is; ``clock`` is the
        desk's and never sent (the server's clock stamps everything)."""
        del actor, clock
        return self.seat()

    def wall_backend(self, clock: Callable[[], datetime]) -> RemoteDeskBackend:
        """The wall's reads (``centre``, ``wall_data``) through the signed-in session; the
        server decides what that session may read, ``clock`` is never sent."""
        del clock
        return self.seat()

    def event_listener(self, on_event: Callable[[int], None],
                       on_status: Callable[[bool], None]) -> PushListener:
        """The push stream of the signed-in session (not yet started)."""
        if self.token is None:
            raise AuthenticationError(SESSION_ENDED)
        return PushListener(self.base_url, self.token, on_event, on_status, self._signed_out)

    def is_connection_error(self, exc: BaseException) -> bool:
        """A lost link or a server without its database."""
        return isinstance(exc, ConnectionError | requests.RequestException)

    def sign_out(self) -> None:
        """End the session at the server."""
        if self._seat is not None:
            self._seat.logout()
        self.token, self._seat = None, None
