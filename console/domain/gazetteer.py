"""The gazetteer's search: a place from part of its name, its address or its pinyin initials.

A gazetteer (门牌 / POI) holds tens to hundreds of thousands of named points.  The desk's
location field asks it on every keystroke, so :class:`PlaceIndex` keeps everything in memory
as :func:`~console.domain.category_search.search_key` gives it (full-width folded, case folded,
punctuation and spaces dropped) and answers in tiers, as the category resolver does — a better
tier always ranks above a worse one:

1. the name is what was typed, then names that begin with it, then names that contain it;
2. the name's pinyin initials begin with, then contain, what was typed (``xhcs`` 新华超市);
3. the name followed by the address contains it (``解放路12``), or it is a whole name and then
   part of that place's address (``新华超市解放路``);
4. only when those give fewer than ``limit`` places: a fuzzy match of name and address
   (rapidfuzz's ``partial_ratio``, at least :data:`FUZZY_CUTOFF`), for a wrong character
   (新华超是 finds 新华超市).

Within a tier the earlier match, then the shorter name, then the older place comes first.
Substring scans run over the distinct names and initials (chains repeat a name hundreds of
times), so a keystroke over 100 000 places costs a few milliseconds; docs/BENCHMARKS.md has
the measured figures.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from console.domain.category_search import pinyin_initials, search_key

#: How many places a search returns unless told.
DEFAULT_LIMIT = 10
#: The fuzzy tier's least rapidfuzz score (0–100): one wrong character of four still passes.
FUZZY_CUTOFF = 75.0
#: Shorter input is not matched fuzzily: one or two characters are close to everything.
FUZZY_MIN_LENGTH = 3


@dataclass(frozen=True, slots=True)
class Place:
    """A named point of the gazetteer, in WGS-84 degrees.

    ``initials`` are the pinyin initials of the name, computed when the place is imported
    (pypinyin costs about a millisecond a name: too slow to redo for 100 000 at every start).
    """

    id: int
    name: str
    address: str
    lon: float
    lat: float
    initials: str


def place_initials(name: str) -> str:
    """The initials a place is searched by: those category search uses (新华超市 -> ``xhcs``)."""
    return pinyin_initials(name)


def place_key(name: str, address: str) -> str:
    """What makes two places the same: name and address as they are compared."""
    return f"{search_key(name)}|{search_key(address)}"


class PlaceMatch(enum.StrEnum):
    """Which tier found a place."""

    NAME = "name"
    INITIALS = "initials"
    ADDRESS = "address"
    FUZZY = "fuzzy"


@dataclass(frozen=True, slots=True)
class FoundPlace:
    """A place a search found, how, and its score (100 for every tier but the fuzzy one)."""

    place: Place
    match: PlaceMatch
    score: float


class PlaceIndex:
    """Every place's search keys, built once and searched per keystroke.

    Parameters
    ----------
    places : iterable of Place
        The gazetteer (any order; ties rank the smaller id first).
    """

    def __init__(self, places: Iterable[Place]) -> None:
        self.places: list[Place] = sorted(places, key=lambda p: p.id)
        self._names: dict[str, list[int]] = {}
        self._initials: dict[str, list[int]] = {}
        self._addresses: list[str] = []
        self._full: list[str] = []
        for i, place in enumerate(self.places):
            name = search_key(place.name)
            address = search_key(place.address)
            self._names.setdefault(name, []).append(i)
            if place.initials:
                self._initials.setdefault(place.initials, []).append(i)
            self._addresses.append(address)
            self._full.append(name + address)

    def __len__(self) -> int:
        return len(self.places)

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[FoundPlace]:
        """The best ``limit`` places for what was typed (none for empty input)."""
        key = search_key(text)
        if not key or limit <= 0:
            return []
        out: list[FoundPlace] = []
        seen: set[int] = set()

        def take(ranked: list[tuple[tuple[int, int, int, int], int]], match: PlaceMatch) -> None:
            for _rank, i in heapq.nsmallest(limit - len(out), ranked):
                if i not in seen:
                    seen.add(i)
                    out.append(FoundPlace(self.places[i], match, 100.0))

        take(self._by_key(self._names, key, exact_first=True), PlaceMatch.NAME)
        if len(out) < limit and key.isascii() and key.isalnum():
            take(self._by_key(self._initials, key, exact_first=False), PlaceMatch.INITIALS)
        if len(out) < limit:
            take(self._in_address(key, seen), PlaceMatch.ADDRESS)
        if len(out) < limit and len(key) >= FUZZY_MIN_LENGTH:
            self._fuzzy(key, limit, out, seen)
        return out

    def _by_key(self, table: dict[str, list[int]], key: str, *, exact_first: bool
                ) -> list[tuple[tuple[int, int, int, int], int]]:
        ranked: list[tuple[tuple[int, int, int, int], int]] = []
        for value, rows in table.items():
            pos = value.find(key)
            if pos < 0:
                continue
            tier = 0 if exact_first and value == key else (1 if pos == 0 else 2)
            ranked.extend(((tier, pos, len(value), i), i) for i in rows)
        return ranked

    def _in_address(self, key: str, seen: set[int]) -> list[tuple[tuple[int, int, int, int], int]]:
        """Places whose name and address hold ``key``: in one run (``新华超市芹阳``), or a
        whole name then part of its address (``新华超市解放街`` for 新华超市, 芹阳办事处解放街)."""
        ranked = [((0, pos, len(full), i), i) for i, full in enumerate(self._full)
                  if (pos := full.find(key)) >= 0 and i not in seen]
        found = {i for _r, i in ranked} | seen
        for name, rows in self._names.items():
            if 2 <= len(name) < len(key) and key.startswith(name):
                rest = key[len(name):]
                ranked.extend(((1, pos, len(self._full[i]), i), i) for i in rows
                              if i not in found and (pos := self._addresses[i].find(rest)) >= 0)
        return ranked

    def _fuzzy(self, key: str, limit: int, out: list[FoundPlace], seen: set[int]) -> None:
        # Imported on first use: most searches end in the substring tiers.
        from rapidfuzz import fuzz, process

        found = process.extract(key, self._full, scorer=fuzz.partial_ratio, processor=None,
                                limit=limit + len(seen), score_cutoff=FUZZY_CUTOFF)
        # extract orders by score only; ties go to the shorter key, then the older place.
        found.sort(key=lambda hit: (-hit[1], len(hit[0]), hit[2]))
        for _choice, score, i in found:
            if len(out) >= limit:
                break
            if i not in seen:
                seen.add(i)
                out.append(FoundPlace(self.places[i], PlaceMatch.FUZZY, float(score)))

