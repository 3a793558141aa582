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


def _fallback(codec: Callable[[Any, Any], Any], hint: Any) -> Callable[[Any], Any]:
    """What a compiled step does not cover: the generic ``codec`` (encode or decode) with its
    hint; its refusal is a mismatch (the whole value is then done again generically)."""

    def run(value: Any) -> Any:
        try:
            return codec(value, hint)
        except wire.WireError:
            raise _MismatchError from None

    return run


def _generic(hint: Any) -> Encoder:
    return _fallback(wire.encode, hint)


#: Compiled steps per hint (encoders and decoders apart), and the dataclasses whose field
#: steps are still to compile: a dataclass may refer to itself through its fields, so its step
#: exists before its fields' do.  One lock makes compiling safe from the server's threads.
_Pending = list[tuple[type, list[tuple[str, Callable[[Any], Any]]]]]
_lock = threading.RLock()


def _compiled_step(hint: Any, table: dict[Any, Callable[[Any], Any]],
                   build: Callable[[Any], Callable[[Any], Any]], pending: _Pending,
                   step: Callable[[Any], Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """``table[hint]``, built (with the fields of every dataclass it reaches) when missing."""
    found = table.get(hint)
    if found is not None:
        return found
    with _lock:
        found = table.get(hint)
        if found is None:
            found = table[hint] = build(hint)
            while pending:
                cls, fields = pending.pop()
                fields.extend((name, step(h)) for name, h, _required in wire.init_fields(cls))
    return found


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


_pending: _Pending = []
_compiled: dict[Any, Encoder] = {}


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
    return _compiled_step(hint, _compiled, _build, _pending, encoder)


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


# -- decoding ------------------------------------------------------------------------------------
# The same scheme for the other direction (the desk decodes every answer: 500 cases of a first
# load took 132 ms generically): each compiled step accepts exactly what the generic decoder
# would turn into the same value, and anything else falls back to it, which then gives the same
# value or the error naming the field.

Decoder = Callable[[Any], Any]


def _decode_generic(hint: Any) -> Decoder:
    return _fallback(wire.decode, hint)


def _d_exact(kind: type) -> Decoder:
    """JSON data of exactly ``kind`` as it is (a boolean is not an integer)."""

    def run(data: Any) -> Any:
        if type(data) is kind:
            return data
        raise _MismatchError

    return run


def _d_float(data: Any) -> Any:
    if (type(data) is float and math.isfinite(data)) or type(data) is int:
        return float(data)
    raise _MismatchError


def _d_datetime(data: Any) -> Any:
    if type(data) is str:
        try:
            moment = datetime.fromisoformat(data)
        except ValueError:
            raise _MismatchError from None
        if moment.utcoffset() is not None:
            return moment
    raise _MismatchError


def _d_enum(cls: type[enum.Enum]) -> Decoder:
    def run(data: Any) -> Any:
        try:
            return cls(data)
        except (ValueError, TypeError):
            raise _MismatchError from None

    return run


def _d_optional(inner: Decoder) -> Decoder:
    def run(data: Any) -> Any:
        return None if data is None else inner(data)

    return run


def _d_dataclass(cls: type) -> Decoder:
    fields: list[tuple[str, Decoder]] = []  # filled by decoder() once this step exists
    names = {name for name, _hint, _required in wire.init_fields(cls)}

    def run(data: Any) -> Any:
        if type(data) is not dict or data.keys() != names:
            raise _MismatchError
        try:
            return cls(**{name: dec(data[name]) for name, dec in fields})
        except (TypeError, ValueError):
            raise _MismatchError from None

    _pending_decoders.append((cls, fields))
    return run


def _d_list(item: Decoder, make: Callable[[Any], Any]) -> Decoder:
    def run(data: Any) -> Any:
        if type(data) is list:
            return make([item(v) for v in data])
        raise _MismatchError

    return run


def _d_fixed_tuple(items: tuple[Decoder, ...]) -> Decoder:
    def run(data: Any) -> Any:
        if type(data) is list and len(data) == len(items):
            return tuple(dec(v) for dec, v in zip(items, data, strict=True))
        raise _MismatchError

    return run


def _d_text_mapping(key: Decoder, item: Decoder) -> Decoder:
    def run(data: Any) -> Any:
        if type(data) is dict:
            return {key(k): item(v) for k, v in data.items()}
        raise _MismatchError

    return run


_pending_decoders: _Pending = []
_compiled_decoders: dict[Any, Decoder] = {}
_D_SCALARS: dict[Any, Decoder] = {bool: _d_exact(bool), int: _d_exact(int), str: _d_exact(str),
                                  float: _d_float, datetime: _d_datetime}


def decoder(hint: Any) -> Decoder:
    """The compiled decoder of JSON data declared as ``hint`` (cached per hint)."""
    return _compiled_step(hint, _compiled_decoders, _build_decoder, _pending_decoders, decoder)


def _build_decoder(hint: Any) -> Decoder:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [h for h in args if h is not type(None)]
        if len(options) == 1 and len(args) == 2:
            return _d_optional(decoder(options[0]))
        return _decode_generic(hint)
    if hint in _D_SCALARS:
        return _D_SCALARS[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _d_enum(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _d_dataclass(hint)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return _d_fixed_tuple(tuple(decoder(a) for a in args))
    if origin is tuple:
        return _d_list(decoder(args[0]) if args else _decode_generic(Any), tuple)
    if origin in (list, Sequence):
        return _d_list(decoder(args[0]) if args else _decode_generic(Any), list)
    if origin is dict and len(args) == 2 and wire.text_keys(args[0]):
        return _d_text_mapping(decoder(args[0]), decoder(args[1]))
    return _decode_generic(hint)


def decode_fast(data: Any, hint: Any, path: str = "") -> Any:
    """``data`` as :func:`wire.decode` gives it, by the compiled decoder when it fits."""
    try:
        return decoder(hint)(data)
    except _MismatchError:
        return wire.decode(data, hint, path)
