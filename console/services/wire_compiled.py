"""The seam's encoder compiled once per type hint: the same JSON as :func:`wire.encode`, faster.

:func:`console.services.wire.encode` walks a value and its type hint together on every call,
building each field's path as it goes, so that an error names the field.  A server answering
fifty desks a second spent a fifth of its time there (docs/BENCHMARKS.md, issue #14).  Here a
hint is turned once into a closure (:func:`encoder`, cached per hint): a dataclass becomes a
tuple of (field name, field encoder), a list of X a comprehension over X's encoder.

Every compiled step checks that the value is exactly what it was compiled for (its type, an
aware datetime, a finite float, text keys); anything else — a subclass, a value the hint does
not describe, a value the wire refuses — raises :class:`_MismatchError`, and :func:`encode_fast`
then encodes the whole value again with :func:`wire.encode`, which gives the same answer or
the error naming the field.  So this module can make encoding faster, never different.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import threading
import types
import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from console.services import wire

Encoder = Callable[[Any], Any]


class _MismatchError(Exception):
    """A value the compiled encoder was not built for (the generic encoder takes over)."""


def _generic(hint: Any) -> Encoder:
    """What a compiled step does not cover: the generic encoder with its hint."""

    def run(value: Any) -> Any:
        try:
            return wire.encode(value, hint)
        except wire.WireError:
            raise _MismatchError from None

    return run


def _scalar(kind: type) -> Encoder:
    def run(value: Any) -> Any:
        if value is None or type(value) is kind:
            return value
        raise _MismatchError

    return run


def _float(value: Any) -> Any:
    if value is None or (type(value) is float and math.isfinite(value)):
        return value
    if type(value) is int:
        return value
    raise _MismatchError


def _datetime(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is datetime and value.utcoffset() is not None:
        return value.isoformat()
    raise _MismatchError


def _isoformat(kind: type[date] | type[time]) -> Encoder:
    def run(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is kind:
            return value.isoformat()
        raise _MismatchError

    return run


def _timedelta(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is timedelta:
        return value.total_seconds()
    raise _MismatchError


def _enum(kind: type[enum.Enum]) -> Encoder:
    def run(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is kind:
            return value.value
        raise _MismatchError

    return run


def _dataclass(cls: type) -> Encoder:
    # Filled after creation: a dataclass may refer to itself through its fields.
    fields: list[tuple[str, Encoder]] = []

    def run(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not cls:
            raise _MismatchError
        return {name: enc(getattr(value, name)) for name, enc in fields}

    _pending.append((cls, fields))
    return run


#: Dataclass encoders whose fields are still to compile, and the lock that makes compiling
#: one hint at a time safe from the server's worker threads.
_pending: list[tuple[type, list[tuple[str, Encoder]]]] = []
_compiled: dict[Any, Encoder] = {}
_lock = threading.RLock()


def _sequence(item: Encoder) -> Encoder:
    def run(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is list or type(value) is tuple:
            return [item(v) for v in value]
        raise _MismatchError

    return run


def _fixed_tuple(items: tuple[Encoder, ...]) -> Encoder:
    def run(value: Any) -> Any:
        if value is None:
            return None
        if (type(value) is tuple or type(value) is list) and len(value) == len(items):
            return [enc(v) for enc, v in zip(items, value, strict=True)]
        raise _MismatchError

    return run


def _text_mapping(item: Encoder) -> Encoder:
    def run(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not dict:
            raise _MismatchError
        out = {}
        for key, v in value.items():
            if type(key) is str:
                out[key] = item(v)
            elif isinstance(key, enum.Enum) and isinstance(key, str):
                out[key.value] = item(v)
            else:
                raise _MismatchError
        return out

    return run


_SCALARS: dict[Any, Encoder] = {
    str: _scalar(str), bool: _scalar(bool), int: _scalar(int), float: _float,
    datetime: _datetime, date: _isoformat(date), time: _isoformat(time),
    timedelta: _timedelta,
}


def encoder(hint: Any) -> Encoder:
    """The compiled encoder of values declared as ``hint`` (cached: hints never change)."""
    found = _compiled.get(hint)
    if found is not None:
        return found
    with _lock:
        found = _compiled.get(hint)
        if found is None:
            found = _compiled[hint] = _build(hint)
            while _pending:
                cls, fields = _pending.pop()
                fields.extend((name, encoder(h)) for name, h, _required
                              in wire.init_fields(cls))
    return found


def _build(hint: Any) -> Encoder:
    if hint is Any or hint is object:
        return _generic(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [h for h in typing.get_args(hint) if h is not type(None)]
        nullable = len(options) < len(typing.get_args(hint))
        if len(options) != 1:
            return _generic(hint)
        inner = options[0]
        if nullable and getattr(inner, "_is_protocol", False):
            return lambda _value: None  # a live source stays where it runs (see wire.encode)
        return encoder(inner)
    if hint in _SCALARS:
        return _SCALARS[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    args = typing.get_args(hint)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return _fixed_tuple(tuple(encoder(a) for a in args))
    if origin in (list, tuple, Sequence):
        return _sequence(encoder(args[0]) if args else _generic(Any))
    if origin is dict and len(args) == 2 and wire.text_keys(args[0]):
        return _text_mapping(encoder(args[1]))
    return _generic(hint)


def encode_fast(value: Any, hint: Any, path: str = "") -> Any:
    """``value`` as :func:`wire.encode` gives it, by the compiled encoder when it fits."""
    try:
        return encoder(hint)(value)
    except _MismatchError:
        return wire.encode(value, hint, path)
