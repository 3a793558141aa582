"""The desk seam's wire format: typed values <-> JSON, driven by type hints.

The seam (``console.desk_backend``) is typed throughout; this codec turns its arguments and
results into JSON and back using those hints (:func:`typing.get_type_hints`), so nothing is
described twice.  What it handles:

* ``None``, ``bool``, ``int``, ``float``, ``str``; ``bytes`` as base64 text; ``Decimal`` as
  text; ``datetime`` aware only, ISO 8601 with its offset; ``date``, ``time`` in ISO form;
  ``timedelta`` as seconds; enums by value;
* ``list``/``tuple``/``set``/``frozenset``/``Sequence`` as arrays, fixed tuples by position;
* ``dict``/``Mapping``/``Counter``: an object when the keys are text (or text enums), else an
  array of ``[key, value]`` pairs (a tuple key, an int key);
* dataclasses as objects of their init fields; ``X | None`` and other unions; ``Any`` for
  plain JSON data only (an event's payload, a command's fields);
* a field ``P | None`` whose ``P`` is a Protocol holds a live source (it reads the database
  when asked): it is sent as null, so the sender materialises what it serves first.

Decoding is strict: an unknown field, a missing one, a wrong type, a naive datetime raise
:class:`WireError` (a ``ValidationError``: the server answers 422) naming the field's path,
e.g. ``queries.待受理.states[0]``.  Pure: standard library and the domain only.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import math
import types
import typing
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.domain.errors import ValidationError

#: How deep a value may nest (a hostile body cannot make the decoder recurse without end).
MAX_DEPTH = 40


class WireError(ValidationError):
    """A request or reply that does not fit the seam's types; names the field."""

    def __init__(self, path: str, expected: str) -> None:
        where = path or "(body)"
        zh, _, en = expected.partition(" / ")
        super().__init__(f"字段 {where} 无效：应为 {zh} / field {where}: expected {en or zh}")
        self.path = path


@cache
def hints_of(target: Any) -> dict[str, Any]:
    """The resolved type hints of a class or function (cached: they never change)."""
    return typing.get_type_hints(target)


@cache
def init_fields(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, hint, required) of a dataclass's init fields."""
    hints = hints_of(cls)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        required = (f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING)
        out.append((f.name, hints[f.name], required))
    return tuple(out)


def _origin(hint: Any) -> Any:
    return typing.get_origin(hint)


def _is_union(hint: Any) -> bool:
    return _origin(hint) in (typing.Union, types.UnionType)


def text_keys(key_hint: Any) -> bool:
    return key_hint is str or (isinstance(key_hint, type) and issubclass(key_hint, str))


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


