"""Which fields each command and a report take over the API, and their checks (422 by name).

Only the fields an operator types are accepted: what the system fills in (the suggested unit,
the routing rule, the merge target's id) and anything about time (``now``, ``at``,
``occurred_at``, ``reported_at``) is refused with 422 naming the field — the server's clock is
the only clock, so a skewed desk has nothing to send that could move a recorded time.
"""

from __future__ import annotations

from typing import Any

from console.domain.commands import Command
from console.server.errors import FieldError

#: Field types: text, a yes/no, whole minutes, a case reference (id or case number).
TEXT, FLAG, MINUTES, CASE_REF = "text", "flag", "minutes", "case"

C = Command
COMMAND_FIELDS: dict[Command, dict[str, str]] = {
    C.REFUSE: {"reason": TEXT},
    C.REQUEST_VERIFY: {"collector": TEXT},
    C.VERIFY: {"found": FLAG, "notes": TEXT},
    C.FILE: {"category": TEXT, "condition": TEXT, "limit_class": TEXT},
    C.REFUSE_FILE: {"reason": TEXT},
    C.DISPATCH: {"unit": TEXT, "reason": TEXT},
    C.DESIGNATE: {"unit": TEXT, "reason": TEXT},
    C.SUBDISPATCH: {"unit": TEXT},
    C.FEEDBACK: {"notes": TEXT},
    C.REQUEST_CHECK: {"collector": TEXT},
    C.CHECK_PASS: {"notes": TEXT},
    C.CHECK_FAIL: {"notes": TEXT},
    C.CLOSE: {"close_type": TEXT, "reason": TEXT},
    C.REQUEST_RETURN: {"reason": TEXT},
    C.REQUEST_EXTENSION: {"minutes": MINUTES, "reason": TEXT},
    C.REQUEST_SUSPEND: {"reason": TEXT},
    C.REQUEST_VOID: {"reason": TEXT},
    C.DENY_REQUEST: {"reason": TEXT},
    C.MERGE: {"into": CASE_REF},
    C.URGE: {"note": TEXT},
    C.ACK_ALERT: {"alert": TEXT},
    C.REJECT_SELF_HANDLED: {"reason": TEXT},
    C.REASSIGN: {"collector": TEXT},
}

#: Fields of ``POST /api/v1/reports``.
REPORT_FIELDS: dict[str, str] = {
    "category": TEXT, "description": TEXT, "source": TEXT, "grid": TEXT, "lon": "number",
    "lat": "number", "component_id": TEXT, "address": TEXT, "contact": TEXT,
    "legacy_kind": TEXT, "crs": TEXT,
}

#: Fields every write takes beside its own.
CONTROL = {"version", "request_id"}

_MAX_TEXT = 4000
_MAX_MINUTES = 480 * 60


def _typed(name: str, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == TEXT:
        if not isinstance(value, str):
            raise FieldError(name, f"字段 {name} 应为文字 / '{name}' must be text")
        if len(value) > _MAX_TEXT:
            raise FieldError(name, f"字段 {name} 过长 / '{name}' is too long")
        return value
    if kind == FLAG:
        if not isinstance(value, bool):
            raise FieldError(name, f"字段 {name} 应为 true 或 false / '{name}' must be a boolean")
        return value
    if kind == MINUTES:
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 < value <= _MAX_MINUTES:
            raise FieldError(name, f"字段 {name} 应为 1 到 {_MAX_MINUTES} 的整数分钟 / "
                                   f"'{name}' must be whole minutes")
        return value
    if kind == CASE_REF:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise FieldError(name, f"字段 {name} 应为案件 id 或编号 / '{name}' must be a case")
        return str(value)
    # number
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or value != value or value in (float("inf"), float("-inf")):
        raise FieldError(name, f"字段 {name} 应为数字 / '{name}' must be a number")
    return float(value)


def checked_fields(body: Any, allowed: dict[str, str]) -> dict[str, Any]:
    """The body's fields of ``allowed``, typed; anything else refused by name."""
    if not isinstance(body, dict):
        raise FieldError("body", "请求体应为 JSON 对象 / the body must be a JSON object")
    out: dict[str, Any] = {}
    for name, value in body.items():
        if name in CONTROL:
            continue
        kind = allowed.get(name)
        if kind is None:
            raise FieldError(str(name)[:64], f"不接受字段 {str(name)[:64]!r} / unknown field "
                                             f"'{str(name)[:64]}'")
        typed = _typed(name, kind, value)
        if typed is not None:
            out[name] = typed
    return out


def seen_version(body: Any, required: bool) -> int | None:
    """The ``version`` the client saw (required for a command on a case)."""
    value = body.get("version") if isinstance(body, dict) else None
    if value is None:
        if required:
            raise FieldError("version", "缺少字段 version（操作时看到的版本）/ missing 'version'")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise FieldError("version", "字段 version 应为非负整数 / 'version' must be a whole number")
    return value


def _key(body: Any, name: str) -> str | None:
    """The client's key ``name`` of the body (1–64 printable characters), or None."""
    value = body.get(name) if isinstance(body, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= 64 or not value.isprintable():
        raise FieldError(name, f"{name} 应为 1–64 个可打印字符 / {name} must be 1-64 printable "
                               "characters")
    return value


def request_id(body: Any) -> str | None:
    """The client's id for this action (1–64 characters), so a lost reply can be asked about."""
    return _key(body, "request_id")


def client_id(body: Any) -> str | None:
    """A phone's id for a report (1–64 printable characters): the same id, the same case."""
    value = _key(body, "client_id")
    if value is not None and body.get("request_id") not in (None, value):
        raise FieldError("client_id", "client_id 与 request_id 不同：只给一个 / client_id and "
                                      "request_id differ: give one")
    return value
