"""The logs' hash chains: each row's MAC covers its own fields and the previous row's.

Changing any byte of a stored row (or removing one from the middle) changes the value that row
should have and, through it, the chain, so walking a log in id order finds the rows that no
longer fit.  Two schemes exist:

* ``hmac-sha256`` (revision 0016 on): ``HMAC-SHA256(key, previous ‖ canonical row)`` with a key
  the database never holds (a file only the server account reads, see
  ``console/chain_key.py``).  Each row stores the id of the key it was chained with, so keys
  can rotate; whoever holds only the database cannot forge a row that verifies.
* ``sha256`` (rows written before 0016, ``key_id`` NULL): ``SHA-256(previous ‖ canonical)``,
  still verifiable, reported as unkeyed.  Once a log holds a keyed row, an unkeyed row after it
  is a break: otherwise a forger would simply append unkeyed rows.

The canonical forms below are part of the stored data: changing one breaks every existing chain,
so they are versioned (``CHAIN_VERSION``) and never edited in place.  Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from console.domain.cases import Event

CHAIN_VERSION = 1
GENESIS = "0" * 64
"""The "previous hash" of the first row."""
LEGACY_SCHEME = "sha256"
KEYED_SCHEME = "hmac-sha256"
MIN_SECRET = 32
"""Bytes of a chain key's secret (at least: a 256-bit key for HMAC-SHA256)."""
_KEY_ID = re.compile(r"^k[0-9a-f]{15}$")


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


def canonical_doc(doc: Sequence[Any]) -> bytes:
    """The bytes of any other chained row (the admin log's): its fields as a JSON list."""
    return _ENCODER.encode([_instant(v) if isinstance(v, datetime) else v for v in doc]).encode()


def chain_hash(previous: str, event: Event) -> str:
    """The unkeyed (``sha256``) hash an event's row stores, given the previous row's hash."""
    return legacy_seal(previous, canonical(event))


def legacy_seal(previous: str, body: bytes) -> str:
    """``SHA-256(previous ‖ body)``: the scheme of rows without a key id."""
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(body)
    return digest.hexdigest()


def key_id_for(secret: bytes) -> str:
    """The public id of a secret: 'k' and 15 hex digits of a hash that reveals nothing usable."""
    return "k" + hashlib.sha256(b"citydesk-chain-key-id\x00" + secret).hexdigest()[:15]


class ChainKey:
    """One HMAC key of the chain and its id.

    Parameters
    ----------
    secret : bytes
        At least :data:`MIN_SECRET` random bytes.
    key_id : str, optional
        Must be :func:`key_id_for` of the secret (the default); a key file naming another id
        for a secret is refused, so two files cannot claim one id for different keys.
    """

    __slots__ = ("_base", "key_id")

    def __init__(self, secret: bytes, key_id: str | None = None) -> None:
        if len(secret) < MIN_SECRET:
            raise ValueError(f"a chain key needs at least {MIN_SECRET} bytes")
        derived = key_id_for(secret)
        if key_id is not None and key_id != derived:
            raise ValueError(f"key id {key_id} does not belong to its secret ({derived})")
        self.key_id = derived
        # The inner and outer pads are hashed once here; each row copies the state (~40 %
        # cheaper than hmac.new per row).
        self._base = hmac.new(secret, digestmod=hashlib.sha256)

    def seal(self, previous: str, body: bytes) -> str:
        """``HMAC-SHA256(key, previous ‖ body)`` as hex."""
        mac = self._base.copy()
        mac.update(previous.encode("ascii"))
        mac.update(body)
        return mac.hexdigest()

    def __repr__(self) -> str:
        return f"ChainKey({self.key_id})"  # never the secret


