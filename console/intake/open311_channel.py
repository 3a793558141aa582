"""One Open311 channel: poll the server's requests into cases, push status changes back.

The poll asks for what changed since the last successful poll (``updated_after``, or a
``start_date`` window on servers without it), a few minutes of overlap included: records seen
again are duplicates, never new cases.  The cursor moves only after every page was read, so a
poll cut short (a crash, a server error) repeats its window next time and loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from console.domain.cases import Source
from console.intake.open311_client import Open311Client, Open311Endpoint
from console.intake.open311_parse import request_record
from console.services.intake import IntakeContext, IntakeCounts, take_in_all
from console.services.intake_outbox import PushCounts, push_pending, queue_status_changes

CURSOR = "updated_after"
OVERLAP = timedelta(minutes=5)
MAX_WINDOW = timedelta(days=90)  # GeoReport: a date range may not exceed 90 days
PUSH_MODES = ("updates", "requests", "none")


@dataclass(frozen=True, slots=True)
class Open311Settings:
    """A configured Open311 channel.

    Parameters
    ----------
    name : str
        The channel's name: the key of its links, mapping table and cursors.
    endpoint : Open311Endpoint
    source : str
        The CityDesk source of its reports (default 网络/微信).
    lookback_days : int
        How far back the first poll reaches.
    updated_after : bool
        The server understands the v2.1 ``updated_after`` parameter; else polls use
        ``start_date`` windows on the request time.
    push : {"updates", "requests", "none"}
        How status changes go back (see :meth:`Open311Client.push`).
    interval : float
        Seconds between the worker's polls.
    """

    name: str
    endpoint: Open311Endpoint
    source: str = Source.WEB.value
    lookback_days: int = 7
    updated_after: bool = True
    push: str = "updates"
    interval: float = 300.0


def channel_name(url: str, jurisdiction: str | None = None) -> str:
    """The default channel name of an endpoint: ``open311:`` + host (+ ``/`` jurisdiction)."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    name = f"open311:{host}" + (f"/{jurisdiction}" if jurisdiction else "")
    return name[:64]


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def poll(ctx: IntakeContext, settings: Open311Settings, client: Open311Client | None = None,
         progress: Callable[[IntakeCounts], bool] | None = None) -> IntakeCounts:
    """Fetch what changed since the last poll and take every request in; returns the counts.

    Raises :class:`~console.intake.open311_client.Open311Error` or
    :class:`~console.intake.open311_parse.Open311FormatError` when a page cannot be read;
    the records of earlier pages stay taken in, the cursor stays where it was.
    """
    client = client or Open311Client(settings.endpoint)
    now = ctx.clock()
    with ctx.uow_factory() as uow:
        saved = uow.intake.cursor(settings.name, CURSOR)
    since = datetime.fromisoformat(saved) - OVERLAP if saved else \
        now - timedelta(days=settings.lookback_days)
    since = max(since, now - MAX_WINDOW)
    if saved and settings.updated_after:
        window = {"updated_after": _iso(since)}
    else:
        window = {"start_date": _iso(since), "end_date": _iso(now)}
    counts = IntakeCounts()
    newest = datetime.fromisoformat(saved) if saved else now - OVERLAP
    for page in client.requests(**window):
        records = [request_record(settings.name, item, settings.source, ctx.centre.tz)
                   for item in page]
        take_in_all(ctx, records, counts, progress)
        for record in records:
            seen = record.remote_updated_at or (record.report.reported_at if record.report else None)
            if seen is not None and now + OVERLAP >= seen > newest:
                newest = seen  # the server's clock, not ours: no gap from clock skew
    with ctx.uow_factory() as uow:
        uow.intake.set_cursor(settings.name, CURSOR, newest.isoformat(), now)
        uow.commit()
    return counts


def push(ctx: IntakeContext, settings: Open311Settings, client: Open311Client | None = None
         ) -> PushCounts:
    """Queue the state changes of this channel's cases and deliver them in order."""
    if settings.push == "none":
        return PushCounts()
    client = client or Open311Client(settings.endpoint)
    queued = queue_status_changes(ctx.uow_factory, settings.name, ctx.clock())
    counts = push_pending(ctx.uow_factory, settings.name,
                          lambda item: client.push(item, settings.push), ctx.clock)
    counts.queued = queued
    return counts