# -- encoding ------------------------------------------------------------------------------------
def encode(value: Any, hint: Any = Any, path: str = "", depth: int = 0) -> Any:
    """``value`` as JSON data, shaped by ``hint`` (the declared type)."""
    if depth > MAX_DEPTH:
        raise WireError(path, f"至多 {MAX_DEPTH} 层嵌套 / at most {MAX_DEPTH} levels")
    if value is None:
        return None
    nullable = False
    if _is_union(hint):
        options = [h for h in typing.get_args(hint) if h is not type(None)]
        nullable = len(options) < len(typing.get_args(hint))
        hint = options[0] if len(options) == 1 else Any
    if nullable and getattr(hint, "_is_protocol", False):
        # A live source behind a protocol (one reading the database on demand, such as an
        # evaluation's case lists) stays where it runs; what it served is in the other fields.
        return None
    origin = _origin(hint)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WireError(path, "有限数 / a finite number")
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise WireError(path, "带时区的时间 / an aware datetime")
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, tzinfo):
        return _zone_text(value, path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return {name: encode(getattr(value, name), h, _join(path, name), depth + 1)
                for name, h, _required in init_fields(cls)}
    if isinstance(value, Mapping):
        key_hint, value_hint = _mapping_args(hint)
        if all(isinstance(k, str) for k in value):
            return {k.value if isinstance(k, enum.Enum) else k:
                    encode(v, value_hint, _join(path, str(k)), depth + 1)
                    for k, v in value.items()}
        return [[encode(k, key_hint, _join(path, i), depth + 1),
                 encode(v, value_hint, _join(path, i), depth + 1)]
                for i, (k, v) in enumerate(value.items())]
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        if origin is tuple:
            args = typing.get_args(hint)
            if args and args[-1] is not Ellipsis and len(args) == len(items):
                return [encode(v, h, _join(path, i), depth + 1)
                        for i, (v, h) in enumerate(zip(items, args, strict=True))]
        item_hint = _item_hint(hint)
        return [encode(v, item_hint, _join(path, i), depth + 1) for i, v in enumerate(items)]
    raise WireError(path, f"可传输的值，而不是 {type(value).__name__} / "
                          f"a value the wire carries, not {type(value).__name__}")


def _mapping_args(hint: Any) -> tuple[Any, Any]:
    args = typing.get_args(hint)
    if _origin(hint) is Counter or hint is Counter:
        return (args[0] if args else Any), int
    return (args[0], args[1]) if len(args) == 2 else (Any, Any)


def _item_hint(hint: Any) -> Any:
    args = typing.get_args(hint)
    return args[0] if args else Any


# -- decoding ------------------------------------------------------------------------------------
def decode(data: Any, hint: Any, path: str = "", depth: int = 0) -> Any:
    """JSON ``data`` as a value of type ``hint``; WireError naming the path when it is not."""
    if depth > MAX_DEPTH:
        raise WireError(path, f"至多 {MAX_DEPTH} 层嵌套 / at most {MAX_DEPTH} levels")
    if hint is Any or hint is object:
        return _plain(data, path, depth)
    if hint is None or hint is type(None):
        if data is not None:
            raise WireError(path, "null")
        return None
    if _is_union(hint):
        return _decode_union(data, hint, path, depth)
    origin = _origin(hint)
    if origin is typing.Literal:
        if data not in typing.get_args(hint):
            raise WireError(path, " / ".join(repr(a) for a in typing.get_args(hint)))
        return data
    if origin is not None:
        return _decode_generic(data, hint, origin, path, depth)
    if isinstance(hint, type):
        return _decode_class(data, hint, path, depth)
    raise WireError(path, f"可解码的类型 {hint!r} / a decodable type")


def _decode_union(data: Any, hint: Any, path: str, depth: int) -> Any:
    options = typing.get_args(hint)
    if data is None:
        if type(None) in options:
            return None
        raise WireError(path, _names(options))
    for option in options:
        if option is type(None):
            continue
        try:
            return decode(data, option, path, depth)
        except WireError:
            continue
    raise WireError(path, _names(options))


def _names(options: tuple[Any, ...]) -> str:
    return " | ".join(getattr(o, "__name__", str(o)) for o in options)


def _plain(data: Any, path: str, depth: int) -> Any:
    """JSON data as it is (``Any``): nothing but JSON's own types."""
    if depth > MAX_DEPTH:
        raise WireError(path, f"至多 {MAX_DEPTH} 层嵌套 / at most {MAX_DEPTH} levels")
    if data is None or isinstance(data, bool | int | str):
        return data
    if isinstance(data, float):
        if not math.isfinite(data):
            raise WireError(path, "有限数 / a finite number")
        return data
    if isinstance(data, list):
        return [_plain(v, _join(path, i), depth + 1) for i, v in enumerate(data)]
    if isinstance(data, dict):
        return {str(k): _plain(v, _join(path, str(k)), depth + 1) for k, v in data.items()}
    raise WireError(path, "JSON 数据 / JSON data")


def _decode_generic(data: Any, hint: Any, origin: Any, path: str, depth: int) -> Any:
    args = typing.get_args(hint)
    if origin is type:
        raise WireError(path, "值而不是类型 / a value, not a type")
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return _decode_mapping(data, hint, origin, path, depth)
    if origin is Callable:
        raise WireError(path, "可传输的值 / a value the wire carries")
    if not isinstance(data, list):
        raise WireError(path, "数组 / an array")
    if origin is tuple and args and args[-1] is not Ellipsis:
        if len(data) != len(args):
            raise WireError(path, f"{len(args)} 项的数组 / an array of {len(args)} items")
        return tuple(decode(v, h, _join(path, i), depth + 1)
                     for i, (v, h) in enumerate(zip(data, args, strict=True)))
    item = args[0] if args else Any
    items = [decode(v, item, _join(path, i), depth + 1) for i, v in enumerate(data)]
    if origin is tuple:
        return tuple(items)
    if origin in (set, frozenset, typing.AbstractSet):
        return frozenset(items) if origin is frozenset else set(items)
    return items  # list, Sequence, Iterable


def _decode_mapping(data: Any, hint: Any, origin: Any, path: str, depth: int) -> Any:
    key_hint, value_hint = _mapping_args(hint)
    pairs: list[tuple[Any, Any]]
    if isinstance(data, dict):
        pairs = [(decode(k, key_hint, _join(path, str(k)), depth + 1),
                  decode(v, value_hint, _join(path, str(k)), depth + 1)) for k, v in data.items()]
    elif isinstance(data, list):
        pairs = []
        for i, pair in enumerate(data):
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError(_join(path, i), "[键, 值] / a [key, value] pair")
            pairs.append((decode(pair[0], key_hint, _join(path, i), depth + 1),
                          decode(pair[1], value_hint, _join(path, i), depth + 1)))
    else:
        raise WireError(path, "对象 / an object")
    if origin is Counter:
        return Counter(dict(pairs))
    return dict(pairs)


def _decode_class(data: Any, cls: type, path: str, depth: int) -> Any:
    if cls is bool:
        if not isinstance(data, bool):
            raise WireError(path, "true / false")
        return data
    if cls is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise WireError(path, "整数 / an integer")
        return data
    if cls is float:
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            raise WireError(path, "数 / a number")
        return float(data)
    if cls is str:
        if not isinstance(data, str):
            raise WireError(path, "文本 / text")
        return data
    if issubclass(cls, enum.Enum):
        try:
            return cls(data)
        except (ValueError, TypeError):
            raise WireError(path, " / ".join(str(m.value) for m in cls)) from None
    if cls is dict or cls is Counter:
        return _decode_mapping(data, cls, cls, path, depth)
    if cls in (list, tuple, set, frozenset):
        return _decode_generic(data, cls, cls, path, depth)
    if dataclasses.is_dataclass(cls):
        return _decode_dataclass(data, cls, path, depth)
    if cls is timedelta:
        return decode_timedelta(data, path)
    if issubclass(cls, tzinfo) or cls is tzinfo:
        return _zone(data, path)
    if not isinstance(data, str):
        raise WireError(path, f"{cls.__name__} 文本 / {cls.__name__} text")
    return _decode_scalar_text(data, cls, path)


def _decode_scalar_text(data: str, cls: type, path: str) -> Any:
    try:
        if cls is bytes:
            return base64.b64decode(data.encode("ascii"), validate=True)
        if cls is Decimal:
            value = Decimal(data)
            if not value.is_finite():
                raise ValueError(data)
            return value
        if cls is datetime:
            moment = datetime.fromisoformat(data)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise WireError(path, "带时区偏移的 ISO 时间 / an ISO datetime with its offset")
            return moment
        if cls is date:
            return date.fromisoformat(data)
        if cls is time:
            return time.fromisoformat(data)
    except WireError:
        raise
    except (ValueError, InvalidOperation, binascii.Error, UnicodeEncodeError):
        raise WireError(path, f"{cls.__name__}") from None
    raise WireError(path, f"可解码的类型 {cls.__name__} / a decodable type")


def _decode_dataclass(data: Any, cls: type, path: str, depth: int) -> Any:
    if not isinstance(data, dict):
        raise WireError(path, f"{cls.__name__} 对象 / a {cls.__name__} object")
    fields = init_fields(cls)
    known = {name for name, _h, _r in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise WireError(_join(path, str(unknown[0])), "无此字段 / no such field")
    kwargs = {}
    for name, hint, required in fields:
        if name not in data:
            if required:
                raise WireError(_join(path, name), "必填字段 / a required field")
            continue
        kwargs[name] = decode(data[name], hint, _join(path, name), depth + 1)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise WireError(path, f"有效的 {cls.__name__}（{exc}）/ a valid {cls.__name__}") from None


def _zone_text(zone: tzinfo, path: str) -> str:
    """A zone as text: its IANA name, or a fixed offset as ``+08:00``."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None)
    if isinstance(zone, timezone) and offset is not None:
        return "UTC" if not offset else datetime(2000, 1, 1, tzinfo=zone).isoformat()[-6:]
    raise WireError(path, "IANA 时区或固定偏移 / an IANA zone or a fixed offset")


def _zone(data: Any, path: str) -> tzinfo:
    if not isinstance(data, str) or not data or len(data) > 64:
        raise WireError(path, "时区名 / a time zone name")
    if data == "UTC":
        return UTC
    if data[0] in "+-":
        try:
            return datetime.fromisoformat(f"2000-01-01T00:00:00{data}").tzinfo or UTC
        except ValueError:
            raise WireError(path, "+HH:MM") from None
    try:
        return ZoneInfo(data)
    except (ZoneInfoNotFoundError, ValueError):
        raise WireError(path, "IANA 时区名 / an IANA time zone name") from None


def decode_timedelta(data: Any, path: str) -> timedelta:
    """Seconds as a timedelta (``timedelta`` hints go through here)."""
    if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
        raise WireError(path, "秒数 / seconds")
    try:
        return timedelta(seconds=data)
    except OverflowError:
        raise WireError(path, "秒数 / seconds") from None


# -- calls ---------------------------------------------------------------------------------------
def _parameters(func: Callable[..., Any], skip: frozenset[str]) -> list[tuple[str, Any, bool]]:
    """(name, hint, required) of a method's wire parameters (not ``self``, not ``skip``)."""
    import inspect

    hints = hints_of(func)
    out = []
    for name, param in inspect.signature(func).parameters.items():
        if name == "self" or name in skip:
            continue
        out.append((name, hints.get(name, Any), param.default is inspect.Parameter.empty))
    return out


def encode_arguments(func: Callable[..., Any], arguments: Mapping[str, Any],
                     skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A call's keyword arguments as a JSON object (by the method's hints)."""
    out = {}
    for name, hint, _required in _parameters(func, skip):
        if name in arguments:
            out[name] = encode(arguments[name], hint, name)
    return out


def decode_arguments(func: Callable[..., Any], data: Any,
                     skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A JSON object as a call's keyword arguments; WireError for an unknown or missing one."""
    if not isinstance(data, dict):
        raise WireError("", "对象 / an object")
    params = _parameters(func, skip)
    names = {name for name, _h, _r in params}
    unknown = sorted(set(data) - names)
    if unknown:
        raise WireError(str(unknown[0]), "无此参数 / no such argument")
    out = {}
    for name, hint, required in params:
        if name not in data:
            if required:
                raise WireError(name, "必填参数 / a required argument")
            continue
        out[name] = decode(data[name], hint, name)
    return out


def encode_result(func: Callable[..., Any], value: Any) -> Any:
    """A method's return value as JSON data (by the compiled encoder when it fits)."""
    from console.services.wire_compiled import encode_fast

    return encode_fast(value, hints_of(func).get("return", Any), "result")


def decode_result(func: Callable[..., Any], data: Any) -> Any:
    """JSON data as a method's return value (by the compiled decoder when it fits)."""
    from console.services.wire_compiled import decode_fast

    return decode_fast(data, hints_of(func).get("return", Any), "result")