@dataclass(frozen=True)
class KeyRing:
    """The keys a process knows, oldest first; the last one chains new rows."""

    keys: tuple[ChainKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a key ring needs at least one key")

    @property
    def current(self) -> ChainKey:
        """The key new rows are chained with."""
        return self.keys[-1]

    def get(self, key_id: str) -> ChainKey | None:
        """The key of that id, or None when this ring does not hold it."""
        return next((k for k in self.keys if k.key_id == key_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every key id, oldest first."""
        return tuple(k.key_id for k in self.keys)


def is_key_id(text: str) -> bool:
    """True for a well-formed key id."""
    return bool(_KEY_ID.match(text))


def link(previous: str, events: Iterable[Event],
         key: ChainKey | None = None) -> Iterator[tuple[Event, str]]:
    """Each event with its chained value, starting after ``previous`` (unkeyed without a key)."""
    for event in events:
        body = canonical(event)
        previous = legacy_seal(previous, body) if key is None else key.seal(previous, body)
        yield event, previous


@dataclass(frozen=True, slots=True)
class Break:
    """A row whose stored value does not match its contents and predecessor.

    ``event_id`` is the row's id (in the event log or, for its breaks, the admin log).
    """

    event_id: int
    expected: str | None
    stored: str | None
    reason: str


def first_break(previous: str, rows: Iterable[tuple[Event, str | None]]) -> tuple[str, Break | None]:
    """Walk stored unkeyed ``(event, hash)`` pairs; return the last good hash and the first break.

    Rows must come in id order.  (The full walk, keyed rows and several breaks, is
    :class:`ChainWalk`.)
    """
    for event, stored in rows:
        assert event.id is not None
        expected = chain_hash(previous, event)
        if stored != expected:
            reason = "hash missing" if stored is None else "contents or order changed"
            return previous, Break(event.id, expected, stored, reason)
        previous = stored
    return previous, None


@dataclass(frozen=True, slots=True)
class Link:
    """One stored row as a chain walk sees it: id, canonical bytes, key id, stored value."""

    row_id: int
    body: bytes
    key_id: str | None
    stored: str | None


#: Most breaks a walk keeps (it counts them all).
MAX_BREAKS = 100
#: Reasons a walk gives (English; the command line translates them).
MISSING = "hash missing"
CHANGED = "contents or order changed"
DOWNGRADE = "unkeyed row after keyed rows"
BEYOND_HEAD = "beyond the chain head (not appended through the chain)"


@dataclass
class ChainWalk:
    """Walk one log in id order, checking every row it can and carrying on past breaks.

    After a row that does not fit, the walk tries the next row against both readings of
    what happened: the bad row was *inserted* (the next row chains to the value before it)
    or *changed* (the next row chains to its stored value).  So one forged or altered row is
    reported alone, a deleted row is reported at the row after the gap, and the rest of the
    log is still checked: one bogus row never hides what follows it.

    Parameters
    ----------
    keys : KeyRing or None
        The keys to check ``hmac-sha256`` rows with; rows of a key not held (or every keyed
        row, without a ring) are counted in :attr:`unchecked` and taken as they stand.
    previous : str
        The value the first row chains to.
    """

    keys: KeyRing | None
    previous: str = GENESIS
    rows: int = 0
    matched_before_break: int = 0
    last_good_id: int = 0
    last_id: int = 0
    keyed: int = 0
    unkeyed: int = 0
    unchecked: dict[str, int] = field(default_factory=dict)
    breaks: list[Break] = field(default_factory=list)
    break_count: int = 0
    seen: dict[int, str | None] = field(default_factory=dict)
    """Stored values of the rows named in :attr:`watch` (anchors), by id."""
    watch: frozenset[int] = frozenset()
    _candidates: list[str] = field(default_factory=list)
    _good_head: str = ""

    def __post_init__(self) -> None:
        self._candidates = [self.previous]

    @property
    def head(self) -> str:
        """The stored value of the last row that fitted its chain (the start value if none)."""
        return self._good_head or self.previous

    def feed(self, links: Iterable[Link]) -> None:
        """Check the next rows (in id order)."""
        for row in links:
            self._one(row)

    def _expected(self, previous: str, row: Link) -> str | None:
        if row.key_id is None:
            return legacy_seal(previous, row.body)
        key = None if self.keys is None else self.keys.get(row.key_id)
        return None if key is None else key.seal(previous, row.body)

    def _one(self, row: Link) -> None:
        self.rows += 1
        self.last_id = row.row_id
        if row.row_id in self.watch:
            self.seen[row.row_id] = row.stored
        if row.key_id is not None:
            self.keyed += 1
        if row.key_id is None and self.keyed:
            self._break(row, None, DOWNGRADE)
            return
        if row.key_id is None:
            self.unkeyed += 1
        if row.stored is None:
            # The row itself may be intact: what it should hold lets the next row chain on.
            expected = self._expected(self._candidates[-1], row)
            self._break(row, expected, MISSING)
            if expected is not None:
                self._candidates.append(expected)
            return
        first: str | None = None
        for previous in reversed(self._candidates):
            expected = self._expected(previous, row)
            if expected is None:  # a key this walk does not hold: cannot tell, take it
                self.unchecked[str(row.key_id)] = self.unchecked.get(str(row.key_id), 0) + 1
                self._good(row)
                return
            first = first or expected
            if hmac.compare_digest(expected, row.stored):
                self._good(row)
                return
        self._break(row, first, CHANGED)

    def _good(self, row: Link) -> None:
        assert row.stored is not None
        self._candidates = [row.stored]
        self._good_head = row.stored
        if not self.break_count:
            self.matched_before_break += 1
            self.last_good_id = row.row_id

    def _break(self, row: Link, expected: str | None, reason: str) -> None:
        self.break_count += 1
        if len(self.breaks) < MAX_BREAKS:
            self.breaks.append(Break(row.row_id, expected, row.stored, reason))
        # The next row may chain past this one (it was inserted) or through it (changed).
        keep = self._candidates[-2:]
        self._candidates = [*keep, row.stored] if row.stored is not None else keep

    def note_break(self, row_id: int, reason: str, stored: str | None = None) -> None:
        """Record a break found outside the walk (a row beyond the chain head, say)."""
        self.break_count += 1
        if len(self.breaks) < MAX_BREAKS:
            self.breaks.append(Break(row_id, None, stored, reason))
