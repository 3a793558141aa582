"""What the server's access log (uvicorn's, one line a request) leaves out or masks.

* **Accepted fixes.**  Five hundred phones posting a position every 10 s are 4.3 million
  lines a day of ``POST /api/v1/positions 200`` — a journal that buries everything else, and
  at a few hundred requests a second a measurable share of the server's time.  Fixes that
  were stored are left out (the table holds each one, with the time it was received); a
  refused one (4xx, 5xx) is still logged.
* **Device keys.**  An OsmAnd/Traccar app sends its collector's device key in the query
  (``/osmand?id=USER:KEY&lat=…``) and uvicorn logs the whole path: the query of ``/osmand``
  is masked in every line, so the journal never holds a key.
"""

from __future__ import annotations

import logging

#: uvicorn's access logger.
ACCESS_LOGGER = "uvicorn.access"
#: Paths whose accepted requests are not logged.
ROUTINE = frozenset({"/api/v1/positions", "/osmand"})
#: Paths whose query is masked.
SECRET_QUERY = frozenset({"/osmand"})


class RoutineFixes(logging.Filter):
    """Drops accepted fixes from the access log and masks ``/osmand``'s query.

    uvicorn logs ``'%s - "%s %s HTTP/%s" %d'`` with ``(client, method, path_with_query,
    http_version, status)``; a record of any other shape passes untouched.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 5):
            return True
        full = str(args[2])
        path, sep, _query = full.partition("?")
        status = args[4]
        if path in ROUTINE and isinstance(status, int) and status < 400:
            return False
        if path in SECRET_QUERY and sep:
            record.args = (args[0], args[1], f"{path}?…", args[3], status)
        return True


def quiet_routine_fixes(logger: logging.Logger | None = None) -> None:
    """Install :class:`RoutineFixes` on the access logger (once)."""
    target = logger or logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RoutineFixes) for f in target.filters):
        target.addFilter(RoutineFixes())
