"""Daily anchors: a signed note of where each chained log ended, kept outside the database.

A chain shows that no row was changed or removed *between* others; cutting rows off the end
leaves a shorter chain that still verifies.  An anchor written each day to a file outside the
database (``citydesk audit anchor``, the worker) says "at this instant the event log ended at
id N with value H, the admin log at id M with value G", under an HMAC of the chain key.  Later,
``citydesk audit verify --anchors DIR`` finds every anchored row again with the same stored
value; a log that now ends before an anchored id was cut.

One anchor is one line of text::

    CITYDESK-ANCHOR 1 2026-12-06T16:00:00+00:00 events=4711:<64 hex> admin=12:<64 hex> key=k… mac=<64 hex>

Pure: signing and reading lines; the files are ``console/chain_key.py``'s business.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from console.domain.audit import ChainKey, KeyRing, is_key_id

TAG = "CITYDESK-ANCHOR"
VERSION = "1"
_HEAD = re.compile(r"^(?P<log>[a-z]+)=(?P<id>\d{1,19}):(?P<hash>[0-9a-f]{64})$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Head:
    """Where one chained log ends: its last row's id and stored value (0 and GENESIS: empty)."""

    log: str
    last_id: int
    value: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """A signed set of heads at an instant."""

    at: datetime
    heads: tuple[Head, ...]
    key_id: str
    mac: str

    def body(self) -> str:
        """The signed text (the line without its ``mac=`` field)."""
        heads = " ".join(f"{h.log}={h.last_id}:{h.value}" for h in self.heads)
        return f"{TAG} {VERSION} {self.at.astimezone(UTC).isoformat()} {heads} key={self.key_id}"

    def line(self) -> str:
        """The whole line, as written to an anchor file."""
        return f"{self.body()} mac={self.mac}"

    def head(self, log: str) -> Head | None:
        """The head of that log, if the anchor names it."""
        return next((h for h in self.heads if h.log == log), None)


def _mac(key: ChainKey, body: str) -> str:
    # "anchor:" in place of a previous value: a chain row's MAC input starts with 64 hex
    # digits, so no anchor can be replayed as a row or the other way round.
    return key.seal("anchor:", body.encode())


def sign(key: ChainKey, at: datetime, heads: Sequence[Head]) -> Anchor:
    """An anchor of ``heads`` at ``at`` (aware), signed with ``key``."""
    if at.tzinfo is None:
        raise ValueError("an anchor's instant must be timezone-aware")
    draft = Anchor(at.astimezone(UTC), tuple(heads), key.key_id, "")
    return Anchor(draft.at, draft.heads, draft.key_id, _mac(key, draft.body()))


def parse(line: str) -> Anchor:
    """An anchor from its line; ValueError naming what is wrong."""
    parts = line.strip().split(" ")
    if len(parts) < 6 or parts[0] != TAG:
        raise ValueError("not an anchor line")
    if parts[1] != VERSION:
        raise ValueError(f"unknown anchor version {parts[1]!r}")
    try:
        at = datetime.fromisoformat(parts[2])
    except ValueError:
        raise ValueError(f"bad instant {parts[2]!r}") from None
    if at.tzinfo is None:
        raise ValueError("the instant has no zone")
    key, mac = parts[-2], parts[-1]
    if not key.startswith("key=") or not is_key_id(key[4:]):
        raise ValueError("bad key id")
    if not mac.startswith("mac=") or not _HEX64.match(mac[4:]):
        raise ValueError("bad mac")
    heads = []
    for text in parts[3:-2]:
        m = _HEAD.match(text)
        if m is None:
            raise ValueError(f"bad head {text[:40]!r}")
        heads.append(Head(m["log"], int(m["id"]), m["hash"]))
    return Anchor(at.astimezone(UTC), tuple(heads), key[4:], mac[4:])


def authentic(anchor: Anchor, keys: KeyRing | None) -> bool | None:
    """True when the MAC checks, False when it does not, None without its key."""
    key = None if keys is None else keys.get(anchor.key_id)
    if key is None:
        return None
    return hmac.compare_digest(_mac(key, anchor.body()), anchor.mac)
