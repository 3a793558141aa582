"""The one place that turns refusals into HTTP answers.

Every refusal has the body ``{"error": code, "message": text}`` (plus ``"field"`` when one
field of the input is at fault):

========================================  ======  ==================
error                                     status  ``error``
========================================  ======  ==================
no, unknown, expired or revoked token     401     ``authentication``
the role may not                          403     ``permission_denied``
unknown case, or outside the caller's     404     ``not_found``
scope (the SAME body for both)
state refuses the command / version seen  409     ``illegal_transition``
is stale                                          / ``conflict``
bad input                                 422     ``invalid`` (with ``field``)
========================================  ======  ==================

A :class:`~console.domain.errors.NotFoundError` raised while a command runs (an unknown unit,
collector or category named in its fields) is bad input, 422: only the case of the URL
answers 404, and that answer is made by :func:`no_such_case`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.app import describe_database_error, is_connection_error
from console.domain.errors import (
    AuthenticationError,
    CityDeskError,
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

log = logging.getLogger(__name__)


class FieldError(ValidationError):
    """Bad input in one named field of a request (422 with ``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class CaseNotFoundError(NotFoundError):
    """The case of the URL does not exist, or the caller may not see it (404)."""


#: The body's message for an unknown case and for one outside the caller's scope alike: it
#: does not even repeat the reference asked for, so two answers compare equal byte for byte.
NO_SUCH_CASE = "案件不存在或不在您的查看范围内 / no such case"


def no_such_case(_ref: str) -> CaseNotFoundError:
    """The one answer for an unknown case and for a case outside the caller's scope."""
    return CaseNotFoundError(NO_SUCH_CASE)


def status_of(exc: CityDeskError) -> int:
    """The HTTP status of a refusal."""
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, CaseNotFoundError):
        return 404
    if isinstance(exc, IllegalTransitionError | ConflictError):
        return 409
    if isinstance(exc, ValidationError):
        return 422
    return 409  # any other refusal of ours is about the state of things


def refusal(exc: CityDeskError) -> JSONResponse:
    """The JSON answer for ``exc``."""
    status = status_of(exc)
    code = "not_found" if status == 404 else ("invalid" if status == 422 else exc.code)
    body: dict[str, Any] = {"error": code, "message": exc.message}
    if isinstance(exc, FieldError):
        body["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _loc_field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def _on_citydesk(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CityDeskError)
    return refusal(exc)


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    field = _loc_field(first.get("loc", ()))
    reason = str(first.get("msg", "invalid"))
    return refusal(FieldError(field, f"字段 {field} 无效：{reason} / invalid field '{field}'"))


async def _on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        body = {"error": "not_found", "message": "没有这个接口 / no such endpoint"}
    elif exc.status_code == 405:
        body = {"error": "method", "message": "不支持该方法 / method not allowed"}
    else:
        body = {"error": "http", "message": str(exc.detail)}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    return unexpected(exc)


def unexpected(exc: Exception) -> JSONResponse:
    """The answer for an exception that is not a refusal of ours (503 or 500, one log line)."""
    if is_connection_error(exc) or describe_database_error(exc) is not None:
        # The database is down or refused: an answer the client can retry; the outcome of
        # a command is asked for by its request id (GET /api/v1/requests/{id}).
        log.warning("database error: %s", type(exc).__name__)
        return JSONResponse({"error": "unavailable",
                             "message": "数据库暂不可用，请稍后重试 / database unavailable"},
                            status_code=503)
    # One line to the log with the type; the body never carries a traceback or SQL.
    log.exception("internal error: %s", type(exc).__name__)
    return JSONResponse({"error": "internal", "message": "服务器内部错误 / internal error"},
                        status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(CityDeskError, _on_citydesk)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
