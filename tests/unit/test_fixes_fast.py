"""The positions' fast path: which requests it answers, and that its answers are the API's."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from console.domain.errors import AuthenticationError, PermissionDeniedError
from console.server import fixes_fast
from console.server.errors import FieldError
from console.server.fixes_fast import FixesFast


def _call(headers: dict[str, str], chunks: list[bytes], method: str = "POST",
          path: str = "/api/v1/positions") -> tuple[list[dict[str, Any]], bool]:
    """(the messages sent, whether the wrapped application was reached)."""
    reached = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                for i, c in enumerate(chunks)] or [{"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(FixesFast(inner, state=object())(scope, receive, send))  # type: ignore[arg-type]
    return sent, bool(reached)


def _answer(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any], dict[bytes, bytes]]:
    return (sent[0]["status"], json.loads(sent[1]["body"]), dict(sent[0]["headers"]))


USUAL = {"Content-Type": "application/json", "Content-Length": "40",
         "Authorization": "Bearer tok-1"}


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes]]:
    calls: list[tuple[str, bytes]] = []

    def checked(_state: object, token: str, raw: bytes) -> dict[str, Any]:
        calls.append((token, raw))
        if token == "expired":
            raise AuthenticationError("会话已失效 / session ended")
        if token == "desk":
            raise PermissionDeniedError("只有监督员上报位置 / only collectors report positions")
        if token == "bad":
            raise FieldError("positions[0].lat", "lat 超出范围 / out of range")
        if token == "boom":
            raise RuntimeError("a bug")
        return {"stored": 1, "duplicates": 0}

    monkeypatch.setattr(fixes_fast, "checked_batch", checked)
    return calls


def test_the_usual_request_is_answered_here_from_every_chunk(seen: list[Any]) -> None:
    sent, reached = _call(USUAL, [b'{"positions": ', b'[]}'])
    assert not reached and seen == [("tok-1", b'{"positions": []}')]
    assert _answer(sent)[:2] == (200, {"stored": 1, "duplicates": 0})


@pytest.mark.parametrize("change", [
    {"Authorization": ""}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "},
    {"Content-Type": "multipart/form-data; boundary=x"}, {"Content-Length": ""},
    {"Content-Length": str(256 * 1024 + 1)}, {"Transfer-Encoding": "chunked"}])
def test_anything_else_goes_on_to_the_route(seen: list[Any], change: dict[str, str]) -> None:
    headers = {k: v for k, v in (USUAL | change).items() if v != ""}
    _sent, reached = _call(headers, [b"{}"])
    assert reached and not seen


def test_other_paths_and_methods_go_on(seen: list[Any]) -> None:
    assert _call(USUAL, [b"{}"], path="/api/v1/positions/")[1]
    assert _call(USUAL, [b"{}"], method="GET")[1]
    assert _call(USUAL, [b"{}"], path="/osmand")[1] and not seen


def test_refusals_are_the_apis(seen: list[Any]) -> None:
    status, body, headers = _answer(_call(USUAL | {"Authorization": "Bearer expired"},
                                          [b"{}"])[0])
    assert (status, body["error"], headers[b"www-authenticate"]) == (401, "authentication",
                                                                      b"Bearer")
    assert _answer(_call(USUAL | {"Authorization": "Bearer desk"}, [b"{}"])[0])[0] == 403
    status, body, _ = _answer(_call(USUAL | {"Authorization": "Bearer bad"}, [b"{}"])[0])
    assert (status, body["error"], body["field"]) == (422, "invalid", "positions[0].lat")
    status, body, _ = _answer(_call(USUAL | {"Authorization": "Bearer boom"}, [b"{}"])[0])
    assert (status, body["error"]) == (500, "internal") and "a bug" not in json.dumps(body)


def test_a_body_longer_than_declared_or_allowed_is_refused(seen: list[Any]) -> None:
    status, body, _ = _answer(_call(USUAL, [b"x" * (200 * 1024), b"x" * (100 * 1024)])[0])
    assert (status, body["field"]) == (422, "body") and not seen


def test_a_phone_that_goes_away_gets_nothing_and_stores_nothing(seen: list[Any]) -> None:
    sent, reached = _call(USUAL, [])
    assert sent == [] and not reached and not seen
