"""Instants as people read them: always in the centre's zone, never the machine's.

A desk in Beijing and a laptop set to New York must show a case reported at 09:12 in Kaihua
as 09:12, and so must ``citydesk case show`` and the wall.  ``datetime.astimezone()`` without
an argument, ``fromtimestamp`` and ``QDateTime`` use the machine's zone; every displayed time
goes through these functions instead, given the centre (``centre.yaml``'s ``timezone``).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Protocol


class Zoned(Protocol):
    """Anything that knows the centre's zone (:class:`console.services.centre.Centre`)."""

    @property
    def tz(self) -> tzinfo:
        """The centre's time zone."""
        ...


def in_centre(centre: Zoned, instant: datetime) -> datetime:
    """``instant`` on the centre's wall clock.

    Stored instants are aware (UTC); a naive one is read as UTC, the database's convention,
    never as the machine's local time.
    """
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(centre.tz)


def date_time(centre: Zoned, instant: datetime) -> str:
    """``2026-11-25 09:12``: a time with its full date (fields, the CLI's timeline)."""
    return f"{in_centre(centre, instant):%Y-%m-%d %H:%M}"


# ``short`` and ``clock`` put the fields together rather than call strftime: strftime imports
# the time module on every call, and with PySide6 loaded every import goes through its import
# hook (4.8 µs against 1.2 µs a time; the map's collector layer formats 500 per refresh).


def short(centre: Zoned, instant: datetime) -> str:
    """``11-25 09:12``: a time in a list or a timeline (the year is this year's or obvious)."""
    t = in_centre(centre, instant)
    return f"{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def clock(centre: Zoned, instant: datetime, seconds: bool = False) -> str:
    """``09:12`` or ``09:12:05``: a time of today (the wall's clock, "data as of")."""
    t = in_centre(centre, instant)
    if seconds:
        return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    return f"{t.hour:02d}:{t.minute:02d}"


def day(centre: Zoned, instant: datetime) -> str:
    """``2026-11-25``: the centre's calendar day of ``instant``."""
    return f"{in_centre(centre, instant):%Y-%m-%d}"
