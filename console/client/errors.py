"""The server's refusals as the domain's errors, so the desk shows them as it shows its own."""

from __future__ import annotations

from typing import Any

from console.domain.errors import (
    AuthenticationError,
    CityDeskError,
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

#: What the desk says when the server ended its session (401 on a call or on the stream).
SESSION_ENDED = "您的会话已失效，请重新登录 / your session has ended: please sign in again"


class ServerUnavailableError(ConnectionError):
    """The server could not be reached, or said its database is unavailable (503).

    A ``ConnectionError``: the desk treats it as a lost link (an action's outcome is in doubt
    and is asked for by its request id), never as a refusal.
    """


class ServerError(CityDeskError):
    """The server failed on its side (500): one line, never its traceback."""

    code = "internal"


def refusal(status: int, body: Any) -> Exception:
    """The exception for an answer with ``status`` and a JSON ``body`` (or whatever came)."""
    message = ""
    code = ""
    if isinstance(body, dict):
        message = str(body.get("message") or "")[:500]
        code = str(body.get("error") or "")
    if status == 401:
        return AuthenticationError(message or SESSION_ENDED)
    if status == 403:
        return PermissionDeniedError(message or "无权执行该操作 / permission denied")
    if status == 404:
        return NotFoundError(message or "不存在 / not found")
    if status == 409:
        cls = ConflictError if code == "conflict" else IllegalTransitionError
        return cls(message or "状态不允许该操作 / refused in this state")
    if status == 422:
        return ValidationError(message or "输入无效 / invalid input")
    if status in (502, 503, 504):
        return ServerUnavailableError(message or f"服务器暂不可用（{status}）/ server unavailable")
    return ServerError(message or f"服务器错误（{status}）/ server error {status}")
