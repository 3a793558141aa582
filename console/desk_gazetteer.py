"""The seat's gazetteer search (a part of ``LocalDeskBackend``; issue #16).

Every seat of a process shares one :class:`~console.services.gazetteer.GazetteerSearch` per
database (per unit-of-work factory, held weakly so a closed database lets it go): the server
builds a ``LocalDeskBackend`` per request, and the 100 000 places' index must outlive it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, cast

from console.geocode_online import TiandituSearch, geocoder_from, with_online
from console.services.centre import Centre
from console.services.gazetteer import GazetteerHit, GazetteerSearch, GazetteerUnitOfWork
from console.services.uow import UnitOfWork

_SEARCHES: weakref.WeakKeyDictionary[Any, GazetteerSearch] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def shared_search(uow_factory: Callable[[], UnitOfWork]) -> GazetteerSearch:
    """The one search of the database ``uow_factory`` opens."""
    with _LOCK:
        search = _SEARCHES.get(uow_factory)
        if search is None:
            # The composition root's units of work implement the gazetteer port too
            # (db/uow.py proves it to mypy).
            search = GazetteerSearch(cast(Callable[[], GazetteerUnitOfWork], uow_factory))
            _SEARCHES[uow_factory] = search
        return search


class GazetteerReads:
    """``geocode``: mixed into ``LocalDeskBackend``, which provides the attributes declared here."""

    _raw: Callable[[], UnitOfWork]

    @property
    def centre(self) -> Centre:  # provided by the backend
        raise NotImplementedError

    def geocode(self, text: str, limit: int) -> list[GazetteerHit]:
        """Places for what the operator typed, best first, each with its grid cell: the
        gazetteer's, then 天地图's when a key is configured and they are too few."""
        search = shared_search(self._raw)
        centre = self.centre
        hits = search.search(centre, text, limit)
        return with_online(hits, text.strip(), limit, search.finder(centre), online_search())


@functools.cache
def online_search() -> TiandituSearch | None:
    """This process's online search (from its environment, read once), or None."""
    return geocoder_from()
