"""The event log's hash chain: each row's SHA-256 covers its own fields and the previous hash.

Changing any byte of a stored event (or removing one from the middle) changes the hash that
row should have and every hash after it, so walking the log in id order finds the first row
that no longer fits.  The canonical form below is part of the stored data: changing it breaks
every existing chain, so it is versioned (``CHAIN_VERSION``) and never edited in place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from console.domain.cases import Event

CHAIN_VERSION = 1
GENESIS = "0" * 64
"""The "previous hash" of the first row."""


def _instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # read in the process's local zone: nothing to remember
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return _utc_text(value, value.fold)


@lru_cache(maxsize=4096, typed=True)
def _utc_text(value: datetime, fold: int) -> str:
    # Remembered: a batch of events repeats a few instants (its ``now``, a shared deadline).
    # ``fold`` is in the key because two wall times of one zone that differ only in ``fold``
    # compare (and hash) equal yet are different instants.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


# One encoder for every row: ``json.dumps`` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _text(value: Any) -> str | None:
    # Enum members and plain strings must hash alike: the row stores the value.
    return None if value is None else str(getattr(value, "value", value))


def canonical(event: Event) -> bytes:
    """The bytes of an event the chain hashes (its id included, so a gap is a break)."""
    doc = [
        CHAIN_VERSION,
        event.id,
        event.case_id,
        event.type,
        _text(event.from_state),
        _text(event.to_state),
        event.actor,
        _text(event.role),
        event.desk,
        event.unit,
        event.stage,
        _instant(event.stage_deadline),
        event.on_time,
        dict(event.payload),
        _instant(event.occurred_at),
        event.request_id,
    ]
    return _ENCODER.encode(doc).encode()


def chain_hash(previous: str, event: Event) -> str:
    """The hash an event's row stores, given the previous row's hash."""
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(canonical(event))
    return digest.hexdigest()


def link(previous: str, events: Iterable[Event]) -> Iterator[tuple[Event, str]]:
    """Each event with its chained hash, starting after ``previous``."""
    for event in events:
        previous = chain_hash(previous, event)
        yield event, previous


@dataclass(frozen=True, slots=True)
class Break:
    """The first row whose stored hash does not match its contents and predecessor."""

    event_id: int
    expected: str
    stored: str | None
    reason: str


def first_break(previous: str, rows: Iterable[tuple[Event, str | None]]) -> tuple[str, Break | None]:
    """Walk stored ``(event, hash)`` pairs; return the last good hash and the first break.

    Rows must come in id order.  The walk stops at the first break: after it every hash is
    expected to differ, and naming the first is what an auditor needs.
    """
    for event, stored in rows:
        assert event.id is not None
        expected = chain_hash(previous, event)
        if stored != expected:
            reason = "hash missing" if stored is None else "contents or order changed"
            return previous, Break(event.id, expected, stored, reason)
        previous = stored
    return previous, None
