"""The phones' positions answered before FastAPI's routing: ``POST /api/v1/positions``.

Five hundred collectors each posting a fix every few seconds make this the server's most
frequent request by far, and one that does almost nothing: a session check and one INSERT.
Through FastAPI's middleware, routing and dependency machinery it cost the server about a
third more CPU than the work itself (in process: 0.92 against 0.67 ms a request).  This
plain ASGI layer answers the usual form of that request — a JSON body of a declared length
up to :data:`~console.server.body.MAX_JSON`, a bearer token — with the route's own function
(:func:`console.server.positions.checked_batch`: 401, then 403, then 422, then the INSERT, on
one worker thread) and the API's own refusals (:func:`console.server.errors.refusal`).
Anything else — no token, another content type, a form, an undeclared or larger length —
goes on to the route, which answers it as before.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from console.domain.errors import CityDeskError
from console.server.auth import ServerState
from console.server.body import MAX_JSON
from console.server.errors import FieldError, refusal, unexpected
from console.server.positions import checked_batch

PATH = "/api/v1/positions"


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The bearer token when the request is of the usual form, else None."""
    token = None
    length_ok = False
    for name, value in headers:
        if name == b"content-type":
            if value.split(b";")[0].strip().lower() not in (b"", b"application/json"):
                return None
        elif name == b"content-length":
            length_ok = value.isdigit() and int(value) <= MAX_JSON
        elif name == b"transfer-encoding":
            return None
        elif name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            token = rest.strip() if scheme.lower() == "bearer" else None
    return token if length_ok and token else None


class FixesFast:
    """ASGI middleware: ``POST /api/v1/positions`` of the usual form answered here.

    Parameters
    ----------
    app : ASGI application
        The application it wraps (every other request goes there).
    state : ServerState
        The server's state (its database, sessions and clock).
    """

    def __init__(self, app: Any, state: ServerState) -> None:
        self._app = app
        self._state = state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = None
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == PATH:
            token = _bearer(scope["headers"])
        if token is None:
            await self._app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the phone went away: nothing to answer, nothing stored
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        response: Response
        if size > MAX_JSON:
            response = refusal(FieldError("body", "请求体过大 / the body is too large"))
        else:
            try:
                answer = await run_in_threadpool(checked_batch, self._state, token,
                                                 b"".join(chunks))
                response = JSONResponse(answer)
            except CityDeskError as exc:
                response = refusal(exc)
            except Exception as exc:  # the API's 503 or 500, never a traceback
                response = unexpected(exc)
        await response(scope, receive, send)
