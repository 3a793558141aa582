"""One Open311 channel: poll the server's requests into cases, push status changes back.

The poll asks for what changed since the last successful poll (``updated_after``, or a
``start_date`` window on servers without it), a few minutes of overlap included: records seen
again are duplicates, never new cases.  The cursor moves only after every page was read, so a
poll cut short (a crash, a server error) repeats its window next time and loses nothing.

A channel is known by its name — configured, or ``open311:<jurisdiction>`` — never by how its
URL is spelt: ``localhost`` and ``127.0.0.1``, another host name or a proxy reach the same
channel, whose links, mapping table and cursors hold.  Before a record's status changes are
pushed, the channel reads the request's current state and takes it in, so a push never
overwrites what the source decided since (:func:`console.services.intake_outbox.push_pending`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from console.domain.cases import Source
from console.domain.errors import ValidationError
from console.intake.open311_client import RETRYABLE, Open311Client, Open311Endpoint, Open311Error
from console.intake.open311_parse import Open311FormatError, request_record
from console.services.intake import IntakeContext, IntakeCounts, take_in, take_in_all
from console.services.intake_outbox import (
    DeliveryError,
    PushCounts,
    push_pending,
    queue_status_changes,
)
from console.services.intake_ports import OutboxItem

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
        The channel's name: the key of its links, mapping table and cursors (see
        :func:`channel_name`).
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


class ChannelNameError(ValueError):
    """Neither a channel name nor a jurisdiction was given (one line, Chinese / English)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def channel_name(name: str | None, jurisdiction: str | None = None) -> str:
    """A channel's identity: its configured name, else ``open311:<jurisdiction>``.

    Never the URL's host: the same server reached as ``localhost`` after ``127.0.0.1`` would
    otherwise be a new channel and file every request again.  Raises
    :class:`ChannelNameError` when neither is given, or the name is over 64 characters.
    """
    found = (name or "").strip() or (f"open311:{jurisdiction.strip()}"
                                     if jurisdiction and jurisdiction.strip() else "")
    if not found:
        raise ChannelNameError(
            "请给出渠道名（--channel 或 desk.toml 的 name）或辖区（jurisdiction）：渠道不按 URL 的写法识别"
            " / give a channel name or a jurisdiction: a channel is not known by its URL")
    if len(found) > 64:
        raise ChannelNameError("渠道名过长（上限 64 字）/ channel name too long")
    return found


def former_name(url: str, jurisdiction: str | None = None) -> str:
    """The name earlier versions gave a channel without one: ``open311:<host>[/<jurisdiction>]``."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return (f"open311:{host}" + (f"/{jurisdiction}" if jurisdiction else ""))[:64]


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
        former = former_name(settings.endpoint.url, settings.endpoint.jurisdiction)
        if saved is None and former != settings.name and uow.intake.cursor(former, CURSOR):
            # A centre that relied on the old host-derived default: polling under the new
            # name would file every request again.
            raise ValidationError(
                f"渠道 {settings.name} 从未取过件，而此前的渠道名 {former} 已有记录：请把渠道名设为"
                f" {former}，否则会重复立案 / this server's records are under its former channel name")
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


def refresh(ctx: IntakeContext, settings: Open311Settings, client: Open311Client,
            item: OutboxItem) -> None:
    """Take in the source's current view of ``item``'s request before its change is pushed.

    A server that cannot answer now raises :class:`DeliveryError` (the push waits); one that
    does not serve single requests (a 4xx, an odd body) leaves the last poll's view to judge by.
    """
    try:
        found = client.request(item.external_id)
    except Open311Error as exc:
        if exc.status is None or exc.status >= 500 or exc.status in RETRYABLE:
            raise DeliveryError(exc.message, exc.retry_after) from None
        return
    except Open311FormatError:
        return
    if found is not None:
        record = request_record(settings.name, found, settings.source, ctx.centre.tz)
        if record.external_id == item.external_id:
            take_in(ctx, record)


def push(ctx: IntakeContext, settings: Open311Settings, client: Open311Client | None = None
         ) -> PushCounts:
    """Queue the state changes of this channel's cases and deliver them in order."""
    if settings.push == "none":
        return PushCounts()
    client = client or Open311Client(settings.endpoint)
    queued = queue_status_changes(ctx.uow_factory, settings.name, ctx.clock())
    counts = push_pending(ctx.uow_factory, settings.name,
                          lambda item: client.push(item, settings.push), ctx.clock,
                          refresh=lambda item: refresh(ctx, settings, client, item))
    counts.queued = queued
    return counts
